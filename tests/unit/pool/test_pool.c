// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The guest pool: alignment, first fit, exhaustion, merging on free (the
 * property the 20-reboot test relies on: free memory returns whole). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hyp/pool.h>

#define MiB (1ULL << 20)

static void test_add_aligns_to_2m(void **state)
{
	u64 before = pool_total();

	pool_add(0x100000000ULL + 0x1000, 64 * MiB);  /* unaligned start: trimmed */
	assert_int_equal(pool_total() - before, 62 * MiB);
}

static void test_alloc_free_merges_back(void **state)
{
	u64 free0 = pool_free_total();
	u64 a = pool_alloc(256 * MiB), b = pool_alloc(3 * MiB), c = pool_alloc(128 * MiB);

	assert_int_not_equal(a, 0);
	assert_int_not_equal(b, 0);
	assert_int_not_equal(c, 0);
	assert_true(a % (2 * MiB) == 0 && b % (2 * MiB) == 0 && c % (2 * MiB) == 0);
	assert_int_equal(free0 - pool_free_total(), 256 * MiB + 4 * MiB + 128 * MiB);
	/* Free out of order: the list must merge back into the original ranges. */
	pool_free(b, 3 * MiB);
	pool_free(a, 256 * MiB);
	pool_free(c, 128 * MiB);
	assert_int_equal(pool_free_total(), free0);
	/* And the whole first range is again allocatable in one piece. */
	a = pool_alloc(1024 * MiB);
	assert_int_not_equal(a, 0);
	pool_free(a, 1024 * MiB);
}

static void test_exhaustion_returns_zero(void **state)
{
	u64 free0 = pool_free_total();

	assert_int_equal(pool_alloc(free0 + 2 * MiB), 0);
	assert_int_equal(pool_alloc(0), 0);
	assert_int_equal(pool_free_total(), free0);
}

static void test_many_cycles_no_leak(void **state)
{
	u64 free0 = pool_free_total();

	for (int i = 0; i < 200; i++) {
		u64 x = pool_alloc(256 * MiB), y = pool_alloc(256 * MiB);

		assert_int_not_equal(x, 0);
		assert_int_not_equal(y, 0);
		pool_free(x, 256 * MiB);
		pool_free(y, 256 * MiB);
	}
	assert_int_equal(pool_free_total(), free0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_aligns_to_2m),
		cmocka_unit_test(test_alloc_free_merges_back),
		cmocka_unit_test(test_exhaustion_returns_zero),
		cmocka_unit_test(test_many_cycles_no_leak),
	};

	pool_add(0x40000000ULL, 1024 * MiB);
	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
