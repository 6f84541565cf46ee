/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Placing a guest's kernel Image, initramfs and device tree in its RAM.
 * loader_plan is pure (sizes in, addresses out) so it can be tested and
 * fuzzed; loader_copy does the file I/O into mapped guest memory.
 */
#ifndef KEELD_LOADER_H
#define KEELD_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include <keel/vm.h>

#include "config.h"

#define SZ_2M (2ULL << 20)
#define IMAGE_HDR_SIZE 64

struct guest_region {
	uint64_t ipa, size;
	uint8_t *host;     /* mmap of /dev/keel, NULL if not mapped */
};

struct guest_mem {
	unsigned n;
	struct guest_region r[KEEL_VM_MAX_MEM];
};

/* Host pointer for [ipa, ipa+len) if it lies wholly in one mapped region. */
uint8_t *guest_ptr(const struct guest_mem *gm, uint64_t ipa, uint64_t len);

/* arm64 Image header (Documentation/arch/arm64/booting.rst): "ARM\x64" at
 * 0x38, text_offset at 8, image_size (incl. BSS) at 16. */
int image_parse(const uint8_t *hdr, size_t len, uint64_t *text_offset, uint64_t *image_size);

struct boot_layout {
	uint64_t kernel_ipa, kernel_end;  /* entry = kernel_ipa */
	uint64_t initrd_ipa, initrd_end;  /* equal: none */
	uint64_t dtb_ipa, dtb_max;
};

int loader_plan(const struct vm_config *cfg, uint64_t kernel_len, uint64_t text_offset,
		uint64_t image_size, uint64_t initrd_len, uint64_t dtb_max,
		struct boot_layout *out, char *err, size_t errlen);

/* Read a whole file into guest memory at ipa (len bytes, which the caller
 * got from stat). */
int loader_copy(const struct guest_mem *gm, const char *path, uint64_t ipa, uint64_t len,
		char *err, size_t errlen);

#endif
