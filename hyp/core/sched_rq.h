/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A pCPU's run queue and the vCPUs placed on it, shared by sched.c and the
 * load balancer (sched_balance.c). Everything here runs with the pCPU's
 * rq_lock held, except vcpu_rq_lock which takes it.
 */
#ifndef HYP_CORE_SCHED_RQ_H
#define HYP_CORE_SCHED_RQ_H
#include <hyp/pcpu.h>
#include <hyp/sched_policy.h>
#include <hyp/vcpu.h>
#include <hyp/vm.h>

static inline bool on_rq(struct pcpu *pc, struct vcpu *v)
{
	for (struct vcpu *q = pc->rq_head; q; q = q->rq_next)
		if (q == v)
			return true;
	return false;
}

/* Into the queue by priority: behind its equals, or (front) before them. */
static inline void rq_insert(struct pcpu *pc, struct vcpu *v, bool front)
{
	struct vcpu **p = &pc->rq_head;

	while (*p && !sched_rq_before(v->prio, (*p)->prio, front))
		p = &(*p)->rq_next;
	v->rq_next = *p;
	*p = v;
}

static inline void rq_add(struct pcpu *pc, struct vcpu *v)
{
	if (pc->current == v || on_rq(pc, v))
		return;
	rq_insert(pc, v, false);
}

static inline struct vcpu *rq_pop(struct pcpu *pc)
{
	struct vcpu *v = pc->rq_head;

	if (v)
		pc->rq_head = v->rq_next;
	return v;
}

static inline void rq_remove(struct pcpu *pc, struct vcpu *v)
{
	for (struct vcpu **p = &pc->rq_head; *p; p = &(*p)->rq_next) {
		if (*p == v) {
			*p = v->rq_next;
			return;
		}
	}
}

static inline bool can_run(const struct vcpu *v)
{
	return v && v->state == VCPU_RUNNABLE && v->vm->state == VM_RUNNING;
}

/* The pCPU's list of placed vCPUs (whose timers its CNTHP watches). */
static inline void bound_del(struct pcpu *pc, struct vcpu *v)
{
	for (u32 i = 0; i < pc->nr_bound; i++) {
		if (pc->bound[i] == v) {
			pc->bound[i] = pc->bound[--pc->nr_bound];
			return;
		}
	}
}

/*
 * Lock the run queue of the pCPU v is on. v->pcpu changes only under both
 * the old and the new pCPU's rq_lock (sched_balance.c), so the pCPU read
 * and then locked is v's for as long as the lock is held if it still is
 * once locked; otherwise v moved meanwhile: follow it. IRQs off.
 */
static inline struct pcpu *vcpu_rq_lock(struct vcpu *v)
{
	for (;;) {
		struct pcpu *pc = &pcpus[READ_ONCE(v->pcpu)];

		spin_lock(&pc->rq_lock);
		if (READ_ONCE(v->pcpu) == pc->id)
			return pc;
		spin_unlock(&pc->rq_lock);
	}
}

/* The load balancer's hooks (sched_balance.c), no rq_lock held, IRQs off:
 * pull one waiting vCPU from the busiest pCPU of pc's shared pool if worth
 * it (true: one is on pc's queue now); after a switch, wake an idling pCPU
 * of the pool if pc has a movable vCPU waiting; v was just loaded on pc. */
bool sched_balance_pull(struct pcpu *pc);
void sched_balance_kick(struct pcpu *pc);
void sched_tlb_enter(struct pcpu *pc, struct vcpu *v);
#endif
