/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Where a vCPU's time goes (KEEL_HC_STAT): one running sum per state, and
 * the state it is in since when. A change of state costs one subtraction
 * and one addition, so sched.c does it on every switch and wake. Pure, also
 * built for host unit tests (tests/unit/sched).
 */
#ifndef HYP_SCHED_ACCT_H
#define HYP_SCHED_ACCT_H
#include <keel/stat.h>
#include <hyp/types.h>

#define ACCT_NR_STATES 4  /* KEEL_VCPU_RUN .. KEEL_VCPU_OFF */

struct sched_acct {
	u64 since;               /* clock ticks: when it entered state */
	u32 state;               /* KEEL_VCPU_* */
	u64 sum[ACCT_NR_STATES]; /* ticks spent in each state before since */
};

/* From now on the vCPU is in state. A clock read on another pCPU may lag
 * this one's by a little: time never runs backwards in the sums. */
static inline void acct_enter(struct sched_acct *a, u32 state, u64 now)
{
	if (now > a->since) {
		a->sum[a->state] += now - a->since;
		a->since = now;
	}
	a->state = state;
}

/* Ticks spent in state up to now, the current stretch included. */
static inline u64 acct_read(const struct sched_acct *a, u32 state, u64 now)
{
	return a->sum[state] + (a->state == state && now > a->since ? now - a->since : 0);
}
#endif
