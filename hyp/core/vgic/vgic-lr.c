/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* List registers. Between a guest exit and the next entry every virtual
 * interrupt lives in software: vgic_sync empties the list registers into
 * vgic_irq state, vgic_flush refills them with the interrupts that matter
 * most. That keeps one source of truth whenever the hypervisor looks. */
#include <hyp/log.h>
#include <hyp/pcpu.h>

#include "vgic-priv.h"

/* Active interrupts first (the guest must be able to deactivate them), then
 * by priority (lower value wins), then by INTID. */
static bool lr_before(const struct vgic_irq *a, const struct vgic_irq *b)
{
	if (a->active != b->active)
		return a->active;
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->intid < b->intid;
}

static bool lr_candidate(const struct vm *vm, const struct vgic_irq *irq)
{
	if (irq->in_lr)
		return false;  /* cannot happen: vgic_flush syncs first */
	return irq->active || vgic_irq_deliverable(vm, irq);
}

struct lr_pick {
	struct vgic_irq *irq[VGIC_MAX_LRS];
	u32 n, max;
	bool overflow;
};

static void pick_add(struct lr_pick *p, struct vgic_irq *irq)
{
	u32 i;

	if (p->n == p->max) {
		p->overflow = true;
		if (!p->max || !lr_before(irq, p->irq[p->n - 1]))
			return;
		p->n--;  /* drop the weakest to make room */
	}
	for (i = p->n; i > 0 && lr_before(irq, p->irq[i - 1]); i--)
		p->irq[i] = p->irq[i - 1];
	p->irq[i] = irq;
	p->n++;
}

/* Build the list register for irq and move what it carries out of software. */
static void lr_fill(struct vm *vm, struct vgic_irq *irq, struct vgic_lr *lr)
{
	bool pend = vgic_irq_is_pending(vm, irq);

	*lr = (struct vgic_lr){ .vintid = irq->intid, .priority = irq->priority,
				.group1 = irq->group1, .hw = irq->hw };
	if (irq->active)
		lr->state |= VGIC_LR_ACTIVE;

	if (irq->hw) {
		lr->pintid = irq->intid;
		/* HW = 1 cannot be pending and active at once; the physical
		 * side re-fires after the guest deactivates it anyway. */
		if (pend && !irq->active) {
			lr->state |= VGIC_LR_PENDING;
			irq->pending = 0;
		}
	} else if (vm->vgic.version == 2 && irq->intid < 16) {
		/* One source per list register. An active SGI keeps its source;
		 * another source waits until that instance completes. */
		u32 src = irq->active ? irq->active_source : (u32)__builtin_ctz(irq->sgi_source | 0x100);

		if (src < 8 && (irq->sgi_source & BIT(src))) {
			lr->state |= VGIC_LR_PENDING;
			irq->sgi_source &= (u16)~BIT(src);
		}
		lr->pintid = src & 7;
		irq->active_source = (u8)(src & 7);
		lr->eoi = irq->sgi_source != 0;
	} else if (irq->edge) {
		if (pend) {
			lr->state |= VGIC_LR_PENDING;
			irq->pending = 0;
		}
	} else {
		/* Level: the latch is consumed when the guest acknowledges it
		 * (see vgic_sync); the EOI maintenance interrupt tells us when
		 * it has finished, so a line still high is presented again. */
		if (pend)
			lr->state |= VGIC_LR_PENDING;
		lr->eoi = true;
	}
}

/* The underflow maintenance interrupt on or off for the loaded vCPU c.
 * Touched only when it changes: every access to ICH_HCR_EL2 (or GICH_HCR)
 * costs an emulator its big lock, and most exits leave it as it was.
 * vgic_restore's hardware write clears it, so does c->underflow there. */
static void underflow_set(struct vgic_cpu *c, bool on)
{
	if (c->underflow == on)
		return;
	vgic_hw->set_underflow(on);
	c->underflow = on;
}

/* Empty the list registers into the state; vcpu's lock held. SPIs that were
 * rerouted while in them go to *move, for the caller to hand over once the
 * lock is dropped (the new home may come first in the lock order). */
static u32 sync_locked(struct vcpu *vcpu, struct vgic_irq **move)
{
	struct vm *vm = vcpu->vm;
	struct vgic_cpu *c = &vcpu->vgic;
	u32 nmove = 0;

	for (u32 i = 0; i < c->used_lrs; i++) {
		struct vgic_irq *irq = vgic_get_irq(vm, vcpu, c->lr_intid[i]);
		struct vgic_lr lr;
		bool pend, act;

		vgic_hw->read_lr(i, &lr);
		vgic_hw->clear_lr(i);
		if (!irq || !irq->in_lr || irq->lr != (s8)i)
			continue;
		irq->in_lr = 0;
		irq->lr = -1;
		pend = lr.state & VGIC_LR_PENDING;
		act = lr.state & VGIC_LR_ACTIVE;
		irq->active = act;

		if (vm->vgic.version == 2 && irq->intid < 16) {
			if (pend)
				irq->sgi_source |= (u16)BIT(lr.pintid & 7);
			if (act)
				irq->active_source = (u8)(lr.pintid & 7);
		} else if (irq->edge || irq->hw) {
			/* A new edge may have been latched meanwhile: keep it. */
			if (pend)
				irq->pending = 1;
		} else if (!pend) {
			irq->pending = 0;  /* the guest acknowledged the latched level */
		}
		if (irq->intid >= GIC_NR_PRIVATE && irq->target_vcpu != irq->home)
			move[nmove++] = irq;
	}
	c->used_lrs = 0;
	underflow_set(c, false);
	return nmove;
}

void vgic_sync(struct vcpu *vcpu)
{
	struct vgic_irq *move[VGIC_MAX_LRS];
	u32 nmove, kick = 0;
	u64 f;

	/* used_lrs only changes on the pCPU that runs vcpu: this one. */
	if (!vcpu || !vcpu->vgic.used_lrs)
		return;
	f = irq_save();
	spin_lock(&vcpu->vgic.lock);
	nmove = sync_locked(vcpu, move);
	spin_unlock(&vcpu->vgic.lock);
	for (u32 i = 0; i < nmove; i++)
		kick |= vgic_irq_migrate(vcpu->vm, move[i]);
	irq_restore(f);
	vgic_kick_mask(vcpu->vm, kick, vcpu);
}

/* Forwarded PPIs: the guest's enable reaches the banked physical PPI only
 * here, on the pCPU that runs this vCPU. */
static void flush_ppi_hw(struct vcpu *vcpu)
{
	u32 dirty = vcpu->vgic.ppi_hw_dirty;

	vcpu->vgic.ppi_hw_dirty = 0;
	while (dirty) {
		u32 intid = (u32)__builtin_ctz(dirty);

		dirty &= dirty - 1;
		gic->set_enable(intid, vcpu->vgic.private_irqs[intid].enabled);
	}
}

void vgic_flush(struct vcpu *vcpu)
{
	struct vm *vm;
	struct vgic_cpu *c;
	struct lr_pick p;
	u64 f;

	if (!vcpu)
		return;
	vm = vcpu->vm;
	c = &vcpu->vgic;
	p = (struct lr_pick){ .max = MIN(c->nr_lrs, (u32)VGIC_MAX_LRS) };
	if (c->used_lrs)
		vgic_sync(vcpu);  /* flushed twice without an exit between */

	/* Only this vCPU's lock: everything it can take is guarded by it. */
	f = irq_save();
	spin_lock(&c->lock);
	if (c->ppi_hw_dirty)
		flush_ppi_hw(vcpu);

	for (u32 i = 0; i < GIC_NR_PRIVATE; i++)
		if (lr_candidate(vm, &c->private_irqs[i]))
			pick_add(&p, &c->private_irqs[i]);
	for (u32 i = GIC_NR_PRIVATE; i < vm->vgic.nr_irqs; i++) {
		struct vgic_irq *irq = &vm->vgic.spis[i - GIC_NR_PRIVATE];

		/* An SPI homed elsewhere may change home under its own lock,
		 * but never to or from this vCPU without ours. */
		if (READ_ONCE(irq->home) == vcpu->id && lr_candidate(vm, irq))
			pick_add(&p, irq);
	}

	for (u32 i = 0; i < p.n; i++) {
		struct vgic_irq *irq = p.irq[i];
		struct vgic_lr lr;

		lr_fill(vm, irq, &lr);
		vgic_hw->write_lr(i, &lr);
		irq->in_lr = 1;
		irq->lr = (s8)i;
		c->lr_intid[i] = (u16)irq->intid;
		/* A GICv2 SGI with more sources still waiting needs another
		 * round as well. */
		if (vm->vgic.version == 2 && irq->intid < 16 && irq->sgi_source)
			p.overflow = true;
	}
	c->used_lrs = p.n;
	/* More than fits: ask for a maintenance interrupt when the list
	 * registers run (almost) empty, then refill. */
	underflow_set(c, p.overflow);
	spin_unlock(&c->lock);
	irq_restore(f);
}

void vgic_save(struct vcpu *vcpu)
{
	vgic_sync(vcpu);
	vgic_hw->save(&vcpu->vgic);
}

void vgic_restore(struct vcpu *vcpu)
{
	struct vgic_cpu *c = &vcpu->vgic;

	/* The banked physical PPIs forwarded to guests (the virtual timer)
	 * carry the enable state of whichever vCPU ran here last: apply this
	 * one's at the next flush. */
	spin_lock(&c->lock);
	for (u32 i = 16; i < GIC_NR_PRIVATE; i++)
		if (c->private_irqs[i].hw)
			c->ppi_hw_dirty |= (u32)BIT(i);
	c->underflow = false;  /* restore writes the control register without UIE */
	spin_unlock(&c->lock);
	vgic_hw->restore(c);
}

void vgic_maintenance(void)
{
	struct vcpu *v = this_cpu()->current;

	/* Taking the list registers back clears every maintenance condition
	 * we enable (underflow, EOI of a level or multi-source interrupt);
	 * the exit path calls vgic_flush before the guest runs again. */
	if (v)
		vgic_sync(v);
	else if (vgic_hw)
		vgic_hw->set_underflow(false);
}
