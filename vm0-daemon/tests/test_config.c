// SPDX-License-Identifier: GPL-2.0
/* Host tests: Keel and Rust-Shyper VM configs, and their error messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <keel/guest.h>

#include "config.h"

static char dir[256];

static void touch(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("x", f);
	fclose(f);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/keeld-test-config-XXXXXX");
	assert_non_null(mkdtemp(dir));
	touch("Image");
	touch("guest.cpio");
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int parse(const char *text, unsigned id, unsigned npcpus, struct vm_config *cfg, char *err)
{
	struct config_env env = {
		.id = id, .nr_pcpus = npcpus, .check_files = true, .dir = dir, .label = "vm1.json",
	};

	err[0] = 0;
	return config_parse(text, strlen(text), &env, cfg, err, CFG_ERR_MAX);
}

static struct vm_config cfg;
static char err[CFG_ERR_MAX];

static void expect_error(const char *text, const char *msg)
{
	int r = parse(text, 1, 4, &cfg, err);

	assert_true(r < 0);
	if (strcmp(err, msg))
		fail_msg("got \"%s\"\nwanted \"%s\"", err, msg);
}

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
		     "vm1.json: memory: 0x40000000+0x2000001 is not 4 KiB aligned");
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

static const char *shyper =
	"{\"name\": \"guest-os-1\", \"type\": \"VM_T_LINUX\","
	" \"cmdline\": \"earlycon console=ttyAMA0 root=/dev/vda rw\","
	" \"image\": {\"kernel_filename\": \"Image\", \"kernel_load_ipa\": \"0x80200000\","
	"   \"kernel_entry_point\": \"0x80200000\", \"device_tree_filename\": \"-\","
	"   \"device_tree_load_ipa\": \"0x80000000\", \"ramdisk_filename\": \"guest.cpio\","
	"   \"ramdisk_load_ipa\": \"0x83000000\"},"
	" \"memory\": {\"region\": [{\"ipa_start\": \"0x80000000\", \"length\": \"0x10000000\"},"
	"                          {\"ipa_start\": 3221225472, \"length\": \"0x4000000\"}]},"
	" \"cpu\": {\"num\": 2, \"allocate_bitmap\": \"0b0110\", \"master\": 2},"
	" \"emulated_device\": {\"emulated_device_list\": ["
	"   {\"name\": \"intc@8000000\", \"base_ipa\": \"0x8000000\", \"length\": \"0x1000\", \"irq_id\": 0,"
	"    \"cfg_num\": 0, \"cfg_list\": [], \"type\": \"EMU_DEVICE_T_GICD\"}]},"
	" \"passthrough_device\": {\"passthrough_device_list\": []},"
	" \"dtb_device\": {\"dtb_device_list\": [{\"name\": \"gicd\"}]}}";

static void test_shyper(void **state)
{
	assert_int_equal(parse(shyper, 1, 4, &cfg, err), 0);
	assert_true(cfg.shyper);
	assert_string_equal(cfg.name, "guest-os-1");
	assert_int_equal(cfg.nr_vcpus, 2);
	assert_int_equal(cfg.pcpu[0], 2);  /* master first */
	assert_int_equal(cfg.pcpu[1], 1);
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
	assert_non_null(strstr(cfg.notes, "dtb_device_list: 1 entries ignored"));
	assert_string_equal(cfg.cmdline, "earlycon console=ttyAMA0 root=/dev/vda rw");
}

/* Replace the first occurrence of a in the Shyper example with b. */
static char *shyper_with(const char *a, const char *b)
{
	static char buf[4096];
	const char *p = strstr(shyper, a);

	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - shyper), shyper, b, p + strlen(a));
	return buf;
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
	expect_error(shyper_with("\"EMU_DEVICE_T_GICD\"}", "\"EMU_DEVICE_T_GICD\"}, {\"name\": \"virtio_blk@a000000\","
				 " \"base_ipa\": \"0xa000000\", \"type\": \"EMU_DEVICE_T_VIRTIO_BLK_MEDIATED\"}"),
		     "vm1.json: emulated device 'virtio_blk@a000000' (EMU_DEVICE_T_VIRTIO_BLK_MEDIATED) is not served yet");
	expect_error(shyper_with("\"passthrough_device_list\": []", "\"passthrough_device_list\": [{}, {}]"),
		     "vm1.json: passthrough_device.passthrough_device_list: 2 devices: passthrough is not supported yet (leave the list empty)");
}

static void test_shyper_errors2(void **state)
{
	expect_error(shyper_with("\"0x83000000\"", "\"0x70000000\""),
		     "vm1.json: image.ramdisk_load_ipa: 0x70000000 is outside guest RAM");
	expect_error(shyper_with("\"0x80000000\", \"length\"", "\"0xzz\", \"length\""),
		     "vm1.json: memory.region[0].ipa_start: \"0xzz\" is not a number (decimal, 0x.. or 0b..)");
	expect_error(shyper_with("\"VM_T_LINUX\"", "\"VM_T_BARE_MO\""),
		     "vm1.json: type: \"VM_T_BARE_MO\" is not supported (only \"VM_T_LINUX\")");
	expect_error(shyper_with("\"ipa_start\": 3221225472", "\"ipa_start\": \"0x88000000\""),
		     "vm1.json: memory.region[1]: overlaps memory.region[0]");
	expect_error(shyper_with("\"kernel_entry_point\": \"0x80200000\"", "\"kernel_entry_point\": \"0x80280000\""),
		     "vm1.json: image.kernel_entry_point: \"0x80280000\" differs from image.kernel_load_ipa: an arm64 Image starts at its first byte");
}

static void test_shyper_missing_file(void **state)
{
	int r = parse(shyper_with("\"kernel_filename\": \"Image\"", "\"kernel_filename\": \"Imagex\""),
		      1, 4, &cfg, err);

	assert_int_equal(r, -ENOENT);
	assert_non_null(strstr(err, "vm1.json: image.kernel_filename: \"Imagex\" ("));
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
static void test_fuzz_prefixes(void **state)
{
	struct config_env env = { .id = 1, .nr_pcpus = 4, .label = "f.json" };
	size_t len = strlen(shyper);
	char *buf = malloc(len + 1);

	for (size_t n = 0; n <= len; n++) {
		err[0] = 0;
		config_parse(shyper, n, &env, &cfg, err, sizeof(err));
		assert_true(strlen(err) < sizeof(err));
	}
	for (size_t i = 0; i < len; i += 3) {
		memcpy(buf, shyper, len + 1);
		buf[i] = (char)(buf[i] ^ 0x5a);
		config_parse(buf, len, &env, &cfg, err, sizeof(err));
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keel_defaults),
		cmocka_unit_test(test_keel_full),
		cmocka_unit_test(test_keel_errors),
		cmocka_unit_test(test_shyper),
		cmocka_unit_test(test_shyper_errors),
		cmocka_unit_test(test_shyper_errors2),
		cmocka_unit_test(test_shyper_missing_file),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_fuzz_prefixes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
