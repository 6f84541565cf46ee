// SPDX-License-Identifier: GPL-2.0 OR MIT
/* hyp/core/pt_check.c against a QEMU virt-like machine: RAM at 1 GiB, the
 * GIC at 0x8000000, the UART at 0x9000000, the PL031 and a page of
 * virtio-mmio transports as devices, 288 INTIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/passthrough.h>

static const struct mem_range ram[] = { { 0x40000000, 0x100000000ULL } };
static const struct mem_range keep[] = {
	{ 0x08000000, 0x10000 },   /* GICD */
	{ 0x080a0000, 0xf60000 },  /* GICR */
	{ 0x09000000, 0x1000 },    /* the hypervisor's UART */
	{ 0x7fe00000, 0x200000 },  /* the hypervisor */
};
static const struct mem_range dev[] = {
	{ 0x08000000, 0x10000 }, { 0x09000000, 0x1000 }, { 0x09010000, 0x1000 },
	{ 0x0a000000, 0x1000 }, { 0x0a002000, 0x1000 }, { 0x10000000, 0x2eff0000 },
};
static const u32 keep_irqs[] = { 287, 25 };
static const struct pt_platform machine = {
	.ram = ram, .nr_ram = 1, .keep = keep, .nr_keep = 4, .dev = dev, .nr_dev = 6,
	.nr_irqs = 288, .keep_irqs = keep_irqs, .nr_keep_irqs = 2, .ipa_limit = 1ULL << 40,
};

static struct keel_pt_desc rtc(void)
{
	struct keel_pt_desc d = {
		.magic = KEEL_PT_DESC_MAGIC, .revision = KEEL_PT_DESC_REVISION, .vm_id = 1,
		.nr_regions = 1, .region = { { 0x09010000, 0x1000 } }, .nr_irqs = 1, .irq = { 34 },
	};

	strcpy(d.name, "rtc");
	return d;
}

static void test_good(void **state)
{
	struct keel_pt_desc d = rtc();

	assert_int_equal(pt_desc_check(&d, &machine, false), 0);
	d.region[0] = (struct keel_pt_region){ 0x0a002000, 0x1000 };
	d.irq[0] = 64;
	d.flags = KEEL_PT_F_DMA;
	assert_int_equal(pt_desc_check(&d, &machine, true), 0);
	d.nr_irqs = 0;  /* a device may have no interrupt */
	assert_int_equal(pt_desc_check(&d, &machine, true), 0);
}

static void test_dma_needs_identity(void **state)
{
	struct keel_pt_desc d = rtc();

	d.flags = KEEL_PT_F_DMA;
	assert_int_equal(pt_desc_check(&d, &machine, false), -EPERM);
	d.flags = 0x2;  /* unknown flag */
	assert_int_equal(pt_desc_check(&d, &machine, true), -EINVAL);
}

static void test_bad_header(void **state)
{
	struct keel_pt_desc d = rtc();

	d.magic++;
	assert_int_equal(pt_desc_check(&d, &machine, false), -EINVAL);
	d = rtc();
	d.revision++;
	assert_int_equal(pt_desc_check(&d, &machine, false), -EINVAL);
	d = rtc();
	memset(d.name, 'x', sizeof(d.name));  /* no NUL */
	assert_int_equal(pt_desc_check(&d, &machine, false), -EINVAL);
	d = rtc();
	d.nr_regions = 0;
	assert_int_equal(pt_desc_check(&d, &machine, false), -EINVAL);
	d.nr_regions = KEEL_PT_MAX_REGIONS + 1;
	assert_int_equal(pt_desc_check(&d, &machine, false), -EINVAL);
	d = rtc();
	d.nr_irqs = KEEL_PT_MAX_IRQS + 1;
	assert_int_equal(pt_desc_check(&d, &machine, false), -EINVAL);
}

static void expect_region_refused(u64 base, u64 size)
{
	struct keel_pt_desc d = rtc();

	d.region[0] = (struct keel_pt_region){ base, size };
	assert_int_equal(pt_desc_check(&d, &machine, true), -EINVAL);
}

static void test_bad_regions(void **state)
{
	expect_region_refused(0x09010000, 0);             /* empty */
	expect_region_refused(0x09010800, 0x1000);        /* not page aligned */
	expect_region_refused(0x09010000, 0x800);
	expect_region_refused(0x40000000, 0x1000);        /* RAM */
	expect_region_refused(0x3ffff000, 0x2000);        /* reaches into RAM */
	expect_region_refused(0x08000000, 0x1000);        /* the GIC */
	expect_region_refused(0x09000000, 0x1000);        /* the hypervisor's UART */
	expect_region_refused(0x0a001000, 0x1000);        /* no device there */
	expect_region_refused(0x09010000, 0x2000);        /* half a device, half nothing */
	expect_region_refused(0xfffffffffffff000ULL, 0x2000); /* wraps */
	expect_region_refused(1ULL << 40, 0x1000);        /* beyond guest IPAs */
}

static void test_regions_overlap_each_other(void **state)
{
	struct keel_pt_desc d = rtc();

	d.nr_regions = 2;
	d.region[1] = d.region[0];
	assert_int_equal(pt_desc_check(&d, &machine, false), -EINVAL);
	d.region[1] = (struct keel_pt_region){ 0x0a000000, 0x1000 };
	assert_int_equal(pt_desc_check(&d, &machine, false), 0);
}

static void test_bad_irqs(void **state)
{
	static const u32 bad[] = { 0, 15, 27, 31, 288, 1023, 287, 25 };
	struct keel_pt_desc d = rtc();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d.irq[0] = bad[i];
		assert_int_equal(pt_desc_check(&d, &machine, false), -EINVAL);
	}
	d.irq[0] = 34;
	d.irq[1] = 34;
	d.nr_irqs = 2;  /* twice */
	assert_int_equal(pt_desc_check(&d, &machine, false), -EINVAL);
	d.irq[1] = 35;
	assert_int_equal(pt_desc_check(&d, &machine, false), 0);
}

static void test_conflict(void **state)
{
	struct keel_pt_desc a = rtc(), b = rtc();

	assert_true(pt_desc_conflict(&a, &b));
	b.region[0].base = 0x0a002000;
	assert_true(pt_desc_conflict(&a, &b));   /* same SPI */
	b.irq[0] = 64;
	assert_false(pt_desc_conflict(&a, &b));
	b.nr_regions = 2;
	b.region[1] = (struct keel_pt_region){ 0x09010000, 0x1000 };
	assert_true(pt_desc_conflict(&a, &b));   /* a page in common */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_dma_needs_identity),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_regions),
		cmocka_unit_test(test_regions_overlap_each_other),
		cmocka_unit_test(test_bad_irqs),
		cmocka_unit_test(test_conflict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
