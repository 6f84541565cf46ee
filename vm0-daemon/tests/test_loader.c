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

#include "loader.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_parse),
		cmocka_unit_test(test_plan_default),
		cmocka_unit_test(test_plan_too_small),
		cmocka_unit_test(test_plan_shyper),
		cmocka_unit_test(test_guest_ptr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
