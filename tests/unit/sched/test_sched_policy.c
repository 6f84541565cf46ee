// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The wake-preemption decision of hyp/core/sched.c (hyp/include/hyp/
 * sched_policy.h), on the host: the clamp itself, and one shared pCPU
 * simulated in 10 us steps with VM0's vCPU always busy next to a guest vCPU
 * that runs a burst and sleeps. The model does what sched_resolve,
 * sched_timer_irq and wake_preempt do: the slice end is fixed when a vCPU
 * is switched in, a woken vCPU asks sched_wake_vrun/sched_wake_preempts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hyp/sched_policy.h>

#define US 1ULL                 /* model time unit: microseconds */
#define MS (1000 * US)
#define SLICE (10 * MS)         /* sched.c: CNTFRQ / SLICE_DIV */
#define STEP (10 * US)
#define FOREVER (~0ULL)

enum { VM0, GUEST };

struct sim_result {
	double vm0_share;
	unsigned long wakes, wakes_preempting;
};

/* The guest runs `burst` then blocks for `sleep` (burst FOREVER: it never
 * blocks). VM0 always wants the pCPU. */
static struct sim_result simulate(u64 burst, u64 sleep, u64 total)
{
	u64 vrun[2] = { 5 * SLICE, 0 };  /* VM0 ran alone before: ahead */
	u64 now = 0, slice_end = SLICE, wake_at = 0, left = burst, vm0_time = 0;
	int cur = VM0;
	bool guest_blocked = false, guest_waiting = true;
	struct sim_result r = { 0 };

	for (now = 0; now < total; now += STEP) {
		vrun[cur] += STEP;
		if (cur == VM0) {
			vm0_time += STEP;
		} else if (burst != FOREVER) {
			left = left > STEP ? left - STEP : 0;
			if (!left) {  /* WFI with nothing pending: blocks */
				guest_blocked = true;
				wake_at = now + sleep;
				cur = VM0;
				slice_end = now + SLICE;
				continue;
			}
		}
		if (guest_blocked && now >= wake_at) {
			guest_blocked = false;
			left = burst;
			r.wakes++;
			vrun[GUEST] = sched_wake_vrun(vrun[GUEST], vrun[VM0], SLICE);
			if (sched_wake_preempts(vrun[GUEST], vrun[VM0])) {
				r.wakes_preempting++;
				cur = GUEST;
				slice_end = now + SLICE;
				continue;
			}
			guest_waiting = true;
		}
		/* The slice ends with someone waiting: round robin. */
		if (now >= slice_end && (cur == GUEST || guest_waiting)) {
			guest_waiting = cur == VM0 ? false : true;
			cur = cur == VM0 ? GUEST : VM0;
			slice_end = now + SLICE;
		}
	}
	r.vm0_share = (double)vm0_time / (double)total;
	return r;
}

static void test_wake_vrun_clamp(void **state)
{
	(void)state;
	/* A long sleeper starts one slice behind, not hours behind. */
	assert_int_equal(sched_wake_vrun(0, 100 * MS, SLICE), 90 * MS);
	/* A vCPU that ran long ago is at most one slice ahead. */
	assert_int_equal(sched_wake_vrun(500 * MS, 100 * MS, SLICE), 110 * MS);
	/* In between: unchanged. */
	assert_int_equal(sched_wake_vrun(95 * MS, 100 * MS, SLICE), 95 * MS);
	assert_int_equal(sched_wake_vrun(105 * MS, 100 * MS, SLICE), 105 * MS);
	assert_true(sched_wake_preempts(99 * MS, 100 * MS));
	assert_false(sched_wake_preempts(100 * MS, 100 * MS));
}

/* A guest that runs hard and wakes often (3 ms bursts, 50 us sleeps: the
 * isoprobe spin mode) gets half the pCPU, not more; with every wake
 * preempting, VM0 got 50 us in 3 ms. */
static void test_wake_often_does_not_starve(void **state)
{
	struct sim_result r = simulate(3 * MS, 50 * US, 5000 * MS);

	(void)state;
	print_message("3 ms bursts, 50 us sleeps: VM0 share %.2f, %lu of %lu wakes preempted\n",
		      r.vm0_share, r.wakes_preempting, r.wakes);
	assert_true(r.vm0_share >= 0.45 && r.vm0_share <= 0.55);
}

/* ... and so does one that sleeps briefly and often: it is not
 * shortchanged either. */
static void test_short_bursts_do_not_starve(void **state)
{
	struct sim_result r = simulate(200 * US, 20 * US, 5000 * MS);

	(void)state;
	print_message("200 us bursts, 20 us sleeps: VM0 share %.2f\n", r.vm0_share);
	assert_true(r.vm0_share >= 0.45 && r.vm0_share <= 0.55);
}

static void test_spinner_shares(void **state)
{
	struct sim_result r = simulate(FOREVER, 0, 5000 * MS);

	(void)state;
	print_message("spinner: VM0 share %.2f\n", r.vm0_share);
	assert_true(r.vm0_share >= 0.45 && r.vm0_share <= 0.55);
}

/* What wake preemption is for: a guest doing I/O (short runs, waiting on
 * VM0 in between) still gets the pCPU the moment it wakes, every time. */
static void test_io_guest_preempts_at_once(void **state)
{
	struct sim_result r = simulate(20 * US, 200 * US, 2000 * MS);

	(void)state;
	print_message("I/O-like guest: %lu of %lu wakes preempted, VM0 share %.2f\n",
		      r.wakes_preempting, r.wakes, r.vm0_share);
	assert_true(r.wakes > 1000);
	assert_int_equal(r.wakes_preempting, r.wakes);
	assert_true(r.vm0_share >= 0.85);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_vrun_clamp),
		cmocka_unit_test(test_wake_often_does_not_starve),
		cmocka_unit_test(test_short_bursts_do_not_starve),
		cmocka_unit_test(test_spinner_shares),
		cmocka_unit_test(test_io_guest_preempts_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
