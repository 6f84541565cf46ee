/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Who gets a shared pCPU when a vCPU wakes: the pure decision, also built
 * for host unit tests (tests/unit/sched).
 *
 * Each vCPU carries a virtual run time (vrun, CNTPCT ticks it ran). A vCPU
 * that wakes may take the pCPU at once (the proxy's ping-pong with VM0 needs
 * that) only while it has run less than the current vCPU; so a vCPU that
 * wakes often and then runs long pays for it, and whoever it interrupts
 * keeps at least about half the pCPU while both want it. A sleeper's vrun
 * is pulled up to within one credit of the current vCPU's, so a long sleep
 * does not buy a long monopoly afterwards.
 */
#ifndef HYP_SCHED_POLICY_H
#define HYP_SCHED_POLICY_H
#include <hyp/types.h>

/* The woken vCPU's vrun from now on: no less than cur_vrun - credit. */
static inline u64 sched_wake_vrun(u64 woken_vrun, u64 cur_vrun, u64 credit)
{
	return woken_vrun + credit < cur_vrun ? cur_vrun - credit : woken_vrun;
}

/* Does a vCPU that woke with woken_vrun (already through sched_wake_vrun)
 * take the pCPU from one whose vrun, counting its current run, is cur_vrun? */
static inline bool sched_wake_preempts(u64 woken_vrun, u64 cur_vrun)
{
	return woken_vrun < cur_vrun;
}
#endif
