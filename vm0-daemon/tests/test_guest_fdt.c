// SPDX-License-Identifier: GPL-2.0
/* Host tests: the generated guest DT, parsed back with libfdt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include <keel/guest.h>
#include <keel/hypercall.h>

#include "guest/guest_fdt.h"

static uint8_t buf[GUEST_FDT_MAX];

/* The devices keeld gives every guest (the PL011, the PL061) and a list
 * of virtio-mmio transports, written the way keeld's registry does. */
struct test_devs {
	unsigned nr_virtio;
	struct { uint64_t base; unsigned spi; } virtio[GUEST_FDT_MAX_VIRTIO];
};

static int test_devices(void *fdt, void *opaque)
{
	const struct test_devs *d = opaque;
	int r;

	if ((r = guest_fdt_pl011(fdt, KEEL_GUEST_UART_BASE, KEEL_GUEST_UART_SPI)) ||
	    (r = guest_fdt_pl061(fdt, KEEL_GUEST_GPIO_BASE, KEEL_GUEST_GPIO_SPI)))
		return r;
	for (unsigned i = 0; d && i < d->nr_virtio; i++)
		if ((r = guest_fdt_virtio_mmio(fdt, d->virtio[i].base, d->virtio[i].spi)))
			return r;
	return 0;
}

#define STD_DEVICES .stdout_path = "/pl011@9000000", .devices = test_devices

static void build(unsigned gic, unsigned nvcpus, bool initrd)
{
	struct guest_dt_params p = {
		.gic_version = gic,
		.gicd = 0x08000000, .gicr = gic == KEEL_GIC_V3 ? 0x080a0000 : 0,
		.gicc = gic == KEEL_GIC_V2 ? 0x08010000 : 0,
		.nr_vcpus = nvcpus,
		.nr_mem = 2,
		.mem = { { 0x40000000, 0x10000000 }, { 0x80000000, 0x2000000 } },
		.bootargs = "console=ttyAMA0 earlycon",
		.initrd_start = initrd ? 0x42800000 : 0,
		.initrd_end = initrd ? 0x43000000 : 0,
		STD_DEVICES,
		.timer_ppi = { 13, 14, 11, 10 },
	};

	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), 0);
	assert_int_equal(fdt_check_header(buf), 0);
}

static int node(const char *path)
{
	int off = fdt_path_offset(buf, path);

	if (off < 0)
		fail_msg("no node %s", path);
	return off;
}

static const void *prop(const char *path, const char *name, int *len)
{
	const void *v = fdt_getprop(buf, node(path), name, len);

	if (!v)
		fail_msg("no %s in %s", name, path);
	return v;
}

static uint32_t cell(const char *path, const char *name, int i)
{
	int len;
	const fdt32_t *c = prop(path, name, &len);

	assert_true((i + 1) * 4 <= len);
	return fdt32_to_cpu(c[i]);
}

static uint64_t cell64(const char *path, const char *name, int i)
{
	return ((uint64_t)cell(path, name, 2 * i) << 32) | cell(path, name, 2 * i + 1);
}

static void test_root_chosen_memory(void **state)
{
	int len;

	build(KEEL_GIC_V3, 2, true);
	assert_int_equal(fdt_node_check_compatible(buf, 0, "linux,dummy-virt"), 0);
	assert_int_equal(cell("/", "#address-cells", 0), 2);
	assert_int_equal(cell("/", "#size-cells", 0), 2);
	assert_int_equal(cell("/", "interrupt-parent", 0), GUEST_FDT_PHANDLE_GIC);
	assert_string_equal(prop("/chosen", "bootargs", &len), "console=ttyAMA0 earlycon");
	assert_string_equal(prop("/chosen", "stdout-path", &len), "/pl011@9000000");
	assert_int_equal(cell64("/chosen", "linux,initrd-start", 0), 0x42800000);
	assert_int_equal(cell64("/chosen", "linux,initrd-end", 0), 0x43000000);
	assert_string_equal(prop("/memory@40000000", "device_type", &len), "memory");
	assert_int_equal(cell64("/memory@40000000", "reg", 0), 0x40000000);
	assert_int_equal(cell64("/memory@40000000", "reg", 1), 0x10000000);
	assert_int_equal(cell64("/memory@80000000", "reg", 1), 0x2000000);

	build(KEEL_GIC_V3, 1, false);
	assert_null(fdt_getprop(buf, node("/chosen"), "linux,initrd-start", &len));
}

static void test_cpus_psci(void **state)
{
	int len;

	build(KEEL_GIC_V3, 3, false);
	assert_int_equal(cell("/cpus", "#address-cells", 0), 1);
	assert_int_equal(cell("/cpus", "#size-cells", 0), 0);
	for (int i = 0; i < 3; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/cpus/cpu@%d", i);
		assert_int_equal(cell(path, "reg", 0), i);
		assert_string_equal(prop(path, "device_type", &len), "cpu");
		assert_string_equal(prop(path, "enable-method", &len), "psci");
		assert_int_equal(fdt_node_check_compatible(buf, node(path), "arm,armv8"), 0);
	}
	assert_true(fdt_path_offset(buf, "/cpus/cpu@3") < 0);
	assert_int_equal(fdt_node_check_compatible(buf, node("/psci"), "arm,psci-1.0"), 0);
	assert_int_equal(fdt_node_check_compatible(buf, node("/psci"), "arm,psci-0.2"), 0);
	assert_string_equal(prop("/psci", "method", &len), "hvc");
}

static void test_gic_timer(void **state)
{
	int len, gic;

	build(KEEL_GIC_V3, 2, false);
	gic = fdt_node_offset_by_phandle(buf, GUEST_FDT_PHANDLE_GIC);
	assert_int_equal(gic, node("/intc@8000000"));
	assert_int_equal(fdt_node_check_compatible(buf, gic, "arm,gic-v3"), 0);
	assert_int_equal(cell64("/intc@8000000", "reg", 0), 0x08000000);
	assert_int_equal(cell64("/intc@8000000", "reg", 1), 0x10000);
	assert_int_equal(cell64("/intc@8000000", "reg", 2), 0x080a0000);
	assert_int_equal(cell64("/intc@8000000", "reg", 3), 2 * 0x20000);
	assert_int_equal(cell("/intc@8000000", "#interrupt-cells", 0), 3);
	assert_int_equal(cell("/intc@8000000", "#redistributor-regions", 0), 1);
	assert_non_null(prop("/intc@8000000", "interrupt-controller", &len));
	assert_int_equal(fdt_node_check_compatible(buf, node("/timer"), "arm,armv8-timer"), 0);
	assert_non_null(prop("/timer", "always-on", &len));
	prop("/timer", "interrupts", &len);
	assert_int_equal(len, 12 * 4);
	{
		static const uint32_t want[12] = { 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4 };

		for (int i = 0; i < 12; i++)
			assert_int_equal(cell("/timer", "interrupts", i), want[i]);
	}

	build(KEEL_GIC_V2, 4, false);
	assert_int_equal(fdt_node_check_compatible(buf, node("/intc@8000000"), "arm,cortex-a15-gic"), 0);
	assert_int_equal(cell64("/intc@8000000", "reg", 1), 0x10000);
	assert_int_equal(cell64("/intc@8000000", "reg", 2), 0x08010000);
	assert_int_equal(cell64("/intc@8000000", "reg", 3), 0x2000);
	assert_null(fdt_getprop(buf, node("/intc@8000000"), "#redistributor-regions", &len));
	assert_int_equal(cell("/timer", "interrupts", 2), 0xf04);  /* 4 CPUs in the mask */
	build(KEEL_GIC_V2, 2, false);
	assert_int_equal(cell("/timer", "interrupts", 2), 0x304);
}

/* A host DT with an arm,armv8-timer node whose "interrupts" are irqs. */
static void host_dt(uint8_t *out, size_t len, const uint32_t *irqs, int ncells)
{
	fdt32_t cells[12];

	for (int i = 0; i < ncells; i++)
		cells[i] = cpu_to_fdt32(irqs[i]);
	assert_int_equal(fdt_create(out, (int)len), 0);
	assert_int_equal(fdt_finish_reservemap(out), 0);
	assert_int_equal(fdt_begin_node(out, ""), 0);
	assert_int_equal(fdt_begin_node(out, "timer"), 0);
	assert_int_equal(fdt_property_string(out, "compatible", "arm,armv8-timer"), 0);
	assert_int_equal(fdt_property(out, "interrupts", cells, ncells * 4), 0);
	assert_int_equal(fdt_end_node(out), 0);
	assert_int_equal(fdt_end_node(out), 0);
	assert_int_equal(fdt_finish(out), 0);
}

/* The guest's timer interrupts are the host's, read from its DT. */
static void test_host_timer(void **state)
{
	static uint8_t host[4096];
	static const uint32_t other[12] = { 1, 12, 0xf08, 1, 15, 0xf08, 1, 9, 0xf08, 1, 8, 0xf08 };
	uint32_t ppi[KEEL_TIMER_NR] = { 0 };
	uint32_t bad[12];

	host_dt(host, sizeof(host), other, 12);
	assert_int_equal(guest_fdt_host_timer(host, sizeof(host), ppi), 0);
	assert_int_equal(ppi[KEEL_TIMER_SEC], 12);
	assert_int_equal(ppi[KEEL_TIMER_PHYS], 15);
	assert_int_equal(ppi[KEEL_TIMER_VIRT], 9);
	assert_int_equal(ppi[KEEL_TIMER_HYP], 8);

	{
		struct guest_dt_params p = {
			.gic_version = KEEL_GIC_V3, .gicd = 0x08000000, .gicr = 0x080a0000,
			.nr_vcpus = 1, .nr_mem = 1, .mem = { { 0x40000000, 0x10000000 } },
			.bootargs = "", STD_DEVICES,
		};

		memcpy(p.timer_ppi, ppi, sizeof(ppi));
		assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), 0);
		assert_int_equal(cell("/timer", "interrupts", 1), 12);
		assert_int_equal(cell("/timer", "interrupts", 4), 15);
		assert_int_equal(cell("/timer", "interrupts", 7), 9);
		assert_int_equal(cell("/timer", "interrupts", 10), 8);
	}

	/* an SPI, a PPI number past 15, too few cells, no node, no DT */
	memcpy(bad, other, sizeof(bad));
	bad[6] = 0;
	host_dt(host, sizeof(host), bad, 12);
	assert_int_equal(guest_fdt_host_timer(host, sizeof(host), ppi), -EINVAL);
	bad[6] = 1;
	bad[7] = 16;
	host_dt(host, sizeof(host), bad, 12);
	assert_int_equal(guest_fdt_host_timer(host, sizeof(host), ppi), -EINVAL);
	host_dt(host, sizeof(host), other, 9);
	assert_int_equal(guest_fdt_host_timer(host, sizeof(host), ppi), -EINVAL);
	build(KEEL_GIC_V3, 1, false);  /* a DT with a timer node, then one without */
	assert_int_equal(guest_fdt_host_timer(buf, sizeof(buf), ppi), 0);
	assert_int_equal(fdt_nop_node(buf, node("/timer")), 0);
	assert_int_equal(guest_fdt_host_timer(buf, sizeof(buf), ppi), -ENOENT);
	memset(host, 0, sizeof(host));
	assert_int_equal(guest_fdt_host_timer(host, sizeof(host), ppi), -EINVAL);
	assert_int_equal(guest_fdt_host_timer_file("/nonexistent/fdt", ppi), -ENOENT);
}

static void test_uart_gpio(void **state)
{
	int len, clk, key;

	build(KEEL_GIC_V3, 1, false);
	clk = fdt_node_offset_by_phandle(buf, GUEST_FDT_PHANDLE_CLK);
	assert_int_equal(clk, node("/apb-pclk"));
	assert_int_equal(fdt_node_check_compatible(buf, clk, "fixed-clock"), 0);
	assert_int_equal(cell("/apb-pclk", "clock-frequency", 0), 24000000);
	assert_int_equal(cell("/apb-pclk", "#clock-cells", 0), 0);

	assert_int_equal(fdt_node_check_compatible(buf, node("/pl011@9000000"), "arm,pl011"), 0);
	assert_int_equal(fdt_node_check_compatible(buf, node("/pl011@9000000"), "arm,primecell"), 0);
	assert_int_equal(cell64("/pl011@9000000", "reg", 0), 0x09000000);
	assert_int_equal(cell64("/pl011@9000000", "reg", 1), 0x1000);
	assert_int_equal(cell("/pl011@9000000", "interrupts", 0), 0);
	assert_int_equal(cell("/pl011@9000000", "interrupts", 1), 1);
	assert_int_equal(cell("/pl011@9000000", "interrupts", 2), 4);
	assert_int_equal(cell("/pl011@9000000", "clocks", 0), GUEST_FDT_PHANDLE_CLK);
	assert_int_equal(cell("/pl011@9000000", "clocks", 1), GUEST_FDT_PHANDLE_CLK);
	assert_int_equal(fdt_stringlist_search(buf, node("/pl011@9000000"), "clock-names", "uartclk"), 0);
	assert_int_equal(fdt_stringlist_search(buf, node("/pl011@9000000"), "clock-names", "apb_pclk"), 1);

	assert_int_equal(fdt_node_offset_by_phandle(buf, GUEST_FDT_PHANDLE_GPIO), node("/pl061@9030000"));
	assert_int_equal(fdt_node_check_compatible(buf, node("/pl061@9030000"), "arm,pl061"), 0);
	assert_non_null(prop("/pl061@9030000", "gpio-controller", &len));
	assert_int_equal(cell("/pl061@9030000", "#gpio-cells", 0), 2);
	assert_int_equal(cell("/pl061@9030000", "interrupts", 1), 7);

	key = node("/gpio-keys/poweroff");
	assert_int_equal(fdt_node_check_compatible(buf, node("/gpio-keys"), "gpio-keys"), 0);
	assert_string_equal(fdt_getprop(buf, key, "label", &len), "GPIO Key Poweroff");
	assert_int_equal(cell("/gpio-keys/poweroff", "linux,code", 0), 116);
	assert_int_equal(cell("/gpio-keys/poweroff", "gpios", 0), GUEST_FDT_PHANDLE_GPIO);
	assert_int_equal(cell("/gpio-keys/poweroff", "gpios", 1), 3);
	assert_int_equal(cell("/gpio-keys/poweroff", "gpios", 2), 0);
}

static void test_virtio(void **state)
{
	struct test_devs devs = {
		.nr_virtio = 3,
		.virtio = { { KEEL_GUEST_VIRTIO_BASE, KEEL_GUEST_VIRTIO_SPI },
			    { KEEL_GUEST_VIRTIO_BASE + KEEL_GUEST_VIRTIO_STRIDE, KEEL_GUEST_VIRTIO_SPI + 1 },
			    { 0x0c000000, 987 } },
	};
	struct guest_dt_params p = {
		.gic_version = KEEL_GIC_V3, .gicd = 0x08000000, .gicr = 0x080a0000,
		.nr_vcpus = 1, .nr_mem = 1, .mem = { { 0x40000000, 0x10000000 } },
		STD_DEVICES, .devices_opaque = &devs,
	};
	static const char *const paths[3] = { "/virtio_mmio@a000000", "/virtio_mmio@a000200",
					      "/virtio_mmio@c000000" };
	static const uint64_t bases[3] = { 0x0a000000, 0x0a000200, 0x0c000000 };
	static const uint32_t spis[3] = { 16, 17, 987 };
	int len, off, prev = 0;

	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), 0);
	assert_int_equal(fdt_check_header(buf), 0);
	for (int i = 0; i < 3; i++) {
		off = node(paths[i]);
		assert_true(off > prev);  /* in the order given: the guest probes in DT order */
		prev = off;
		assert_int_equal(fdt_node_check_compatible(buf, off, "virtio,mmio"), 0);
		prop(paths[i], "reg", &len);
		assert_int_equal(len, 16);
		assert_int_equal(cell64(paths[i], "reg", 0), bases[i]);
		assert_int_equal(cell64(paths[i], "reg", 1), 0x200);
		prop(paths[i], "interrupts", &len);
		assert_int_equal(len, 12);
		assert_int_equal(cell(paths[i], "interrupts", 0), 0);        /* GIC_SPI */
		assert_int_equal(cell(paths[i], "interrupts", 1), spis[i]);
		assert_int_equal(cell(paths[i], "interrupts", 2), 1);        /* edge rising */
		prop(paths[i], "dma-coherent", &len);
		assert_int_equal(len, 0);
		/* the root's interrupt-parent (the GIC) applies */
		assert_null(fdt_getprop(buf, off, "interrupt-parent", &len));
	}
	/* after the devices that were there before, so their order is unchanged */
	assert_true(node("/gpio-keys") < node(paths[0]));

	/* none: no node */
	build(KEEL_GIC_V3, 1, false);
	assert_true(fdt_path_offset(buf, "/virtio_mmio@a000000") < 0);

	/* as many as a guest may have fit in GUEST_FDT_MAX */
	devs.nr_virtio = GUEST_FDT_MAX_VIRTIO;
	for (unsigned i = 0; i < GUEST_FDT_MAX_VIRTIO; i++) {
		devs.virtio[i].base = KEEL_GUEST_VIRTIO_BASE + i * 0x200;
		devs.virtio[i].spi = 16 + i;
	}
	assert_int_equal(guest_fdt_build(buf, GUEST_FDT_MAX, &p), 0);
	assert_int_equal(cell("/virtio_mmio@a003e00", "interrupts", 1), 16 + 31);
}

static void test_limits_and_patch(void **state)
{
	struct guest_dt_params p = { .gic_version = KEEL_GIC_V3, .nr_vcpus = 1, .nr_mem = 1,
				     .mem = { { 0x40000000, 0x10000000 } }, STD_DEVICES };
	uint8_t small[256];
	int len;

	assert_int_equal(guest_fdt_build(small, sizeof(small), &p), -ENOSPC);
	p.nr_vcpus = 9;
	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), -EINVAL);
	p.nr_vcpus = 0;
	assert_int_equal(guest_fdt_build(buf, sizeof(buf), &p), -EINVAL);

	/* a user DTB gets its /chosen rewritten */
	build(KEEL_GIC_V3, 1, false);
	assert_int_equal(guest_fdt_patch_chosen(buf, sizeof(buf), "root=/dev/vda", 0x44000000, 0x44100000), 0);
	assert_string_equal(prop("/chosen", "bootargs", &len), "root=/dev/vda");
	assert_int_equal(cell64("/chosen", "linux,initrd-start", 0), 0x44000000);
	memset(small, 0xff, sizeof(small));
	assert_int_equal(guest_fdt_patch_chosen(small, sizeof(small), "x", 0, 0), -EINVAL);
}

/*
 * Found by tests/fuzz/fuzz_fdt: a DTB file whose reservation map runs off
 * the end of the blob (no all-zero entry: "virtio_mm", then the structure
 * block's own words). libfdt's fdt_open_into took fdt_num_mem_rsv's error
 * for a count and moved a negative number of bytes: keeld crashed at
 * vm.boot. Such a file must be refused, and a good one still patched.
 */
static const uint8_t rsvmap_runs_off[] = {
	0xd0, 0x0d, 0xfe, 0xed, 0x00, 0x00, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x38,
	0x00, 0x00, 0x00, 0x8c, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x11,
	0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14,
	0x00, 0x00, 0x00, 0x54, 0x76, 0x69, 0x72, 0x74, 0x69, 0x6f, 0x5f, 0x6d,
	0x6d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x11,
	0x00, 0x00, 0x00, 0x00, 0x6c, 0x69, 0x6e, 0x75, 0x78, 0x2c, 0x64, 0x75,
	0x6d, 0x6d, 0x79, 0x2d, 0x76, 0x69, 0x72, 0x74, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x63, 0x68, 0x6f, 0x73, 0x65, 0x6e, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x0b,
	0x6b, 0x65, 0x65, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 0x63, 0x6f, 0x6d, 0x70,
	0x61, 0x74, 0x69, 0x62, 0x6c, 0x65, 0x00, 0x62, 0x6f, 0x6f, 0x74, 0x61,
	0x72, 0x67, 0x73, 0x00,
};

/* A version-8 header (found by fuzz_fdt): libfdt 1.6.1's fdt_check_full
 * reads through a NULL pointer on it, so the version is refused first. */
static const uint8_t old_version[] = {
	0xd0, 0x0d, 0xfe, 0xed, 0x00, 0x00, 0x00, 0x83, 0x00, 0x00, 0x00, 0x38,
	0x00, 0x00, 0x00, 0x58, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x08,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b,
	0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x11,
	0x00, 0x00, 0x00, 0x00, 0x6c, 0x69, 0x6e, 0x75, 0x78, 0x2c, 0x64, 0x75,
	0x6d, 0x6d, 0x79, 0x2d, 0x76, 0x69, 0x72, 0x74, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x63, 0x68, 0x6f, 0x73, 0x65, 0x6e, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x09,
	0x63, 0x6f, 0x6d, 0x70, 0x61, 0x74, 0x69, 0x62, 0x6c, 0x65, 0x00,
};

static void test_patch_refuses_corrupt_blob(void **state)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf, rsvmap_runs_off, sizeof(rsvmap_runs_off));
	assert_int_equal(guest_fdt_patch_chosen(buf, sizeof(rsvmap_runs_off) + 4096, "",
						0x48000000, 0x48100000),
			 -EINVAL);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, old_version, sizeof(old_version));
	assert_int_equal(guest_fdt_patch_chosen(buf, sizeof(old_version), "root=/dev/vda", 0, 0),
			 -EINVAL);

	build(KEEL_GIC_V3, 1, false);
	assert_int_equal(guest_fdt_patch_chosen(buf, sizeof(buf), "x", 0, 0), 0);
	assert_int_equal(fdt_check_full(buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_chosen_memory),
		cmocka_unit_test(test_cpus_psci),
		cmocka_unit_test(test_gic_timer),
		cmocka_unit_test(test_host_timer),
		cmocka_unit_test(test_uart_gpio),
		cmocka_unit_test(test_virtio),
		cmocka_unit_test(test_limits_and_patch),
		cmocka_unit_test(test_patch_refuses_corrupt_blob),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
