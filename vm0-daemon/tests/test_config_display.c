// SPDX-License-Identifier: GPL-2.0
/* Host tests: Keel's "display" field (a virtio-gpu in slot
 * KEEL_GUEST_GPU_SLOT), its defaults, its limits and their messages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <keel/guest.h>
#include <keel/hypercall.h>

#include "config/config.h"

static struct vm_config cfg;
static char err[CFG_ERR_MAX];

static int parse(const char *display)
{
	char text[512];
	struct config_env env = {
		.id = 1, .nr_pcpus = 4, .label = "vm1.json", .gic_version = KEEL_GIC_V3,
		.gicd = 0x8000000, .gicr = 0x80a0000, .nr_irqs = 288,
	};

	snprintf(text, sizeof(text), "{\"memory\": \"256M\", \"kernel\": \"Image\"%s%s}",
		 display ? ", \"display\": " : "", display ? display : "");
	err[0] = 0;
	return config_parse(text, strlen(text), &env, &cfg, err, sizeof(err));
}

static void expect_error(const char *display, const char *msg)
{
	if (parse(display) >= 0)
		fail_msg("accepted %s\nwanted \"%s\"", display, msg);
	if (strcmp(err, msg))
		fail_msg("got \"%s\"\nwanted \"%s\"", err, msg);
}

static void test_display(void **state)
{
	assert_int_equal(parse(NULL), 0);
	assert_false(cfg.display.on);
	assert_int_equal(parse("{}"), 0);
	assert_true(cfg.display.on);
	assert_int_equal(cfg.display.width, 1024);
	assert_int_equal(cfg.display.height, 768);
	assert_int_equal(cfg.display.memory, 64ULL << 20);
	assert_int_equal(cfg.display.base, 0x0a003c00ULL);  /* slot 30 */
	assert_int_equal(cfg.display.spi, 46);
	assert_int_equal(parse("{\"width\": 640, \"height\": \"480\", \"memory\": \"16M\"}"), 0);
	assert_int_equal(cfg.display.width, 640);
	assert_int_equal(cfg.display.height, 480);
	assert_int_equal(cfg.display.memory, 16ULL << 20);
	assert_int_equal(parse("null"), 0);
	assert_false(cfg.display.on);
}

static void test_display_errors(void **state)
{
	expect_error("true", "vm1.json: display: true is not an object ({\"width\": 1024, \"height\": 768})");
	expect_error("{\"depth\": 32}", "vm1.json: display.depth: unknown field");
	expect_error("{\"width\": 5000}", "vm1.json: display.width: 5000 is not between 64 and 4095 pixels");
	expect_error("{\"height\": 1}", "vm1.json: display.height: 1 is not between 64 and 4095 pixels");
	expect_error("{\"width\": -3}", "vm1.json: display.width: -3 is negative");
	expect_error("{\"memory\": \"1M\"}",
		     "vm1.json: display.memory: \"1M\" is not between one 1024x768 frame (3145728 bytes) and 1G");
	expect_error("{\"memory\": \"2G\"}",
		     "vm1.json: display.memory: \"2G\" is not between one 1024x768 frame (3145728 bytes) and 1G");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_display),
		cmocka_unit_test(test_display_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
