/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* vCPUs are tasks on per-pCPU run queues. */
#ifndef HYP_SCHED_H
#define HYP_SCHED_H
#include <hyp/types.h>

struct vcpu;
struct keel_stat_pcpu;
struct keel_stat_vcpu;

void sched_enqueue(struct vcpu *v);   /* make runnable on its pCPU, kick it */
void sched_block(struct vcpu *v);     /* current vCPU waits for an interrupt */
/* ... or until CNTVCT reaches deadline (WFIT), whichever comes first */
void sched_block_until(struct vcpu *v, u64 deadline);
void sched_wake(struct vcpu *v);      /* a blocked vCPU has something to do */
void sched_block_ioreq(struct vcpu *v); /* waits for VM0's answer to an MMIO access */
void sched_ioreq_done(struct vcpu *v);  /* ... which came */
/* At the end of every exit: pick what this pCPU runs next (idling in WFI if
 * nothing), load it. Returns with this_cpu()->ctx set. */
void sched_resolve(void);
void __noreturn sched_idle_enter(void);  /* secondary pCPUs start here */
/* A vCPU joins / leaves its pCPU (at VM creation / destruction); -EBUSY:
 * a bind pCPU that has its vCPU already. */
int sched_bind(struct vcpu *v);
/* Its priority and slice (0: the default), before sched_bind. */
void sched_set_params(struct vcpu *v, u32 prio, u32 slice_us);
/* Each pCPU learns its pool (opts.pools, after cpupool_finish). */
void sched_pools_setup(void);
/* Accounting snapshots for KEEL_HC_STAT. */
void sched_stat_pcpu(u32 pcpu, struct keel_stat_pcpu *out);
void sched_stat_vcpu(struct vcpu *v, struct keel_stat_vcpu *out);
void sched_unbind(struct vcpu *v);
/* The EL2 timer fired: time slice over or a descheduled vCPU's timer due. */
void sched_timer_irq(void);
#endif
