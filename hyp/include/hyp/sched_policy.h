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
#endif
