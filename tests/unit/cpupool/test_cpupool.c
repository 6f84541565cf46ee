// SPDX-License-Identifier: GPL-2.0 OR MIT
/* CPU pools from the hypervisor's command line (hyp/core/cpupool.c): what
 * is accepted, where pCPUs land, and every bad input refused with a log
 * line naming the token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <hyp/cpupool.h>
#include <hyp/errno.h>
#include <hyp/options.h>

int log_seen(const char *needle);

static void test_default_only(void **state)
{
	struct hyp_options o;
	u32 vm0;

	(void)state;
	assert_int_equal(options_parse("vm0_mem=512M", &o), 0);
	assert_int_equal(cpupool_finish(&o.pools, 4, &vm0), 0);
	assert_int_equal(o.pools.nr, 1);
	assert_string_equal(o.pools.pool[0].name, "default");
	assert_int_equal(o.pools.pool[0].kind, KEEL_POOL_SHARED);
	assert_int_equal(o.pools.pool[0].pcpus, 0xf);
	assert_int_equal(vm0, 0);
	for (u32 c = 0; c < 4; c++)
		assert_int_equal(cpupool_of(&o.pools, c), 0);
}

static void test_bind_and_shared(void **state)
{
	struct hyp_options o;
	u8 two[2] = { 2, 3 }, same[2] = { 3, 3 }, vm0cpu[1] = { 0 };
	u32 vm0;

	(void)state;
	assert_int_equal(options_parse("cpupool=rt:bind:3 cpupool=work:shared:1-2 vm0_pool=default",
				       &o), 0);
	assert_int_equal(cpupool_finish(&o.pools, 4, &vm0), 0);
	assert_int_equal(o.pools.nr, 3);
	assert_int_equal(o.pools.pool[0].pcpus, 0x1);  /* what is left */
	assert_int_equal(o.pools.pool[1].kind, KEEL_POOL_BIND);
	assert_int_equal(o.pools.pool[1].pcpus, 0x8);
	assert_int_equal(o.pools.pool[2].pcpus, 0x6);
	assert_int_equal(cpupool_of(&o.pools, 3), 1);
	assert_int_equal(cpupool_of(&o.pools, 2), 2);
	assert_int_equal(cpupool_of(&o.pools, 0), 0);
	/* Placement: in the pool, and a bind pCPU once. */
	assert_int_equal(cpupool_check(&o.pools, 2, two, 1), 0);
	assert_int_equal(cpupool_check(&o.pools, 2, two, 2), -EINVAL);  /* 3 is rt's */
	assert_int_equal(cpupool_check(&o.pools, 1, &two[1], 1), 0);
	assert_int_equal(cpupool_check(&o.pools, 1, same, 2), -EINVAL);
	assert_int_equal(cpupool_check(&o.pools, 0, vm0cpu, 1), 0);
	assert_int_equal(cpupool_check(&o.pools, 3, vm0cpu, 1), -EINVAL);  /* no pool 3 */
	assert_int_equal(cpupool_check(&o.pools, 7, vm0cpu, 1), -EINVAL);
	/* Two vCPUs on one shared pCPU are fine. */
	same[0] = same[1] = 1;
	assert_int_equal(cpupool_check(&o.pools, 2, same, 2), 0);
}

static void test_vm0_in_named_pool(void **state)
{
	struct hyp_options o;
	u32 vm0;

	(void)state;
	assert_int_equal(options_parse("cpupool=sys:shared:0-1,3 vm0_pool=sys", &o), 0);
	assert_int_equal(cpupool_finish(&o.pools, 4, &vm0), 0);
	assert_int_equal(vm0, 1);
	assert_int_equal(o.pools.pool[1].pcpus, 0xb);
	assert_int_equal(o.pools.pool[0].pcpus, 0x4);
}

/* Each refused, with the reason in the log. */
static void test_bad_pools(void **state)
{
	static const struct {
		const char *args, *why;
	} bad[] = {
		{ "cpupool=rt", "expected NAME:KIND:CPUS" },
		{ "cpupool=rt:bind", "expected NAME:KIND:CPUS" },
		{ "cpupool=rt:bind:", "CPUS: expected" },
		{ "cpupool=rt:fifo:1", "KIND: expected shared or bind" },
		{ "cpupool=:bind:1", "pool name must be" },
		{ "cpupool=averyveryverylongname:bind:1", "pool name must be" },
		{ "cpupool=r/t:bind:1", "letters, digits" },
		{ "cpupool=rt:bind:3-1", "CPUS: expected" },
		{ "cpupool=rt:bind:1,", "CPUS: expected" },
		{ "cpupool=rt:bind:x", "CPUS: expected" },
		{ "cpupool=rt:bind:64", "CPUS: expected" },
		{ "cpupool=rt:bind:1 cpupool=rt:shared:2", "exists already" },
		{ "cpupool=default:bind:1", "exists already" },
		{ "cpupool=a:bind:1 cpupool=b:shared:0-1", "in another pool" },
		{ "cpupool=a:bind:1 cpupool=b:bind:2 cpupool=c:bind:3 cpupool=d:bind:0", "too many" },
		{ "vm0_pool=", "expected a pool name" },
	};
	struct hyp_options o;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i].args);
		assert_int_not_equal(options_parse(bad[i].args, &o), 0);
		assert_true(log_seen(bad[i].why));
	}
}

static void test_bad_finish(void **state)
{
	struct hyp_options o;
	u32 vm0;

	(void)state;
	assert_int_equal(options_parse("cpupool=rt:bind:5", &o), 0);
	assert_int_equal(cpupool_finish(&o.pools, 4, &vm0), -EINVAL);
	assert_true(log_seen("names a pCPU this machine lacks"));
	assert_int_equal(options_parse("vm0_pool=nosuch", &o), 0);
	assert_int_equal(cpupool_finish(&o.pools, 4, &vm0), -EINVAL);
	assert_true(log_seen("vm0_pool=nosuch: no such pool"));
	/* Every pCPU named elsewhere: VM0's default pool is empty. */
	assert_int_equal(options_parse("cpupool=rt:bind:0-3", &o), 0);
	assert_int_equal(cpupool_finish(&o.pools, 4, &vm0), -EINVAL);
	assert_true(log_seen("the pool has no pCPU"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_only),
		cmocka_unit_test(test_bind_and_shared),
		cmocka_unit_test(test_vm0_in_named_pool),
		cmocka_unit_test(test_bad_pools),
		cmocka_unit_test(test_bad_finish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
