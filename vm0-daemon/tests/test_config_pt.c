// SPDX-License-Identifier: GPL-2.0
/* Host tests: Keel's "passthrough" list (config/passthrough.c): what is
 * accepted, every refusal with its message, dt_path taken from a host DT,
 * and the guest DT node keeld writes for a passed device. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include <keel/hypercall.h>

#include "config/config.h"
#include "guest/guest_fdt.h"

static struct vm_config cfg;
static char err[CFG_ERR_MAX];
static struct config_env env = {
	.id = 1, .nr_pcpus = 4, .label = "pt.json", .gic_version = KEEL_GIC_V3,
	.gicd = 0x8000000, .gicr = 0x80a0000, .nr_irqs = 288,
};

static int parse(const char *pt, bool identity)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "{\"memory\": \"256M\", \"kernel\": \"Image\", \"identity_map\": %s,"
		 " \"disks\": [{\"path\": \"/data/d.img\"}], \"passthrough\": %s}",
		 identity ? "true" : "false", pt);
	err[0] = 0;
	return config_parse(text, strlen(text), &env, &cfg, err, sizeof(err));
}

static void expect_error(const char *pt, bool identity, const char *msg)
{
	if (parse(pt, identity) >= 0)
		fail_msg("accepted %s\nwanted \"%s\"", pt, msg);
	if (strcmp(err, msg))
		fail_msg("got \"%s\"\nwanted \"%s\"", err, msg);
}

#define RTC "{\"name\": \"rtc\", \"compatible\": [\"arm,pl031\", \"arm,primecell\"], " \
	    "\"regions\": [{\"base\": \"0x9010000\", \"size\": \"0x1000\"}], \"irqs\": [34]}"

static void test_keel_accepted(void **state)
{
	assert_int_equal(parse("[" RTC "]", false), 0);
	assert_int_equal(cfg.nr_pt, 1);
	assert_string_equal(cfg.pt[0].name, "rtc");
	assert_int_equal(cfg.pt[0].nr_regions, 1);
	assert_int_equal(cfg.pt[0].region[0].base, 0x9010000);
	assert_int_equal(cfg.pt[0].region[0].size, 0x1000);
	assert_int_equal(cfg.pt[0].nr_irqs, 1);
	assert_int_equal(cfg.pt[0].irq[0], 34);
	assert_false(cfg.pt[0].dma);
	assert_false(cfg.pt[0].edge);
	assert_int_equal(cfg.pt[0].compat_len, sizeof("arm,pl031") + sizeof("arm,primecell"));

	/* DMA on an identity guest; a virtio-mmio window smaller than a page. */
	assert_int_equal(parse("[{\"name\": \"blk\", \"compatible\": \"virtio,mmio\", \"dma\": true,"
			       " \"irq_type\": \"edge\", \"regions\": [{\"base\": \"0xa002000\", \"size\": \"0x200\"}],"
			       " \"irqs\": [64]}]", true), 0);
	assert_true(cfg.pt[0].dma);
	assert_true(cfg.pt[0].edge);
	/* dt_path alone: filled in later from the host DT. */
	assert_int_equal(parse("[{\"name\": \"rtc\", \"dt_path\": \"/pl031@9010000\"}]", false), 0);
	assert_int_equal(cfg.pt[0].nr_regions, 0);
	assert_int_equal(parse("[]", false), 0);
	assert_int_equal(parse("null", false), 0);
}

static void test_keel_refused(void **state)
{
	expect_error("[{\"name\": \"blk\", \"dma\": true, \"regions\": [{\"base\": \"0xa002000\", \"size\": \"0x200\"}]}]",
		     false, "pt.json: passthrough[0]: 'blk' does DMA, so the guest needs identity_map: true (no IOMMU: the device uses physical addresses, so guest RAM must be at IPA = PA)");
	expect_error("[" RTC ", {\"name\": \"rtc2\", \"regions\": [{\"base\": \"0x9010800\", \"size\": \"0x100\"}]}]",
		     false, "pt.json: passthrough[1]: 'rtc2': region 0x9010800+0x100 is not a non-empty, page-aligned range below 2^40");
	expect_error("[" RTC ", {\"name\": \"rtc2\", \"regions\": [{\"base\": \"0x9010000\", \"size\": \"0x100\"}]}]",
		     false, "pt.json: passthrough[1]: 'rtc2': region 0x9010000+0x1000 overlaps 'rtc' (the same pages)");
	expect_error("[{\"name\": \"two\", \"regions\": [{\"base\": \"0x9010000\", \"size\": \"0x2000\"}, {\"base\": \"0x9011000\", \"size\": \"0x1000\"}]}]",
		     false, "pt.json: passthrough[0]: 'two': region 0x9011000+0x1000 overlaps 'two' (the same pages)");
	expect_error("[{\"name\": \"ram\", \"regions\": [{\"base\": \"0x40000000\", \"size\": \"0x1000\"}]}]",
		     false, "pt.json: passthrough[0]: 'ram': region 0x40000000+0x1000 overlaps guest RAM (devices are mapped at IPA = PA)");
	expect_error("[{\"name\": \"gic\", \"regions\": [{\"base\": \"0x8000000\", \"size\": \"0x1000\"}]}]",
		     false, "pt.json: passthrough[0]: 'gic': region 0x8000000+0x1000 overlaps the GIC distributor (devices are mapped at IPA = PA)");
	expect_error("[{\"name\": \"u\", \"regions\": [{\"base\": \"0x9000000\", \"size\": \"0x1000\"}]}]",
		     false, "pt.json: passthrough[0]: 'u': region 0x9000000+0x1000 overlaps the emulated UART or GPIO (devices are mapped at IPA = PA)");
	expect_error("[{\"name\": \"v\", \"regions\": [{\"base\": \"0xa000000\", \"size\": \"0x1000\"}]}]",
		     false, "pt.json: passthrough[0]: 'v': region 0xa000000+0x1000 overlaps the virtio window of disks[0] (devices are mapped at IPA = PA)");
	expect_error("[{\"name\": \"rtc\", \"regions\": [{\"base\": \"0x9010000\", \"size\": \"0x1000\"}], \"irqs\": [27]}]",
		     false, "pt.json: passthrough[0] 'rtc': interrupt: 27 is not an SPI of this machine (32..287)");
	expect_error("[{\"name\": \"rtc\", \"regions\": [{\"base\": \"0x9010000\", \"size\": \"0x1000\"}], \"irqs\": [300]}]",
		     false, "pt.json: passthrough[0] 'rtc': interrupt: 300 is not an SPI of this machine (32..287)");
	expect_error("[{\"name\": \"rtc\", \"regions\": [{\"base\": \"0x9010000\", \"size\": \"0x1000\"}], \"irqs\": [33]}]",
		     false, "pt.json: passthrough[0] 'rtc': interrupt: 33 is the SPI of a device keeld emulates for this guest");
	expect_error("[{\"name\": \"rtc\", \"regions\": [{\"base\": \"0x9010000\", \"size\": \"0x1000\"}], \"irqs\": [34, 34]}]",
		     false, "pt.json: passthrough[0] 'rtc': interrupt: 34 is listed twice (also by 'rtc')");
	expect_error("[{\"name\": \"rtc\", \"dt_path\": \"/pl031@9010000\", \"irqs\": [34]}]",
		     false, "pt.json: passthrough[0]: has dt_path and regions/irqs: the node gives both, leave them out");
	expect_error("[{\"name\": \"rtc\", \"dt_path\": \"pl031\"}]",
		     false, "pt.json: passthrough[0].dt_path: \"pl031\" is not a device-tree path (\"/pl031@9010000\")");
	expect_error("[{\"name\": \"rtc\", \"regions\": []}]",
		     false, "pt.json: passthrough[0]: regions: needs 1 to 4 {\"base\", \"size\"} objects");
	expect_error("[{\"name\": \"rtc\", \"regions\": [{\"base\": 1}]}]",
		     false, "pt.json: passthrough[0].regions[0]: {\"base\":1} is not {\"base\": ..., \"size\": ...}");
	expect_error("[{\"name\": \"rtc\", \"irq_type\": \"high\", \"regions\": [{\"base\": \"0x9010000\", \"size\": \"0x1000\"}]}]",
		     false, "pt.json: passthrough[0].irq_type: \"high\" is not \"level\" or \"edge\"");
	expect_error("[{\"name\": \"rtc\", \"frob\": 1}]", false, "pt.json: passthrough[0].frob: unknown field");
	expect_error("[{\"regions\": [{\"base\": \"0x9010000\", \"size\": \"0x1000\"}]}]",
		     false, "pt.json: passthrough[0].name: missing");
	expect_error("{}", false, "pt.json: passthrough: is not a list of devices");
}

/* A host DT with QEMU virt's PL031 and a virtio-mmio transport. */
static void *host_dt(size_t *len)
{
	static char buf[4096];
	fdt32_t rtc_reg[4] = { 0, cpu_to_fdt32(0x9010000), 0, cpu_to_fdt32(0x1000) };
	fdt32_t rtc_irq[3] = { 0, cpu_to_fdt32(2), cpu_to_fdt32(4) };
	fdt32_t vio_reg[4] = { 0, cpu_to_fdt32(0xa002000), 0, cpu_to_fdt32(0x200) };
	fdt32_t vio_irq[3] = { 0, cpu_to_fdt32(32), cpu_to_fdt32(1) };
	fdt32_t ppi[3] = { cpu_to_fdt32(1), cpu_to_fdt32(13), cpu_to_fdt32(4) };

	assert_int_equal(fdt_create(buf, sizeof(buf)), 0);
	assert_int_equal(fdt_finish_reservemap(buf), 0);
	assert_int_equal(fdt_begin_node(buf, ""), 0);
	fdt_property_u32(buf, "#address-cells", 2);
	fdt_property_u32(buf, "#size-cells", 2);
	fdt_begin_node(buf, "pl031@9010000");
	fdt_property(buf, "compatible", "arm,pl031\0arm,primecell", 24);
	fdt_property(buf, "reg", rtc_reg, sizeof(rtc_reg));
	fdt_property(buf, "interrupts", rtc_irq, sizeof(rtc_irq));
	fdt_end_node(buf);
	fdt_begin_node(buf, "virtio_mmio@a002000");
	fdt_property_string(buf, "compatible", "virtio,mmio");
	fdt_property(buf, "dma-coherent", NULL, 0);
	fdt_property(buf, "reg", vio_reg, sizeof(vio_reg));
	fdt_property(buf, "interrupts", vio_irq, sizeof(vio_irq));
	fdt_end_node(buf);
	fdt_begin_node(buf, "timer");
	fdt_property(buf, "interrupts", ppi, sizeof(ppi));
	fdt_end_node(buf);
	fdt_end_node(buf);
	assert_int_equal(fdt_finish(buf), 0);
	*len = fdt_totalsize(buf);
	return buf;
}

static void test_dt_path(void **state)
{
	size_t len;
	void *fdt = host_dt(&len);

	assert_int_equal(parse("[{\"name\": \"rtc\", \"dt_path\": \"/pl031@9010000\"},"
			       " {\"name\": \"blk\", \"dt_path\": \"/virtio_mmio@a002000\"}]", true), 0);
	assert_int_equal(config_resolve_passthrough(&cfg, &env, fdt, len, err, sizeof(err)), 0);
	assert_int_equal(cfg.pt[0].region[0].base, 0x9010000);
	assert_int_equal(cfg.pt[0].irq[0], 34);
	assert_false(cfg.pt[0].edge);
	assert_false(cfg.pt[0].dma);
	assert_memory_equal(cfg.pt[0].compat, "arm,pl031\0arm,primecell", 24);
	assert_int_equal(cfg.pt[1].region[0].size, 0x200);
	assert_int_equal(cfg.pt[1].irq[0], 64);
	assert_true(cfg.pt[1].edge);
	assert_true(cfg.pt[1].dma);  /* a dma-coherent virtio-mmio node */

	/* The same device on a non-identity guest, once its node is read. */
	assert_int_equal(parse("[{\"name\": \"blk\", \"dt_path\": \"/virtio_mmio@a002000\"}]", false), 0);
	assert_int_equal(config_resolve_passthrough(&cfg, &env, fdt, len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "pt.json: passthrough[0]: 'blk' does DMA, so the guest needs identity_map: true (no IOMMU: the device uses physical addresses, so guest RAM must be at IPA = PA)");
	assert_int_equal(parse("[{\"name\": \"x\", \"dt_path\": \"/nothing@0\"}]", false), 0);
	assert_int_equal(config_resolve_passthrough(&cfg, &env, fdt, len, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "pt.json: passthrough[0].dt_path: /nothing@0: no such node in the host's device tree");
	assert_int_equal(parse("[{\"name\": \"t\", \"dt_path\": \"/timer\"}]", false), 0);
	assert_int_equal(config_resolve_passthrough(&cfg, &env, fdt, len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "pt.json: passthrough[0].dt_path: /timer: needs 1 to 4 entries in 'reg'");
	assert_int_equal(parse("[{\"name\": \"x\", \"dt_path\": \"/pl031@9010000\"}]", false), 0);
	assert_int_equal(config_resolve_passthrough(&cfg, &env, "junk", 4, err, sizeof(err)), -EINVAL);

	/* By address, no compatible: the host node's (Shyper's lists). */
	assert_int_equal(parse("[{\"name\": \"rtc\", \"regions\": [{\"base\": \"0x9010000\", \"size\": \"0x1000\"}], \"irqs\": [34]},"
			       " {\"name\": \"nothing\", \"regions\": [{\"base\": \"0xc000000\", \"size\": \"0x1000\"}]}]", false), 0);
	assert_int_equal(config_resolve_passthrough(&cfg, &env, fdt, len, err, sizeof(err)), 0);
	assert_memory_equal(cfg.pt[0].compat, "arm,pl031\0arm,primecell", 24);
	assert_int_equal(cfg.pt[1].compat_len, 0);
}

static void test_guest_node(void **state)
{
	static char buf[4096];
	const fdt32_t *irq;
	const char *s;
	int node, len;

	assert_int_equal(parse("[" RTC ", {\"name\": \"Blk 0\", \"compatible\": \"virtio,mmio\", \"dma\": true,"
			       " \"irq_type\": \"edge\", \"regions\": [{\"base\": \"0xa002000\", \"size\": \"0x200\"}],"
			       " \"irqs\": [64]}, {\"name\": \"raw\", \"regions\": [{\"base\": \"0xc000000\", \"size\": \"0x1000\"}]}]",
			       true), 0);
	assert_int_equal(fdt_create(buf, sizeof(buf)), 0);
	fdt_finish_reservemap(buf);
	fdt_begin_node(buf, "");
	assert_int_equal(guest_fdt_passthrough(buf, &cfg), 0);
	fdt_end_node(buf);
	assert_int_equal(fdt_finish(buf), 0);

	node = fdt_path_offset(buf, "/rtc@9010000");
	assert_true(node >= 0);
	s = fdt_getprop(buf, node, "clock-names", &len);
	assert_non_null(s);
	assert_string_equal(s, "apb_pclk");
	irq = fdt_getprop(buf, node, "interrupts", &len);
	assert_int_equal(len, 12);
	assert_int_equal(fdt32_to_cpu(irq[1]), 2);
	assert_int_equal(fdt32_to_cpu(irq[2]), 4);
	assert_null(fdt_getprop(buf, node, "dma-coherent", NULL));

	node = fdt_path_offset(buf, "/blk_0@a002000");
	assert_true(node >= 0);
	assert_non_null(fdt_getprop(buf, node, "dma-coherent", NULL));
	assert_null(fdt_getprop(buf, node, "clocks", NULL));
	irq = fdt_getprop(buf, node, "interrupts", &len);
	assert_int_equal(fdt32_to_cpu(irq[1]), 32);
	assert_int_equal(fdt32_to_cpu(irq[2]), 1);
	fdt_getprop(buf, node, "reg", &len);
	assert_int_equal(len, 16);
	/* No compatible: no node (the guest knows where it is). */
	assert_true(fdt_path_offset(buf, "/raw@c000000") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keel_accepted),
		cmocka_unit_test(test_keel_refused),
		cmocka_unit_test(test_dt_path),
		cmocka_unit_test(test_guest_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
