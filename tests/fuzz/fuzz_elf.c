// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a bare-metal guest's ELF64 image (loader_elf.c) and
 * where its segments go (loader_plan_segs). The input is the whole file, as
 * an exact-size heap copy so ASan sees any read past it. What the loader
 * accepts must be safe to copy: every segment's file bytes inside the file,
 * p_filesz <= p_memsz, each segment inside the guest's RAM and apart from
 * the others and from the DT, the entry point inside loaded bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/loader.h"

static void fail(const char *what, unsigned long long a)
{
	fprintf(stderr, "fuzz_elf: %s (%#llx)\n", what, a);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config c = { .nr_mem = 2, .image_type = CFG_IMAGE_BARE,
			       .mem = { { 0x40000000, 64 << 20 }, { 0x80000000, 2 << 20 } } };
	uint8_t *file = malloc(size ? size : 1);
	struct boot_layout b = { 0 };
	char err[CFG_ERR_MAX];
	uint64_t phoff;
	unsigned phnum;

	if (!file)
		return 0;
	memcpy(file, data, size);
	snprintf(c.label, sizeof(c.label), "fuzz.json");
	if (elf_header(file, size, size, &phoff, &phnum, "fuzz", err, sizeof(err)) ||
	    elf_segments(file, file + phoff, phnum, size, &b, "fuzz", err, sizeof(err)) ||
	    loader_plan_segs(&c, size & 0xffff, 64 << 10, &b, err, sizeof(err)))
		goto out;
	if (!b.nr_segs || b.nr_segs > LOADER_MAX_SEGS)
		fail("accepted with a segment count out of range", b.nr_segs);
	for (unsigned i = 0; i < b.nr_segs; i++) {
		const struct load_seg *s = &b.seg[i];

		if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz)
			fail("accepted a segment whose bytes are not in the file", s->offset);
		if (!((s->ipa >= 0x40000000 && s->ipa + s->memsz <= 0x44000000) ||
		      (s->ipa >= 0x80000000 && s->ipa + s->memsz <= 0x80200000)))
			fail("accepted a segment outside RAM", s->ipa);
		if (s->ipa < b.dtb_ipa + b.dtb_max && b.dtb_ipa < s->ipa + s->memsz)
			fail("accepted a segment on the DT", s->ipa);
		for (unsigned j = 0; j < i; j++)
			if (s->ipa < b.seg[j].ipa + b.seg[j].memsz && b.seg[j].ipa < s->ipa + s->memsz)
				fail("accepted overlapping segments", s->ipa);
	}
	if (b.entry & 3)
		fail("accepted a misaligned entry", b.entry);
out:
	free(file);
	return 0;
}
