// SPDX-License-Identifier: GPL-2.0
/* Host tests: Rust-Shyper's VM configs as Keel takes them, and their error
 * messages (test_config.c: Keel's own schema). */
#include "config_harness.h"

#define SHYPER_SERVED "; Keel serves EMU_DEVICE_T_CONSOLE, EMU_DEVICE_T_PL011, EMU_DEVICE_T_GICD, EMU_DEVICE_T_GICR, EMU_DEVICE_T_VIRTIO_BLK_MEDIATED, EMU_DEVICE_T_VIRTIO_BLK, EMU_DEVICE_T_VIRTIO_CONSOLE, EMU_DEVICE_T_VIRTIO_NET"

static void test_shyper(void **state)
{
	assert_int_equal(parse(shyper, 1, 4, &cfg, err), 0);
	assert_true(cfg.shyper);
	assert_string_equal(cfg.name, "guest-os-1");
	assert_int_equal(cfg.nr_vcpus, 2);
	assert_int_equal(cfg.pcpu[0], 2);  /* master first */
	assert_int_equal(cfg.pcpu[1], 1);
	assert_true(cfg.pinned);           /* allocate_bitmap names them: they stay */
	assert_int_equal(cfg.nr_mem, 2);
	assert_int_equal(cfg.mem[0].ipa, 0x80000000ULL);
	assert_int_equal(cfg.mem[0].size, 0x10000000ULL);
	assert_int_equal(cfg.mem[1].ipa, 0xc0000000ULL);
	assert_int_equal(cfg.kernel_ipa, 0x80200000ULL);
	assert_int_equal(cfg.initramfs_ipa, 0x83000000ULL);
	assert_int_equal(cfg.dtb_ipa, 0x80000000ULL);
	assert_string_equal(cfg.dtb, "");
	assert_non_null(strstr(cfg.initramfs, "/guest.cpio"));
	assert_int_equal(cfg.gicd_ipa, 0x8000000ULL);
	assert_non_null(strstr(cfg.notes, "dtb_device_list[0] 'gicd': keeld's DT describes the guest's GIC"));
	assert_string_equal(cfg.cmdline, "earlycon console=ttyAMA0 root=/dev/vda rw");
}

static void test_shyper_errors(void **state)
{
	expect_error(shyper_with("\"num\": 2", "\"num\": 9"), "vm1.json: cpu.num: 9 is more than 8");
	expect_error(shyper_with("\"0b0110\"", "\"0b0100\""),
		     "vm1.json: cpu.allocate_bitmap: \"0b0100\" names 1 pCPUs for 2 vCPUs (cpu.num)");
	expect_error(shyper_with("\"0b0110\"", "\"0b10010\""),
		     "vm1.json: cpu.allocate_bitmap: \"0b10010\" names pCPU 4; this machine has pCPUs 0..3");
	expect_error(shyper_with("\"master\": 2", "\"master\": 3"),
		     "vm1.json: cpu.master: 3 is not in cpu.allocate_bitmap");
	expect_error(shyper_with("\"EMU_DEVICE_T_GICD\"}", "\"EMU_DEVICE_T_GICD\"}, {\"name\": \"gppt@a001000\","
				 " \"base_ipa\": \"0xa001000\", \"type\": \"EMU_DEVICE_T_GPPT\"}"),
		     "vm1.json: emulated_device_list[1] 'gppt@a001000' (EMU_DEVICE_T_GPPT): not supported: GIC partial passthrough: Keel's vGIC emulates the whole GIC (EMU_DEVICE_T_GICD, and EMU_DEVICE_T_GICR on GICv3)" SHYPER_SERVED);
	expect_error(shyper_with("\"passthrough_device_list\": []", "\"passthrough_device_list\": [{}, {}]"),
		     "vm1.json: passthrough_device_list[0].base_ipa: missing");
}

static void test_shyper_errors2(void **state)
{
	expect_error(shyper_with("\"0x83000000\"", "\"0x70000000\""),
		     "vm1.json: image.ramdisk_load_ipa: 0x70000000 is outside guest RAM");
	expect_error(shyper_with("\"0x80000000\", \"length\"", "\"0xzz\", \"length\""),
		     "vm1.json: memory.region[0].ipa_start: \"0xzz\" is not a number (decimal, 0x.. or 0b..)");
	expect_error(shyper_with("\"VM_T_LINUX\"", "\"VM_T_BARE_MO\""),
		     "vm1.json: type: \"VM_T_BARE_MO\" is not supported (\"VM_T_LINUX\", \"VM_T_BARE_MATEL_APP\" or \"VM_T_FREERTOS\")");
	expect_error(shyper_with("\"ipa_start\": 3221225472", "\"ipa_start\": \"0x88000000\""),
		     "vm1.json: memory.region[1]: overlaps memory.region[0]");
	expect_error(shyper_with("\"kernel_entry_point\": \"0x80200000\"", "\"kernel_entry_point\": \"0x80280000\""),
		     "vm1.json: image.kernel_entry_point: \"0x80280000\" differs from image.kernel_load_ipa: an arm64 Image starts at its first byte");
}

/* ---- bare-metal images (config/image.c) ---- */

static void test_image_bare_errors_shyper(void **state)
{
	char *t = shyper_with("\"VM_T_LINUX\"", "\"VM_T_BARE_MATEL_APP\"");
	char buf[4096];
	char *at = strstr(t, "\"kernel_entry_point\": \"0x80200000\"");

	assert_non_null(at);
	snprintf(buf, sizeof(buf), "%.*s\"kernel_entry_point\": \"0x70000000\"%s", (int)(at - t), t,
		 at + strlen("\"kernel_entry_point\": \"0x80200000\""));
	expect_error(buf, "vm1.json: image.kernel_entry_point: \"0x70000000\" is outside guest RAM (0x80000000..0x90000000 and more regions)");
}

static void test_shyper_missing_file(void **state)
{
	int r = parse(shyper_with("\"kernel_filename\": \"Image\"", "\"kernel_filename\": \"Imagex\""),
		      1, 4, &cfg, err);

	assert_int_equal(r, -ENOENT);
	assert_non_null(strstr(err, "vm1.json: image.kernel_filename: \"Imagex\" ("));
}

/* Entries for emulated_device_list: a virtio-blk at base with INTID irq. */
static char *blk_entry(const char *type, const char *base, const char *irq, const char *cfg_list)
{
	static char buf[4][256];
	static int k;
	char *b = buf[k++ & 3];

	snprintf(b, sizeof(buf[0]), ", {\"name\": \"blk\", \"base_ipa\": \"%s\", \"length\": \"0x200\","
		 " \"irq_id\": %s, \"cfg_list\": %s, \"type\": \"%s\"}", base, irq, cfg_list, type);
	return b;
}

static void test_shyper_disks(void **state)
{
	char two[600];

	assert_int_equal(parse(shyper_blk_with(NULL, NULL), 1, 4, &cfg, err), 0);
	assert_int_equal(cfg.nr_disks, 1);
	assert_int_equal(cfg.disk[0].base, 0xa000000ULL);
	assert_int_equal(cfg.disk[0].spi, 48 - 32);
	assert_int_equal(cfg.disk[0].mediated, 1);
	assert_int_equal(cfg.disk[0].sectors, 209715200ULL);
	assert_int_equal(cfg.disk[0].entry, 1);
	assert_string_equal(cfg.disk[0].path, "");
	assert_false(cfg.disk[0].readonly);
	assert_non_null(strstr(cfg.notes, "emulated_device_list[1].cfg_list[1]: 209715200 sectors ignored"));

	/* plain EMU_DEVICE_T_VIRTIO_BLK too; cfg_list values may be strings;
	 * no length and no cfg_list[1] are fine */
	snprintf(two, sizeof(two), "%s", blk_entry("EMU_DEVICE_T_VIRTIO_BLK", "0xa000200", "49", "[\"0x0\"]"));
	assert_int_equal(parse(shyper_blk_plus(two), 1, 4, &cfg, err), 0);
	assert_int_equal(cfg.nr_disks, 2);
	assert_int_equal(cfg.disk[1].base, 0xa000200ULL);
	assert_int_equal(cfg.disk[1].spi, 17);
	assert_int_equal(cfg.disk[1].mediated, 0);
	assert_int_equal(cfg.disk[1].sectors, 0);
	assert_int_equal(cfg.disk[1].entry, 2);
	assert_non_null(strstr(cfg.notes, "emulated_device_list[2]: EMU_DEVICE_T_VIRTIO_BLK is served as"));
	assert_int_equal(parse(shyper_blk_with("\"length\": \"0x1000\", \"irq_id\"", "\"irq_id\""), 1, 4, &cfg, err), 0);
	assert_int_equal(parse(shyper_blk_with("[1, 209715200]", "[1]"), 1, 4, &cfg, err), 0);
	assert_int_equal(cfg.disk[0].sectors, 0);
	/* high SPIs are fine */
	assert_int_equal(parse(shyper_blk_with("\"irq_id\": 48", "\"irq_id\": 1019"), 1, 4, &cfg, err), 0);
	assert_int_equal(cfg.disk[0].spi, 1019 - 32);
}

static void test_shyper_disk_errors(void **state)
{
	char nine[2048] = "";

	expect_error(shyper_blk_with("\"0xa000000\"", "\"0x80000000\""),
		     "vm1.json: emulated_device_list[1].base_ipa: 0x80000000+0x200 overlaps guest RAM (memory.region)");
	expect_error(shyper_blk_with("\"0xa000000\"", "\"0xc3fffe00\""),
		     "vm1.json: emulated_device_list[1].base_ipa: 0xc3fffe00+0x200 overlaps guest RAM (memory.region)");
	expect_error(shyper_blk_with("\"0xa000000\"", "\"0x9000e00\""),
		     "vm1.json: emulated_device_list[1].base_ipa: 0x9000e00+0x200 overlaps the emulated UART (0x9000000)");
	expect_error(shyper_blk_with("\"0xa000000\"", "\"0x9030000\""),
		     "vm1.json: emulated_device_list[1].base_ipa: 0x9030000+0x200 overlaps the emulated GPIO (0x9030000)");
	expect_error(shyper_blk_with("\"0xa000000\"", "\"0x800fe00\""),
		     "vm1.json: emulated_device_list[1].base_ipa: 0x800fe00+0x200 overlaps the GIC distributor (0x8000000+0x10000)");
	expect_error(shyper_blk_with("\"0xa000000\"", "\"0xa000100\""),
		     "vm1.json: emulated_device_list[1].base_ipa: 0xa000100 is not 0x200 aligned");
	expect_error(shyper_blk_with("\"0xa000000\"", "\"0xfffffffffffffe00\""),
		     "vm1.json: emulated_device_list[1].base_ipa: 0xfffffffffffffe00+0x200 ends beyond 2^40, the guest IPA limit");
	expect_error(shyper_blk_plus(blk_entry("EMU_DEVICE_T_VIRTIO_BLK_MEDIATED", "0xa000000", "49", "[0]")),
		     "vm1.json: emulated_device_list[2].base_ipa: 0xa000000+0x200 overlaps emulated_device_list[1] (0xa000000)");
	expect_error(shyper_blk_plus(blk_entry("EMU_DEVICE_T_VIRTIO_BLK_MEDIATED", "0xa000200", "48", "[0]")),
		     "vm1.json: emulated_device_list[2].irq_id: 48 is also emulated_device_list[1]'s interrupt");
	expect_error(shyper_blk_plus(blk_entry("EMU_DEVICE_T_VIRTIO_BLK_MEDIATED", "0xa000200", "49", "[1]")),
		     "vm1.json: emulated_device_list[2].cfg_list[0]: 1 is also emulated_device_list[1]'s backing: two disks on one backing need both to be read-only");

	expect_error(shyper_blk_with("\"irq_id\": 48", "\"irq_id\": 31"),
		     "vm1.json: emulated_device_list[1].irq_id: 31 is not an SPI (32..1019)");
	expect_error(shyper_blk_with("\"irq_id\": 48", "\"irq_id\": 1020"),
		     "vm1.json: emulated_device_list[1].irq_id: 1020 is not an SPI (32..1019)");
	expect_error(shyper_blk_with("\"irq_id\": 48", "\"irq_id\": \"x\""),
		     "vm1.json: emulated_device_list[1].irq_id: \"x\" is not a number (decimal, 0x.. or 0b..)");
	expect_error(shyper_blk_with("\"irq_id\": 48, ", ""), "vm1.json: emulated_device_list[1].irq_id: missing");
	expect_error(shyper_blk_with("\"irq_id\": 48", "\"irq_id\": 33"),
		     "vm1.json: emulated_device_list[1].irq_id: 33 is the emulated UART's interrupt");
	expect_error(shyper_blk_with("\"irq_id\": 48", "\"irq_id\": 39"),
		     "vm1.json: emulated_device_list[1].irq_id: 39 is the emulated GPIO's interrupt");
	expect_error(shyper_blk_with("\"cfg_list\": [1, 209715200], ", ""),
		     "vm1.json: emulated_device_list[1].cfg_list: missing (needs [mediated index, size in sectors])");
	expect_error(shyper_blk_with("[1, 209715200]", "[]"),
		     "vm1.json: emulated_device_list[1].cfg_list: [] is not a non-empty list [mediated index, size in sectors]");
	expect_error(shyper_blk_with("[1, 209715200]", "[16, 8]"),
		     "vm1.json: emulated_device_list[1].cfg_list[0]: 16 is not an index into mediated-cfg.json's list (0..15)");
	expect_error(shyper_blk_with("[1, 209715200]", "[\"one\"]"),
		     "vm1.json: emulated_device_list[1].cfg_list[0]: \"one\" is not a number (decimal, 0x.. or 0b..)");
	expect_error(shyper_blk_with("[1, 209715200]", "[1, -5]"),
		     "vm1.json: emulated_device_list[1].cfg_list[1]: -5 is negative");
	expect_error(shyper_blk_with("\"length\": \"0x1000\", \"irq_id\": 48", "\"length\": \"0x100\", \"irq_id\": 48"),
		     "vm1.json: emulated_device_list[1].length: \"0x100\" is less than 0x200, the size of a virtio-mmio register window");
	expect_error(shyper_blk_with("\"base_ipa\": \"0xa000000\", ", ""),
		     "vm1.json: emulated_device_list[1].base_ipa: missing");

	/* a ninth disk */
	for (int i = 1; i < 9; i++) {
		char base[32], irq[8], list[8];

		snprintf(base, sizeof(base), "0x%x", 0xa000000 + i * 0x200);
		snprintf(irq, sizeof(irq), "%d", 48 + i);
		snprintf(list, sizeof(list), "[%d]", i + 1);
		strcat(nine, blk_entry("EMU_DEVICE_T_VIRTIO_BLK_MEDIATED", base, irq, list));
	}
	expect_error(shyper_blk_plus(nine),
		     "vm1.json: emulated_device_list[9]: is virtio-blk device number 9; at most 8 are served");

	/* a NIC where the disk is */
	expect_error(shyper_blk_plus(", {\"name\": \"net@a000000\", \"base_ipa\": \"0xa000000\", \"length\": \"0x1000\","
				     " \"irq_id\": 49, \"type\": \"EMU_DEVICE_T_VIRTIO_NET\"}"),
		     "vm1.json: emulated_device_list[2].base_ipa: 0xa000000+0x200 overlaps emulated_device_list[1] (0xa000000)");
}

/* Rust-Shyper's EMU_DEVICE_T_VIRTIO_NET: the MAC in cfg_list. */
static void test_shyper_nics(void **state)
{
	const char *net = ", {\"name\": \"net\", \"base_ipa\": \"0xa001000\", \"length\": \"0x1000\","
			  " \"irq_id\": 49, \"cfg_list\": [116, 86, 170, 15, 71, 208], \"type\": \"EMU_DEVICE_T_VIRTIO_NET\"}";
	char buf[512];

	assert_int_equal(parse(shyper_blk_plus(net), 1, 4, &cfg, err), 0);
	assert_int_equal(cfg.nr_nics, 1);
	assert_int_equal(cfg.nic[0].base, 0xa001000ULL);
	assert_int_equal(cfg.nic[0].spi, 49 - 32);
	assert_int_equal(cfg.nic[0].entry, 2);
	assert_true(cfg.nic[0].mac_given);
	assert_memory_equal(cfg.nic[0].mac, ((uint8_t[]){ 0x74, 0x56, 0xaa, 0x0f, 0x47, 0xd0 }), 6);
	assert_string_equal(cfg.nic[0].sw, VSWITCH_DEFAULT);
	/* no MAC: generated */
	snprintf(buf, sizeof(buf), "%s", net);
	memcpy(strstr(buf, "[116"), "[]                         ", 27);
	assert_int_equal(parse(shyper_blk_plus(buf), 1, 4, &cfg, err), 0);
	assert_false(cfg.nic[0].mac_given);
	assert_int_equal(cfg.nic[0].mac[0], 0x02);

	snprintf(buf, sizeof(buf), "%s", net);
	memcpy(strstr(buf, "208]"), "256]", 4);
	expect_error(shyper_blk_plus(buf), "vm1.json: emulated_device_list[2].cfg_list[5]: 256 is not a byte");
	snprintf(buf, sizeof(buf), "%s", net);
	memcpy(strstr(buf, ", 208]"), "]     ", 6);
	expect_error(shyper_blk_plus(buf),
		     "vm1.json: emulated_device_list[2].cfg_list: [116,86,170,15,71] is not a MAC address as 6 numbers (or [])");
	snprintf(buf, sizeof(buf), "%s", net);
	memcpy(strstr(buf, "49"), "48", 2);
	expect_error(shyper_blk_plus(buf), "vm1.json: emulated_device_list[2].irq_id: 48 is also emulated_device_list[1]'s interrupt");
}

/* As keeld parses at `keel vm config`: knowing the host's GIC (QEMU virt). */
static void expect_error_gic(unsigned gic, const char *text, const char *msg)
{
	struct config_env env = {
		.id = 1, .nr_pcpus = 4, .check_files = true, .dir = dir, .label = "vm1.json",
		.gic_version = gic, .gicd = 0x8000000, .gicr = gic == 3 ? 0x80a0000 : 0,
		.gicc = gic == 2 ? 0x8010000 : 0, .nr_irqs = 288,
	};

	if (config_parse(text, strlen(text), &env, &cfg, err, sizeof(err)) >= 0)
		fail_msg("accepted %s\nwanted \"%s\"", text, msg);
	if (strcmp(err, msg))
		fail_msg("got \"%s\"\nwanted \"%s\"", err, msg);
}

/* Every limit VM_CREATE and MMIO_REGISTER enforce (proto/keel/guest.h),
 * refused by keeld first with the field and the value. */
static void test_hyp_limits(void **state)
{
	/* RAM: 2 MiB blocks */
	expect_error("{\"memory\": \"33M\", \"kernel\": \"Image\"}",
		     "vm1.json: memory: 33 MiB is not a multiple of 2 MiB");
	expect_error(shyper_with("\"length\": \"0x4000000\"", "\"length\": \"0x2100000\""),
		     "vm1.json: memory.region[1].length: 33 MiB is not a multiple of 2 MiB");
	expect_error(shyper_with("\"ipa_start\": 3221225472", "\"ipa_start\": \"0xc0100000\""),
		     "vm1.json: memory.region[1].ipa_start: 0xc0100000 is not 2 MiB aligned");
	assert_int_equal(parse("{\"memory\": \"34M\", \"kernel\": \"Image\"}", 1, 4, &cfg, err), 0);

	/* guest IPAs below 2^40 */
	expect_error("{\"memory\": \"1048576M\", \"kernel\": \"Image\"}",
		     "vm1.json: memory: 1048576 MiB at 0x40000000 ends beyond 2^40, the guest IPA limit");
	expect_error(shyper_with("\"ipa_start\": 3221225472", "\"ipa_start\": \"0xfffe000000\""),
		     "vm1.json: memory.region[1].length: 64 MiB at 0xfffe000000 ends beyond 2^40, the guest IPA limit");
	expect_error(shyper_blk_with("\"0xa000000\"", "\"0x10000000000\""),
		     "vm1.json: emulated_device_list[1].base_ipa: 0x10000000000+0x200 ends beyond 2^40, the guest IPA limit");
	assert_int_equal(parse(shyper_blk_with("\"0xa000000\"", "\"0xfffffffe00\""), 1, 4, &cfg, err), 0);

	/* the host's GIC frames, which a Keel config cannot see */
	expect_error_gic(3, shyper_with("\"ipa_start\": 3221225472, \"length\": \"0x4000000\"",
					"\"ipa_start\": \"0x8000000\", \"length\": \"0x200000\""),
			 "vm1.json: memory.region[1]: 0x8000000+0x200000 overlaps the GIC distributor (0x8000000+0x10000)");
	expect_error_gic(2, shyper_with("\"ipa_start\": 3221225472, \"length\": \"0x4000000\"",
					"\"ipa_start\": \"0x7e00000\", \"length\": \"0x400000\""),
			 "vm1.json: memory.region[1]: 0x7e00000+0x400000 overlaps the GIC distributor (0x8000000+0x10000)");
	expect_error_gic(3, shyper_blk_with("\"0xa000000\"", "\"0x80dfe00\""),
			 "vm1.json: emulated_device_list[1].base_ipa: 0x80dfe00+0x200 overlaps the GIC redistributors (0x80a0000+0x40000)");
	expect_error_gic(2, shyper_blk_with("\"0xa000000\"", "\"0x8011e00\""),
			 "vm1.json: emulated_device_list[1].base_ipa: 0x8011e00+0x200 overlaps the GIC CPU interface (0x8010000+0x2000)");

	/* SPIs the host GIC has */
	expect_error_gic(3, shyper_blk_with("\"irq_id\": 48", "\"irq_id\": 288"),
			 "vm1.json: emulated_device_list[1].irq_id: 288 is not an SPI of this machine (32..287)");
	expect_error_gic(3, shyper_blk_with("\"irq_id\": 48", "\"irq_id\": 31"),
			 "vm1.json: emulated_device_list[1].irq_id: 31 is not an SPI of this machine (32..287)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shyper),
		cmocka_unit_test(test_shyper_errors),
		cmocka_unit_test(test_shyper_errors2),
		cmocka_unit_test(test_image_bare_errors_shyper),
		cmocka_unit_test(test_shyper_missing_file),
		cmocka_unit_test(test_shyper_disks),
		cmocka_unit_test(test_shyper_disk_errors),
		cmocka_unit_test(test_shyper_nics),
		cmocka_unit_test(test_hyp_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
