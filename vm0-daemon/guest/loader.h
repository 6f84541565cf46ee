/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Placing a guest's kernel, initramfs and device tree in its RAM. The
 * kernel is a Linux arm64 Image, or for bare-metal and RTOS guests an ELF64
 * (loaded by its program headers, loader_elf.c) or a raw binary (at
 * kernel_load_ipa). The planning functions are pure (headers and sizes in,
 * addresses out) so they can be tested and fuzzed; loader_prepare and
 * loader_copy do the file I/O.
 */
#ifndef KEELD_LOADER_H
#define KEELD_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <keel/vm.h>

#include "config/config.h"

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

#define LOADER_MAX_SEGS 8

/* File bytes [offset, offset+filesz) go to ipa; up to memsz is zeroed. */
struct load_seg {
	uint64_t ipa, offset, filesz, memsz;
	uint64_t vaddr;                   /* ELF: the address it was linked at */
};

struct boot_layout {
	uint64_t kernel_ipa, kernel_end;  /* lowest and end of what the image spans */
	uint64_t entry;                   /* Linux: kernel_ipa */
	unsigned nr_segs;
	struct load_seg seg[LOADER_MAX_SEGS];
	uint64_t initrd_ipa, initrd_end;  /* equal: none */
	uint64_t dtb_ipa, dtb_max;
};

/* A Linux Image: where it goes, then initramfs and DT around it. */
int loader_plan(const struct vm_config *cfg, uint64_t kernel_len, uint64_t text_offset,
		uint64_t image_size, uint64_t initrd_len, uint64_t dtb_max,
		struct boot_layout *out, char *err, size_t errlen);

/* A bare-metal raw binary of kernel_len bytes at cfg->kernel_ipa (default:
 * the first RAM region's base), started at cfg->entry (default: its first
 * byte). */
int loader_plan_raw(const struct vm_config *cfg, uint64_t kernel_len, uint64_t initrd_len,
		    uint64_t dtb_max, struct boot_layout *out, char *err, size_t errlen);

/* A bare-metal image whose segments (out->seg, out->nr_segs) and entry
 * (out->entry, unless cfg->entry says otherwise) are known: check they lie
 * in RAM apart from each other, then place initramfs and DT. */
int loader_plan_segs(const struct vm_config *cfg, uint64_t initrd_len, uint64_t dtb_max,
		     struct boot_layout *out, char *err, size_t errlen);

/* ELF64 (loader_elf.c). elf_header checks the first ELF_EHDR_SIZE bytes of
 * a file of file_len bytes and says where its program headers are;
 * elf_segments turns those into out->seg and out->entry. Every message
 * starts with what ("vm1.json: kernel: /path"). */
#define ELF_EHDR_SIZE 64
#define ELF_PH_MAX 64
int elf_header(const uint8_t *eh, size_t len, uint64_t file_len, uint64_t *phoff,
	       unsigned *phnum, const char *what, char *err, size_t errlen);
int elf_segments(const uint8_t *eh, const uint8_t *ph, unsigned phnum, uint64_t file_len,
		 struct boot_layout *out, const char *what, char *err, size_t errlen);
bool elf_magic(const uint8_t *hdr, size_t len);

/* With identity_map the hypervisor puts each RAM region at its pool block
 * (IPA = PA), wherever that is: move the regions in c to gm's addresses,
 * and the load, entry, initramfs and DT addresses c names inside a region
 * with them (same offset into the region). */
void loader_relocate(struct vm_config *c, const struct guest_mem *gm);

/* Read the kernel file's headers and plan the boot by c->image_type. */
int loader_prepare(const struct vm_config *c, uint64_t initrd_len, uint64_t dtb_max,
		   struct boot_layout *out, char *err, size_t errlen);

/* Read len bytes of a file from offset into guest memory at ipa. */
/* Reads len bytes at off of path into buf, zero-filling past its end. */
int loader_read_at(const char *path, uint8_t *buf, size_t len, uint64_t off, char *err,
		   size_t errlen);
int loader_copy(const struct guest_mem *gm, const char *path, uint64_t offset, uint64_t ipa,
		uint64_t len, char *err, size_t errlen);

#endif
