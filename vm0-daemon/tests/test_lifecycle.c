// SPDX-License-Identifier: GPL-2.0
/* Host tests: a config's lifecycle keys (config/lifecycle.c): autostart,
 * on_crash and crash_restarts, their defaults and their error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

static struct vm_config cfg;
static char err[CFG_ERR_MAX];

/* check_files off: the kernel need not exist for these keys. */
static int parse(const char *extra)
{
	char text[512];
	struct config_env env = { .id = 1, .nr_pcpus = 4, .dir = "/", .label = "vm1.json" };

	snprintf(text, sizeof(text), "{\"memory\": \"64M\", \"kernel\": \"Image\"%s%s}",
		 extra[0] ? ", " : "", extra);
	err[0] = 0;
	return config_parse(text, strlen(text), &env, &cfg, err, sizeof(err));
}

static void test_defaults(void **state)
{
	assert_int_equal(parse(""), 0);
	assert_false(cfg.autostart);
	assert_int_equal(cfg.on_crash, CFG_CRASH_STOP);
	assert_int_equal(cfg.crash_restarts, CFG_CRASH_RESTARTS_DEFAULT);
}

static void test_given(void **state)
{
	assert_int_equal(parse("\"autostart\": true, \"on_crash\": \"restart\", \"crash_restarts\": 7"),
			 0);
	assert_true(cfg.autostart);
	assert_int_equal(cfg.on_crash, CFG_CRASH_RESTART);
	assert_int_equal(cfg.crash_restarts, 7);
	assert_int_equal(parse("\"autostart\": false, \"on_crash\": \"stop\", \"crash_restarts\": 0"), 0);
	assert_false(cfg.autostart);
	assert_int_equal(cfg.on_crash, CFG_CRASH_STOP);
	assert_int_equal(cfg.crash_restarts, 0);
}

static void expect(const char *extra, const char *msg)
{
	assert_true(parse(extra) < 0);
	if (strcmp(err, msg))
		fail_msg("got \"%s\"\nwanted \"%s\"", err, msg);
}

static void test_errors(void **state)
{
	expect("\"autostart\": 1", "vm1.json: autostart: 1 is not true or false");
	expect("\"on_crash\": \"reboot\"",
	       "vm1.json: on_crash: \"reboot\" is not \"stop\" or \"restart\"");
	expect("\"crash_restarts\": 101", "vm1.json: crash_restarts: 101 is more than 100");
	assert_true(parse("\"crash_restarts\": -1") < 0);
	assert_true(parse("\"on_crashes\": \"stop\"") < 0);   /* unknown key */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_given),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
