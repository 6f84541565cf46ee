// SPDX-License-Identifier: GPL-2.0 OR MIT
/* vm0_dt_build() on QEMU virt DTs, GICv2 and GICv3. */
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
#include <hyp/vm0_dt.h>
#include <keel/dt.h>
#include <keel/hypercall.h>
#include "dt_test.h"

#define OUT_SIZE (256 * 1024)

static const struct mem_range hyp_mem[] = { { 0x40000000, 0x1000000 } };
static const struct mem_range vm0_mem[] = {
	{ 0x41000000, 0x3f000000 },
	{ 0x100000000ULL, 0x40000000 },
};
static const struct mem_range pool_mem[] = { { 0x140000000ULL, 0x20000000 } };

static struct vm0_dt_params params(const void *host, void *out, u32 nr_vcpus)
{
	return (struct vm0_dt_params){
		.host_fdt = host, .out = out, .out_size = OUT_SIZE,
		.nr_vcpus = nr_vcpus,
		.reserved = hyp_mem, .nr_reserved = 1,
		.mem = vm0_mem, .nr_mem = 2,
		.pool = pool_mem, .nr_pool = 1,
		.initrd_start = 0x58000000, .initrd_end = 0x58000003,
		.bootargs = "console=ttyAMA0 earlycon",
		.doorbell_intid = 80,
		.gicr_size = nr_vcpus * 0x20000,
	};
}

static const fdt32_t *prop(const void *fdt, const char *path, const char *name, int len)
{
	int n = fdt_path_offset(fdt, path), l;
	const fdt32_t *p;

	if (n < 0)
		fail_msg("no node %s", path);
	p = fdt_getprop(fdt, n, name, &l);
	if (!p)
		fail_msg("no %s in %s", name, path);
	if (l != len)
		fail_msg("%s/%s is %d bytes, expected %d", path, name, l, len);
	return p;
}

static u32 cell(const fdt32_t *p, int i)
{
	return fdt32_to_cpu(p[i]);
}

static u64 cell64(const fdt32_t *p, int i)
{
	return (u64)fdt32_to_cpu(p[i]) << 32 | fdt32_to_cpu(p[i + 1]);
}

static bool exists(const void *fdt, const char *path)
{
	return fdt_path_offset(fdt, path) >= 0;
}

static int count_type(const void *fdt, const char *type)
{
	int n = 0, len;

	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0; node = fdt_next_node(fdt, node, NULL)) {
		const char *t = fdt_getprop(fdt, node, "device_type", &len);

		if (t && !strcmp(t, type))
			n++;
	}
	return n;
}

static void *build(int which, u32 nr_vcpus, void **host)
{
	void *out = malloc(OUT_SIZE);
	struct vm0_dt_params p;

	*host = dtb_load(which, 0);
	p = params(*host, out, nr_vcpus);
	assert_int_equal(vm0_dt_build(&p), 0);
	assert_int_equal(fdt_check_full(out, OUT_SIZE), 0);
	assert_true(fdt_totalsize(out) < OUT_SIZE);
	/* Packed: nothing free at the end. */
	assert_int_equal(fdt_totalsize(out), fdt_off_dt_strings(out) + fdt_size_dt_strings(out));
	return out;
}

static void common_checks(const void *out, const void *host)
{
	const fdt32_t *p;
	const char *s;
	int len;

	/* CPUs 0 and 1 stay, with their cpu-map cores; 2 and 3 are gone. */
	assert_int_equal(count_type(out, "cpu"), 2);
	assert_true(exists(out, "/cpus/cpu@0"));
	assert_true(exists(out, "/cpus/cpu@1"));
	assert_false(exists(out, "/cpus/cpu@2"));
	assert_false(exists(out, "/cpus/cpu@3"));
	assert_int_equal(cell(prop(out, "/cpus/cpu-map/socket0/cluster0/core0", "cpu", 4), 0), 0x8004);
	assert_int_equal(cell(prop(out, "/cpus/cpu-map/socket0/cluster0/core1", "cpu", 4), 0), 0x8003);
	assert_false(exists(out, "/cpus/cpu-map/socket0/cluster0/core2"));
	assert_false(exists(out, "/cpus/cpu-map/socket0/cluster0/core3"));

	/* Memory: exactly VM0's ranges and the pool's, in one node. */
	assert_int_equal(count_type(out, "memory"), 1);
	assert_false(exists(out, "/memory@40000000"));
	p = prop(out, "/memory@41000000", "reg", 48);
	assert_int_equal(cell64(p, 0), 0x41000000);
	assert_int_equal(cell64(p, 2), 0x3f000000);
	assert_int_equal(cell64(p, 4), 0x100000000ULL);
	assert_int_equal(cell64(p, 6), 0x40000000);
	assert_int_equal(cell64(p, 8), 0x140000000ULL);
	assert_int_equal(cell64(p, 10), 0x20000000);

	/* The pool: reserved, but mapped (Linux gives it struct pages). */
	p = prop(out, "/reserved-memory/keel-pool@140000000", "reg", 16);
	assert_int_equal(cell64(p, 0), 0x140000000ULL);
	assert_int_equal(cell64(p, 2), 0x20000000);
	assert_null(fdt_getprop(out, fdt_path_offset(out, "/reserved-memory/keel-pool@140000000"),
				"no-map", &len));

	/* Hypervisor memory: reserved, no-map. */
	assert_int_equal(cell(prop(out, "/reserved-memory", "#address-cells", 4), 0), 2);
	assert_int_equal(cell(prop(out, "/reserved-memory", "#size-cells", 4), 0), 2);
	prop(out, "/reserved-memory", "ranges", 0);
	p = prop(out, "/reserved-memory/keel@40000000", "reg", 16);
	assert_int_equal(cell64(p, 0), 0x40000000);
	assert_int_equal(cell64(p, 2), 0x1000000);
	prop(out, "/reserved-memory/keel@40000000", "no-map", 0);

	/* /chosen: VM0's command line and initrd, no modules, console kept. */
	s = (const char *)prop(out, "/chosen", "bootargs", sizeof("console=ttyAMA0 earlycon"));
	assert_string_equal(s, "console=ttyAMA0 earlycon");
	assert_int_equal(cell64(prop(out, "/chosen", "linux,initrd-start", 8), 0), 0x58000000);
	assert_int_equal(cell64(prop(out, "/chosen", "linux,initrd-end", 8), 0), 0x58000003);
	s = (const char *)prop(out, "/chosen", "stdout-path", sizeof("/pl011@9000000"));
	assert_string_equal(s, "/pl011@9000000");
	assert_int_equal(fdt_first_subnode(out, fdt_path_offset(out, "/chosen")), -FDT_ERR_NOTFOUND);

	/* GIC: no MSI children, no maintenance interrupt, no msi-map users. */
	int gic = fdt_path_offset(out, "/intc@8000000");

	assert_true(gic >= 0);
	assert_int_equal(fdt_first_subnode(out, gic), -FDT_ERR_NOTFOUND);
	assert_null(fdt_getprop(out, gic, "interrupts", &len));
	assert_int_equal(fdt_get_phandle(out, gic), 0x8005);
	assert_null(fdt_getprop(out, fdt_path_offset(out, "/pcie@10000000"), "msi-map", &len));
	assert_null(fdt_getprop(out, fdt_path_offset(out, "/pcie@10000000"), "msi-parent", &len));

	/* The Keel node. */
	s = (const char *)prop(out, "/" KEEL_DT_NODE, "compatible", sizeof(KEEL_DT_COMPAT));
	assert_string_equal(s, KEEL_DT_COMPAT);
	assert_int_equal(cell(prop(out, "/" KEEL_DT_NODE, KEEL_DT_PROP_VERSION, 4), 0), KEEL_VERSION_CODE);
	assert_int_equal(cell(prop(out, "/" KEEL_DT_NODE, KEEL_DT_PROP_ABI, 4), 0), KEEL_HC_ABI_REVISION);
	assert_int_equal(cell(prop(out, "/" KEEL_DT_NODE, "interrupt-parent", 4), 0), 0x8005);
	p = prop(out, "/" KEEL_DT_NODE, "interrupts", 12);
	assert_int_equal(cell(p, 0), 0);
	assert_int_equal(cell(p, 1), 80 - 32);
	assert_int_equal(cell(p, 2), 1);

	/* Everything else passes through untouched. */
	prop(out, "/timer", "interrupts", 48);
	assert_true(exists(out, "/pl011@9000000"));
	assert_true(exists(out, "/virtio_mmio@a000000"));
	assert_true(exists(out, "/psci"));
	assert_int_equal(fdt_num_mem_rsv(out), fdt_num_mem_rsv(host));
}

static void build_gicv3(void **state)
{
	void *host, *out = build(GICV3, 2, &host);
	const fdt32_t *p;

	common_checks(out, host);
	p = prop(out, "/intc@8000000", "reg", 32);
	assert_int_equal(cell64(p, 0), 0x8000000);
	assert_int_equal(cell64(p, 2), 0x10000);
	assert_int_equal(cell64(p, 4), 0x80a0000);
	assert_int_equal(cell64(p, 6), 2 * 0x20000);
	assert_false(exists(out, "/intc@8000000/its@8080000"));
	assert_int_equal(cell(prop(out, "/intc@8000000", "#redistributor-regions", 4), 0), 1);
	/* The host DT is not touched. */
	assert_true(exists(host, "/chosen/module@0x50000000"));
	assert_true(exists(host, "/intc@8000000/its@8080000"));
	free(out);
	free(host);
}

static void build_gicv2(void **state)
{
	void *host, *out = build(GICV2, 2, &host);
	const fdt32_t *p;

	common_checks(out, host);
	/* GICD and GICC only: GICH/GICV are the hypervisor's. */
	p = prop(out, "/intc@8000000", "reg", 32);
	assert_int_equal(cell64(p, 0), 0x8000000);
	assert_int_equal(cell64(p, 2), 0x10000);
	assert_int_equal(cell64(p, 4), 0x8010000);
	assert_int_equal(cell64(p, 6), 0x10000);
	assert_false(exists(out, "/intc@8000000/v2m@8020000"));
	free(out);
	free(host);
}

static void vcpu_counts(void **state)
{
	void *host = dtb_load(GICV3, 0), *out = malloc(OUT_SIZE);
	struct vm0_dt_params p = params(host, out, 1);

	/* One vCPU: cluster0 keeps core0 only. */
	assert_int_equal(vm0_dt_build(&p), 0);
	assert_int_equal(count_type(out, "cpu"), 1);
	assert_true(exists(out, "/cpus/cpu-map/socket0/cluster0/core0"));
	assert_false(exists(out, "/cpus/cpu-map/socket0/cluster0/core1"));

	/* All four: nothing removed. */
	p = params(host, out, 4);
	assert_int_equal(vm0_dt_build(&p), 0);
	assert_int_equal(count_type(out, "cpu"), 4);
	assert_true(exists(out, "/cpus/cpu-map/socket0/cluster0/core3"));

	/* More than there are. */
	p = params(host, out, 5);
	p.gicr_size = 4 * 0x20000;
	assert_int_equal(vm0_dt_build(&p), -EINVAL);
	p.nr_vcpus = 0;
	assert_int_equal(vm0_dt_build(&p), -EINVAL);
	free(out);
	free(host);
}

static void no_initrd_no_bootargs(void **state)
{
	void *host = dtb_load(GICV2, 64), *out = malloc(OUT_SIZE);
	struct vm0_dt_params p = params(host, out, 2);
	int chosen, len;

	/* The host DT carries stale initrd properties: they must go. */
	assert_int_equal(fdt_setprop_u64(host, fdt_path_offset(host, "/chosen"), "linux,initrd-start", 1), 0);
	p.initrd_start = p.initrd_end = 0;
	p.bootargs = NULL;
	assert_int_equal(vm0_dt_build(&p), 0);
	chosen = fdt_path_offset(out, "/chosen");
	assert_null(fdt_getprop(out, chosen, "linux,initrd-start", &len));
	assert_null(fdt_getprop(out, chosen, "linux,initrd-end", &len));
	assert_null(fdt_getprop(out, chosen, "bootargs", &len));
	free(out);
	free(host);
}

static void existing_reserved_memory(void **state)
{
	void *host = dtb_load(GICV3, 1024), *out = malloc(OUT_SIZE);
	struct vm0_dt_params p = params(host, out, 2);
	int rm = fdt_add_subnode(host, 0, "reserved-memory"), n;

	p.nr_pool = 0;  /* above 4 GiB: 1 cell cannot hold it (checked below) */
	/* A firmware /reserved-memory with 1 cell each: entries are added to it
	 * and the firmware's own child stays. */
	assert_true(rm >= 0);
	assert_int_equal(fdt_setprop_u32(host, rm, "#address-cells", 1), 0);
	assert_int_equal(fdt_setprop_u32(host, rm, "#size-cells", 1), 0);
	assert_int_equal(fdt_setprop_empty(host, rm, "ranges"), 0);
	n = fdt_add_subnode(host, rm, "fw@7f000000");
	assert_true(n >= 0);
	assert_int_equal(vm0_dt_build(&p), 0);
	assert_true(exists(out, "/reserved-memory/fw@7f000000"));
	const fdt32_t *reg = prop(out, "/reserved-memory/keel@40000000", "reg", 8);

	assert_int_equal(cell(reg, 0), 0x40000000);
	assert_int_equal(cell(reg, 1), 0x1000000);

	/* A range that does not fit 1 cell. */
	struct mem_range high = { 0x100000000ULL, 0x1000 };

	p.reserved = &high;
	assert_int_equal(vm0_dt_build(&p), -EINVAL);
	p.reserved = hyp_mem;
	p.pool = &high;
	p.nr_pool = 1;
	assert_int_equal(vm0_dt_build(&p), -EINVAL);
	free(out);
	free(host);
}

static void out_of_space(void **state)
{
	void *host = dtb_load(GICV3, 0), *out = malloc(OUT_SIZE);
	struct vm0_dt_params p = params(host, out, 2);

	p.out_size = 64;
	assert_int_equal(vm0_dt_build(&p), -ENOSPC);
	/* Room for the copy but not for the additions. */
	p.out_size = fdt_totalsize(host);
	assert_int_equal(vm0_dt_build(&p), -ENOSPC);
	/* Just enough. */
	p.out_size = fdt_totalsize(host) + 4096;
	assert_int_equal(vm0_dt_build(&p), 0);
	assert_int_equal(fdt_check_full(out, p.out_size), 0);
	free(out);
	free(host);
}

static void bad_params(void **state)
{
	void *host = dtb_load(GICV3, 0), *out = malloc(OUT_SIZE);
	struct vm0_dt_params p = params(host, out, 2);

	p.doorbell_intid = 27;            /* a PPI, not an SPI */
	assert_int_equal(vm0_dt_build(&p), -EINVAL);
	p = params(host, out, 2);
	p.gicr_size = 0x10000000;         /* beyond the GICR region */
	assert_int_equal(vm0_dt_build(&p), -EINVAL);
	p = params(host, out, 2);
	p.nr_mem = 0;
	assert_int_equal(vm0_dt_build(&p), -EINVAL);
	p = params(host, out, 2);
	p.nr_pool = 33;                   /* more than the pool ever has */
	assert_int_equal(vm0_dt_build(&p), -EINVAL);
	p = params(host, out, 2);
	p.pool = NULL;
	assert_int_equal(vm0_dt_build(&p), -EINVAL);
	p = params(host, out, 2);
	memset(host, 0, 16);              /* not a DTB */
	assert_int_equal(vm0_dt_build(&p), -EINVAL);
	free(out);
	free(host);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_gicv3),
		cmocka_unit_test(build_gicv2),
		cmocka_unit_test(vcpu_counts),
		cmocka_unit_test(no_initrd_no_bootargs),
		cmocka_unit_test(existing_reserved_memory),
		cmocka_unit_test(out_of_space),
		cmocka_unit_test(bad_params),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s GICV2.dtb GICV3.dtb\n", argv[0]);
		return 2;
	}
	dtb_path[GICV2] = argv[1];
	dtb_path[GICV3] = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
