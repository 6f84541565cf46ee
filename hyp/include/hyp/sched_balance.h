/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Load balancing within a shared CPU pool: the pure decisions, also built
 * for host unit tests (tests/unit/sched). sched_balance.c gathers the
 * figures under the run-queue locks and moves the vCPU.
 *
 * A pCPU pulls; nobody pushes. A shared pCPU about to idle, kicked by a
 * busy one, or at the end of a slice looks at the pCPUs of its pool and
 * takes one waiting vCPU from the one with the most runnable vCPUs, when
 * that one has at least two more than itself: after the move the source
 * still has at least as many as the puller, so the same vCPU can never be
 * pulled straight back (no ping-pong), and two pCPUs one vCPU apart are
 * left alone. Bind pCPUs neither give nor take.
 */
#ifndef HYP_SCHED_BALANCE_H
#define HYP_SCHED_BALANCE_H
#include <hyp/types.h>

/* One pCPU as the balancer sees it. */
struct sched_balance_cpu {
	u32 pool;
	bool bind;
	bool online;
	u32 nr_runnable;  /* queued, plus the running vCPU if it may go on */
};

/* One queued vCPU of the source, in queue order. */
struct sched_balance_vcpu {
	u32 prio;
	bool movable;  /* shared pool, placed by default (not pinned by its config) */
	bool loaded;   /* its state is still in some pCPU's registers */
	bool runnable;
};

/* Is moving one vCPU from a pCPU with src runnable to one with dst worth it? */
static inline bool sched_balance_worth(u32 src, u32 dst)
{
	return src >= 2 && src >= dst + 2;
}

/* The pCPU self (of c[0..n)) pulls from, or -1: the busiest of its pool
 * where the move is worth it; the lowest index among equals. */
static inline int sched_balance_source(const struct sched_balance_cpu *c, u32 n, u32 self)
{
	int best = -1;

	if (self >= n || c[self].bind || !c[self].online)
		return -1;
	for (u32 i = 0; i < n; i++) {
		if (i == self || c[i].bind || !c[i].online || c[i].pool != c[self].pool)
			continue;
		if (!sched_balance_worth(c[i].nr_runnable, c[self].nr_runnable))
			continue;
		if (best < 0 || c[i].nr_runnable > c[best].nr_runnable)
			best = (int)i;
	}
	return best;
}

/* Which queued vCPU (of q[0..n)) moves, or -1: of those that may, the one
 * of the highest priority, the first in the queue among equals (the one
 * that would have run next there). Only a vCPU loaded nowhere moves: its
 * EL1 state, timer and list registers are all in memory. */
static inline int sched_balance_pick(const struct sched_balance_vcpu *q, u32 n)
{
	int best = -1;

	for (u32 i = 0; i < n; i++) {
		if (!q[i].movable || q[i].loaded || !q[i].runnable)
			continue;
		if (best < 0 || q[i].prio > q[best].prio)
			best = (int)i;
	}
	return best;
}
#endif
