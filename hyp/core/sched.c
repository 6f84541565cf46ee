// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Per-pCPU scheduling of vCPUs (the seed paper's pools, by pCPU):
 * - a pCPU with one bound vCPU is a "bind" pCPU: no tick, WFI not trapped,
 *   the vCPU owns it (VM0's vCPUs, real-time guests);
 * - a pCPU with several is "shared": WFI traps and blocks the vCPU, and the
 *   EL2 physical timer (CNTHP) ends a 10 ms slice when another vCPU waits,
 *   round-robin; a vCPU that wakes takes the pCPU before that only while it
 *   has run less than the one it interrupts (sched_policy.h). The same
 *   timer wakes a descheduled vCPU when its virtual timer or WFIT timeout
 *   is due.
 * A pCPU with nothing to run idles in WFI with interrupts on.
 */
#include <hyp/gic.h>
#include <hyp/log.h>
#include <hyp/pcpu.h>
#include <hyp/sched.h>
#include <hyp/sched_policy.h>
#include <hyp/sysreg.h>
#include <hyp/vcpu.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

#define SLICE_DIV 100        /* CNTFRQ / 100: 10 ms */
#define CNTx_CTL_ENABLE BIT(0)
#define CNTx_CTL_IMASK BIT(1)

void vcpu_enter_current(void) __noreturn;

static bool on_rq(struct pcpu *pc, struct vcpu *v)
{
	for (struct vcpu *q = pc->rq_head; q; q = q->rq_next)
		if (q == v)
			return true;
	return false;
}

static void rq_add(struct pcpu *pc, struct vcpu *v)
{
	struct vcpu **p = &pc->rq_head;

	if (pc->current == v || on_rq(pc, v))
		return;
	while (*p)
		p = &(*p)->rq_next;
	v->rq_next = NULL;
	*p = v;
}

static struct vcpu *rq_pop(struct pcpu *pc)
{
	struct vcpu *v = pc->rq_head;

	if (v)
		pc->rq_head = v->rq_next;
	return v;
}

static void rq_push_front(struct pcpu *pc, struct vcpu *v)
{
	v->rq_next = pc->rq_head;
	pc->rq_head = v;
}

static void rq_remove(struct pcpu *pc, struct vcpu *v)
{
	for (struct vcpu **p = &pc->rq_head; *p; p = &(*p)->rq_next) {
		if (*p == v) {
			*p = v->rq_next;
			return;
		}
	}
}

int sched_bind(struct vcpu *v)
{
	struct pcpu *pc = &pcpus[v->pcpu];
	u64 flags = irq_save();
	int ret = 0;

	spin_lock(&pc->rq_lock);
	if (pc->nr_bound == MAX_BOUND)
		ret = -1;
	else
		pc->bound[pc->nr_bound++] = v;
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
	/* The vCPU already running there must start trapping WFI: make it exit. */
	if (!ret && v->pcpu != this_cpu_id())
		gic->send_sgi(v->pcpu, SGI_KICK);
	return ret;
}

void sched_unbind(struct vcpu *v)
{
	struct pcpu *pc = &pcpus[v->pcpu];
	u64 flags = irq_save();

	spin_lock(&pc->rq_lock);
	rq_remove(pc, v);
	for (u32 i = 0; i < pc->nr_bound; i++) {
		if (pc->bound[i] == v) {
			pc->bound[i] = pc->bound[--pc->nr_bound];
			break;
		}
	}
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
}

void sched_enqueue(struct vcpu *v)
{
	struct pcpu *pc = &pcpus[v->pcpu];
	u64 flags = irq_save();

	spin_lock(&pc->rq_lock);
	v->state = VCPU_RUNNABLE;
	/* A vCPU (re)starting competes from where the running one stands. */
	if (pc->current && pc->current != v)
		v->vrun = pc->current->vrun;
	rq_add(pc, v);
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
	vcpu_kick(v);
}

static bool can_run(struct vcpu *v)
{
	return v && v->state == VCPU_RUNNABLE && v->vm->state == VM_RUNNING;
}

/*
 * A vCPU that blocked (WFI, or waiting for VM0's answer) and is woken may
 * run at once rather than at the end of the current slice: the proxy is a
 * ping-pong between a guest vCPU and VM0's, often on one pCPU, and a 10 ms
 * wait per hop would cap I/O at ~100 requests a second. But only while it
 * has run less than the current vCPU (sched_policy.h): a vCPU waking every
 * few microseconds must not take the pCPU for free each time. It then goes
 * first in the queue; the preempted one goes to the back when resolved.
 * rq_lock held; v is on the queue.
 */
static void wake_preempt(struct pcpu *pc, struct vcpu *v)
{
	struct vcpu *cur = pc->current;
	u64 now, cur_vrun;

	v->wake_at = 0;
	if (!cur || cur == v || !can_run(cur) || !pc->in_guest)
		return;  /* nobody running to preempt: the pCPU picks from the queue */
	now = read_sysreg(cntpct_el0);
	cur_vrun = cur->vrun + (now - pc->run_start);
	v->vrun = sched_wake_vrun(v->vrun, cur_vrun, read_sysreg(cntfrq_el0) / SLICE_DIV);
	if (sched_wake_preempts(v->vrun, cur_vrun)) {
		rq_remove(pc, v);
		rq_push_front(pc, v);
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
	struct pcpu *pc = &pcpus[v->pcpu];
	u64 flags = irq_save();

	spin_lock(&pc->rq_lock);
	v->ioreq_wait = true;
	v->state = VCPU_BLOCKED;
	v->ioreq_blocked_at = read_sysreg(cntpct_el0);
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
}

/* VM0 answered: the vCPU may run again (if nothing else stopped it). */
void sched_ioreq_done(struct vcpu *v)
{
	struct pcpu *pc = &pcpus[v->pcpu];
	u64 flags = irq_save();
	bool kick = false;

	spin_lock(&pc->rq_lock);
	v->ioreq_wait = false;
	v->ioreq_answered_at = read_sysreg(cntpct_el0);
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
	struct pcpu *pc = &pcpus[v->pcpu];
	u64 flags;

	/* A vCPU waiting for VM0 to answer an MMIO access is woken only by
	 * that answer (ioreq_complete), not by interrupts. */
	if (v->state != VCPU_BLOCKED || v->ioreq_wait)
		return;
	flags = irq_save();
	spin_lock(&pc->rq_lock);
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
	u64 ctl = v->sys.cntv_ctl, d = ~0ULL;

	if (v->state != VCPU_BLOCKED || v->ioreq_wait)
		return false;
	if (v->wake_at)
		d = v->wake_at;
	if (!v->loaded && (ctl & (CNTx_CTL_ENABLE | CNTx_CTL_IMASK)) == CNTx_CTL_ENABLE)
		d = MIN(d, v->sys.cntv_cval);
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

	if (pc->rq_head && pc->nr_bound > 1)
		deadline = pc->slice_end;
	for (u32 i = 0; i < pc->nr_bound; i++) {
		if (timer_wake_at(pc->bound[i], &when))
			deadline = MIN(deadline, when);
	}
	if (deadline == ~0ULL) {
		write_sysreg(0, cnthp_ctl_el2);
		return;
	}
	write_sysreg(deadline, cnthp_cval_el2);
	write_sysreg(CNTx_CTL_ENABLE, cnthp_ctl_el2);
}

void sched_timer_irq(void)
{
	struct pcpu *pc = this_cpu();
	u64 now = read_sysreg(cntpct_el0), when;

	write_sysreg(0, cnthp_ctl_el2);  /* re-armed by the next timer_program */
	spin_lock(&pc->rq_lock);
	for (u32 i = 0; i < pc->nr_bound; i++) {
		struct vcpu *v = pc->bound[i];

		if (timer_wake_at(v, &when) && when <= now) {
			v->state = VCPU_RUNNABLE;
			rq_add(pc, v);
			wake_preempt(pc, v);
		}
	}
	if (pc->rq_head && now >= pc->slice_end)
		pc->need_resched = true;
	spin_unlock(&pc->rq_lock);
}

static void account(struct pcpu *pc, bool was_idle)
{
	u64 now = read_sysreg(cntpct_el0);

	if (was_idle)
		pc->idle_ticks += now - pc->last_switch;
	else
		pc->busy_ticks += now - pc->last_switch;
	pc->last_switch = now;
}

/* pc->current already names next (set under rq_lock, so a concurrent wake
 * of cur queues it rather than thinking it still runs here). */
static void switch_to(struct pcpu *pc, struct vcpu *cur, struct vcpu *next)
{
	if (cur && cur->loaded)
		vcpu_put(cur);
	pc->ctx = &next->regs;
	vcpu_load(next);
}

/* HCR_EL2 for the vCPU about to run: its VM's, the traps every VM gets,
 * WFI trapping when it shares the pCPU (a bind pCPU lets the guest's WFI
 * sleep in hardware), and its own pending virtual SError (never another
 * vCPU's: traps.c's vserror_sync drops it once taken). */
static void hcr_update(struct pcpu *pc, struct vcpu *v)
{
	u64 hcr = v->vm->hcr | hcr_vm_traps() | (pc->nr_bound > 1 ? HCR_TWI : 0) |
		  (v->vserror_pending ? HCR_VSE : 0);

	if (hcr != pc->hcr_live) {
		write_sysreg(hcr, hcr_el2);
		pc->hcr_live = hcr;
	}
}

void sched_resolve(void)
{
	struct pcpu *pc = this_cpu();

	/* What the vCPU that just exited ran, charged once (not the idling
	 * below), and only where it competes: alone on a bind pCPU, the time
	 * it spends in an untrapped WFI is no run time. */
	spin_lock(&pc->rq_lock);
	if (pc->in_guest && pc->current && pc->nr_bound > 1)
		pc->current->vrun += read_sysreg(cntpct_el0) - pc->run_start;
	pc->in_guest = false;
	spin_unlock(&pc->rq_lock);

	for (;;) {
		struct vcpu *cur = pc->current, *next;
		bool pending = cur && cur->state == VCPU_BLOCKED && vgic_has_pending(cur);
		u64 now = read_sysreg(cntpct_el0);

		spin_lock(&pc->rq_lock);
		if (pending && cur->state == VCPU_BLOCKED && !cur->ioreq_wait) {
			cur->state = VCPU_RUNNABLE;
			cur->wake_at = 0;
		}
		if (pc->rq_head && now >= pc->slice_end)
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
		if (next) {
			if (next != cur)
				pc->slice_end = now + read_sysreg(cntfrq_el0) / SLICE_DIV;
			if (next->ioreq_answered_at) {
				/* An answer may have come after now was read. */
				next->ioreq_resume_ticks +=
					read_sysreg(cntpct_el0) - next->ioreq_answered_at;
				next->ioreq_answered_at = 0;
			}
			pc->current = next;
			pc->run_start = now;
			pc->in_guest = true;
		}
		spin_unlock(&pc->rq_lock);

		if (next) {
			if (next != cur)
				switch_to(pc, cur, next);
			else if (next->sys_dirty)
				vcpu_load(next);  /* reset by PSCI CPU_ON while we idled */
			hcr_update(pc, next);
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
		spin_lock(&pc->rq_lock);
		timer_program(pc);
		spin_unlock(&pc->rq_lock);
		account(pc, false);
		/* WFI with interrupts still masked: it wakes on any pending one,
		 * including a kick sent after we looked at the queue above, which
		 * unmasking first could consume before we sleep. Then unmask to
		 * take it (the isb makes the unmask take effect before the mask). */
		wfi();
		local_irq_enable();
		isb();
		local_irq_disable();
		account(pc, true);
	}
}

void sched_idle_enter(void)
{
	struct pcpu *pc = this_cpu();

	pc->last_switch = read_sysreg(cntpct_el0);
	pc->online = true;
	sched_resolve();
	vgic_flush(pc->current);
	vcpu_enter_current();
}
