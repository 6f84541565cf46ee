// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Per-pCPU scheduling of vCPUs. Each pCPU has a run queue of the runnable
 * vCPUs bound to it besides the one it runs (pcpu->current). A pCPU with
 * nothing to run idles in WFI with interrupts on; an SGI_KICK or any
 * interrupt brings it back to look again. VM0's vCPUs are bound one per pCPU
 * (the "bind" pool: no tick, WFI not trapped), so for them the queue is a
 * hand-over from PSCI CPU_ON.
 */
#include <hyp/log.h>
#include <hyp/pcpu.h>
#include <hyp/sched.h>
#include <hyp/sysreg.h>
#include <hyp/vcpu.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

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

void sched_enqueue(struct vcpu *v)
{
	struct pcpu *pc = &pcpus[v->pcpu];
	u64 flags = irq_save();

	spin_lock(&pc->rq_lock);
	v->state = VCPU_RUNNABLE;
	rq_add(pc, v);
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
	vcpu_kick(v);
}

void sched_block(struct vcpu *v)
{
	v->state = VCPU_BLOCKED;
}

void sched_wake(struct vcpu *v)
{
	struct pcpu *pc = &pcpus[v->pcpu];
	u64 flags;

	if (v->state != VCPU_BLOCKED)
		return;
	flags = irq_save();
	spin_lock(&pc->rq_lock);
	if (v->state == VCPU_BLOCKED) {
		v->state = VCPU_RUNNABLE;
		rq_add(pc, v);
	}
	spin_unlock(&pc->rq_lock);
	irq_restore(flags);
}

static bool can_run(struct vcpu *v)
{
	return v && v->state == VCPU_RUNNABLE && v->vm->state == VM_RUNNING;
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

void sched_resolve(void)
{
	struct pcpu *pc = this_cpu();

	for (;;) {
		struct vcpu *cur = pc->current, *next;

		if (cur && cur->state == VCPU_BLOCKED && vgic_has_pending(cur))
			cur->state = VCPU_RUNNABLE;
		spin_lock(&pc->rq_lock);
		next = can_run(cur) ? cur : rq_pop(pc);
		while (next && !can_run(next))
			next = rq_pop(pc);
		spin_unlock(&pc->rq_lock);

		if (next) {
			if (next != cur) {
				if (cur && !cur->sys_dirty)
					vcpu_put(cur);
				pc->current = next;
				pc->ctx = &next->regs;
				vcpu_load(next);
			} else if (next->sys_dirty) {
				vcpu_load(next);  /* reset by PSCI CPU_ON while we idled */
			}
			return;
		}
		/* Idle: wait for an interrupt with interrupts unmasked at EL2. */
		account(pc, false);
		local_irq_enable();
		wfi();
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
