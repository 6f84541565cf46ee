// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * vCPU migration within a shared CPU pool (the policy: sched_balance.h).
 *
 * Which vCPUs move: those of a guest in a shared pool whose config did not
 * name their pCPUs (KEEL_VM_F_PINNED; vcpu->movable). VM0's, pinned ones
 * and bind-pool ones never move, and a bind pCPU never pulls.
 *
 * When: a shared pCPU about to idle pulls (sched_resolve); so does one
 * whose slice ended (balance_req, set by sched_timer_irq); and a pCPU that
 * switched while a movable vCPU still waits in its queue kicks an idling
 * pCPU of its pool, which then pulls.
 *
 * What moves: only a vCPU loaded nowhere (vcpu->loaded clear: vcpu_put
 * saved its EL1 registers, virtual timer and list registers to memory, and
 * its timer's physical PPI is inactive again), queued and runnable. It is
 * taken out of the source's queue and placed list and into the puller's,
 * and vcpu->pcpu changes, all under both pCPUs' rq_lock (taken in pCPU
 * index order), so whoever locks "the vCPU's run queue" (vcpu_rq_lock)
 * finds it where it is. What follows it by itself:
 * - its timer and WFIT wake-ups: CNTHP of the pCPU whose placed list holds
 *   it (timer_program), now the puller's;
 * - interrupts for it: vgic state is per vCPU, and whoever pends one kicks
 *   it through vcpu_kick, which reads vcpu->pcpu after the pending state
 *   is published (vcpu.c);
 * - a forwarded PPI (its virtual timer's) is taken by the pCPU it is
 *   loaded on: irq_owner and vgic_forward_phys look at this pCPU's current
 *   vCPU, not at vcpu->pcpu;
 * - a forwarded SPI stays routed to the pCPU its target was on when the
 *   guest routed it: vgic_forward_phys kicks the target wherever it is.
 * The TLB: sched_tlb_enter below.
 */
#include <hyp/gic.h>
#include <hyp/platform.h>
#include <hyp/sched_balance.h>
#include <hyp/stage2.h>

#include "sched_rq.h"

/* Loaded nowhere: vcpu_put's saves are visible before it cleared loaded
 * (the acquire pairs with its dmb). */
static bool vcpu_parked(struct vcpu *v)
{
	return !__atomic_load_n(&v->loaded, __ATOMIC_ACQUIRE);
}

/* Runnable vCPUs on pc, the running one included. rq_lock held. */
static u32 nr_runnable(struct pcpu *pc)
{
	u32 n = can_run(pc->current) ? 1 : 0;

	for (struct vcpu *q = pc->rq_head; q; q = q->rq_next)
		n += can_run(q);
	return n;
}

static void lock_two(struct pcpu *a, struct pcpu *b)
{
	/* Always in pCPU index order: two pCPUs pulling from each other at
	 * once cannot each hold one lock and wait for the other. */
	if (a->id > b->id) {
		struct pcpu *t = a;

		a = b;
		b = t;
	}
	spin_lock(&a->rq_lock);
	spin_lock(&b->rq_lock);
}

/* The queued vCPU of src that sched_balance_pick chooses, or NULL. */
static struct vcpu *pick(struct pcpu *src)
{
	struct sched_balance_vcpu q[MAX_BOUND];
	struct vcpu *v[MAX_BOUND];
	u32 n = 0;
	int i;

	for (struct vcpu *p = src->rq_head; p && n < MAX_BOUND; p = p->rq_next, n++) {
		v[n] = p;
		q[n] = (struct sched_balance_vcpu){ .prio = p->prio,
						    .movable = p->movable,
						    .loaded = p == src->current || !vcpu_parked(p),
						    .runnable = can_run(p) };
	}
	i = sched_balance_pick(q, n);
	return i < 0 ? NULL : v[i];
}

/* Both rq_locks held: move one vCPU from src to dst if it is still worth it. */
static bool move_one(struct pcpu *src, struct pcpu *dst)
{
	struct vcpu *v;

	if (!sched_balance_worth(nr_runnable(src), nr_runnable(dst)) || dst->nr_bound == MAX_BOUND)
		return false;
	v = pick(src);
	if (!v)
		return false;
	rq_remove(src, v);
	bound_del(src, v);
	dst->bound[dst->nr_bound++] = v;
	WRITE_ONCE(v->pcpu, dst->id);
	v->nr_migrations++;
	/* Its virtual run time was counted against src's vCPUs: bring it
	 * within a slice of what runs here, as a wake-up would. */
	if (dst->current)
		v->vrun = sched_wake_vrun(v->vrun, dst->current->vrun, v->slice_ticks);
	rq_add(dst, v);
	return true;
}

bool sched_balance_pull(struct pcpu *self)
{
	struct sched_balance_cpu c[MAX_PCPUS];
	u32 n = MIN(plat.nr_cpus, MAX_PCPUS);
	struct pcpu *src;
	bool moved;
	int s;

	if (self->bind)
		return false;
	for (u32 i = 0; i < n; i++) {
		struct pcpu *pc = &pcpus[i];

		c[i] = (struct sched_balance_cpu){ .pool = pc->pool,
						   .bind = pc->bind,
						   .online = READ_ONCE(pc->online) };
		if (c[i].bind || !c[i].online || pc->pool != self->pool)
			continue;
		spin_lock(&pc->rq_lock);
		c[i].nr_runnable = nr_runnable(pc);
		spin_unlock(&pc->rq_lock);
	}
	s = sched_balance_source(c, n, self->id);
	if (s < 0)
		return false;
	src = &pcpus[s];
	lock_two(self, src);
	moved = move_one(src, self);
	spin_unlock(&src->rq_lock);
	spin_unlock(&self->rq_lock);
	return moved;
}

void sched_balance_kick(struct pcpu *pc)
{
	bool waiting = false;

	if (pc->bind)
		return;
	spin_lock(&pc->rq_lock);
	for (struct vcpu *q = pc->rq_head; q && !waiting; q = q->rq_next)
		waiting = q->movable && can_run(q) && vcpu_parked(q);
	spin_unlock(&pc->rq_lock);
	if (!waiting)
		return;
	/* A hint, read without locks: the idler pulls (or finds nothing
	 * worth it and idles again). */
	for (u32 i = 0; i < MIN(plat.nr_cpus, MAX_PCPUS); i++) {
		struct pcpu *o = &pcpus[i];

		if (o != pc && !o->bind && o->pool == pc->pool && READ_ONCE(o->online) &&
		    READ_ONCE(o->idling)) {
			gic->send_sgi(i, SGI_KICK);
			return;
		}
	}
}

/*
 * v was just loaded on pc. The VM's entries this pCPU's TLB cached while
 * another vCPU of the VM ran here are, as far as the guest knows, in that
 * vCPU's TLB; it may since have changed the mapping and invalidated with a
 * local TLBI (no IS) on whatever pCPU it runs on now, which leaves these
 * stale, and v (same VMID, maybe same ASID) would hit them. So when the
 * last vCPU of the VM to run here was another one (or none: be safe about
 * whatever the VMID left), drop the VMID's entries here first. The same
 * vCPU coming back needs nothing: its local TLBIs ran here. (KVM on arm64
 * does the same with last_vcpu_ran.)
 */
void sched_tlb_enter(struct pcpu *pc, struct vcpu *v)
{
	u8 *last = &v->vm->last_ran[pc->id];

	if (*last == v->id + 1)
		return;
	stage2_flush_tlb_local(&v->vm->s2);
	*last = (u8)(v->id + 1);
}
