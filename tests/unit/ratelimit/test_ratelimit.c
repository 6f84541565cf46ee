// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <hyp/ratelimit.h>

#define PERIOD 1000
#define BURST  10

/* Lines that pass out of n tries at time now; *dropped_sum adds the counts
 * reported with them. */
static unsigned tries(struct ratelimit *rl, u64 now, unsigned n, u64 *dropped_sum)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++) {
		u64 d = 12345;

		if (ratelimit_take(rl, now, PERIOD, BURST, &d)) {
			ok++;
			*dropped_sum += d;
		} else {
			assert_int_equal(d, 12345); /* untouched when refused */
		}
	}
	return ok;
}

static void test_burst_then_rate(void **state)
{
	struct ratelimit rl = {0};
	u64 dropped = 0;

	assert_int_equal(tries(&rl, 5000, 25, &dropped), BURST);
	assert_int_equal(dropped, 0);
	assert_int_equal(rl.suppressed, 15);
	/* Less than a period: nothing. */
	assert_int_equal(tries(&rl, 5000 + PERIOD - 1, 3, &dropped), 0);
	/* One period: one line, which carries the 18 dropped. */
	assert_int_equal(tries(&rl, 5000 + PERIOD, 3, &dropped), 1);
	assert_int_equal(dropped, 18);
	/* 3.5 periods later: 3 tokens; the half period is kept for later. */
	dropped = 0;
	assert_int_equal(tries(&rl, 5000 + 4 * PERIOD + PERIOD / 2, 10, &dropped), 3);
	assert_int_equal(dropped, 2);
	assert_int_equal(tries(&rl, 5000 + 5 * PERIOD, 10, &dropped), 1);
}

static void test_refill_capped(void **state)
{
	struct ratelimit rl = {0};
	u64 dropped = 0;

	assert_int_equal(tries(&rl, 0, BURST, &dropped), BURST);
	/* A quiet hour gives back the burst, not an hour of lines. */
	assert_int_equal(tries(&rl, 3600 * PERIOD, 100, &dropped), BURST);
	/* A clock that goes back adds nothing. */
	assert_int_equal(tries(&rl, 10, 5, &dropped), 0);
}

static void test_independent(void **state)
{
	struct ratelimit a = {0}, b = {0};
	u64 dropped = 0;

	assert_int_equal(tries(&a, 0, 50, &dropped), BURST);
	assert_int_equal(tries(&b, 0, 5, &dropped), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_refill_capped),
		cmocka_unit_test(test_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
