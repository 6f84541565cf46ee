// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Per-pCPU scheduling of vCPUs, by the pCPU's CPU pool (cpupool.h):
 * - a pCPU of a bind pool belongs to one vCPU: no tick, WFI not trapped,
 *   nothing else is ever placed there (sched_bind refuses it);
 * - a pCPU of a shared pool runs the highest-priority runnable vCPU; WFI
 *   traps and blocks the vCPU, and the EL2 physical timer (CNTHP) ends a
 *   slice when another of equal priority waits, round-robin. A vCPU that
 *   wakes takes the pCPU at once from a lower-priority one, and from an
 *   equal one only while it has run less (sched_policy.h). The same timer
 *   wakes a descheduled vCPU when its virtual timer or WFIT timeout is due.
 * A pCPU with nothing to run idles in WFI with interrupts on. Every switch
 * and wake moves the vCPUs' time accounts (sched_acct.h) and the pCPU's
 * busy/idle time, read by KEEL_HC_STAT (stat.c).
 */
#include <asm/timer.h>
#include <hyp/boot.h>
#include <hyp/cpupool.h>
#include <hyp/errno.h>
#include <hyp/gic.h>
#include <hyp/guest.h>
#include <hyp/log.h>
#include <hyp/pcpu.h>
#include <hyp/sched.h>
#include <hyp/sched_policy.h>
#include <hyp/vcpu.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

#include "sched_rq.h"

void vcpu_enter_current(void) __noreturn;

static u64 now_ticks(void)
{
	return arch_timer_now();
}

/* The account state a vCPU is in when it is not the one running. */
static u32 acct_state_of(const struct vcpu *v)
{
	if (v->state == VCPU_RUNNABLE && v->vm->state == VM_RUNNING)
		return KEEL_VCPU_WAIT;
	return v->state == VCPU_BLOCKED && v->vm->state == VM_RUNNING ? KEEL_VCPU_BLOCKED :
									  KEEL_VCPU_OFF;
}

void sched_set_params(struct vcpu *v, u32 prio, u32 slice_us)
{
	u64 freq = arch_timer_freq();

	v->prio = prio;
	v->slice_ticks = freq * (slice_us ? slice_us : KEEL_SLICE_DEFAULT_US) / 1000000;
}

void sched_pools_setup(void)
{
	for (u32 i = 0; i < plat.nr_cpus; i++) {
		pcpus[i].pool = cpupool_of(&opts.pools, i);
		pcpus[i].bind = opts.pools.pool[pcpus[i].pool].kind == KEEL_POOL_BIND;
	}
}

int sched_bind(struct vcpu *v)
{
	struct pcpu *pc = &pcpus[v->pcpu];
	u64 flags = irq_save();
	int ret = 0;

	spin_lock(&pc->rq_lock);
	/* A bind pCPU is one vCPU's for good: the second is refused here,
	 * under the lock, whoever asks at the same time. */
	if (pc->nr_bound == MAX_BOUND || (pc->bind && pc->nr_bound)) {
		ret = -EBUSY;
	} else {
		pc->bound[pc->nr_bound++] = v;
		v->acct = (struct sched_acct){ .since = now_ticks(), .state = KEEL_VCPU_OFF };
	}
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
	/* The vCPU already running there must start trapping WFI: make it exit. */
	if (!ret && v->pcpu != this_cpu_id())
		gic->send_sgi(v->pcpu, SGI_KICK);
	return ret;
}

void sched_unbind(struct vcpu *v)
{
	struct pcpu *pc;
	u64 flags = irq_save();

	pc = vcpu_rq_lock(v);
	rq_remove(pc, v);
	bound_del(pc, v);
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
}

void sched_enqueue(struct vcpu *v)
{
	struct pcpu *pc;
	u64 flags = irq_save();

	pc = vcpu_rq_lock(v);
	v->state = VCPU_RUNNABLE;
	/* A vCPU (re)starting competes from where the running one stands. */
	if (pc->current && pc->current != v)
		v->vrun = pc->current->vrun;
	rq_add(pc, v);
	acct_enter(&v->acct, KEEL_VCPU_WAIT, now_ticks());
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
	vcpu_kick(v);
}

/*
 * A vCPU that blocked (WFI, or waiting for VM0's answer) and is woken may
 * run at once rather than at the end of the current slice: the proxy is a
 * ping-pong between a guest vCPU and VM0's, often on one pCPU, and a 10 ms
 * wait per hop would cap I/O at ~100 requests a second. It does when the
 * current vCPU has a lower priority, or an equal one and has run more
 * (sched_policy.h): a vCPU waking every few microseconds must not take the
 * pCPU for free each time. It then goes first among its equals in the
 * queue; the preempted one goes back when resolved.
 * rq_lock held; v is on the queue.
 */
static void wake_preempt(struct pcpu *pc, struct vcpu *v)
{
	struct vcpu *cur = pc->current;
	u64 now = now_ticks(), cur_vrun;

	v->wake_at = 0;
	acct_enter(&v->acct, KEEL_VCPU_WAIT, now);
	if (!cur || cur == v || !can_run(cur) || !pc->in_guest)
		return;  /* nobody running to preempt: the pCPU picks from the queue */
	cur_vrun = cur->vrun + (now - pc->run_start);
	v->vrun = sched_wake_vrun(v->vrun, cur_vrun, cur->slice_ticks);
	if (sched_wake_preempts_prio(v->prio, v->vrun, cur->prio, cur_vrun)) {
		rq_remove(pc, v);
		rq_insert(pc, v, true);
		pc->need_resched = true;
	}
}

void sched_block(struct vcpu *v)
{
	v->state = VCPU_BLOCKED;
}

/* Only the running vCPU blocks itself, on its own pCPU: timer_program (at
 * the end of this exit) arms CNTHP for the deadline. */
void sched_block_until(struct vcpu *v, u64 deadline)
{
	v->wake_at = deadline;
	v->state = VCPU_BLOCKED;
}

/* The vCPU waits for VM0 to answer an MMIO access. Under the run-queue lock,
 * so a concurrent sched_wake (an interrupt for it) sees both fields or
 * neither, and cannot resume it before the answer. */
void sched_block_ioreq(struct vcpu *v)
{
	struct pcpu *pc;
	u64 flags = irq_save();

	pc = vcpu_rq_lock(v);
	v->ioreq_wait = true;
	v->state = VCPU_BLOCKED;
	v->ioreq_blocked_at = now_ticks();
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
}

/* VM0 answered: the vCPU may run again (if nothing else stopped it). */
void sched_ioreq_done(struct vcpu *v)
{
	struct pcpu *pc;
	u64 flags = irq_save();
	bool kick = false;

	pc = vcpu_rq_lock(v);
	v->ioreq_wait = false;
	v->ioreq_answered_at = now_ticks();
	v->ioreq_answer_ticks += v->ioreq_answered_at - v->ioreq_blocked_at;
	if (v->state == VCPU_BLOCKED) {
		v->state = VCPU_RUNNABLE;
		rq_add(pc, v);
		wake_preempt(pc, v);
		kick = true;
	}
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
	if (kick)
		vcpu_kick(v);
}

void sched_wake(struct vcpu *v)
{
	struct pcpu *pc;
	u64 flags;

	/* A vCPU waiting for VM0 to answer an MMIO access is woken only by
	 * that answer (ioreq_complete), not by interrupts. */
	if (v->state != VCPU_BLOCKED || v->ioreq_wait)
		return;
	flags = irq_save();
	pc = vcpu_rq_lock(v);
	if (v->state == VCPU_BLOCKED && !v->ioreq_wait) {
		v->state = VCPU_RUNNABLE;
		rq_add(pc, v);
		wake_preempt(pc, v);
	}
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
}

/* When the EL2 timer must wake a blocked vCPU (not on an ioreq): at its
 * WFIT timeout, and, when it is not loaded, at its virtual timer (a loaded
 * one's fires by itself through the forwarded PPI). */
static bool timer_wake_at(const struct vcpu *v, u64 *when)
{
	u64 d = ~0ULL;

	if (v->state != VCPU_BLOCKED || v->ioreq_wait)
		return false;
	if (v->wake_at)
		d = v->wake_at;
	if (!v->loaded)
		d = MIN(d, vcpu_arch_vtimer_deadline(&v->arch));
	*when = d;
	return d != ~0ULL;
}

/* CNTHP: end of the running vCPU's slice if someone waits (fixed when it
 * was switched in, not pushed back by each exit), or the earliest
 * timer_wake_at. That holds on a bind pCPU too: its one vCPU may have been
 * descheduled while the pCPU was still shared. Called with rq_lock held. */
static void timer_program(struct pcpu *pc)
{
	u64 deadline = ~0ULL, when;

	if (pc->rq_head && pc->current && can_run(pc->current) &&
	    sched_slice_contended(pc->rq_head->prio, pc->current->prio))
		deadline = pc->slice_end;
	for (u32 i = 0; i < pc->nr_bound; i++) {
		if (timer_wake_at(pc->bound[i], &when))
			deadline = MIN(deadline, when);
	}
	if (deadline == pc->timer_live)
		return;  /* armed (or disarmed) as it should be */
	if (deadline == ~0ULL)
		arch_timer_disarm();
	else
		arch_timer_arm(deadline);
	pc->timer_live = deadline;
}

void sched_timer_irq(void)
{
	struct pcpu *pc = this_cpu();
	u64 now = now_ticks(), when;

	arch_timer_disarm();  /* re-armed by the next timer_program */
	spin_lock(&pc->rq_lock);
	pc->timer_live = ~0ULL;
	for (u32 i = 0; i < pc->nr_bound; i++) {
		struct vcpu *v = pc->bound[i];

		if (timer_wake_at(v, &when) && when <= now) {
			v->state = VCPU_RUNNABLE;
			rq_add(pc, v);
			wake_preempt(pc, v);
		}
	}
	if (pc->rq_head && now >= pc->slice_end) {
		pc->need_resched = true;
		pc->balance_req = true;
	}
	spin_unlock(&pc->rq_lock);
}

/* The pCPU enters (idle) or leaves the idle loop. rq_lock held. */
static void account(struct pcpu *pc, bool idle)
{
	u64 now = now_ticks();

	if (pc->idling)
		pc->idle_ticks += now - pc->last_switch;
	else
		pc->busy_ticks += now - pc->last_switch;
	pc->last_switch = now;
	pc->idling = idle;
}

void sched_stat_pcpu(u32 id, struct keel_stat_pcpu *out)
{
	struct pcpu *pc = &pcpus[id];
	u64 flags = irq_save(), now, busy, idle;

	spin_lock(&pc->rq_lock);
	now = now_ticks();
	busy = pc->busy_ticks;
	idle = pc->idle_ticks;
	if (pc->online && now > pc->last_switch) {
		if (pc->idling)
			idle += now - pc->last_switch;
		else
			busy += now - pc->last_switch;
	}
	*out = (struct keel_stat_pcpu){
		.busy_ns = hyp_ticks_ns(busy),
		.idle_ns = hyp_ticks_ns(idle),
		.switches = pc->nr_switches,
		.pool = pc->pool,
		.nr_vcpus = pc->nr_bound,
	};
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
}

void sched_stat_vcpu(struct vcpu *v, struct keel_stat_vcpu *out)
{
	struct pcpu *pc;
	u64 flags = irq_save(), now;

	pc = vcpu_rq_lock(v);
	now = now_ticks();
	*out = (struct keel_stat_vcpu){
		.vm = v->vm->id,
		.vcpu = v->id,
		.pcpu = v->pcpu,
		.state = v->acct.state,
		.priority = v->prio,
		.slice_us = (u32)(hyp_ticks_ns(v->slice_ticks) / 1000),
		.run_ns = hyp_ticks_ns(acct_read(&v->acct, KEEL_VCPU_RUN, now)),
		.wait_ns = hyp_ticks_ns(acct_read(&v->acct, KEEL_VCPU_WAIT, now)),
		.blocked_ns = hyp_ticks_ns(acct_read(&v->acct, KEEL_VCPU_BLOCKED, now)),
		.migrations = v->nr_migrations,
	};
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
}

/* pc->current already names next (set under rq_lock, so a concurrent wake
 * of cur queues it rather than thinking it still runs here). */
static void switch_to(struct pcpu *pc, struct vcpu *cur, struct vcpu *next)
{
	if (cur && cur->loaded)
		vcpu_put(cur);
	pc->ctx = &next->regs;
	vcpu_load(next);
	sched_tlb_enter(pc, next);
}

void sched_resolve(void)
{
	struct pcpu *pc = this_cpu();
	/* One clock read per exit (an emulator serialises each): the charge
	 * below and the first pick use the same instant; only waking from
	 * the idle WFI reads it again. */
	u64 now = now_ticks();

	/* What the vCPU that just exited ran, charged once (not the idling
	 * below), and only where it competes: alone on a bind pCPU, the time
	 * it spends in an untrapped WFI is no run time. */
	spin_lock(&pc->rq_lock);
	if (pc->in_guest && pc->current && pc->nr_bound > 1)
		pc->current->vrun += now - pc->run_start;
	pc->in_guest = false;
	spin_unlock(&pc->rq_lock);
	if (pc->balance_req) {
		pc->balance_req = false;
		sched_balance_pull(pc);
	}

	for (;; now = now_ticks()) {
		struct vcpu *cur = pc->current, *next;
		bool pending = cur && cur->state == VCPU_BLOCKED && vgic_has_pending(cur);

		spin_lock(&pc->rq_lock);
		if (pending && cur->state == VCPU_BLOCKED && !cur->ioreq_wait) {
			cur->state = VCPU_RUNNABLE;
			cur->wake_at = 0;
		}
		/* A higher priority waiting (woken while this pCPU was in
		 * here, not in the guest) or an equal one at the slice's end. */
		if (can_run(cur) && pc->rq_head &&
		    (pc->rq_head->prio > cur->prio ||
		     (now >= pc->slice_end && sched_slice_contended(pc->rq_head->prio, cur->prio))))
			pc->need_resched = true;
		if (can_run(cur) && !(pc->need_resched && pc->rq_head)) {
			next = cur;
		} else {
			if (can_run(cur)) {
				/* Slice over: to the back of the queue (rq_add skips
				 * the current vCPU, so clear that for a moment). */
				pc->current = NULL;
				rq_add(pc, cur);
				pc->current = cur;
			}
			next = rq_pop(pc);
			while (next && !can_run(next))
				next = rq_pop(pc);
		}
		pc->need_resched = false;
		if (cur && cur != next)
			acct_enter(&cur->acct, acct_state_of(cur), now);
		if (next) {
			acct_enter(&next->acct, KEEL_VCPU_RUN, now);
			if (next != cur) {
				pc->slice_end = now + next->slice_ticks;
				pc->nr_switches++;
			}
			if (next->ioreq_answered_at) {
				/* An answer may have come after now was read. */
				next->ioreq_resume_ticks +=
					now_ticks() - next->ioreq_answered_at;
				next->ioreq_answered_at = 0;
			}
			pc->current = next;
			pc->run_start = now;
			pc->in_guest = true;
		}
		spin_unlock(&pc->rq_lock);

		if (next) {
			if (next != cur) {
				switch_to(pc, cur, next);
				sched_balance_kick(pc);
			} else if (next->sys_dirty)
				vcpu_load(next);  /* reset by PSCI CPU_ON while we idled */
			/* WFI traps on a shared pCPU only (asm/vcpu.h). */
			vcpu_arch_set_traps(next, !pc->bind);
			spin_lock(&pc->rq_lock);
			timer_program(pc);
			spin_unlock(&pc->rq_lock);
			return;
		}
		/* Nothing to run. A stopped vCPU gives up the pCPU entirely so
		 * its VM can be destroyed. */
		if (cur && cur->loaded && (cur->state == VCPU_STOPPED || cur->vm->state == VM_STOPPED)) {
			vcpu_put(cur);
			spin_lock(&pc->rq_lock);
			if (pc->current == cur)
				pc->current = NULL;
			spin_unlock(&pc->rq_lock);
		}
		if (sched_balance_pull(pc))
			continue;
		spin_lock(&pc->rq_lock);
		timer_program(pc);
		account(pc, true);
		spin_unlock(&pc->rq_lock);
		/* Sleep until an interrupt, a kick sent after we looked at the
		 * queue above included (asm/irqflags.h), and take it. */
		arch_cpu_idle();
		spin_lock(&pc->rq_lock);
		account(pc, false);
		spin_unlock(&pc->rq_lock);
	}
}

void sched_idle_enter(void)
{
	struct pcpu *pc = this_cpu();

	pc->last_switch = now_ticks();
	pc->timer_live = ~0ULL;  /* pcpu_setup disarmed it */
	pc->online = true;
	sched_resolve();
	vgic_flush(pc->current);
	vcpu_enter_current();
}
