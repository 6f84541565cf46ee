// SPDX-License-Identifier: GPL-2.0
/* Host tests: "channels" in Keel's schema (config/chan.c) and their errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <keel/chan.h>
#include <keel/guest.h>

#include "config/config.h"

static struct vm_config cfg;
static char err[CFG_ERR_MAX];

/* A config named vm1 with the channels list chans (JSON text). */
static int parse_chans(const char *chans)
{
	struct config_env env = { .id = 1, .nr_pcpus = 4, .label = "vm1.json",
				  .gic_version = 3, .gicd = 0x08000000, .gicr = 0x080a0000 };
	char text[2048];

	snprintf(text, sizeof(text),
		 "{\"name\": \"vm1\", \"memory\": \"256M\", \"kernel\": \"Image\", \"channels\": %s}",
		 chans);
	err[0] = 0;
	memset(&cfg, 0, sizeof(cfg));
	return config_parse(text, strlen(text), &env, &cfg, err, CFG_ERR_MAX);
}

static void expect_error(const char *chans, int e, const char *msg)
{
	int r = parse_chans(chans);

	if (r != -e)
		fail_msg("%s: returned %d, wanted %d (%s)", chans, r, -e, err);
	if (strcmp(err, msg))
		fail_msg("%s:\ngot    \"%s\"\nwanted \"%s\"", chans, err, msg);
}

static void test_defaults_and_placement(void **state)
{
	assert_int_equal(parse_chans("[{\"name\": \"ctl\", \"peer\": \"vm2\"},"
				     " {\"name\": \"log\", \"peer\": \"vm0\", \"size\": \"1M\"},"
				     " {\"name\": \"x-1_y\", \"peer\": \"vm3\", \"size\": 8192, \"ipa\": \"0x30000000\"}]"),
			 0);
	assert_int_equal(cfg.nr_chans, 3);
	assert_string_equal(cfg.chan[0].name, "ctl");
	assert_string_equal(cfg.chan[0].peer, "vm2");
	assert_int_equal(cfg.chan[0].size, 0x10000);
	assert_int_equal(cfg.chan[0].ipa, KEEL_GUEST_CHAN_BASE);
	assert_int_equal(cfg.chan[0].spi, KEEL_GUEST_CHAN_SPI);
	assert_int_equal(cfg.chan[1].size, 1 << 20);
	assert_int_equal(cfg.chan[1].ipa, KEEL_GUEST_CHAN_BASE + KEEL_CHAN_MAX_SIZE);
	assert_int_equal(cfg.chan[1].spi, KEEL_GUEST_CHAN_SPI + 1);
	assert_int_equal(cfg.chan[2].ipa, 0x30000000);
	assert_int_equal(cfg.chan[2].entry, 2);
	/* Absent, null, empty: no channels. */
	assert_int_equal(parse_chans("[]"), 0);
	assert_int_equal(cfg.nr_chans, 0);
	assert_int_equal(parse_chans("null"), 0);
}

static void test_names(void **state)
{
	expect_error("[{\"name\": \"ctl\", \"peer\": \"vm2\"}, {\"name\": \"ctl\", \"peer\": \"vm3\"}]",
		     EEXIST, "vm1.json: channels[1].name: \"ctl\" is named twice (also channels[0])");
	expect_error("[{\"name\": \"a b\", \"peer\": \"vm2\"}]", EINVAL,
		     "vm1.json: channels[0].name: \"a b\" is not 1 to 15 letters, digits, '-' or '_'");
	expect_error("[{\"name\": \"\", \"peer\": \"vm2\"}]", EINVAL,
		     "vm1.json: channels[0].name: \"\" is not 1 to 15 letters, digits, '-' or '_'");
	expect_error("[{\"name\": \"0123456789abcdef\", \"peer\": \"vm2\"}]", ENAMETOOLONG,
		     "vm1.json: channels[0].name: \"0123456789abcdef\" is longer than 15 characters");
	expect_error("[{\"peer\": \"vm2\"}]", EINVAL, "vm1.json: channels[0].name: missing");
	expect_error("[{\"name\": \"c\", \"peer\": \"vm1\"}]", EINVAL,
		     "vm1.json: channels[0].peer: \"vm1\" is this VM itself: a channel joins two VMs");
	expect_error("[{\"name\": \"c\"}]", EINVAL, "vm1.json: channels[0].peer: missing");
	expect_error("[{\"name\": \"c\", \"peer\": \"vm2\", \"colour\": 1}]", EINVAL,
		     "vm1.json: channels[0].colour: unknown field");
	expect_error("{\"name\": \"c\"}", EINVAL,
		     "vm1.json: channels: {\"name\":\"c\"} is not a list of {\"name\": NAME, \"peer\": VM, \"size\": SIZE}");
}

static void test_sizes(void **state)
{
	expect_error("[{\"name\": \"c\", \"peer\": \"vm2\", \"size\": \"1G\"}]", ERANGE,
		     "vm1.json: channels[0].size: \"1G\" is not between 8 KiB and 16 MiB");
	expect_error("[{\"name\": \"c\", \"peer\": \"vm2\", \"size\": 4096}]", ERANGE,
		     "vm1.json: channels[0].size: 4096 is not between 8 KiB and 16 MiB");
	expect_error("[{\"name\": \"c\", \"peer\": \"vm2\", \"size\": 12345}]", EINVAL,
		     "vm1.json: channels[0].size: 12345 is not a multiple of 4096 bytes");
	expect_error("[{\"name\": \"c\", \"peer\": \"vm2\", \"size\": -1}]", EINVAL,
		     "vm1.json: channels[0].size: -1 is negative");
	assert_int_equal(parse_chans("[{\"name\": \"c\", \"peer\": \"vm2\", \"size\": \"16M\"}]"), 0);
}

static void test_overlaps(void **state)
{
	expect_error("[{\"name\": \"c\", \"peer\": \"vm2\", \"ipa\": \"0x4ff00000\"}]", EINVAL,
		     "vm1.json: channels[0].ipa: \"0x4ff00000\" overlaps guest RAM (memory)");
	expect_error("[{\"name\": \"c\", \"peer\": \"vm2\", \"size\": \"1M\", \"ipa\": \"0x20000000\"},"
		     " {\"name\": \"d\", \"peer\": \"vm2\", \"ipa\": \"0x200ff000\"}]", EINVAL,
		     "vm1.json: channels[1].ipa: \"0x200ff000\" overlaps channels[0] (0x20000000, 1048576 bytes)");
	expect_error("[{\"name\": \"c\", \"peer\": \"vm2\", \"ipa\": \"0x0a000000\"}]", EINVAL,
		     "vm1.json: channels[0].ipa: \"0x0a000000\" overlaps the virtio-mmio windows");
	expect_error("[{\"name\": \"c\", \"peer\": \"vm2\", \"ipa\": \"0x08000000\"}]", EINVAL,
		     "vm1.json: channels[0].ipa: \"0x08000000\" overlaps the GIC distributor");
	expect_error("[{\"name\": \"c\", \"peer\": \"vm2\", \"ipa\": \"0x10000800\"}]", EINVAL,
		     "vm1.json: channels[0].ipa: \"0x10000800\" is not a page-aligned guest address with the channel below 0x10000000000");
	expect_error("[{\"name\": \"c\", \"peer\": \"vm2\", \"ipa\": \"0xffffffffff000\"}]", EINVAL,
		     "vm1.json: channels[0].ipa: \"0xffffffffff000\" is not a page-aligned guest address with the channel below 0x10000000000");
}

static void test_limits(void **state)
{
	char list[1024] = "[";

	for (int i = 0; i <= CFG_MAX_CHANS; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s{\"name\": \"c%d\", \"peer\": \"vm2\"}",
			 i ? ", " : "", i);
	strcat(list, "]");
	expect_error(list, EINVAL, "vm1.json: channels: 9 channels, at most 8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_placement),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
