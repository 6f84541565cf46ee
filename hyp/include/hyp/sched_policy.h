/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Who gets a shared pCPU when a vCPU wakes: the pure decision, also built
 * for host unit tests (tests/unit/sched).
 *
 * Each vCPU carries a virtual run time (vrun, CNTPCT ticks it ran). A vCPU
 * that wakes may take the pCPU at once (the proxy's ping-pong with VM0 needs
 * that) only while it has run less than the current vCPU; so a vCPU that
 * wakes often and then runs long pays for it, and whoever it interrupts
 * keeps half the pCPU while both want it. A woken vCPU's vrun is brought
 * to within one window (a time slice) of the current one's: a long sleep
 * does not buy a long monopoly afterwards, and a vCPU that ran long ago (or
 * alone on its pCPU) is not made to wait for ever after. (A window shorter
 * than the slice would shortchange a vCPU that sleeps briefly and often: it
 * would lose what it waited in the queue each time it blocks.)
 */
#ifndef HYP_SCHED_POLICY_H
#define HYP_SCHED_POLICY_H
#include <hyp/types.h>

/*
 * Priorities (keel/stat.h, higher first) come before all that: a run queue
 * is ordered by priority, round-robin within one; a woken vCPU of higher
 * priority takes the pCPU at once, one of lower priority waits until
 * nothing of higher priority is runnable, and equal ones go by vrun.
 */

/* Does a vCPU of priority prio go before a queued one of priority q when
 * it joins the back of its priority (front: before the equal ones too)? */
static inline bool sched_rq_before(u32 prio, u32 q, bool front)
{
	return front ? prio >= q : prio > q;
}

/* Must the running vCPU (priority cur) give way at the end of its slice to
 * the first queued one (head)? Only to an equal (round-robin) or higher. */
static inline bool sched_slice_contended(u32 head, u32 cur)
{
	return head >= cur;
}

/* The woken vCPU's vrun from now on: within cur_vrun -/+ window. */
static inline u64 sched_wake_vrun(u64 woken_vrun, u64 cur_vrun, u64 window)
{
	if (woken_vrun + window < cur_vrun)
		return cur_vrun - window;
	if (woken_vrun > cur_vrun + window)
		return cur_vrun + window;
	return woken_vrun;
}

/* Does a vCPU that woke with woken_vrun (already through sched_wake_vrun)
 * take the pCPU from one whose vrun, counting its current run, is cur_vrun? */
static inline bool sched_wake_preempts(u64 woken_vrun, u64 cur_vrun)
{
	return woken_vrun < cur_vrun;
}

/* The whole wake decision: priority first, then vrun among equals. */
static inline bool sched_wake_preempts_prio(u32 woken_prio, u64 woken_vrun, u32 cur_prio,
					    u64 cur_vrun)
{
	if (woken_prio != cur_prio)
		return woken_prio > cur_prio;
	return sched_wake_preempts(woken_vrun, cur_vrun);
}
#endif
