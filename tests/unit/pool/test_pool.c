// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The guest pool: alignment, first fit, exhaustion, merging on free (the
 * property the 20-reboot test relies on: free memory returns whole). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/pool.h>

#define MiB (1ULL << 20)

static void test_add_aligns_to_2m(void **state)
{
	u64 before = pool_total();

	pool_add(0x100000000ULL + 0x1000, 64 * MiB);  /* unaligned start: trimmed */
	assert_int_equal(pool_total() - before, 62 * MiB);
}

/* What VM0's DT lists as the pool: the aligned ranges as added, whatever
 * is allocated; a short buffer gets the first ones and the full count. */
static void test_ranges_as_added(void **state)
{
	struct mem_range r[POOL_MAX_RANGES], one;
	u32 n = pool_ranges(r, POOL_MAX_RANGES);
	u64 a, sum = 0;

	assert_true(n >= 1);
	for (u32 i = 0; i < n; i++)
		sum += r[i].size;
	assert_int_equal(sum, pool_total());
	assert_int_equal(r[n - 1].base, 0x100000000ULL + 2 * MiB);
	assert_int_equal(r[n - 1].size, 62 * MiB);
	a = pool_alloc(4 * MiB);
	assert_int_not_equal(a, 0);
	assert_int_equal(pool_ranges(&one, 1), n);
	assert_int_equal(one.base, r[0].base);
	assert_int_equal(one.size, r[0].size);
	assert_int_equal(pool_free(a, 4 * MiB), 0);
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

/* A block freed twice would sit in the free list twice and be handed to two
 * guests: the second free is refused, and the pool stays as it was. */
static void test_double_free_refused(void **state)
{
	u64 free0 = pool_free_total();
	u64 a = pool_alloc(64 * MiB), b;

	assert_int_not_equal(a, 0);
	assert_int_equal(pool_free(a, 64 * MiB), 0);
	assert_int_equal(pool_free(a, 64 * MiB), -EINVAL);
	assert_int_equal(pool_free_total(), free0);
	/* Part of a free range, and a range straddling allocated and free. */
	a = pool_alloc(64 * MiB);
	assert_int_not_equal(a, 0);
	assert_int_equal(pool_free(a + 62 * MiB, 4 * MiB), -EINVAL);
	assert_int_equal(pool_free_total(), free0 - 64 * MiB);
	/* Two allocations never share a byte. */
	b = pool_alloc(64 * MiB);
	assert_int_not_equal(b, 0);
	assert_true(b >= a + 64 * MiB || a >= b + 64 * MiB);
	assert_int_equal(pool_free(a, 64 * MiB), 0);
	assert_int_equal(pool_free(b, 64 * MiB), 0);
	assert_int_equal(pool_free_total(), free0);
}

/* Memory the pool never had (the hypervisor's, VM0's) is never taken in. */
static void test_free_outside_pool_refused(void **state)
{
	u64 free0 = pool_free_total(), total0 = pool_total();

	assert_int_equal(pool_free(0x10000000ULL, 2 * MiB), -EINVAL);     /* below */
	assert_int_equal(pool_free(0x40000000ULL - 2 * MiB, 4 * MiB), -EINVAL); /* straddles */
	assert_int_equal(pool_free(0x3ff000000000ULL, 2 * MiB), -EINVAL); /* far above */
	assert_int_equal(pool_free(~0ULL - MiB, 2 * MiB), -EINVAL);       /* wraps */
	assert_int_equal(pool_free(0, 0), -EINVAL);
	assert_int_equal(pool_free_total(), free0);
	assert_int_equal(pool_total(), total0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_aligns_to_2m),
		cmocka_unit_test(test_ranges_as_added),
		cmocka_unit_test(test_alloc_free_merges_back),
		cmocka_unit_test(test_exhaustion_returns_zero),
		cmocka_unit_test(test_many_cycles_no_leak),
		cmocka_unit_test(test_double_free_refused),
		cmocka_unit_test(test_free_outside_pool_refused),
	};

	pool_add(0x40000000ULL, 1024 * MiB);
	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
