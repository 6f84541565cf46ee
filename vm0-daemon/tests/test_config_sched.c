// SPDX-License-Identifier: GPL-2.0
/* Host tests: a guest's CPU pool, priority and slice (config/sched.c)
 * against the pools and holders KEEL_HC_STAT reports, and every refusal
 * naming the field, the pool and the pCPU. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

/* pCPUs 0-1 "default" (VM0 on both), 2-3 "rt" (bind, pCPU 2 held by vm 5). */
static struct keel_stat st;
static struct vm_config cfg;
static char err[CFG_ERR_MAX];

static int setup(void **state)
{
	(void)state;
	st.nr_pcpus = 4;
	st.nr_pools = 2;
	strcpy(st.pool[0].name, "default");
	st.pool[0].pcpus = 0x3;
	strcpy(st.pool[1].name, "rt");
	st.pool[1].kind = KEEL_POOL_BIND;
	st.pool[1].pcpus = 0xc;
	st.nr_vcpus = 3;
	st.vcpu[0] = (struct keel_stat_vcpu){ .vm = 0, .vcpu = 0, .pcpu = 0 };
	st.vcpu[1] = (struct keel_stat_vcpu){ .vm = 0, .vcpu = 1, .pcpu = 1 };
	st.vcpu[2] = (struct keel_stat_vcpu){ .vm = 5, .vcpu = 0, .pcpu = 2 };
	return 0;
}

static int parse(const char *fields)
{
	char text[512];
	struct config_env env = { .id = 1, .nr_pcpus = 4, .stat = &st, .label = "vm1.json" };

	snprintf(text, sizeof(text), "{\"memory\": \"64M\", \"kernel\": \"/x\", %s}", fields);
	err[0] = 0;
	return config_parse(text, strlen(text), &env, &cfg, err, sizeof(err));
}

static void expect_error(const char *fields, const char *msg)
{
	if (parse(fields) >= 0)
		fail_msg("accepted %s\nwanted \"%s\"", fields, msg);
	if (strcmp(err, msg))
		fail_msg("got \"%s\"\nwanted \"%s\"", err, msg);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("\"vcpus\": 1"), 0);
	assert_int_equal(cfg.pool, 0);
	assert_int_equal(cfg.priority, KEEL_PRIO_DEFAULT);
	assert_int_equal(cfg.slice_us, 0);
	assert_int_equal(cfg.pcpu[0], 1);  /* the default pool, off pCPU 0 */
	assert_false(cfg.pinned);          /* placed by default: may move */
}

static void test_pool_priority_slice(void **state)
{
	(void)state;
	assert_int_equal(parse("\"pool\": \"rt\", \"priority\": 250"), 0);
	assert_int_equal(cfg.pool, 1);
	assert_int_equal(cfg.priority, 250);
	assert_int_equal(cfg.pcpu[0], 3);  /* the free bind pCPU */
	assert_int_equal(parse("\"priority\": 0, \"slice_ms\": 1000, \"pcpus\": [0]"), 0);
	assert_int_equal(cfg.slice_us, 1000000);
	assert_int_equal(cfg.pcpu[0], 0);
	assert_true(cfg.pinned);           /* named: stays there */
	assert_int_equal(parse("\"vcpus\": 2, \"pcpus\": [1, 1]"), 0);  /* shared: fine */
	assert_true(cfg.pinned);
	assert_int_equal(parse("\"vcpus\": 2"), 0);
	assert_false(cfg.pinned);
}

static void test_bad(void **state)
{
	(void)state;
	expect_error("\"pool\": \"nosuch\"",
		     "vm1.json: pool: \"nosuch\" is not a CPU pool of this machine (default, rt)");
	expect_error("\"pool\": 1", "vm1.json: pool: 1 is not a pool name");
	expect_error("\"priority\": 256", "vm1.json: priority: 256 is not in 0..255");
	expect_error("\"priority\": -3", "vm1.json: priority: -3 is not in 0..255");
	expect_error("\"priority\": 1.5", "vm1.json: priority: 1.5 is not a number");
	expect_error("\"slice_ms\": 0", "vm1.json: slice_ms: 0 is not in 1..1000");
	expect_error("\"pool\": \"rt\", \"slice_ms\": 5",
		     "vm1.json: slice_ms: 5 means nothing in bind pool rt (no time slices there)");
	expect_error("\"pcpus\": [2]", "vm1.json: pcpus[0]: pCPU 2 is not in pool default");
	expect_error("\"pool\": \"rt\", \"pcpus\": [2]",
		     "vm1.json: pcpus[0]: pCPU 2 of bind pool rt runs vm 5's vCPU 0 already");
	expect_error("\"pool\": \"rt\", \"vcpus\": 2, \"pcpus\": [3, 3]",
		     "vm1.json: pcpus[1]: pCPU 3 of bind pool rt is given to two vCPUs");
	expect_error("\"pool\": \"rt\", \"vcpus\": 2",
		     "vm1.json: pool: bind pool rt has no free pCPU left for vCPU 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_pool_priority_slice),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
