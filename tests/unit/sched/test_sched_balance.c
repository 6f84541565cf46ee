// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The load balancer's decisions (hyp/include/hyp/sched_balance.h): which
 * pCPU a shared pCPU pulls from, which queued vCPU moves, and that a vCPU
 * is never pulled back and forth. Also run as a small simulation of a pool
 * where every pCPU pulls in turn until nothing moves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hyp/sched_balance.h>

#define SH(p, n) { .pool = (p), .online = true, .nr_runnable = (n) }
#define BIND(p, n) { .pool = (p), .bind = true, .online = true, .nr_runnable = (n) }

static void test_source_busiest(void **state)
{
	/* pCPU 0 idle; 1 has 2, 2 has 3, 3 has 3: the first of the busiest. */
	struct sched_balance_cpu c[] = { SH(0, 0), SH(0, 2), SH(0, 3), SH(0, 3) };

	(void)state;
	assert_int_equal(sched_balance_source(c, 4, 0), 2);
	/* From 1's side (2 runnable): 2 and 3 have only one more: nothing. */
	assert_int_equal(sched_balance_source(c, 4, 1), -1);
	/* The busy ones never pull from the idle one. */
	assert_int_equal(sched_balance_source(c, 4, 2), -1);
	assert_int_equal(sched_balance_source(c, 4, 3), -1);
}

static void test_source_needs_two(void **state)
{
	/* One vCPU running alone is not load to share; two are. */
	struct sched_balance_cpu one[] = { SH(0, 0), SH(0, 1) };
	struct sched_balance_cpu two[] = { SH(0, 0), SH(0, 2) };

	(void)state;
	assert_int_equal(sched_balance_source(one, 2, 0), -1);
	assert_int_equal(sched_balance_source(two, 2, 0), 1);
	assert_false(sched_balance_worth(1, 0));
	assert_false(sched_balance_worth(3, 2));  /* would only swap who has more */
	assert_true(sched_balance_worth(3, 1));
}

static void test_source_pool_bind(void **state)
{
	/* 1 is busiest but a bind pCPU, 2 in another pool, 3 offline. */
	struct sched_balance_cpu c[] = { SH(0, 0), BIND(0, 5), SH(1, 4), SH(0, 3), SH(0, 2) };

	(void)state;
	c[3].online = false;
	assert_int_equal(sched_balance_source(c, 5, 0), 4);
	/* A bind pCPU never pulls, even idle next to a loaded shared one. */
	c[1].nr_runnable = 0;
	assert_int_equal(sched_balance_source(c, 5, 1), -1);
	/* An offline pCPU neither; self out of range neither. */
	assert_int_equal(sched_balance_source(c, 5, 3), -1);
	assert_int_equal(sched_balance_source(c, 5, 7), -1);
}

static void test_pick_priority(void **state)
{
	struct sched_balance_vcpu q[] = {
		{ .prio = 200, .movable = false, .runnable = true },  /* pinned (VM0's) */
		{ .prio = 150, .movable = true, .loaded = true, .runnable = true }, /* still loaded */
		{ .prio = 100, .movable = true, .runnable = true },
		{ .prio = 120, .movable = true, .runnable = false },  /* its VM stopped */
		{ .prio = 100, .movable = true, .runnable = true },
		{ .prio = 110, .movable = true, .runnable = true },
	};

	(void)state;
	assert_int_equal(sched_balance_pick(q, 6), 5);   /* the highest priority that may */
	q[5].movable = false;
	assert_int_equal(sched_balance_pick(q, 6), 2);   /* first of the equals */
	q[1].loaded = false;
	assert_int_equal(sched_balance_pick(q, 6), 1);
	assert_int_equal(sched_balance_pick(q, 1), -1);  /* only a pinned one */
	assert_int_equal(sched_balance_pick(q, 0), -1);
}

/*
 * A pool of n pCPUs; pulls go one at a time in rounds (every pCPU in index
 * order) until a round moves nothing. Returns the number of moves; they
 * must stop (no ping-pong) and leave the pool within one vCPU of even.
 */
static unsigned settle(struct sched_balance_cpu *c, unsigned n, unsigned *moves_to)
{
	unsigned moves = 0;

	for (unsigned round = 0; round < 64; round++) {
		bool moved = false;

		for (unsigned self = 0; self < n; self++) {
			int s = sched_balance_source(c, n, self);

			if (s < 0)
				continue;
			c[s].nr_runnable--;
			c[self].nr_runnable++;
			moves_to[self]++;
			moves++;
			moved = true;
		}
		if (!moved)
			return moves;
	}
	fail_msg("balancing did not settle");
	return moves;
}

static void test_settles(void **state)
{
	struct sched_balance_cpu c[] = { SH(0, 0), SH(0, 6), SH(0, 0), BIND(0, 1), SH(0, 1) };
	unsigned to[5] = { 0 }, lo = ~0u, hi = 0, moves;

	(void)state;
	moves = settle(c, 5, to);
	/* 7 runnable on the 4 shared pCPUs: 2/2/2/1 in some order, each vCPU
	 * moved once at most (4 left pCPU 1, 6 -> 2, and nothing went back). */
	assert_int_equal(moves, 4);
	assert_int_equal(c[1].nr_runnable, 2);
	for (unsigned i = 0; i < 5; i++) {
		if (c[i].bind)
			continue;
		lo = c[i].nr_runnable < lo ? c[i].nr_runnable : lo;
		hi = c[i].nr_runnable > hi ? c[i].nr_runnable : hi;
	}
	assert_true(hi - lo <= 1);
	assert_int_equal(to[1], 0);            /* the busy one never pulls */
	assert_int_equal(to[3], 0);            /* the bind one never gets one */
	assert_int_equal(c[3].nr_runnable, 1);
}

static void test_two_vcpus_two_pcpus(void **state)
{
	/* The system test's case: a 2-vCPU guest on one shared pCPU and an
	 * idle one beside it: exactly one move, then quiet for good. */
	struct sched_balance_cpu c[] = { SH(0, 2), SH(0, 0) };
	unsigned to[2] = { 0 };

	(void)state;
	assert_int_equal(settle(c, 2, to), 1);
	assert_int_equal(c[0].nr_runnable, 1);
	assert_int_equal(c[1].nr_runnable, 1);
	assert_int_equal(to[1], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_busiest),
		cmocka_unit_test(test_source_needs_two),
		cmocka_unit_test(test_source_pool_bind),
		cmocka_unit_test(test_pick_priority),
		cmocka_unit_test(test_settles),
		cmocka_unit_test(test_two_vcpus_two_pcpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
