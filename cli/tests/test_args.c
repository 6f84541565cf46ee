// SPDX-License-Identifier: GPL-2.0 OR MIT
/* VM ids and per-command options. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../cli.h"

static void test_vm_id_good(void **state)
{
	uint32_t id = 99;

	assert_int_equal(cli_parse_vm_id("0", &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(cli_parse_vm_id("1", &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(cli_parse_vm_id("15", &id), 0);
	assert_int_equal(id, 15);
	assert_int_equal(cli_parse_vm_id("007", &id), 0);
	assert_int_equal(id, 7);
}

static void test_vm_id_bad(void **state)
{
	static const char *const bad[] = {
	    "abc", "-1",	 "99999999999",		 "",	"1x", "+1", " 1", "1 ", "0x1",
	    "16",  "4294967296", "18446744073709551617", "1.0",
	};
	uint32_t id = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_not_equal(cli_parse_vm_id(bad[i], &id), 0);
		assert_int_equal(id, 42); /* untouched on failure */
	}
	assert_int_not_equal(cli_parse_vm_id(NULL, &id), 0);
}

static int parse(const char *group, const char *name, struct cli_args *a, char *err,
		 const char *const *argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	*a = (struct cli_args){0};
	err[0] = '\0';
	return cli_parse_args(cli_cmd_find(group, name), argc, (char *const *)argv, a, err, 256);
}

#define PARSE(g, n, a, err, ...) parse(g, n, a, err, (const char *const[]){__VA_ARGS__, NULL})

static void test_flags(void **state)
{
	struct cli_args a;
	char err[256];

	assert_int_equal(PARSE("vm", "shutdown", &a, err, "-f", "3"), 0);
	assert_true(a.force);
	assert_int_equal(a.npos, 1);
	assert_string_equal(a.pos[0], "3");

	assert_int_equal(PARSE("vm", "shutdown", &a, err, "3", "--force"), 0);
	assert_true(a.force);
	assert_string_equal(a.pos[0], "3");

	assert_int_equal(PARSE("vm", "shutdown", &a, err, "3"), 0);
	assert_false(a.force);

	assert_int_equal(PARSE("vm", "list", &a, err, "--json"), 0);
	assert_true(a.json);

	assert_int_equal(PARSE("vm", "info", &a, err, "2", "--json"), 0);
	assert_true(a.json);
	assert_string_equal(a.pos[0], "2");
}

static void test_flag_not_for_this_cmd(void **state)
{
	struct cli_args a;
	char err[256];

	assert_int_equal(PARSE("vm", "boot", &a, err, "--force", "1"), -EINVAL);
	assert_string_equal(err, "unknown option '--force' for 'keel vm boot'");
	assert_int_equal(PARSE("vm", "boot", &a, err, "1", "--json"), -EINVAL);
	assert_int_equal(PARSE("vm", "list", &a, err, "-x"), -EINVAL);
	assert_string_equal(err, "unknown option '-x' for 'keel vm list'");
}

static void test_positional_counts(void **state)
{
	struct cli_args a;
	char err[256];

	assert_int_equal(PARSE("vm", "boot", &a, err, "1", "2"), -EINVAL);
	assert_string_equal(err, "unexpected argument '2' for 'keel vm boot'");
	assert_int_equal(parse("vm", "boot", &a, err, (const char *const[]){NULL}), -EINVAL);
	assert_string_equal(err, "missing argument for 'keel vm boot'");
	assert_int_equal(PARSE("vm", "list", &a, err, "extra"), -EINVAL);
	assert_int_equal(parse("system", "daemon", &a, err, (const char *const[]){NULL}), 0);
	assert_int_equal(a.npos, 0);
	assert_int_equal(PARSE("system", "daemon", &a, err, "/etc/keel/mediated.json"), 0);
	assert_int_equal(a.npos, 1);
}

static void test_negative_id_is_positional(void **state)
{
	struct cli_args a;
	char err[256];

	/* So the id check, not the option parser, names it. */
	assert_int_equal(PARSE("vm", "boot", &a, err, "-1"), 0);
	assert_string_equal(a.pos[0], "-1");
}

static void test_double_dash_and_help(void **state)
{
	struct cli_args a;
	char err[256];

	assert_int_equal(PARSE("vm", "config", &a, err, "--", "-odd.json"), 0);
	assert_string_equal(a.pos[0], "-odd.json");
	/* Help wins over everything else on the line, even errors after it. */
	assert_int_equal(PARSE("vm", "boot", &a, err, "-h", "--bogus", "1", "2"), 0);
	assert_true(a.help);
	assert_int_equal(PARSE("vm", "boot", &a, err, "--help"), 0);
	assert_true(a.help);
}

static void test_table_lookup(void **state)
{
	assert_non_null(cli_cmd_find("vm", "console"));
	assert_non_null(cli_cmd_find("system", "info"));
	assert_null(cli_cmd_find("vm", "bogus"));
	assert_null(cli_cmd_find("bogus", "list"));
	assert_true(cli_group_exists("vm"));
	assert_false(cli_group_exists("vmx"));
	for (size_t i = 0; i < cli_nr_cmds; i++) {
		assert_non_null(cli_cmds[i].run);
		assert_true(cli_cmds[i].max_pos <= CLI_MAX_POS);
		assert_true(cli_cmds[i].min_pos <= cli_cmds[i].max_pos);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vm_id_good),
	    cmocka_unit_test(test_vm_id_bad),
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_flag_not_for_this_cmd),
	    cmocka_unit_test(test_positional_counts),
	    cmocka_unit_test(test_negative_id_is_positional),
	    cmocka_unit_test(test_double_dash_and_help),
	    cmocka_unit_test(test_table_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
