// SPDX-License-Identifier: GPL-2.0 OR MIT
/* options_parse(): the hypervisor's command line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <hyp/config.h>
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/options.h>

static void defaults(void **state)
{
	struct hyp_options o;

	assert_int_equal(options_parse(NULL, &o), 0);
	assert_int_equal(o.vm0_mem, 0);
	assert_int_equal(o.vm0_cpus, 0);
	assert_int_equal(o.pool, 0);
	assert_int_equal(o.loglevel, LOGLEVEL_DEFAULT);
	assert_int_equal(options_parse("", &o), 0);
	assert_int_equal(options_parse("   \t ", &o), 0);
	assert_int_equal(o.loglevel, LOGLEVEL_DEFAULT);
}

static void good(void **state)
{
	struct hyp_options o;

	assert_int_equal(options_parse("vm0_mem=512M vm0_cpus=2", &o), 0);
	assert_int_equal(o.vm0_mem, 512ULL << 20);
	assert_int_equal(o.vm0_cpus, 2);
	assert_int_equal(o.pool, 0);

	assert_int_equal(options_parse("  vm0_mem=1G\tpool=0x10000000  loglevel=7 ", &o), 0);
	assert_int_equal(o.vm0_mem, 1ULL << 30);
	assert_int_equal(o.pool, 0x10000000);
	assert_int_equal(o.loglevel, 7);
	assert_int_equal(o.vm0_cpus, 0);

	assert_int_equal(options_parse("pool=64k vm0_mem=4096 vm0_cpus=8 vm0_mem=3g", &o), 0);
	assert_int_equal(o.pool, 64 << 10);
	assert_int_equal(o.vm0_mem, 3ULL << 30);   /* the last one wins */
	assert_int_equal(o.vm0_cpus, MAX_PCPUS);
	assert_int_equal(options_parse("vm0_mem=0 loglevel=0", &o), 0);
	assert_int_equal(o.vm0_mem, 0);
	assert_int_equal(o.loglevel, 0);
}

static void sizes(void **state)
{
	u64 v;

	assert_int_equal(options_parse_size("4K", 2, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(options_parse_size("0x2M", 4, &v), 0);
	assert_int_equal(v, 2ULL << 20);
	assert_int_equal(options_parse_size("16G", 3, &v), 0);
	assert_int_equal(v, 16ULL << 30);
	assert_int_equal(options_parse_size("18446744073709551615", 20, &v), 0);
	assert_int_equal(v, ~0ULL);
	assert_int_equal(options_parse_size("18446744073709551616", 20, &v), -EINVAL);
	assert_int_equal(options_parse_size("17179869184G", 12, &v), -EINVAL);
	assert_int_equal(options_parse_size("", 0, &v), -EINVAL);
	assert_int_equal(options_parse_size("M", 1, &v), -EINVAL);
	assert_int_equal(options_parse_size("0x", 2, &v), -EINVAL);
	assert_int_equal(options_parse_size("1T", 2, &v), -EINVAL);
	assert_int_equal(options_parse_size("12ab", 4, &v), -EINVAL);
}

static void bad(const char *args, const char *token)
{
	struct hyp_options o;
	char needle[96];

	log_clear();
	assert_int_equal(options_parse(args, &o), -EINVAL);
	snprintf(needle, sizeof(needle), "'%s'", token);
	if (!log_seen(needle))
		fail_msg("log does not name %s: %s", needle, log_last());
}

static void bad_inputs(void **state)
{
	bad("foo=1", "foo=1");
	bad("vm0_mem=512M bogus", "bogus");
	bad("vm0_mem=12Q", "vm0_mem=12Q");
	bad("vm0_mem=", "vm0_mem=");
	bad("vm0_mem=100", "vm0_mem=100");          /* not whole pages */
	bad("vm0_mem=-1G", "vm0_mem=-1G");
	bad("vm0_mem=99999999999G", "vm0_mem=99999999999G");
	bad("vm0_cpus=9", "vm0_cpus=9");            /* > MAX_PCPUS */
	bad("vm0_cpus=2x", "vm0_cpus=2x");
	bad("vm0_cpus=-1", "vm0_cpus=-1");
	bad("loglevel=8", "loglevel=8");
	bad("pool=1K", "pool=1K");
	bad("vm0_memory=1G", "vm0_memory=1G");
	bad("VM0_MEM=1G", "VM0_MEM=1G");
	bad("=1", "=1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(good),
		cmocka_unit_test(sizes),
		cmocka_unit_test(bad_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
