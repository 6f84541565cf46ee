/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* vCPUs are tasks on per-pCPU run queues. */
#ifndef HYP_SCHED_H
#define HYP_SCHED_H
#include <hyp/types.h>

struct vcpu;

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
/* A vCPU joins / leaves its pCPU (at VM creation / destruction). */
int sched_bind(struct vcpu *v);
void sched_unbind(struct vcpu *v);
/* The EL2 timer fired: time slice over or a descheduled vCPU's timer due. */
void sched_timer_irq(void);
#endif
