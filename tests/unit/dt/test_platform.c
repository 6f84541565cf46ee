// SPDX-License-Identifier: GPL-2.0 OR MIT
/* platform_parse() and platform_for_each_device() on QEMU virt DTs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/platform.h>
#include "dt_test.h"

static int node(void *fdt, const char *path)
{
	int n = fdt_path_offset(fdt, path);

	assert_true(n >= 0);
	return n;
}

static void check_common(void)
{
	assert_int_equal(plat.nr_cpus, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(plat.mpidr[i], i);
	assert_int_equal(plat.nr_ram, 1);
	assert_int_equal(plat.ram[0].base, 0x40000000);
	assert_int_equal(plat.ram[0].size, 0x100000000ULL);
	assert_int_equal(plat.gic.gicd.base, 0x8000000);
	assert_int_equal(plat.gic.gicd.size, 0x10000);
	assert_int_equal(plat.gic.maint_intid, 25);
	assert_int_equal(plat.uart.base, 0x9000000);
	assert_int_equal(plat.uart.size, 0x1000);
	assert_int_equal(plat.timer_intid[0], 29);
	assert_int_equal(plat.timer_intid[1], 30);
	assert_int_equal(plat.timer_intid[2], 27);
	assert_int_equal(plat.timer_intid[3], 26);
	assert_int_equal(plat.kernel.base, 0x50000000);
	assert_int_equal(plat.kernel.size, 3);
	assert_string_equal(plat.kernel.bootargs, "console=ttyAMA0");
	assert_int_equal(plat.initrd.base, 0x58000000);
	assert_int_equal(plat.initrd.size, 3);
	assert_null(plat.initrd.bootargs);
	assert_string_equal(plat.hyp_args, "vm0_mem=1G");
	assert_int_equal(plat.psci_conduit_smc, 1);
}

static void parse_gicv3(void **state)
{
	void *fdt = dtb_load(GICV3, 0);

	assert_int_equal(platform_parse(fdt), 0);
	assert_ptr_equal(plat.fdt, fdt);
	check_common();
	assert_int_equal(plat.gic.version, 3);
	assert_int_equal(plat.gic.gicr.base, 0x80a0000);
	assert_int_equal(plat.gic.gicr.size, 0xf60000);
	assert_int_equal(plat.gic.gicc.base, 0);
	assert_int_equal(plat.gic.node, node(fdt, "/intc@8000000"));
	free(fdt);
}

static void parse_gicv2(void **state)
{
	void *fdt = dtb_load(GICV2, 0);

	assert_int_equal(platform_parse(fdt), 0);
	check_common();
	assert_int_equal(plat.gic.version, 2);
	assert_int_equal(plat.gic.gicc.base, 0x8010000);
	assert_int_equal(plat.gic.gicc.size, 0x10000);
	assert_int_equal(plat.gic.gich.base, 0x8030000);
	assert_int_equal(plat.gic.gicv.base, 0x8040000);
	assert_int_equal(plat.gic.gicv.size, 0x10000);
	assert_int_equal(plat.gic.gicr.base, 0);
	assert_int_equal(plat.gic.node, node(fdt, "/intc@8000000"));
	free(fdt);
}

static void no_modules(void **state)
{
	void *fdt = dtb_load(GICV3, 0);

	assert_int_equal(fdt_del_node(fdt, node(fdt, "/chosen/module@0x50000000")), 0);
	log_clear();
	assert_int_equal(platform_parse(fdt), -ENOENT);
	assert_true(log_seen("no VM0 kernel: /chosen has no multiboot,kernel module"));
	/* The ramdisk alone is not enough either. */
	assert_int_equal(fdt_del_node(fdt, node(fdt, "/chosen/module@0x58000000")), 0);
	assert_int_equal(platform_parse(fdt), -ENOENT);
	free(fdt);
}

static void initrd_optional(void **state)
{
	void *fdt = dtb_load(GICV2, 0);

	assert_int_equal(fdt_del_node(fdt, node(fdt, "/chosen/module@0x58000000")), 0);
	assert_int_equal(fdt_delprop(fdt, node(fdt, "/chosen"), "bootargs"), 0);
	assert_int_equal(platform_parse(fdt), 0);
	assert_int_equal(plat.initrd.base, 0);
	assert_int_equal(plat.initrd.size, 0);
	assert_int_equal(plat.kernel.base, 0x50000000);
	assert_string_equal(plat.hyp_args, "");
	free(fdt);
}

static void unsupported_gic(void **state)
{
	void *fdt = dtb_load(GICV3, 64);

	assert_int_equal(fdt_setprop_string(fdt, node(fdt, "/intc@8000000"), "compatible",
					    "foo,bar-pic"), 0);
	log_clear();
	assert_int_equal(platform_parse(fdt), -ENODEV);
	assert_true(log_seen("unsupported interrupt controller 'foo,bar-pic'"));
	free(fdt);
}

static void gicv2_without_virt(void **state)
{
	void *fdt = dtb_load(GICV2, 64);
	fdt32_t reg[8] = { 0, cpu_to_fdt32(0x8000000), 0, cpu_to_fdt32(0x10000),
			   0, cpu_to_fdt32(0x8010000), 0, cpu_to_fdt32(0x10000) };

	assert_int_equal(fdt_setprop(fdt, node(fdt, "/intc@8000000"), "reg", reg, sizeof(reg)), 0);
	log_clear();
	assert_int_equal(platform_parse(fdt), -ENODEV);
	assert_true(log_seen("no virtualization interface"));
	free(fdt);
}

static void corrupt(void **state)
{
	void *fdt = dtb_load(GICV3, 0);
	uint32_t size = fdt_totalsize(fdt);
	void *copy = malloc(size);

	/* Bad magic. */
	memcpy(copy, fdt, size);
	((uint8_t *)copy)[0] ^= 0xff;
	assert_int_equal(platform_parse(copy), -EINVAL);
	/* Truncated: the header claims less than its blocks need. */
	memcpy(copy, fdt, size);
	fdt_set_totalsize(copy, 256);
	assert_int_equal(platform_parse(copy), -EINVAL);
	/* Structure block garbled: /timer's FDT_BEGIN_NODE tag overwritten. */
	memcpy(copy, fdt, size);
	memset((char *)copy + fdt_off_dt_struct(copy) + fdt_path_offset(copy, "/timer"), 0xee, 4);
	assert_int_equal(platform_parse(copy), -EINVAL);
	/* Nothing at all. */
	memset(copy, 0, 64);
	assert_int_equal(platform_parse(copy), -EINVAL);
	free(copy);
	free(fdt);
}

/* Set a property to n bytes of zeros and expect platform_parse to fail with
 * -EINVAL naming the node. */
static void bad_len(int which, const char *path, const char *prop, int n, const char *name)
{
	void *fdt = dtb_load(which, 64);
	char zeros[64] = { 0 };

	assert_int_equal(fdt_setprop(fdt, node(fdt, path), prop, zeros, n), 0);
	log_clear();
	assert_int_equal(platform_parse(fdt), -EINVAL);
	if (!log_seen(name))
		fail_msg("log does not name '%s': %s", name, log_last());
	free(fdt);
}

static void bad_lengths(void **state)
{
	bad_len(GICV3, "/cpus/cpu@2", "reg", 0, "cpu@2");
	bad_len(GICV3, "/memory@40000000", "reg", 12, "memory@40000000");
	bad_len(GICV3, "/memory@40000000", "reg", 0, "memory@40000000");
	bad_len(GICV3, "/intc@8000000", "reg", 20, "intc@8000000");
	bad_len(GICV3, "/intc@8000000", "interrupts", 4, "intc@8000000");
	bad_len(GICV3, "/intc@8000000", "#redistributor-regions", 2, "intc@8000000");
	bad_len(GICV2, "/intc@8000000", "#interrupt-cells", 2, "intc@8000000");
	bad_len(GICV3, "/timer", "interrupts", 24, "timer");
	bad_len(GICV3, "/chosen/module@0x50000000", "reg", 8, "module@0x50000000");
	bad_len(GICV3, "/pl011@9000000", "reg", 4, "pl011@9000000");
	bad_len(GICV2, "/psci", "method", 0, "psci");

	/* Strings without their NUL. */
	bad_len(GICV3, "/chosen/module@0x50000000", "bootargs", 0, "bootargs");
	void *fdt = dtb_load(GICV3, 64);

	assert_int_equal(fdt_setprop(fdt, node(fdt, "/chosen"), "bootargs", "vm0_mem=1G", 10), 0);
	assert_int_equal(platform_parse(fdt), -EINVAL);
	assert_int_equal(fdt_setprop(fdt, node(fdt, "/chosen"), "stdout-path", "/pl011", 7), 0);
	assert_int_equal(platform_parse(fdt), -EINVAL);
	free(fdt);

	/* An SPI/PPI number out of range. */
	fdt = dtb_load(GICV3, 64);
	fdt32_t irq[3] = { cpu_to_fdt32(1), cpu_to_fdt32(16), cpu_to_fdt32(4) };

	assert_int_equal(fdt_setprop(fdt, node(fdt, "/intc@8000000"), "interrupts", irq, 12), 0);
	assert_int_equal(platform_parse(fdt), -EINVAL);
	free(fdt);
}

static void many_cpus_and_ram(void **state)
{
	void *fdt = dtb_load(GICV3, 4096);
	int cpus = node(fdt, "/cpus"), mem;
	char name[16];

	/* 8 more CPUs: only the first MAX_PCPUS in DT order are used.
	 * fdt_add_subnode() inserts before the existing children, so adding
	 * from the top gives the order cpu@4..cpu@b, cpu-map, cpu@0..cpu@3. */
	for (int i = 11; i >= 4; i--) {
		snprintf(name, sizeof(name), "cpu@%x", i);
		int n = fdt_add_subnode(fdt, cpus, name);

		assert_true(n >= 0);
		assert_int_equal(fdt_setprop_string(fdt, n, "device_type", "cpu"), 0);
		assert_int_equal(fdt_setprop_u32(fdt, n, "reg", 0x100 + i), 0);
		cpus = node(fdt, "/cpus");
	}
	/* RAM below the existing node, listed after it: sorted by base. */
	mem = fdt_add_subnode(fdt, 0, "memory@0");
	assert_true(mem >= 0);
	fdt32_t reg[8] = { 0, cpu_to_fdt32(0x2000000), 0, cpu_to_fdt32(0x1000),
			   0, 0, 0, cpu_to_fdt32(0x1000000) };
	assert_int_equal(fdt_setprop_string(fdt, mem, "device_type", "memory"), 0);
	assert_int_equal(fdt_setprop(fdt, mem, "reg", reg, sizeof(reg)), 0);

	assert_int_equal(platform_parse(fdt), 0);
	assert_int_equal(plat.nr_cpus, MAX_PCPUS);
	for (int i = 0; i < MAX_PCPUS; i++)
		assert_int_equal(plat.mpidr[i], 0x104 + i);
	assert_int_equal(plat.nr_ram, 3);
	assert_int_equal(plat.ram[0].base, 0);
	assert_int_equal(plat.ram[0].size, 0x1000000);
	assert_int_equal(plat.ram[1].base, 0x2000000);
	assert_int_equal(plat.ram[2].base, 0x40000000);
	free(fdt);
}

static void uart_and_psci_variants(void **state)
{
	void *fdt = dtb_load(GICV3, 256);

	/* stdout-path with options after ':' */
	assert_int_equal(fdt_setprop_string(fdt, node(fdt, "/chosen"), "stdout-path",
					    "/pl031@9010000:115200n8"), 0);
	assert_int_equal(fdt_setprop_string(fdt, node(fdt, "/psci"), "method", "hvc"), 0);
	assert_int_equal(platform_parse(fdt), 0);
	assert_int_equal(plat.uart.base, 0x9010000);
	assert_int_equal(plat.psci_conduit_smc, 0);

	/* No stdout-path: the first arm,pl011. */
	assert_int_equal(fdt_delprop(fdt, node(fdt, "/chosen"), "stdout-path"), 0);
	assert_int_equal(platform_parse(fdt), 0);
	assert_int_equal(plat.uart.base, 0x9000000);
	free(fdt);
}

/* ---- platform_for_each_device ---- */

struct dev {
	char path[64];
	uint64_t base, size;
};

struct devs {
	int n;
	struct dev d[128];
};

static int collect(const char *path, u64 base, u64 size, void *arg)
{
	struct devs *ds = arg;

	assert_true(ds->n < 128);
	snprintf(ds->d[ds->n].path, sizeof(ds->d[0].path), "%s", path);
	ds->d[ds->n].base = base;
	ds->d[ds->n].size = size;
	ds->n++;
	return 0;
}

static const struct dev *find(const struct devs *ds, uint64_t base)
{
	for (int i = 0; i < ds->n; i++)
		if (ds->d[i].base == base)
			return &ds->d[i];
	return NULL;
}

static void expect(const struct devs *ds, const char *path, uint64_t base, uint64_t size)
{
	const struct dev *d = find(ds, base);

	if (!d)
		fail_msg("no device at 0x%llx (%s)", (unsigned long long)base, path);
	assert_string_equal(d->path, path);
	assert_int_equal(d->size, size);
}

static void devices(int which)
{
	void *fdt = dtb_load(which, 0);
	struct devs *ds = calloc(1, sizeof(*ds));

	assert_int_equal(platform_for_each_device(fdt, collect, ds), 0);
	expect(ds, "/pl011@9000000", 0x9000000, 0x1000);
	expect(ds, "/pl031@9010000", 0x9010000, 0x1000);
	expect(ds, "/fw-cfg@9020000", 0x9020000, 0x18);
	expect(ds, "/pl061@9030000", 0x9030000, 0x1000);
	expect(ds, "/virtio_mmio@a000000", 0xa000000, 0x200);
	expect(ds, "/virtio_mmio@a003e00", 0xa003e00, 0x200);
	expect(ds, "/pcie@10000000", 0x4010000000ULL, 0x10000000);   /* ECAM */
	expect(ds, "/pcie@10000000", 0x3eff0000, 0x10000);           /* I/O window */
	expect(ds, "/pcie@10000000", 0x10000000, 0x2eff0000);        /* 32-bit MMIO */
	expect(ds, "/pcie@10000000", 0x8000000000ULL, 0x8000000000ULL); /* 64-bit MMIO */
	expect(ds, "/flash@0", 0, 0x4000000);
	expect(ds, "/flash@0", 0x4000000, 0x4000000);
	/* 32 virtio slots + pl011, pl031, pl061, fw-cfg + 2 flash + ECAM + 3 windows */
	assert_int_equal(ds->n, 42);
	for (int i = 0; i < ds->n; i++) {
		assert_false(strncmp(ds->d[i].path, "/cpus", 5) == 0);
		assert_false(strncmp(ds->d[i].path, "/chosen", 7) == 0);
		assert_false(strncmp(ds->d[i].path, "/memory", 7) == 0);
		assert_false(strncmp(ds->d[i].path, "/intc", 5) == 0);
		/* GICD..ITS/v2m/GICR: nothing between 0x8000000 and 0x9000000 */
		assert_false(ds->d[i].base >= 0x8000000 && ds->d[i].base < 0x9000000);
	}
	free(ds);
	free(fdt);
}

static void devices_gicv3(void **state)
{
	devices(GICV3);
}

static void devices_gicv2(void **state)
{
	devices(GICV2);
}

static int stop_at_second(const char *path, u64 base, u64 size, void *arg)
{
	return ++*(int *)arg == 2 ? -EBUSY : 0;
}

static void devices_bus_and_status(void **state)
{
	void *fdt = dtb_load(GICV3, 1024);
	int soc, dev;
	fdt32_t ranges[4] = { 0, 0, cpu_to_fdt32(0x20000000), cpu_to_fdt32(0x1000000) };
	fdt32_t reg[2] = { cpu_to_fdt32(0x1000), cpu_to_fdt32(0x100) };
	struct devs *ds = calloc(1, sizeof(*ds));
	int calls = 0;

	soc = fdt_add_subnode(fdt, 0, "soc");
	assert_true(soc >= 0);
	assert_int_equal(fdt_setprop_string(fdt, soc, "compatible", "simple-bus"), 0);
	assert_int_equal(fdt_setprop_u32(fdt, soc, "#address-cells", 1), 0);
	assert_int_equal(fdt_setprop_u32(fdt, soc, "#size-cells", 1), 0);
	/* ranges = <child 1 cell, parent 2 cells, size 1 cell> */
	assert_int_equal(fdt_setprop(fdt, soc, "ranges", ranges, sizeof(ranges)), 0);
	dev = fdt_add_subnode(fdt, soc, "dev@1000");
	assert_true(dev >= 0);
	assert_int_equal(fdt_setprop(fdt, dev, "reg", reg, sizeof(reg)), 0);
	assert_int_equal(fdt_setprop_string(fdt, node(fdt, "/pl031@9010000"), "status", "disabled"), 0);

	assert_int_equal(platform_for_each_device(fdt, collect, ds), 0);
	expect(ds, "/soc/dev@1000", 0x20001000, 0x100);
	assert_null(find(ds, 0x9010000));
	assert_int_equal(ds->n, 42);

	/* A callback's error stops the walk and comes back. */
	assert_int_equal(platform_for_each_device(fdt, stop_at_second, &calls), -EBUSY);
	assert_int_equal(calls, 2);

	/* Malformed ranges on the bus: -EINVAL, not a wild read. */
	assert_int_equal(fdt_setprop(fdt, node(fdt, "/soc"), "ranges", ranges, 12), 0);
	assert_int_equal(platform_for_each_device(fdt, collect, ds), -EINVAL);
	free(ds);
	free(fdt);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_gicv3),
		cmocka_unit_test(parse_gicv2),
		cmocka_unit_test(no_modules),
		cmocka_unit_test(initrd_optional),
		cmocka_unit_test(unsupported_gic),
		cmocka_unit_test(gicv2_without_virt),
		cmocka_unit_test(corrupt),
		cmocka_unit_test(bad_lengths),
		cmocka_unit_test(many_cpus_and_ram),
		cmocka_unit_test(uart_and_psci_variants),
		cmocka_unit_test(devices_gicv3),
		cmocka_unit_test(devices_gicv2),
		cmocka_unit_test(devices_bus_and_status),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s GICV2.dtb GICV3.dtb\n", argv[0]);
		return 2;
	}
	dtb_path[GICV2] = argv[1];
	dtb_path[GICV3] = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
