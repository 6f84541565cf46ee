/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef HYP_PCPU_H
#define HYP_PCPU_H
#include <asm/percpu.h>
#include <hyp/config.h>
#include <hyp/spinlock.h>
#include <hyp/types.h>

struct vcpu;

#define MAX_BOUND 16

/* Per-pCPU data; TPIDR_EL2 points at this pCPU's entry. The first member is
 * read by the exception vectors (asm-offsets). */
struct pcpu {
	struct cpu_regs *ctx;  /* where the vectors save the guest's registers */
	u64 stack_top;
	u32 id;
	u64 mpidr;
	struct vcpu *current;  /* vCPU whose state is loaded, or NULL */
	spinlock_t rq_lock;
	struct vcpu *rq_head;  /* runnable vCPUs bound to this pCPU */
	volatile bool online;
	/* Accounting (under rq_lock): idle is the idle loop's WFI, busy all
	 * else, since last_switch in the state idling says; switches counts
	 * loads of another vCPU. */
	u64 idle_ticks, busy_ticks, last_switch, nr_switches;
	bool idling;
	/* Its CPU pool (cpupool.h): on a bind pCPU one vCPU owns it, WFI is
	 * not trapped, no slice; on a shared one WFI blocks, slices apply. */
	u32 pool;
	bool bind;
	/* vCPUs of any VM placed on this pCPU. */
	u32 nr_bound;
	struct vcpu *bound[MAX_BOUND];
	volatile bool need_resched;
	bool balance_req;      /* a slice ended: look for load to pull (sched_balance.c) */
	/* The running vCPU's slice ends at slice_end; it entered the guest at
	 * run_start (in_guest: not yet charged to its vrun). CNTPCT ticks. */
	u64 slice_end, run_start;
	bool in_guest;
	struct pcpu_arch arch; /* asm/percpu.h */
	/* CNTHP's deadline as last programmed, ~0: disarmed. Every write of
	 * the timer costs an emulator a lock and a timer re-queue; most exits
	 * keep the deadline they found. */
	u64 timer_live;
};

extern struct pcpu pcpus[MAX_PCPUS];

static inline struct pcpu *this_cpu(void)
{
	return arch_cpu_local();
}

static inline u32 this_cpu_id(void) { return this_cpu()->id; }
#endif
