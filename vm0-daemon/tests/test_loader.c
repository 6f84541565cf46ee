// SPDX-License-Identifier: GPL-2.0
/* Host tests: arm64 Image header and where kernel, initramfs and DT go. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "guest/loader.h"

static char err[CFG_ERR_MAX];

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_image_parse(void **state)
{
	uint8_t h[64] = { 0 };
	uint64_t to, sz;

	assert_int_equal(image_parse(h, sizeof(h), &to, &sz), -ENOEXEC);
	memcpy(h + 0x38, "ARM\x64", 4);
	put64(h + 8, 0);
	put64(h + 16, 40 << 20);
	assert_int_equal(image_parse(h, sizeof(h), &to, &sz), 0);
	assert_int_equal(to, 0);
	assert_int_equal(sz, 40 << 20);
	put64(h + 16, 0);   /* old kernel: text_offset 0x80000 */
	assert_int_equal(image_parse(h, sizeof(h), &to, &sz), 0);
	assert_int_equal(to, 0x80000);
	put64(h + 8, 4ULL << 20);  /* text_offset beyond 2 MiB: nonsense */
	put64(h + 16, 1 << 20);
	assert_int_equal(image_parse(h, sizeof(h), &to, &sz), -ENOEXEC);
	assert_int_equal(image_parse(h, 32, &to, &sz), -ENOEXEC);
}

static struct vm_config keel_cfg(uint64_t mem)
{
	struct vm_config c = { .nr_mem = 1, .mem = { { 0x40000000, mem } } };

	snprintf(c.label, sizeof(c.label), "vm1.json");
	return c;
}

static void test_plan_default(void **state)
{
	struct vm_config c = keel_cfg(256 << 20);
	struct boot_layout b;

	assert_int_equal(loader_plan(&c, 33 << 20, 0, 40 << 20, 10 << 20, 64 << 10, &b, err, sizeof(err)), 0);
	assert_int_equal(b.kernel_ipa, 0x40000000);
	assert_int_equal(b.kernel_end, 0x40000000 + (40 << 20));
	assert_int_equal(b.initrd_ipa, 0x42800000);
	assert_int_equal(b.initrd_end, 0x42800000 + (10 << 20));
	assert_int_equal(b.dtb_ipa, 0x4fe00000);

	/* no initramfs */
	assert_int_equal(loader_plan(&c, 33 << 20, 0x80000, 40 << 20, 0, 64 << 10, &b, err, sizeof(err)), 0);
	assert_int_equal(b.kernel_ipa, 0x40080000);
	assert_int_equal(b.initrd_ipa, b.initrd_end);
}

static void test_plan_too_small(void **state)
{
	struct vm_config c = keel_cfg(32 << 20);
	struct boot_layout b;

	assert_int_equal(loader_plan(&c, 33 << 20, 0, 40 << 20, 0, 64 << 10, &b, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "vm1.json: kernel: the Image needs 40 MiB at 0x40000000; its RAM region ends at 0x42000000");
	c = keel_cfg(48 << 20);
	assert_int_equal(loader_plan(&c, 33 << 20, 0, 40 << 20, 9 << 20, 64 << 10, &b, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "vm1.json: initramfs: 9216 KiB does not fit"));
	c = keel_cfg(42 << 20);
	assert_int_equal(loader_plan(&c, 33 << 20, 0, 41 << 20, 0, 64 << 10, &b, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "the device tree (64 KiB) does not fit"));
}

static void test_plan_shyper(void **state)
{
	struct vm_config c = { .shyper = true, .nr_mem = 1, .mem = { { 0x80000000, 0x10000000 } },
			       .kernel_ipa = 0x80080000, .initramfs_ipa = 0x83000000, .dtb_ipa = 0x80000000 };
	struct boot_layout b;

	snprintf(c.label, sizeof(c.label), "s.json");
	assert_int_equal(loader_plan(&c, 20 << 20, 0x80000, 24 << 20, 1 << 20, 64 << 10, &b, err, sizeof(err)), 0);
	assert_int_equal(b.kernel_ipa, 0x80080000);
	assert_int_equal(b.initrd_ipa, 0x83000000);
	assert_int_equal(b.dtb_ipa, 0x80000000);
	/* a text_offset-0 kernel at 0x80080000 breaks the boot protocol */
	assert_int_equal(loader_plan(&c, 20 << 20, 0, 24 << 20, 1 << 20, 64 << 10, &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "s.json: image.kernel_load_ipa: 0x80080000 is not a 2 MiB-aligned address + the Image's text_offset 0x0");
	/* initramfs on top of the kernel */
	c.initramfs_ipa = 0x80200000;
	assert_int_equal(loader_plan(&c, 20 << 20, 0x80000, 24 << 20, 1 << 20, 64 << 10, &b, err, sizeof(err)), -ENOSPC);
	/* DT inside the kernel */
	c.initramfs_ipa = 0x83000000;
	c.dtb_ipa = 0x80100000;
	assert_int_equal(loader_plan(&c, 20 << 20, 0x80000, 24 << 20, 1 << 20, 64 << 10, &b, err, sizeof(err)), -ENOSPC);
}

static void test_guest_ptr(void **state)
{
	static uint8_t ram[8192];
	struct guest_mem gm = { .n = 1, .r = { { 0x40000000, sizeof(ram), ram } } };

	assert_ptr_equal(guest_ptr(&gm, 0x40000000, 8192), ram);
	assert_ptr_equal(guest_ptr(&gm, 0x40001000, 4096), ram + 4096);
	assert_ptr_equal(guest_ptr(&gm, 0x40002000, 0), ram + 8192);
	assert_null(guest_ptr(&gm, 0x40001000, 4097));
	assert_null(guest_ptr(&gm, 0x3fffffff, 2));
	assert_null(guest_ptr(&gm, 0x40000001, UINT64_MAX));
	assert_null(guest_ptr(&gm, UINT64_MAX, 1));
}

/* ---- bare-metal images ---- */

static struct vm_config bare_cfg(void)
{
	struct vm_config c = keel_cfg(64 << 20);

	c.image_type = CFG_IMAGE_BARE;
	snprintf(c.kernel, sizeof(c.kernel), "/b.elf");
	return c;
}

static void test_plan_raw(void **state)
{
	struct vm_config c = bare_cfg();
	struct boot_layout b;

	/* default: RAM base, entry = first byte; DT in the last 2 MiB */
	assert_int_equal(loader_plan_raw(&c, 8192, 0, 64 << 10, &b, err, sizeof(err)), 0);
	assert_int_equal(b.nr_segs, 1);
	assert_int_equal(b.seg[0].ipa, 0x40000000);
	assert_int_equal(b.seg[0].filesz, 8192);
	assert_int_equal(b.entry, 0x40000000);
	assert_int_equal(b.dtb_ipa, 0x43e00000);
	c.kernel_ipa = 0x40200000;
	c.entry = 0x40201000;
	assert_int_equal(loader_plan_raw(&c, 8192, 4096, 64 << 10, &b, err, sizeof(err)), 0);
	assert_int_equal(b.entry, 0x40201000);
	assert_int_equal(b.initrd_ipa, 0x40400000);
	/* the entry beyond a (truncated) image */
	assert_int_equal(loader_plan_raw(&c, 4096, 0, 64 << 10, &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vm1.json: kernel_entry_point: 0x40201000 is not inside the loaded image (truncated image, or a wrong entry point?)");
	/* past the end of RAM */
	c.kernel_ipa = 0x43fff000;
	c.entry = 0;
	assert_int_equal(loader_plan_raw(&c, 8192, 0, 64 << 10, &b, err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "vm1.json: kernel_load_ipa: 0x43fff000 + the image's 8192 bytes ends past its RAM region (0x44000000)");
	/* on top of the DT's default place */
	c.kernel_ipa = 0x43e08000;
	assert_int_equal(loader_plan_raw(&c, 8192, 0, 64 << 10, &b, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "the device tree (64 KiB) does not fit at 0x43e00000"));
	/* empty */
	c.kernel_ipa = 0;
	assert_int_equal(loader_plan_raw(&c, 0, 0, 64 << 10, &b, err, sizeof(err)), -ENOEXEC);
	assert_string_equal(err, "vm1.json: kernel: /b.elf is empty");
	/* misaligned entry */
	c.entry = 0x40000002;
	assert_int_equal(loader_plan_raw(&c, 8192, 0, 64 << 10, &b, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vm1.json: kernel_entry_point: 0x40000002 is not 4-byte aligned (an instruction's address)");
}

/* A small ELF64: header, two program headers, segment bytes after them. */
static uint8_t elf[4096];

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

static void make_elf(void)
{
	memset(elf, 0, sizeof(elf));
	memcpy(elf, "\x7f" "ELF", 4);
	elf[4] = 2;   /* ELFCLASS64 */
	elf[5] = 1;   /* ELFDATA2LSB */
	elf[6] = 1;   /* EV_CURRENT */
	put16(elf + 16, 2);          /* ET_EXEC */
	put16(elf + 18, 183);        /* EM_AARCH64 */
	put32(elf + 20, 1);
	put64(elf + 24, 0x40200000); /* e_entry */
	put64(elf + 32, 64);         /* e_phoff */
	put16(elf + 54, 56);         /* e_phentsize */
	put16(elf + 56, 2);          /* e_phnum */
	for (int i = 0; i < 2; i++) {
		uint8_t *ph = elf + 64 + 56 * i;

		put32(ph, 1);                               /* PT_LOAD */
		put64(ph + 8, 0x400 + 0x400 * i);           /* p_offset */
		put64(ph + 16, 0x40200000 + 0x2000 * i);    /* p_vaddr */
		put64(ph + 24, 0x40200000 + 0x2000 * i);    /* p_paddr */
		put64(ph + 32, 0x400);                      /* p_filesz */
		put64(ph + 40, 0x400 + 0x1000 * i);         /* p_memsz */
	}
}

static int elf_plan(struct vm_config *c, uint64_t len, struct boot_layout *b)
{
	uint64_t phoff;
	unsigned phnum;
	int r;

	memset(b, 0, sizeof(*b));
	r = elf_header(elf, sizeof(elf), len, &phoff, &phnum, "vm1.json: kernel: /b.elf", err, sizeof(err));
	if (r)
		return r;
	r = elf_segments(elf, elf + phoff, phnum, len, b, "vm1.json: kernel: /b.elf", err, sizeof(err));
	return r ? r : loader_plan_segs(c, 0, 64 << 10, b, err, sizeof(err));
}

#define ELF_ERR(len, msg) \
	do { \
		assert_true(elf_plan(&c, len, &b) < 0); \
		assert_string_equal(err, msg); \
		make_elf(); \
	} while (0)

static void test_elf(void **state)
{
	struct vm_config c = bare_cfg();
	struct boot_layout b;

	make_elf();
	assert_true(elf_magic(elf, 64));
	assert_int_equal(elf_plan(&c, 0xc00, &b), 0);
	assert_int_equal(b.nr_segs, 2);
	assert_int_equal(b.entry, 0x40200000);
	assert_int_equal(b.seg[1].ipa, 0x40202000);
	assert_int_equal(b.seg[1].offset, 0x800);
	assert_int_equal(b.seg[1].memsz, 0x1400);
	assert_int_equal(b.kernel_end, 0x40203400);
	/* linked at another virtual address: the entry follows p_paddr */
	put64(elf + 64 + 16, 0xffff000000000000ULL);
	put64(elf + 24, 0xffff000000000100ULL);
	assert_int_equal(elf_plan(&c, 0xc00, &b), 0);
	assert_int_equal(b.entry, 0x40200100);
	make_elf();

	ELF_ERR(40, "vm1.json: kernel: /b.elf: a truncated ELF file (40 bytes, the header alone is 64)");
	ELF_ERR(100, "vm1.json: kernel: /b.elf: program headers at 0x40 (2 of 56 bytes) run past the end of the file (100 bytes): truncated?");
	ELF_ERR(0x900, "vm1.json: kernel: /b.elf: program header 1: file bytes 0x800+0x400 run past the end of the file (2304 bytes): truncated?");
	put16(elf + 18, 62);
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: e_machine 62 is not EM_AARCH64 (183)");
	elf[4] = 1;
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: ELF class 1, data 1: not a little-endian ELF64 file");
	put16(elf + 16, 3);
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: e_type 3 is not ET_EXEC (a statically linked executable)");
	put16(elf + 54, 32);
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: e_phentsize 32 is not 56");
	put16(elf + 56, 0);
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: e_phnum 0 is not 1..64");
	put64(elf + 32, UINT64_MAX - 8);
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: program headers at 0xfffffffffffffff7 (2 of 56 bytes) run past the end of the file (3072 bytes): truncated?");
	put64(elf + 64 + 56 + 32, 0x2000);
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: program header 1: p_filesz 0x2000 is more than p_memsz 0x1400");
	put64(elf + 64 + 56 + 8, UINT64_MAX - 0x100);
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: program header 1: file bytes 0xfffffffffffffeff+0x400 run past the end of the file (3072 bytes): truncated?");
	put64(elf + 64 + 56 + 24, UINT64_MAX - 0x100);
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: program header 1: 0xfffffffffffffeff+0x1400 wraps around");
	put32(elf + 64 + 56, 3);  /* PT_INTERP */
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: program header 1: a dynamically linked program");
	put32(elf + 64, 4);
	put32(elf + 64 + 56, 4);
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: no loadable segment (PT_LOAD)");
	put64(elf + 24, 0x40100000);
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: e_entry 0x40100000 is in no loadable segment's file bytes");
	/* the entry in BSS (memsz past filesz) is no instruction we loaded */
	put64(elf + 24, 0x40202800);
	ELF_ERR(0xc00, "vm1.json: kernel: /b.elf: e_entry 0x40202800 is in no loadable segment's file bytes");
	put64(elf + 64 + 56 + 24, 0x50000000);
	ELF_ERR(0xc00, "vm1.json: kernel: segment 1 at 0x50000000+0x1400 is not inside one RAM region (memory)");
	put64(elf + 64 + 56 + 24, 0x43fff000);
	ELF_ERR(0xc00, "vm1.json: kernel: segment 1 at 0x43fff000+0x1400 is not inside one RAM region (memory)");
	put64(elf + 64 + 56 + 24, 0x40200200);
	ELF_ERR(0xc00, "vm1.json: kernel: segment 1 at 0x40200200+0x1400 overlaps segment 0 at 0x40200000+0x400");
	/* a segment where the DT goes by default */
	put64(elf + 64 + 56 + 24, 0x43e00000);
	assert_int_equal(elf_plan(&c, 0xc00, &b), -ENOSPC);
	assert_non_null(strstr(err, "the device tree (64 KiB) does not fit at 0x43e00000"));
	make_elf();
	/* the config's entry point wins, and must be loaded code */
	c.entry = 0x40200200;
	assert_int_equal(elf_plan(&c, 0xc00, &b), 0);
	assert_int_equal(b.entry, 0x40200200);
	c.entry = 0x40202800;
	assert_int_equal(elf_plan(&c, 0xc00, &b), -EINVAL);
	assert_string_equal(err, "vm1.json: kernel_entry_point: 0x40202800 is not inside the loaded image (truncated image, or a wrong entry point?)");
}

static void test_relocate(void **state)
{
	struct vm_config c = bare_cfg();
	struct guest_mem gm = { .n = 1, .r = { { 0x1c0000000ULL, 64 << 20, NULL } } };
	struct boot_layout b;

	c.identity_map = true;
	c.kernel_ipa = 0x40200000;
	c.entry = 0x40200040;
	c.dtb_ipa = 0x40000000;
	c.initramfs_ipa = 0;
	loader_relocate(&c, &gm);
	assert_int_equal(c.mem[0].ipa, 0x1c0000000ULL);
	assert_int_equal(c.mem[0].size, 64 << 20);
	assert_int_equal(c.kernel_ipa, 0x1c0200000ULL);
	assert_int_equal(c.entry, 0x1c0200040ULL);
	assert_int_equal(c.dtb_ipa, 0x1c0000000ULL);
	assert_int_equal(c.initramfs_ipa, 0);   /* 0 stays "not given" */
	assert_int_equal(loader_plan_raw(&c, 8192, 0, 64 << 10, &b, err, sizeof(err)), 0);
	assert_int_equal(b.seg[0].ipa, 0x1c0200000ULL);
	assert_int_equal(b.entry, 0x1c0200040ULL);
	/* a Linux Image with defaults lands at the moved region's base */
	c = keel_cfg(256 << 20);
	gm.r[0].size = 256 << 20;
	loader_relocate(&c, &gm);
	assert_int_equal(loader_plan(&c, 33 << 20, 0, 40 << 20, 0, 64 << 10, &b, err, sizeof(err)), 0);
	assert_int_equal(b.kernel_ipa, 0x1c0000000ULL);
	assert_int_equal(b.dtb_ipa, 0x1cfe00000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_parse),
		cmocka_unit_test(test_plan_default),
		cmocka_unit_test(test_plan_too_small),
		cmocka_unit_test(test_plan_shyper),
		cmocka_unit_test(test_guest_ptr),
		cmocka_unit_test(test_plan_raw),
		cmocka_unit_test(test_elf),
		cmocka_unit_test(test_relocate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
