// SPDX-License-Identifier: GPL-2.0
/* Host tests: Keel's VM configs and their error messages
 * (test_config_shyper.c: Rust-Shyper's). */
#include "config_harness.h"

static void test_keel_defaults(void **state)
{
	char path[512];

	assert_int_equal(parse("{\"memory\": \"256M\", \"kernel\": \"Image\"}", 3, 4, &cfg, err), 0);
	assert_string_equal(cfg.name, "vm3");
	assert_int_equal(cfg.nr_vcpus, 1);
	assert_int_equal(cfg.pcpu[0], 3);   /* 1 + (3 - 1) % 3 */
	assert_int_equal(cfg.nr_mem, 1);
	assert_int_equal(cfg.mem[0].ipa, KEEL_GUEST_RAM_BASE);
	assert_int_equal(cfg.mem[0].size, 256ULL << 20);
	assert_string_equal(cfg.cmdline, "console=ttyAMA0 earlycon");
	assert_int_equal(cfg.on_poweroff, CFG_POWEROFF_STOP);
	assert_int_equal(cfg.on_reboot, CFG_REBOOT_RESTART);
	assert_false(cfg.shyper);
	assert_false(cfg.identity_map);
	snprintf(path, sizeof(path), "%s/Image", dir);
	assert_string_equal(cfg.kernel, path);
	assert_string_equal(cfg.initramfs, "");
	assert_int_equal(cfg.uart_base, KEEL_GUEST_UART_BASE);

	/* id 4 on 4 pCPUs wraps to pCPU 1; two vCPUs spread */
	assert_int_equal(parse("{\"vcpus\": 2, \"memory\": \"1G\", \"kernel\": \"Image\"}", 4, 4, &cfg, err), 0);
	assert_int_equal(cfg.pcpu[0], 1);
	assert_int_equal(cfg.pcpu[1], 2);
}

static void test_keel_full(void **state)
{
	const char *text = "{\"name\": \"web\", \"vcpus\": 2, \"pcpus\": [2, 3], \"memory\": 67108864,"
			   " \"kernel\": \"Image\", \"initramfs\": \"guest.cpio\", \"cmdline\": \"quiet\","
			   " \"identity_map\": true, \"on_poweroff\": \"remove\", \"on_reboot\": \"stop\"}";

	assert_int_equal(parse(text, 1, 4, &cfg, err), 0);
	assert_string_equal(cfg.name, "web");
	assert_int_equal(cfg.pcpu[0], 2);
	assert_int_equal(cfg.pcpu[1], 3);
	assert_int_equal(cfg.mem[0].size, 64ULL << 20);
	assert_true(cfg.identity_map);
	assert_int_equal(cfg.on_poweroff, CFG_POWEROFF_REMOVE);
	assert_int_equal(cfg.on_reboot, CFG_REBOOT_STOP);
	assert_string_equal(cfg.cmdline, "quiet");
	assert_non_null(strstr(cfg.initramfs, "/guest.cpio"));
}

static void test_keel_errors(void **state)
{
	expect_error("{\"vcpus\": 9, \"memory\": \"256M\", \"kernel\": \"Image\"}",
		     "vm1.json: vcpus: 9 is more than 8");
	expect_error("{\"vcpus\": 0, \"memory\": \"256M\", \"kernel\": \"Image\"}",
		     "vm1.json: vcpus: 0 is less than 1");
	expect_error("{\"vcpus\": \"two\", \"memory\": \"256M\", \"kernel\": \"Image\"}",
		     "vm1.json: vcpus: \"two\" is not a number");
	expect_error("{\"memroy\": \"256M\", \"kernel\": \"Image\"}", "vm1.json: memroy: unknown field");
	expect_error("{\"kernel\": \"Image\"}", "vm1.json: memory: missing");
	expect_error("{\"memory\": \"16M\", \"kernel\": \"Image\"}",
		     "vm1.json: memory: 16 MiB is less than the 32 MiB minimum");
	expect_error("{\"memory\": \"lots\", \"kernel\": \"Image\"}",
		     "vm1.json: memory: \"lots\" is not a size (bytes, or a number with K, M or G)");
	expect_error("{\"memory\": 33554433, \"kernel\": \"Image\"}",
		     "vm1.json: memory: 0x2000001 is not a multiple of 2 MiB");
	expect_error("{\"memory\": \"256M\"}", "vm1.json: kernel: missing");
	expect_error("{\"vcpus\": 2, \"pcpus\": [1], \"memory\": \"256M\", \"kernel\": \"Image\"}",
		     "vm1.json: pcpus: [1] has 1 entries for 2 vCPUs (vcpus)");
	expect_error("{\"pcpus\": [4], \"memory\": \"256M\", \"kernel\": \"Image\"}",
		     "vm1.json: pcpus[0]: 4 is not a pCPU of this machine (0..3)");
	expect_error("{\"on_poweroff\": \"explode\", \"memory\": \"256M\", \"kernel\": \"Image\"}",
		     "vm1.json: on_poweroff: \"explode\" is not \"stop\" or \"remove\"");
	expect_error("{\"name\": \"a b\", \"memory\": \"256M\", \"kernel\": \"Image\"}",
		     "vm1.json: name: \"a b\" has a character other than letters, digits, '-', '_', '.', '@'");
	expect_error("{\"name\": \"0123456789012345678901234567890123\", \"memory\": \"256M\", \"kernel\": \"Image\"}",
		     "vm1.json: name: \"0123456789012345678901234567890123\" is longer than 31 characters");

	assert_int_equal(parse("{\"memory\": \"256M\", \"kernel\": \"nope\"}", 1, 4, &cfg, err), -ENOENT);
	assert_non_null(strstr(err, "vm1.json: kernel: \"nope\" ("));
	assert_non_null(strstr(err, "/nope): No such file or directory"));

	assert_int_equal(parse("{\"memory\": \"256M\", \"kernel\": \"/\"}", 1, 4, &cfg, err), -EINVAL);
	assert_string_equal(err, "vm1.json: kernel: \"/\" (/) is not a regular file");

	assert_int_equal(parse("{\"memory\": \"256M\",", 1, 4, &cfg, err), -EINVAL);
	assert_non_null(strstr(err, "vm1.json: line 1 column"));
	assert_int_equal(parse("[1]", 1, 4, &cfg, err), -EINVAL);
	assert_string_equal(err, "vm1.json: is not a JSON object");
	assert_int_equal(parse("{\"memory\": \"256M\", \"memory\": \"1G\", \"kernel\": \"Image\"}", 1, 4, &cfg, err), -EINVAL);
}

#define BM "{\"memory\": \"64M\", \"kernel\": \"Image\", \"type\": \"baremetal\""

static void test_image_bare(void **state)
{
	assert_int_equal(parse(BM ", \"kernel_load_ipa\": \"0x40200000\", \"kernel_entry_point\": 1075838980}",
			       1, 4, &cfg, err), 0);
	assert_int_equal(cfg.image_type, CFG_IMAGE_BARE);
	assert_int_equal(cfg.kernel_ipa, 0x40200000);
	assert_int_equal(cfg.entry, 0x40200004);
	assert_int_equal(parse(BM ", \"type\": \"rtos\"}", 1, 4, &cfg, err), -EINVAL);  /* duplicate key */
	assert_int_equal(parse("{\"memory\": \"64M\", \"kernel\": \"Image\", \"type\": \"rtos\"}", 1, 4, &cfg, err), 0);
	assert_int_equal(cfg.image_type, CFG_IMAGE_BARE);
	assert_int_equal(cfg.kernel_ipa, 0);
	assert_int_equal(cfg.entry, 0);
	assert_int_equal(parse("{\"memory\": \"64M\", \"kernel\": \"Image\"}", 1, 4, &cfg, err), 0);
	assert_int_equal(cfg.image_type, CFG_IMAGE_LINUX);
	/* Shyper's bare-metal and FreeRTOS types */
	assert_int_equal(parse(shyper_with("\"VM_T_LINUX\"", "\"VM_T_FREERTOS\""), 1, 4, &cfg, err), 0);
	assert_int_equal(cfg.image_type, CFG_IMAGE_BARE);
	assert_int_equal(cfg.kernel_ipa, 0x80200000);
	assert_int_equal(cfg.entry, 0x80200000);
	assert_int_equal(parse(shyper_with("\"VM_T_LINUX\"", "\"VM_T_BARE_MATEL_APP\""), 1, 4, &cfg, err), 0);
	assert_int_equal(cfg.image_type, CFG_IMAGE_BARE);
}

static void test_image_bare_errors(void **state)
{
	expect_error(BM ", \"kernel_entry_point\": \"0x50000000\"}",
		     "vm1.json: kernel_entry_point: \"0x50000000\" is outside guest RAM (0x40000000..0x44000000)");
	expect_error(BM ", \"kernel_entry_point\": \"0x40200002\"}",
		     "vm1.json: kernel_entry_point: \"0x40200002\" is not 4-byte aligned (an instruction's address)");
	expect_error(BM ", \"kernel_load_ipa\": \"0x3ff00000\"}",
		     "vm1.json: kernel_load_ipa: \"0x3ff00000\" is outside guest RAM (0x40000000..0x44000000)");
	expect_error(BM ", \"kernel_load_ipa\": \"high\"}",
		     "vm1.json: kernel_load_ipa: \"high\" is not an address (a number or \"0x...\")");
	expect_error(BM ", \"kernel_entry_point\": -4}",
		     "vm1.json: kernel_entry_point: -4 is not an address (a number or \"0x...\")");
	expect_error("{\"memory\": \"64M\", \"kernel\": \"Image\", \"type\": \"vxworks\"}",
		     "vm1.json: type: \"vxworks\" is not \"linux\", \"baremetal\" or \"rtos\"");
	expect_error("{\"memory\": \"64M\", \"kernel\": \"Image\", \"kernel_load_ipa\": \"0x40000000\", \"kernel_entry_point\": \"0x40000004\"}",
		     "vm1.json: kernel_entry_point: \"0x40000004\" differs from kernel_load_ipa: an arm64 Image starts at its first byte");
	expect_error(shyper_with("\"kernel_entry_point\": \"0x80200000\"", "\"kernel_entry_point\": \"0x70000000\"")
		     , "vm1.json: image.kernel_entry_point: \"0x70000000\" differs from image.kernel_load_ipa: an arm64 Image starts at its first byte");
}

/* A FIFO or a directory named as a config is refused at once: reading a
 * FIFO with no writer would stall keeld's loop. */
static void test_load_not_regular(void **state)
{
	struct config_env env = { .id = 1, .nr_pcpus = 4, .dir = dir, .label = "x" };
	char fifo[64];

	snprintf(fifo, sizeof(fifo), "/tmp/keeld-cfg-fifo-%d", (int)getpid());
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(config_load(fifo, &env, &cfg, err, CFG_ERR_MAX), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	unlink(fifo);
	assert_int_equal(config_load("/tmp", &env, &cfg, err, CFG_ERR_MAX), -EINVAL);
	assert_non_null(strstr(err, "/tmp: not a regular file"));
}

/* ---- disks ---- */

/* A block device on this machine, if there is one to stat. */
static const char *find_blockdev(void)
{
	static const char *const cand[] = { "/dev/loop0", "/dev/vda", "/dev/sda", "/dev/nvme0n1",
					    "/dev/zram0", "/dev/ram0", NULL };
	struct stat st;

	for (const char *const *c = cand; *c; c++)
		if (!stat(*c, &st) && S_ISBLK(st.st_mode) && !access(*c, R_OK | W_OK))
			return *c;
	return NULL;
}

static void test_keel_disks(void **state)
{
	const char *blk = find_blockdev();
	char path[512], text[512];

	assert_int_equal(parse(keel_disks("[{\"path\": \"vm1.img\"},"
					  " {\"mediated\": 1, \"readonly\": true, \"serial\": \"abc-123 X\"}]"),
			       1, 4, &cfg, err), 0);
	assert_int_equal(cfg.nr_disks, 2);
	snprintf(path, sizeof(path), "%s/vm1.img", dir);
	assert_string_equal(cfg.disk[0].path, path);
	assert_int_equal(cfg.disk[0].mediated, -1);
	assert_false(cfg.disk[0].readonly);
	assert_string_equal(cfg.disk[0].serial, "");
	assert_int_equal(cfg.disk[0].base, KEEL_GUEST_VIRTIO_BASE);
	assert_int_equal(cfg.disk[0].spi, KEEL_GUEST_VIRTIO_SPI);
	assert_int_equal(cfg.disk[0].entry, 0);
	assert_string_equal(cfg.disk[1].path, "");
	assert_int_equal(cfg.disk[1].mediated, 1);
	assert_true(cfg.disk[1].readonly);
	assert_string_equal(cfg.disk[1].serial, "abc-123 X");
	assert_int_equal(cfg.disk[1].base, KEEL_GUEST_VIRTIO_BASE + KEEL_GUEST_VIRTIO_STRIDE);
	assert_int_equal(cfg.disk[1].spi, KEEL_GUEST_VIRTIO_SPI + 1);
	assert_int_equal(cfg.disk[1].entry, 1);

	/* absolute paths stay; a 20-byte serial fits; null and [] mean none */
	snprintf(text, sizeof(text), "[{\"path\": \"%s/vm2.img\", \"readonly\": false,"
		 " \"serial\": \"01234567890123456789\"}]", dir);
	assert_int_equal(parse(keel_disks(text), 1, 4, &cfg, err), 0);
	snprintf(path, sizeof(path), "%s/vm2.img", dir);
	assert_string_equal(cfg.disk[0].path, path);
	assert_string_equal(cfg.disk[0].serial, "01234567890123456789");
	assert_int_equal(parse(keel_disks("null"), 1, 4, &cfg, err), 0);
	assert_int_equal(cfg.nr_disks, 0);
	assert_int_equal(parse(keel_disks("[]"), 1, 4, &cfg, err), 0);
	assert_int_equal(cfg.nr_disks, 0);

	/* eight is the most; read-only disks may share a backing */
	assert_int_equal(parse(keel_disks("[{\"mediated\": 0, \"readonly\": true}, {\"mediated\": 0, \"readonly\": true},"
					  " {\"mediated\": 0, \"readonly\": true}, {\"mediated\": 0, \"readonly\": true},"
					  " {\"mediated\": 0, \"readonly\": true}, {\"mediated\": 0, \"readonly\": true},"
					  " {\"path\": \"vm1.img\", \"readonly\": true}, {\"path\": \"vm1.img\", \"readonly\": true}]"),
			       1, 4, &cfg, err), 0);
	assert_int_equal(cfg.nr_disks, 8);
	assert_int_equal(cfg.disk[7].base, KEEL_GUEST_VIRTIO_BASE + 7 * KEEL_GUEST_VIRTIO_STRIDE);
	assert_int_equal(cfg.disk[7].spi, KEEL_GUEST_VIRTIO_SPI + 7);

	if (blk) {
		snprintf(text, sizeof(text), "[{\"path\": \"%s\"}]", blk);
		assert_int_equal(parse(keel_disks(text), 1, 4, &cfg, err), 0);
		assert_string_equal(cfg.disk[0].path, blk);
	}
}

static void test_keel_disk_errors(void **state)
{
	struct config_env env = { .id = 1, .nr_pcpus = 4, .dir = "", .label = "vm1.json" };
	const char *text;
	char want[600];

	expect_error(keel_disks("{}"),
		     "vm1.json: disks: {} is not a list of {\"path\": FILE} or {\"mediated\": INDEX}");
	expect_error(keel_disks("[3]"),
		     "vm1.json: disks[0]: 3 is not an object ({\"path\": FILE} or {\"mediated\": INDEX})");
	expect_error(keel_disks("[{\"path\": \"vm1.img\", \"mediated\": 0}]"),
		     "vm1.json: disks[0]: has both \"path\" and \"mediated\": give one or the other");
	expect_error(keel_disks("[{\"path\": \"vm1.img\"}, {\"readonly\": true}]"),
		     "vm1.json: disks[1]: needs \"path\" (a file or block device in VM0) or \"mediated\" (an index into mediated-cfg.json)");
	expect_error(keel_disks("[{\"path\": \"vm1.img\", \"size\": \"1G\"}]"),
		     "vm1.json: disks[0].size: unknown field");
	expect_error(keel_disks("[{\"path\": \"vm1.img\", \"readonly\": \"yes\"}]"),
		     "vm1.json: disks[0].readonly: \"yes\" is not true or false");
	expect_error(keel_disks("[{\"path\": 5}]"), "vm1.json: disks[0].path: 5 is not a string");
	expect_error(keel_disks("[{\"path\": \"\"}]"), "vm1.json: disks[0].path: \"\" is empty");
	expect_error(keel_disks("[{\"mediated\": \"0\"}]"),
		     "vm1.json: disks[0].mediated: \"0\" is not an index into mediated-cfg.json's list");
	expect_error(keel_disks("[{\"mediated\": -1}]"),
		     "vm1.json: disks[0].mediated: -1 is not an index into mediated-cfg.json's list");
	expect_error(keel_disks("[{\"mediated\": 16}]"),
		     "vm1.json: disks[0].mediated: 16 is not an index into mediated-cfg.json's list (0..15)");
	expect_error(keel_disks("[{\"mediated\": 0, \"serial\": 7}]"),
		     "vm1.json: disks[0].serial: 7 is not a string");
	expect_error(keel_disks("[{\"mediated\": 0, \"serial\": \"012345678901234567890\"}]"),
		     "vm1.json: disks[0].serial: \"012345678901234567890\" is longer than 20 characters");
	expect_error(keel_disks("[{\"mediated\": 0, \"serial\": \"a\\tb\"}]"),
		     "vm1.json: disks[0].serial: \"a\\tb\" has a character that is not printable ASCII");
	expect_error(keel_disks("[{\"mediated\": 0, \"serial\": \"caf\\u00e9\"}]"),
		     "vm1.json: disks[0].serial: \"caf\xc3\xa9\" has a character that is not printable ASCII");
	expect_error(keel_disks("[{\"mediated\": 0}, {\"mediated\": 0}, {\"mediated\": 0}, {\"mediated\": 0},"
				" {\"mediated\": 0}, {\"mediated\": 0}, {\"mediated\": 0}, {\"mediated\": 0},"
				" {\"mediated\": 0}]"),
		     "vm1.json: disks: 9 disks, at most 8");
	expect_error(keel_disks("[{\"mediated\": 2}, {\"mediated\": 2, \"readonly\": true}]"),
		     "vm1.json: disks[1].mediated: 2 is also disks[0]'s backing: two disks on one backing need both to be read-only");
	snprintf(want, sizeof(want), "vm1.json: disks[1].path: \"%s/vm1.img\" is also disks[0]'s backing:"
		 " two disks on one backing need both to be read-only", dir);
	expect_error(keel_disks("[{\"path\": \"vm1.img\", \"readonly\": true}, {\"path\": \"vm1.img\"}]"), want);

	/* the backing must exist, and be a file or a block device */
	assert_int_equal(parse(keel_disks("[{\"path\": \"nope.img\"}]"), 1, 4, &cfg, err), -ENOENT);
	snprintf(want, sizeof(want), "vm1.json: disks[0].path: \"nope.img\" (%s/nope.img): No such file or directory", dir);
	assert_string_equal(err, want);
	assert_int_equal(parse(keel_disks("[{\"path\": \"/\"}]"), 1, 4, &cfg, err), -EINVAL);
	assert_string_equal(err, "vm1.json: disks[0].path: \"/\" (/) is not a regular file or a block device");
	assert_int_equal(parse(keel_disks("[{\"path\": \"/dev/null\"}]"), 1, 4, &cfg, err), -EINVAL);
	assert_string_equal(err, "vm1.json: disks[0].path: \"/dev/null\" (/dev/null) is not a regular file or a block device");

	/* an inline config has no folder: a relative path is refused */
	text = "{\"memory\": \"256M\", \"kernel\": \"/Image\", \"disks\": [{\"path\": \"vm1.img\"}]}";
	assert_int_equal(config_parse(text, strlen(text), &env, &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vm1.json: disks[0].path: \"vm1.img\" is not an absolute path"
				 " (and this config has no folder to resolve it against)");
}

static char *keel_nics(const char *nics)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "{\"name\": \"web\", \"memory\": \"256M\", \"kernel\": \"Image\","
		 " \"disks\": [{\"path\": \"vm1.img\"}], \"nics\": %s}", nics);
	return buf;
}

/* "nics": windows after the last possible disk's, the default switch, a
 * MAC generated from the VM's name when none is given: the same for the
 * same name and place, different otherwise, locally administered. */
static void test_keel_nics(void **state)
{
	uint8_t mac0[6], mac1[6];

	assert_int_equal(parse(keel_nics("[{}, {\"mac\": \"02:aB:00:00:00:01\", \"switch\": \"lab\"}]"), 1, 4,
			       &cfg, err), 0);
	assert_int_equal(cfg.nr_nics, 2);
	assert_int_equal(cfg.nic[0].base, KEEL_GUEST_VIRTIO_BASE + CFG_MAX_DISKS * KEEL_GUEST_VIRTIO_STRIDE);
	assert_int_equal(cfg.nic[0].spi, KEEL_GUEST_VIRTIO_SPI + CFG_MAX_DISKS);
	assert_int_equal(cfg.nic[1].spi, KEEL_GUEST_VIRTIO_SPI + CFG_MAX_DISKS + 1);
	assert_string_equal(cfg.nic[0].sw, VSWITCH_DEFAULT);
	assert_string_equal(cfg.nic[1].sw, "lab");
	assert_false(cfg.nic[0].mac_given);
	assert_int_equal(cfg.nic[0].mac[0], 0x02);
	assert_memory_equal(cfg.nic[1].mac, ((uint8_t[]){ 2, 0xab, 0, 0, 0, 1 }), 6);
	memcpy(mac0, cfg.nic[0].mac, 6);
	assert_int_equal(parse(keel_nics("[{}, {}]"), 2, 4, &cfg, err), 0);
	assert_memory_equal(cfg.nic[0].mac, mac0, 6);
	memcpy(mac1, cfg.nic[1].mac, 6);
	assert_memory_not_equal(mac0, mac1, 6);
	assert_int_equal(parse("{\"name\": \"other\", \"memory\": \"256M\", \"kernel\": \"Image\", \"nics\": [{}]}",
			       1, 4, &cfg, err), 0);
	assert_memory_not_equal(cfg.nic[0].mac, mac0, 6);

	expect_error(keel_nics("{}"), "vm1.json: nics: {} is not a list of {\"mac\": MAC, \"switch\": NAME}");
	expect_error(keel_nics("[{}, {}, {}, {}, {}]"), "vm1.json: nics: 5 NICs, at most 4");
	expect_error(keel_nics("[{\"speed\": 10}]"), "vm1.json: nics[0].speed: unknown field");
	expect_error(keel_nics("[{\"mac\": \"02:00:00:00:00\"}]"),
		     "vm1.json: nics[0].mac: \"02:00:00:00:00\" is not a MAC address (\"02:00:00:00:00:01\")");
	expect_error(keel_nics("[{\"mac\": \"02:00:00:00:00:01:\"}]"),
		     "vm1.json: nics[0].mac: \"02:00:00:00:00:01:\" is not a MAC address (\"02:00:00:00:00:01\")");
	expect_error(keel_nics("[{\"mac\": \"0x:00:00:00:00:01\"}]"),
		     "vm1.json: nics[0].mac: \"0x:00:00:00:00:01\" is not a MAC address (\"02:00:00:00:00:01\")");
	expect_error(keel_nics("[{\"mac\": \"01:00:5e:00:00:01\"}]"),
		     "vm1.json: nics[0].mac: 01:00:5e:00:00:01 is not a unicast address");
	expect_error(keel_nics("[{\"mac\": \"00:00:00:00:00:00\"}]"),
		     "vm1.json: nics[0].mac: 00:00:00:00:00:00 is not a unicast address");
	expect_error(keel_nics("[{\"mac\": \"02:00:00:00:00:01\"}, {\"mac\": \"02:00:00:00:00:01\"}]"),
		     "vm1.json: nics[1].mac: is also nics[0]'s MAC");
	expect_error(keel_nics("[{\"switch\": \"a b\"}]"),
		     "vm1.json: nics[0].switch: \"a b\" has characters other than letters, digits, -, _ and .");
	expect_error(keel_nics("[{\"switch\": \"\"}]"), "vm1.json: nics[0].switch: is empty");
	expect_error(keel_nics("[{\"switch\": \"sixteen-chars-xx\"}]"),
		     "vm1.json: nics[0].switch: \"sixteen-chars-xx\" is longer than 15 characters");
}

static void test_resolve_disks(void **state)
{
	struct mediated_cfg m = { .n = 2 };
	char want[600];

	snprintf(m.disk[0].path, sizeof(m.disk[0].path), "/data/vm1.img");
	snprintf(m.disk[1].path, sizeof(m.disk[1].path), "/data/vm2.img");

	assert_int_equal(parse(keel_disks("[{\"path\": \"vm1.img\"}, {\"mediated\": 1}]"), 1, 4, &cfg, err), 0);
	assert_int_equal(config_resolve_disks(&cfg, &m, err, sizeof(err)), 0);
	assert_non_null(strstr(cfg.disk[0].path, "/vm1.img"));
	assert_string_equal(cfg.disk[1].path, "/data/vm2.img");
	assert_int_equal(cfg.disk[1].mediated, 1);
	assert_int_equal(config_resolve_disks(&cfg, &m, err, sizeof(err)), 0);  /* again: same */
	assert_string_equal(cfg.disk[1].path, "/data/vm2.img");

	m.n = 1;
	assert_int_equal(config_resolve_disks(&cfg, &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vm1.json: disks[1].mediated: 1, but mediated-cfg.json lists 1 disk");
	m.n = 0;
	assert_int_equal(config_resolve_disks(&cfg, &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vm1.json: disks[1].mediated: 1, but mediated-cfg.json lists 0 disks");
	assert_int_equal(config_resolve_disks(&cfg, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vm1.json: disks[1].mediated: 1, but keeld was started without a mediated-cfg.json");

	/* Shyper's field names */
	m.n = 1;
	assert_int_equal(parse(shyper_blk_with(NULL, NULL), 1, 4, &cfg, err), 0);
	assert_int_equal(config_resolve_disks(&cfg, &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vm1.json: emulated_device_list[1].cfg_list[0]: 1, but mediated-cfg.json lists 1 disk");
	m.n = 2;
	assert_int_equal(config_resolve_disks(&cfg, &m, err, sizeof(err)), 0);
	assert_string_equal(cfg.disk[0].path, "/data/vm2.img");

	/* a path and an index that name one backing */
	snprintf(m.disk[0].path, sizeof(m.disk[0].path), "%s/vm1.img", dir);
	assert_int_equal(parse(keel_disks("[{\"path\": \"vm1.img\"}, {\"mediated\": 0, \"readonly\": true}]"),
			       1, 4, &cfg, err), 0);
	assert_int_equal(config_resolve_disks(&cfg, &m, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "vm1.json: disks[1].mediated: 0 (%s/vm1.img) is also disks[0]'s backing:"
		 " two disks on one backing need both to be read-only", dir);
	assert_string_equal(err, want);
	assert_int_equal(parse(keel_disks("[{\"path\": \"vm1.img\", \"readonly\": true}, {\"mediated\": 0, \"readonly\": true}]"),
			       1, 4, &cfg, err), 0);
	assert_int_equal(config_resolve_disks(&cfg, &m, err, sizeof(err)), 0);
}

static void test_sizes(void **state)
{
	uint64_t v;

	assert_int_equal(config_parse_size("256M", &v), 0);
	assert_int_equal(v, 256ULL << 20);
	assert_int_equal(config_parse_size("1G", &v), 0);
	assert_int_equal(v, 1ULL << 30);
	assert_int_equal(config_parse_size("512MiB", &v), 0);
	assert_int_equal(v, 512ULL << 20);
	assert_int_equal(config_parse_size("64k", &v), 0);
	assert_int_equal(v, 64ULL << 10);
	assert_int_equal(config_parse_size("0x10000000", &v), 0);
	assert_int_equal(v, 0x10000000ULL);
	assert_int_equal(config_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_not_equal(config_parse_size("", &v), 0);
	assert_int_not_equal(config_parse_size("M", &v), 0);
	assert_int_not_equal(config_parse_size("12Q", &v), 0);
	assert_int_not_equal(config_parse_size("-1M", &v), 0);
	assert_int_not_equal(config_parse_size("99999999999999999999", &v), 0);
	assert_int_not_equal(config_parse_size("99999999999T", &v), 0);
}

/* Every prefix of a valid config, and single-byte corruptions of it, must
 * give an answer (never a crash or an unterminated message). */
static void fuzz_one(const char *text)
{
	struct config_env env = { .id = 1, .nr_pcpus = 4, .label = "f.json" };
	struct mediated_cfg m = { .n = 2 };
	size_t len = strlen(text);
	char *buf = malloc(len + 1);

	snprintf(m.disk[0].path, sizeof(m.disk[0].path), "/data/vm1.img");
	snprintf(m.disk[1].path, sizeof(m.disk[1].path), "/data/vm2.img");
	for (size_t n = 0; n <= len; n++) {
		err[0] = 0;
		if (!config_parse(text, n, &env, &cfg, err, sizeof(err)))
			config_resolve_disks(&cfg, &m, err, sizeof(err));
		assert_true(strlen(err) < sizeof(err));
	}
	for (size_t i = 0; i < len; i += 3) {
		memcpy(buf, text, len + 1);
		buf[i] = (char)(buf[i] ^ 0x5a);
		if (!config_parse(buf, len, &env, &cfg, err, sizeof(err)))
			config_resolve_disks(&cfg, &m, err, sizeof(err));
		assert_true(cfg.nr_disks <= CFG_MAX_DISKS);
	}
	free(buf);
}

static void test_fuzz_prefixes(void **state)
{
	fuzz_one(shyper);
	fuzz_one(shyper_blk_with(NULL, NULL));
	fuzz_one(keel_disks("[{\"path\": \"/data/vm1.img\", \"serial\": \"s1\"},"
			    " {\"mediated\": 1, \"readonly\": true}]"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keel_defaults),
		cmocka_unit_test(test_keel_full),
		cmocka_unit_test(test_keel_errors),
		cmocka_unit_test(test_image_bare),
		cmocka_unit_test(test_image_bare_errors),
		cmocka_unit_test(test_load_not_regular),
		cmocka_unit_test(test_keel_disks),
		cmocka_unit_test(test_keel_disk_errors),
		cmocka_unit_test(test_keel_nics),
		cmocka_unit_test(test_resolve_disks),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_fuzz_prefixes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
