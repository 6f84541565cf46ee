/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Virtual interrupt state: set-up, injection from the hypervisor and from
 * physical interrupts, routing. One lock per VM (vgic_dist.lock) guards every
 * vgic_irq of the VM, SGIs/PPIs included: guests can touch another vCPU's
 * redistributor and send it SGIs, so per-vCPU locks would need ordering
 * rules for little gain at the vCPU counts Keel runs. */
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/pcpu.h>
#include <hyp/platform.h>

#include "vgic-priv.h"

u64 vgic_lock(struct vm *vm)
{
	/* IRQs off: the maintenance interrupt and forwarded interrupts take
	 * this lock from IRQ context on the same pCPU. */
	u64 flags = irq_save();

	spin_lock(&vm->vgic.lock);
	return flags;
}

void vgic_unlock(struct vm *vm, u64 flags)
{
	spin_unlock(&vm->vgic.lock);
	irq_restore(flags);
}

struct vgic_irq *vgic_get_irq(struct vm *vm, struct vcpu *vcpu, u32 intid)
{
	if (intid < GIC_NR_PRIVATE)
		return vcpu ? &vcpu->vgic.private_irqs[intid] : NULL;
	if (intid < vm->vgic.nr_irqs && vm->vgic.spis)
		return &vm->vgic.spis[intid - GIC_NR_PRIVATE];
	return NULL;
}

bool vgic_irq_is_pending(const struct vm *vm, const struct vgic_irq *irq)
{
	if (vm->vgic.version == 2 && irq->intid < 16)
		return irq->sgi_source != 0;
	if (irq->pending)
		return true;
	return !irq->edge && !irq->hw && irq->line_level;
}

bool vgic_irq_deliverable(const struct vm *vm, const struct vgic_irq *irq)
{
	u32 grp = irq->group1 ? GICD_CTLR_ENABLE_G1 : GICD_CTLR_ENABLE_G0;

	return irq->enabled && (vm->vgic.ctlr & grp) && vgic_irq_is_pending(vm, irq);
}

u32 vgic_irq_target(const struct vgic_irq *irq, const struct vcpu *owner)
{
	if (irq->intid < GIC_NR_PRIVATE)
		return owner ? owner->id : VGIC_NO_TARGET;
	return irq->target_vcpu;
}

void vgic_update_route(struct vm *vm, struct vgic_irq *irq)
{
	u32 t = VGIC_NO_TARGET;

	if (irq->intid < GIC_NR_PRIVATE)
		return;
	if (vm->vgic.version == 2) {
		/* A set of CPU interfaces: deliver to the first one that
		 * exists (Linux always names exactly one). */
		u32 mask = (u32)irq->route & (u32)(BIT(MIN(vm->nr_vcpus, 8U)) - 1);

		if (mask)
			t = (u32)__builtin_ctz(mask);
	} else if (irq->route & GICD_IROUTER_IRM) {
		/* 1-of-N: we advertise No1N, but pick vCPU 0 rather than lose it. */
		t = 0;
	} else {
		struct vcpu *v = vm_vcpu_by_mpidr(vm, irq->route & MPIDR_AFF_MASK);

		if (v)
			t = v->id;
	}
	if (t != VGIC_NO_TARGET && (t >= vm->nr_vcpus || !vm->vcpus[t]))
		t = VGIC_NO_TARGET;
	irq->target_vcpu = (u8)t;
	if (irq->hw && t != VGIC_NO_TARGET)
		gic->set_route(irq->intid, vm->vcpus[t]->pcpu);
}

void vgic_kick_mask(struct vm *vm, u32 mask, const struct vcpu *self)
{
	for (u32 i = 0; i < vm->nr_vcpus && mask; i++) {
		if (!(mask & BIT(i)))
			continue;
		mask &= ~(u32)BIT(i);
		/* The caller's own vCPU re-reads its state at the next entry. */
		if (vm->vcpus[i] && vm->vcpus[i] != self)
			vcpu_kick(vm->vcpus[i]);
	}
}

static void irq_reset(struct vgic_irq *irq, u32 intid)
{
	bool hw = irq->hw;

	*irq = (struct vgic_irq){ 0 };
	irq->intid = intid;
	irq->hw = hw;  /* an assignment outlives a guest reset */
	irq->lr = -1;
	/* SGIs are always edge; PPIs and SPIs reset to level (ICFGR = 0). */
	irq->edge = intid < 16;
}

static void spi_reset(struct vgic_dist *d, struct vgic_irq *irq, u32 intid)
{
	irq_reset(irq, intid);
	/* What Linux programs at boot anyway: everything to CPU 0. */
	irq->route = d->version == 2 ? 1 : 0;
	irq->target_vcpu = 0;
}

int vgic_vm_init(struct vm *vm, u64 dist_base, u64 redist_or_cpuif_base)
{
	struct vgic_dist *d = &vm->vgic;
	u32 nr = MIN(gic->nr_irqs, (u32)VGIC_MAX_IRQS);
	int ret;

	if (!vgic_hw)
		return -ENODEV;
	if (nr <= GIC_NR_PRIVATE || vm->nr_vcpus == 0 || vm->nr_vcpus > MAX_VCPUS)
		return -EINVAL;
	if (vgic_hw->version == 2 && vm->nr_vcpus > 8)
		return -EINVAL;  /* GICv2 has eight CPU interfaces */

	d->version = vgic_hw->version;
	d->nr_irqs = nr;
	d->ctlr = d->version == 3 ? GICD_CTLR_ARE | GICD_CTLR_DS : 0;
	d->dist_base = dist_base;
	d->spis = mem_zalloc((nr - GIC_NR_PRIVATE) * sizeof(*d->spis));
	if (!d->spis)
		return -ENOMEM;
	for (u32 i = GIC_NR_PRIVATE; i < nr; i++)
		spi_reset(d, &d->spis[i - GIC_NR_PRIVATE], i);

	ret = mmio_register(vm, dist_base, VGIC_GICD_SIZE, vgic_dist_mmio, vm);
	if (ret < 0)
		return ret;
	if (d->version == 3) {
		d->redist_base = redist_or_cpuif_base;
		ret = mmio_register(vm, d->redist_base, (u64)vm->nr_vcpus * GICR_STRIDE,
				    vgic_redist_mmio, vm);
	} else {
		d->cpuif_base = redist_or_cpuif_base;
		ret = vgic_hw->vm_init ? vgic_hw->vm_init(vm) : 0;
	}
	return ret;
}

void vgic_vcpu_init(struct vcpu *vcpu)
{
	struct vgic_cpu *c = &vcpu->vgic;

	for (u32 i = 0; i < GIC_NR_PRIVATE; i++)
		irq_reset(&c->private_irqs[i], i);
	c->nr_lrs = MIN(vgic_nr_lrs, (u32)VGIC_MAX_LRS);
	c->used_lrs = 0;
	c->vmcr = 0;
	c->hcr = 0;
	for (u32 i = 0; i < 4; i++)
		c->ap0r[i] = c->ap1r[i] = 0;
	/* GICR_WAKER resets with ProcessorSleep and ChildrenAsleep set. */
	c->redist_waker = GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP;
	c->redist_ctlr = 0;
	/* Forwarded PPIs start disabled: tell this vCPU's pCPU at the next flush. */
	c->ppi_hw_dirty = 0;
	for (u32 i = 16; i < GIC_NR_PRIVATE; i++)
		if (c->private_irqs[i].hw)
			c->ppi_hw_dirty |= (u32)BIT(i);
}

int vgic_vm_reset(struct vm *vm)
{
	struct vgic_dist *d = &vm->vgic;
	u64 f;

	for (u32 i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i] && vm->vcpus[i]->vgic.used_lrs)
			return -EBUSY;  /* still loaded somewhere: vgic_save first */

	f = vgic_lock(vm);
	for (u32 i = GIC_NR_PRIVATE; i < d->nr_irqs; i++) {
		struct vgic_irq *irq = &d->spis[i - GIC_NR_PRIVATE];

		if (irq->hw) {
			gic->set_enable(i, false);
			/* A forwarded instance the guest will never finish. */
			if (irq->active || irq->pending)
				gic->set_active(i, false);
		}
		spi_reset(d, irq, i);
		if (irq->hw)
			vgic_update_route(vm, irq);
	}
	d->ctlr = d->version == 3 ? GICD_CTLR_ARE | GICD_CTLR_DS : 0;
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (!v)
			continue;
		vgic_vcpu_init(v);
	}
	vgic_unlock(vm, f);
	return 0;
}

void vgic_vm_destroy(struct vm *vm)
{
	struct vgic_dist *d = &vm->vgic;

	if (vgic_vm_reset(vm) < 0)
		pr_warn("vgic: VM %u destroyed with list registers loaded\n", vm->id);
	if (d->spis)
		mem_free_pages(d->spis, ALIGN_UP((d->nr_irqs - GIC_NR_PRIVATE) * sizeof(*d->spis),
						 PAGE_SIZE) / PAGE_SIZE);
	d->spis = NULL;
	d->nr_irqs = 0;
}

static struct vcpu *vcpu_on_this_pcpu(struct vm *vm)
{
	u32 me = this_cpu_id();

	for (u32 i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i] && vm->vcpus[i]->pcpu == me)
			return vm->vcpus[i];
	return NULL;
}

int vgic_inject(struct vm *vm, u32 vcpu_id, u32 intid, bool level)
{
	struct vcpu *owner = NULL;
	struct vgic_irq *irq;
	bool kick;
	u32 t;
	u64 f;

	if (intid < GIC_NR_PRIVATE) {
		if (vcpu_id >= vm->nr_vcpus || !vm->vcpus[vcpu_id])
			return -EINVAL;
		owner = vm->vcpus[vcpu_id];
	}
	f = vgic_lock(vm);
	irq = vgic_get_irq(vm, owner, intid);
	if (!irq || irq->hw) {
		/* A forwarded interrupt's state belongs to the physical GIC. */
		vgic_unlock(vm, f);
		return -EINVAL;
	}
	if (vm->vgic.version == 2 && intid < 16) {
		/* The hypervisor as source: report it as CPU interface 0. */
		if (level)
			irq->sgi_source |= 1;
	} else if (irq->edge) {
		if (level)
			irq->pending = 1;
	} else {
		irq->line_level = level;
	}
	kick = level && vgic_irq_deliverable(vm, irq);
	t = vgic_irq_target(irq, owner);
	vgic_unlock(vm, f);

	if (kick && t != VGIC_NO_TARGET)
		vcpu_kick(vm->vcpus[t]);
	return 0;
}

void vgic_forward_phys(struct vm *vm, u32 intid)
{
	struct vcpu *owner = NULL;
	struct vgic_irq *irq;
	u32 t;
	u64 f;

	if (intid < GIC_NR_PRIVATE) {
		/* Banked: it fired for the vCPU that this pCPU runs. */
		owner = vcpu_on_this_pcpu(vm);
		if (!owner) {
			pr_warn("vgic: PPI %u for VM %u on pCPU %u without its vCPU\n",
				intid, vm->id, this_cpu_id());
			gic->deactivate(intid);
			return;
		}
	}
	f = vgic_lock(vm);
	irq = vgic_get_irq(vm, owner, intid);
	if (!irq || !irq->hw) {
		vgic_unlock(vm, f);
		pr_warn("vgic: INTID %u forwarded to VM %u but not assigned\n", intid, vm->id);
		gic->deactivate(intid);
		return;
	}
	/* Physically active until the guest deactivates it through the list
	 * register (HW = 1), so it cannot fire again before then. */
	irq->pending = 1;
	t = vgic_irq_target(irq, owner);
	vgic_unlock(vm, f);

	if (t != VGIC_NO_TARGET)
		vcpu_kick(vm->vcpus[t]);
}

int vgic_assign_hw(struct vm *vm, u32 intid)
{
	struct vgic_irq *irq;
	u64 f;

	if (intid < 16 || intid >= vm->vgic.nr_irqs)
		return -EINVAL;  /* SGIs are never forwarded */

	f = vgic_lock(vm);
	if (intid < GIC_NR_PRIVATE) {
		/* PPIs are banked: each vCPU gets its own pCPU's instance, and
		 * the physical enable follows the guest's on that pCPU, at the
		 * next vgic_flush there. */
		for (u32 i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *v = vm->vcpus[i];

			if (!v)
				continue;
			v->vgic.private_irqs[intid].hw = 1;
			v->vgic.ppi_hw_dirty |= (u32)BIT(intid);
		}
	} else {
		irq = vgic_get_irq(vm, NULL, intid);
		irq->hw = 1;
		gic->set_enable(intid, irq->enabled);
		gic->set_priority(intid, GIC_PRIO_DEFAULT);
		gic->set_edge(intid, irq->edge);
		vgic_update_route(vm, irq);
	}
	vgic_unlock(vm, f);
	return 0;
}

bool vgic_has_pending(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	bool found = false;
	u64 f = vgic_lock(vm);

	for (u32 i = 0; i < GIC_NR_PRIVATE && !found; i++)
		found = vgic_irq_deliverable(vm, &vcpu->vgic.private_irqs[i]);
	for (u32 i = GIC_NR_PRIVATE; i < vm->vgic.nr_irqs && !found; i++) {
		struct vgic_irq *irq = &vm->vgic.spis[i - GIC_NR_PRIVATE];

		found = irq->target_vcpu == vcpu->id && vgic_irq_deliverable(vm, irq);
	}
	vgic_unlock(vm, f);
	return found;
}
