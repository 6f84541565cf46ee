// SPDX-License-Identifier: GPL-2.0
/* Host tests: the devices VM configs ask for, beyond disks: Keel's
 * "console" field, and Rust-Shyper's emulated, passthrough and dtb device
 * lists (what maps to a Keel device, what is refused and how). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <keel/guest.h>
#include <keel/hypercall.h>

#include "config/config.h"

#define SERVED "; Keel serves EMU_DEVICE_T_CONSOLE, EMU_DEVICE_T_PL011, EMU_DEVICE_T_GICD, EMU_DEVICE_T_GICR, EMU_DEVICE_T_VIRTIO_BLK_MEDIATED, EMU_DEVICE_T_VIRTIO_BLK, EMU_DEVICE_T_VIRTIO_CONSOLE, EMU_DEVICE_T_VIRTIO_NET"

static struct vm_config cfg;
static char err[CFG_ERR_MAX];
static unsigned gic = KEEL_GIC_V3;

/* QEMU virt's GIC, as keeld has it from the hypervisor: 288 interrupts. */
static int parse(const char *text)
{
	struct config_env env = {
		.id = 1, .nr_pcpus = 4, .label = "vm1.json", .gic_version = gic,
		.gicd = 0x8000000, .gicr = gic == KEEL_GIC_V3 ? 0x80a0000 : 0,
		.gicc = gic == KEEL_GIC_V2 ? 0x8010000 : 0, .nr_irqs = 288,
	};

	err[0] = 0;
	return config_parse(text, strlen(text), &env, &cfg, err, sizeof(err));
}

static void expect_error(const char *text, const char *msg)
{
	if (parse(text) >= 0)
		fail_msg("accepted %s\nwanted \"%s\"", text, msg);
	if (strcmp(err, msg))
		fail_msg("got \"%s\"\nwanted \"%s\"", err, msg);
}

static const char *keel_with(const char *console)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "{\"memory\": \"256M\", \"kernel\": \"Image\", \"console\": %s}",
		 console);
	return buf;
}

static void test_keel_console(void **state)
{
	assert_int_equal(parse("{\"memory\": \"256M\", \"kernel\": \"Image\"}"), 0);
	assert_int_equal(cfg.consoles, CFG_CONSOLE_PL011);
	assert_int_equal(cfg.console_main, CFG_CONSOLE_PL011);

	assert_int_equal(parse(keel_with("\"virtio\"")), 0);
	assert_int_equal(cfg.consoles, CFG_CONSOLE_VIRTIO);
	assert_int_equal(cfg.console_main, CFG_CONSOLE_VIRTIO);
	assert_int_equal(cfg.vcon_base, 0x0a003e00ULL);  /* the last virtio-mmio slot */
	assert_int_equal(cfg.vcon_spi, 47);

	assert_int_equal(parse(keel_with("[\"virtio\", \"pl011\"]")), 0);
	assert_int_equal(cfg.consoles, CFG_CONSOLE_VIRTIO | CFG_CONSOLE_PL011);
	assert_int_equal(cfg.console_main, CFG_CONSOLE_VIRTIO);
	assert_int_equal(parse(keel_with("[\"pl011\", \"virtio\"]")), 0);
	assert_int_equal(cfg.console_main, CFG_CONSOLE_PL011);

	expect_error(keel_with("\"hvc0\""),
		     "vm1.json: console: \"hvc0\" is not \"pl011\", \"virtio\" or a list of them (the first is the main console)");
	expect_error(keel_with("[]"),
		     "vm1.json: console: [] is not \"pl011\", \"virtio\" or a list of them (the first is the main console)");
	expect_error(keel_with("[\"virtio\", \"virtio\"]"), "vm1.json: console[1]: \"virtio\" is named twice");
	expect_error(keel_with("[\"virtio\", 3]"),
		     "vm1.json: console[1]: 3 is not \"pl011\", \"virtio\" or a list of them (the first is the main console)");
}

/* The Rust-Shyper guest template's shape (configs/shyper-hvc.json). */
static const char *shyper =
	"{\"name\": \"g\", \"type\": \"VM_T_LINUX\", \"cmdline\": \"earlycon console=hvc0,115200n8\","
	" \"image\": {\"kernel_filename\": \"Image\", \"kernel_load_ipa\": \"0x80200000\","
	"   \"kernel_entry_point\": \"0x80200000\", \"device_tree_filename\": \"-\","
	"   \"device_tree_load_ipa\": \"0x80000000\", \"ramdisk_filename\": \"-\", \"ramdisk_load_ipa\": \"0\"},"
	" \"memory\": {\"region\": [{\"ipa_start\": \"0x80000000\", \"length\": \"0x10000000\"}]},"
	" \"cpu\": {\"num\": 1, \"allocate_bitmap\": \"0b0100\", \"master\": 2},"
	" \"emulated_device\": {\"emulated_device_list\": ["
	"  {\"name\": \"intc@8000000\", \"base_ipa\": \"0x8000000\", \"length\": \"0x1000\", \"irq_id\": 25, \"type\": \"EMU_DEVICE_T_GICD\"},"
	"  {\"name\": \"gicr@80a0000\", \"base_ipa\": \"0x80a0000\", \"length\": \"0xf60000\", \"irq_id\": 0, \"type\": \"EMU_DEVICE_T_GICR\"},"
	"  {\"name\": \"virtio_blk@a000000\", \"base_ipa\": \"0xa000000\", \"length\": \"0x1000\", \"irq_id\": 48,"
	"   \"cfg_num\": 2, \"cfg_list\": [1, 524288], \"type\": \"EMU_DEVICE_T_VIRTIO_BLK_MEDIATED\"},"
	"  {\"name\": \"virtio_console@a002000\", \"base_ipa\": \"0xa002000\", \"length\": \"0x1000\", \"irq_id\": 50,"
	"   \"cfg_num\": 2, \"cfg_list\": [\"0\", \"0xa002000\"], \"type\": \"EMU_DEVICE_T_VIRTIO_CONSOLE\"}]},"
	" \"passthrough_device\": {\"passthrough_device_list\": ["
	"  {\"name\": \"gicv\", \"base_pa\": \"0x8040000\", \"base_ipa\": \"0x8010000\", \"length\": \"0x2000\","
	"   \"irq_num\": 1, \"irq_list\": [27]}]},"
	" \"dtb_device\": {\"dtb_device_list\": ["
	"  {\"name\": \"gicd\", \"type\": \"DTB_DEVICE_T_GICD\", \"irq_num\": 0, \"irq_list\": [],"
	"   \"addr_region_ipa\": \"0x8000000\", \"addr_region_length\": \"0x1000\"},"
	"  {\"name\": \"gicc\", \"type\": \"DTB_DEVICE_T_GICC\", \"irq_num\": 0, \"irq_list\": [],"
	"   \"addr_region_ipa\": \"0x8010000\", \"addr_region_length\": \"0x2000\"}]}}";

/* text with the first occurrence of a replaced by b (a static buffer). */
static const char *replace(const char *text, const char *a, const char *b)
{
	static char buf[2][8192];
	static unsigned k;
	const char *p = strstr(text, a);
	char *out = buf[k++ % 2];

	if (!p)
		fail_msg("no %s in %s", a, text);
	snprintf(out, sizeof(buf[0]), "%.*s%s%s", (int)(p - text), text, b, p + strlen(a));
	return out;
}

static const char *with(const char *a, const char *b)
{
	return replace(shyper, a, b);
}

static void test_shyper_template(void **state)
{
	for (unsigned v = KEEL_GIC_V2; v <= KEEL_GIC_V3; v++) {
		gic = v;
		if (parse(shyper))
			fail_msg("GICv%u: %s", v, err);
		assert_int_equal(cfg.consoles, CFG_CONSOLE_VIRTIO);
		assert_int_equal(cfg.console_main, CFG_CONSOLE_VIRTIO);
		assert_int_equal(cfg.vcon_base, 0xa002000ULL);
		assert_int_equal(cfg.vcon_spi, 50 - 32);
		assert_int_equal(cfg.vcon_entry, 3);
		assert_int_equal(cfg.nr_disks, 1);
		assert_int_equal(cfg.gicd_ipa, 0x8000000ULL);
		assert_int_equal(cfg.gicr_ipa, 0x80a0000ULL);
		assert_non_null(strstr(cfg.notes, "emulated_device_list[3].cfg_list[1]: 0xa002000 ignored"));
		assert_non_null(strstr(cfg.notes, v == KEEL_GIC_V3 ?
			"passthrough_device_list[0] 'gicv': not needed: GICv3 guests reach their CPU interface through system registers" :
			"passthrough_device_list[0] 'gicv': the GIC CPU interface every guest gets; interrupt 27 is its virtual timer"));
		assert_non_null(strstr(cfg.notes, "dtb_device_list[1] 'gicc': keeld's DT describes"));
	}
	gic = KEEL_GIC_V3;
}

/* A PL011 and a virtio-console: the main one is the command line's last console=. */
static void test_shyper_both_consoles(void **state)
{
	const char *text = with("\"emulated_device_list\": [",
				"\"emulated_device_list\": [{\"name\": \"uart\", \"base_ipa\": \"0x9000000\","
				" \"length\": \"0x1000\", \"irq_id\": 33, \"type\": \"EMU_DEVICE_T_CONSOLE\"},");

	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg.consoles, CFG_CONSOLE_VIRTIO | CFG_CONSOLE_PL011);
	assert_int_equal(cfg.console_main, CFG_CONSOLE_VIRTIO);
	assert_int_equal(cfg.vcon_entry, 4);
	assert_int_equal(parse(replace(text, "console=hvc0,115200n8", "console=hvc0 console=ttyAMA0")), 0);
	assert_int_equal(cfg.console_main, CFG_CONSOLE_PL011);
	/* no PL011 listed: the virtio-console is the one, whatever the line says */
	assert_int_equal(parse(with("console=hvc0,115200n8", "console=ttyAMA0")), 0);
	assert_int_equal(cfg.consoles, CFG_CONSOLE_VIRTIO);
	assert_int_equal(cfg.console_main, CFG_CONSOLE_VIRTIO);
}

static void test_shyper_emulated_errors(void **state)
{
	expect_error(with("\"EMU_DEVICE_T_GICR\"", "\"EMU_DEVICE_T_GPPT\""),
		     "vm1.json: emulated_device_list[1] 'gicr@80a0000' (EMU_DEVICE_T_GPPT): not supported: GIC partial passthrough: Keel's vGIC emulates the whole GIC (EMU_DEVICE_T_GICD, and EMU_DEVICE_T_GICR on GICv3)" SERVED);
	expect_error(with("\"EMU_DEVICE_T_GICR\"", "\"EMU_DEVICE_T_SHYPER\""),
		     "vm1.json: emulated_device_list[1] 'gicr@80a0000' (EMU_DEVICE_T_SHYPER): not supported: Rust-Shyper's hypercall device for its MVM tools: guests are managed from VM0 with the keel CLI" SERVED);
	expect_error(with("\"EMU_DEVICE_T_GICR\"", "\"EMU_DEVICE_T_FROB\""),
		     "vm1.json: emulated_device_list[1] 'gicr@80a0000' (EMU_DEVICE_T_FROB): not supported: not a Rust-Shyper emulated device type" SERVED);
	/* irq_id against the machine's interrupts */
	expect_error(with("\"irq_id\": 50", "\"irq_id\": 27"),
		     "vm1.json: emulated_device_list[3].irq_id: 27 is not an SPI of this machine (32..287)");
	expect_error(with("\"irq_id\": 50", "\"irq_id\": 288"),
		     "vm1.json: emulated_device_list[3].irq_id: 288 is not an SPI of this machine (32..287)");
	expect_error(with("\"irq_id\": 50", "\"irq_id\": 48"),
		     "vm1.json: emulated_device_list[2].irq_id: 48 is also the virtio-console's interrupt");
	expect_error(with("\"irq_id\": 25", "\"irq_id\": 40"),
		     "vm1.json: emulated_device_list[0].irq_id: 40 is not 0 or 25 (the GIC maintenance interrupt): the vGIC has no interrupt of its own");
	expect_error(with("\"0xa002000\", \"length\"", "\"0xa000000\", \"length\""),
		     "vm1.json: emulated_device_list[2].base_ipa: 0xa000000+0x200 overlaps the virtio-console (emulated_device_list[3], 0xa000000)");
	expect_error(with("\"0xa002000\", \"length\"", "\"0x80001000\", \"length\""),
		     "vm1.json: emulated_device_list[3].base_ipa: 0x80001000+0x200 overlaps guest RAM (memory.region)");
	expect_error(with("[\"0\", \"0xa002000\"]", "[\"1\", \"0xa002000\"]"),
		     "vm1.json: emulated_device_list[3].cfg_list[0]: \"1\" names VM 1 as the other end: a Keel guest's virtio-console ends in VM0's /dev/hvc<id> (use 0)");
	expect_error(with("\"length\": \"0x1000\", \"irq_id\": 50", "\"length\": \"0x100\", \"irq_id\": 50"),
		     "vm1.json: emulated_device_list[3].length: \"0x100\" is less than 0x200, the size of a virtio-mmio register window");
	expect_error(with("\"EMU_DEVICE_T_VIRTIO_CONSOLE\"}", "\"EMU_DEVICE_T_VIRTIO_CONSOLE\"}, {\"name\": \"c2\","
			  " \"base_ipa\": \"0xa003000\", \"irq_id\": 51, \"type\": \"EMU_DEVICE_T_VIRTIO_CONSOLE\"}"),
		     "vm1.json: emulated_device_list[4]: is a second virtio-console (emulated_device_list[3] is the first): a guest has one");
}

static void test_shyper_memory_errors(void **state)
{
	expect_error(with("\"length\": \"0x10000000\"}]", "\"length\": \"0x10000000\"}], \"colors\": \"0-13,14\""),
		     "vm1.json: memory.colors: \"0-13,14\" cache colouring is not supported: Keel gives guest RAM from its pool in 2 MiB blocks, whatever their colours (remove the field)");
	expect_error(with("\"length\": \"0x10000000\"}]", "\"length\": \"0x10000000\"}], \"budget\": 1000"),
		     "vm1.json: memory.budget: 1000 memory bandwidth budgets are not supported: Keel does not regulate a guest's memory traffic (remove the field)");
	/* null is "not given", as serde's Option reads it */
	assert_int_equal(parse(with("\"length\": \"0x10000000\"}]", "\"length\": \"0x10000000\"}], \"colors\": null")), 0);
}

static void test_shyper_passthrough_errors(void **state)
{
	expect_error(with("\"name\": \"gicv\"", "\"name\": \"uart\", \"smmu_id\": 1"),
		     "vm1.json: passthrough_device_list[0]: 'uart': base_ipa 0x8010000 is not base_pa 0x8040000: Keel maps a passed-through device at IPA = PA");
	expect_error(with("\"irq_list\": [27]", "\"irq_list\": [27, 33]"),
		     "vm1.json: passthrough_device_list[0].irq_list[1]: 33 is not the virtual timer (27): this entry has no interrupt of its own");
	expect_error(with("\"irq_list\": [27]", "\"irq_list\": [2000]"),
		     "vm1.json: passthrough_device_list[0].irq_list[0]: 2000 is not an interrupt of this machine (0..287)");
	expect_error(with("\"irq_list\": [27]", "\"irq_list\": 27"),
		     "vm1.json: passthrough_device_list[0].irq_list: 27 is not a list of interrupt numbers");
	expect_error(with("\"length\": \"0x2000\",   \"irq_num\"", "\"length\": \"0x10000\", \"irq_num\""),
		     "vm1.json: passthrough_device_list[0].length: 0x10000 is more than a GIC CPU interface (0x2000)");
	gic = KEEL_GIC_V2;
	expect_error(with("\"base_ipa\": \"0x8010000\"", "\"base_ipa\": \"0x8020000\""),
		     "vm1.json: passthrough_device_list[0].base_ipa: 0x8020000: this machine's guests get their GIC CPU interface at 0x8010000 (their DT says so)");
	/* By its address on GICv2, whatever its name. */
	assert_int_equal(parse(with("\"name\": \"gicv\"", "\"name\": \"vcpuif\"")), 0);
	gic = KEEL_GIC_V3;
	expect_error(with("\"DTB_DEVICE_T_GICC\"", "\"DTB_DEVICE_T_CONSOLE\""),
		     "vm1.json: dtb_device_list[1]: 'gicc' (DTB_DEVICE_T_CONSOLE) at 0x8010000: no passthrough_device_list entry is there to describe");
	expect_error(with("\"DTB_DEVICE_T_GICC\"", "\"DTB_DEVICE_T_PLIC\""),
		     "vm1.json: dtb_device_list[1]: 'gicc' (DTB_DEVICE_T_PLIC): not supported: Keel's DT entries are DTB_DEVICE_T_GICD, DTB_DEVICE_T_GICC, DTB_DEVICE_T_GICR, DTB_DEVICE_T_CONSOLE");
	expect_error(with("\"passthrough_device_list\": [", "\"passthrough_device_list\": [3, "),
		     "vm1.json: passthrough_device_list[0]: 3 is not an object");
}

/* Devices in passthrough_device_list: at IPA = PA, the virtual timer
 * dropped from their interrupts, a console DT entry naming a passed UART. */
#define SHYPER_RTC "{\"name\": \"rtc\", \"base_pa\": \"0x9010000\", \"base_ipa\": \"0x9010000\"," \
		   " \"length\": \"0x1000\", \"irq_num\": 2, \"irq_list\": [27, 34]}"

static void test_shyper_passthrough(void **state)
{
	const char *t = with("\"passthrough_device_list\": [", "\"passthrough_device_list\": [" SHYPER_RTC ", ");

	assert_int_equal(parse(t), 0);
	assert_int_equal(cfg.nr_pt, 1);
	assert_string_equal(cfg.pt[0].name, "rtc");
	assert_int_equal(cfg.pt[0].region[0].base, 0x9010000);
	assert_int_equal(cfg.pt[0].region[0].size, 0x1000);
	assert_int_equal(cfg.pt[0].nr_irqs, 1);
	assert_int_equal(cfg.pt[0].irq[0], 34);
	assert_int_equal(cfg.pt[0].entry, 0);
	assert_false(cfg.pt[0].dma);
	assert_int_equal(cfg.pt[0].compat_len, 0);

	/* A passed PL011 and its DT entry. */
	t = with("\"passthrough_device_list\": [", "\"passthrough_device_list\": [{\"name\": \"serial1\","
		 " \"base_pa\": \"0x9040000\", \"base_ipa\": \"0x9040000\", \"length\": \"0x1000\", \"irq_list\": [40]}, ");
	t = replace(t, "\"dtb_device_list\": [", "\"dtb_device_list\": [{\"name\": \"serial1\", \"type\": \"DTB_DEVICE_T_CONSOLE\","
		    " \"irq_num\": 1, \"irq_list\": [40], \"addr_region_ipa\": \"0x9040000\", \"addr_region_length\": \"0x1000\"}, ");
	assert_int_equal(parse(t), 0);
	assert_memory_equal(cfg.pt[0].compat, "arm,pl011\0arm,primecell", sizeof("arm,pl011\0arm,primecell"));

	/* The checks Keel's own list gets, named by Shyper's fields (t in a
	 * buffer of its own: replace() reuses its two). */
	static char own[8192];

	snprintf(own, sizeof(own), "%s", with("\"passthrough_device_list\": [", "\"passthrough_device_list\": [" SHYPER_RTC ", "));
	t = own;
	expect_error(replace(t, "[27, 34]", "[27, 48]"),
		     "vm1.json: passthrough_device_list[0] 'rtc': interrupt: 48 is the SPI of a device keeld emulates for this guest");
	expect_error(replace(t, "[27, 34]", "[27, 16]"),
		     "vm1.json: passthrough_device_list[0].irq_list[1]: 16 is not an SPI of this machine (32..287)");
	expect_error(replace(t, "\"length\": \"0x1000\", \"irq_num\": 2", "\"length\": \"0x1000\", \"dma\": true, \"irq_num\": 2"),
		     "vm1.json: passthrough_device_list[0]: 'rtc' does DMA, so the guest needs identity_map: true (no IOMMU: the device uses physical addresses, so guest RAM must be at IPA = PA)");
	expect_error(replace(t, "\"base_pa\": \"0x9010000\", \"base_ipa\": \"0x9010000\"", "\"base_pa\": \"0xa002000\", \"base_ipa\": \"0xa002000\""),
		     "vm1.json: passthrough_device_list[0]: 'rtc': region 0xa002000+0x1000 overlaps the virtio window of the virtio-console (devices are mapped at IPA = PA)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keel_console),
		cmocka_unit_test(test_shyper_template),
		cmocka_unit_test(test_shyper_both_consoles),
		cmocka_unit_test(test_shyper_emulated_errors),
		cmocka_unit_test(test_shyper_memory_errors),
		cmocka_unit_test(test_shyper_passthrough_errors),
		cmocka_unit_test(test_shyper_passthrough),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
