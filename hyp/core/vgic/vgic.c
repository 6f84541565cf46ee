/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Virtual interrupt state: set-up, injection from the hypervisor and from
 * physical interrupts, routing.
 *
 * Locking, as KVM does it: every exit and entry (vgic_sync, vgic_flush) takes
 * only its own vCPU's lock, so vCPUs never serialise on each other there.
 * - An SGI/PPI is guarded by the lock of the vCPU it belongs to; whoever
 *   pends one on another vCPU (SGIs, vgic_inject, a redistributor access)
 *   takes that vCPU's lock.
 * - An SPI is guarded by the lock of its home vCPU (irq->home), the vCPU
 *   whose list registers it may occupy; unrouted_lock when it is routed
 *   nowhere. home is only changed with the old and the new home's locks both
 *   held, so a reader that locks the home it read and finds it unchanged owns
 *   the SPI (vgic_lock_irq).
 * - home equals target_vcpu except while an SPI that was rerouted still sits
 *   in its old home's list registers: that vCPU moves it when it syncs them.
 * - Two homes are always locked in ascending id order, unrouted_lock last;
 *   vgic_dist.lock (GICD_CTLR, ICFGR, reset) comes before all of them.
 * Every lock is taken with IRQs off (the maintenance interrupt and forwarded
 * interrupts take vCPU locks from IRQ context) and nobody kicks while holding
 * one. */
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/pcpu.h>
#include <hyp/platform.h>

#include "vgic-priv.h"

spinlock_t *vgic_home_lock(struct vm *vm, u32 home)
{
	if (home == VGIC_NO_TARGET)
		return &vm->vgic.unrouted_lock;
	return &vm->vcpus[home]->vgic.lock;
}

void vgic_lock_pair(struct vm *vm, u32 a, u32 b)
{
	if (a == b) {
		spin_lock(vgic_home_lock(vm, a));
		return;
	}
	spin_lock(vgic_home_lock(vm, MIN(a, b)));
	spin_lock(vgic_home_lock(vm, MAX(a, b)));
}

void vgic_unlock_pair(struct vm *vm, u32 a, u32 b)
{
	spin_unlock(vgic_home_lock(vm, a));
	if (a != b)
		spin_unlock(vgic_home_lock(vm, b));
}

struct vgic_irq *vgic_lock_irq(struct vm *vm, struct vcpu *owner, u32 intid, u32 *home)
{
	struct vgic_irq *irq = vgic_get_irq(vm, owner, intid);

	if (!irq)
		return NULL;
	if (intid < GIC_NR_PRIVATE) {
		*home = owner->id;
		spin_lock(&owner->vgic.lock);
		return irq;
	}
	for (;;) {
		u32 h = READ_ONCE(irq->home);

		spin_lock(vgic_home_lock(vm, h));
		if (READ_ONCE(irq->home) == h) {
			*home = h;
			return irq;
		}
		spin_unlock(vgic_home_lock(vm, h));  /* moved meanwhile: follow it */
	}
}

void vgic_unlock_home(struct vm *vm, u32 home)
{
	spin_unlock(vgic_home_lock(vm, home));
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

	/* GICD_CTLR is read without its lock: a write kicks every vCPU. */
	return irq->enabled && (READ_ONCE(vm->vgic.ctlr) & grp) && vgic_irq_is_pending(vm, irq);
}

u32 vgic_irq_target(const struct vgic_irq *irq, const struct vcpu *owner)
{
	if (irq->intid < GIC_NR_PRIVATE)
		return owner ? owner->id : VGIC_NO_TARGET;
	return irq->target_vcpu;
}

u32 vgic_irq_kick(const struct vm *vm, const struct vgic_irq *irq, const struct vcpu *owner)
{
	u32 t = vgic_irq_target(irq, owner);
	u32 m = 0;

	if (!vgic_irq_deliverable(vm, irq))
		return 0;
	if (t < 32)
		m |= (u32)BIT(t);
	/* Still in its old home's list registers: that vCPU must sync to let
	 * it go. */
	if (irq->intid >= GIC_NR_PRIVATE && irq->home != t && irq->home < 32)
		m |= (u32)BIT(irq->home);
	return m;
}

/* The vCPU a routing register value names, or VGIC_NO_TARGET. */
static u32 route_decode(struct vm *vm, u64 route)
{
	u32 t = VGIC_NO_TARGET;

	if (vm->vgic.version == 2) {
		/* A set of CPU interfaces: deliver to the first one that
		 * exists (Linux always names exactly one). */
		u32 mask = (u32)route & (u32)(BIT(MIN(vm->nr_vcpus, 8U)) - 1);

		if (mask)
			t = (u32)__builtin_ctz(mask);
	} else if (route & GICD_IROUTER_IRM) {
		/* 1-of-N: we advertise No1N, but pick vCPU 0 rather than lose it. */
		t = 0;
	} else {
		struct vcpu *v = vm_vcpu_by_mpidr(vm, route & MPIDR_AFF_MASK);

		if (v)
			t = v->id;
	}
	if (t != VGIC_NO_TARGET && (t >= vm->nr_vcpus || !vm->vcpus[t]))
		t = VGIC_NO_TARGET;
	return t;
}

/* Steer a forwarded SPI's physical twin to the pCPU of its target. */
static void hw_route(struct vm *vm, struct vgic_irq *irq)
{
	if (irq->hw && irq->target_vcpu != VGIC_NO_TARGET)
		gic->set_route(irq->intid, vm->vcpus[irq->target_vcpu]->pcpu);
}

u32 vgic_set_route(struct vm *vm, struct vgic_irq *irq, u64 mask, u64 val, u64 valid)
{
	u32 h, t, kick;
	u64 old, route;

	/* Lock the current home and the new one (ordered); start again if
	 * either the home or the route changed before we held them. */
	for (;;) {
		h = READ_ONCE(irq->home);
		old = READ_ONCE(irq->route);
		route = ((old & ~mask) | (val & mask)) & valid;
		t = route_decode(vm, route);
		vgic_lock_pair(vm, h, t);
		if (irq->home == h && irq->route == old)
			break;
		vgic_unlock_pair(vm, h, t);
	}
	irq->route = route;
	irq->target_vcpu = (u8)t;
	hw_route(vm, irq);
	/* Its state moves with it, unless the old home's list registers hold
	 * it: then that vCPU hands it over at its next sync. */
	if (!irq->in_lr)
		irq->home = (u8)t;
	kick = vgic_irq_kick(vm, irq, NULL);
	vgic_unlock_pair(vm, h, t);
	return kick;
}

u32 vgic_irq_migrate(struct vm *vm, struct vgic_irq *irq)
{
	u32 h, t, kick;

	for (;;) {
		h = READ_ONCE(irq->home);
		t = READ_ONCE(irq->target_vcpu);
		vgic_lock_pair(vm, h, t);
		if (irq->home == h && irq->target_vcpu == t)
			break;
		vgic_unlock_pair(vm, h, t);
	}
	if (!irq->in_lr)
		irq->home = (u8)t;
	kick = vgic_irq_kick(vm, irq, NULL);
	vgic_unlock_pair(vm, h, t);
	return kick;
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
	irq->home = VGIC_NO_TARGET;  /* SPIs: spi_reset; private: their vCPU */
	/* SGIs are always edge; PPIs and SPIs reset to level (ICFGR = 0). */
	irq->edge = intid < 16;
}

static void spi_reset(struct vgic_dist *d, struct vgic_irq *irq, u32 intid)
{
	irq_reset(irq, intid);
	/* What Linux programs at boot anyway: everything to CPU 0. */
	irq->route = d->version == 2 ? 1 : 0;
	irq->target_vcpu = 0;
	irq->home = 0;
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

	ret = mmio_register(vm, dist_base, VGIC_GICD_SIZE, vgic_dist_mmio, vm, false);
	if (ret < 0)
		return ret;
	if (d->version == 3) {
		d->redist_base = redist_or_cpuif_base;
		ret = mmio_register(vm, d->redist_base, (u64)vm->nr_vcpus * GICR_STRIDE,
				    vgic_redist_mmio, vm, false);
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

	/* Rare and everything changes: every lock, in order. */
	f = irq_save();
	spin_lock(&d->lock);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i])
			spin_lock(&vm->vcpus[i]->vgic.lock);
	spin_lock(&d->unrouted_lock);
	for (u32 i = GIC_NR_PRIVATE; i < d->nr_irqs; i++) {
		struct vgic_irq *irq = &d->spis[i - GIC_NR_PRIVATE];

		if (irq->hw) {
			gic->set_enable(i, false);
			/* A forwarded instance the guest will never finish. */
			if (irq->active || irq->pending)
				gic->set_active(i, false);
		}
		spi_reset(d, irq, i);
		hw_route(vm, irq);
	}
	WRITE_ONCE(d->ctlr, d->version == 3 ? GICD_CTLR_ARE | GICD_CTLR_DS : 0);
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];

		if (!v)
			continue;
		vgic_vcpu_init(v);
	}
	spin_unlock(&d->unrouted_lock);
	for (u32 i = vm->nr_vcpus; i-- > 0;)
		if (vm->vcpus[i])
			spin_unlock(&vm->vcpus[i]->vgic.lock);
	spin_unlock(&d->lock);
	irq_restore(f);
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

/* The vCPU of vm loaded here: the one a banked interrupt fired for. Not
 * "a vCPU placed here": two of one VM may share the pCPU, and vCPUs move
 * (sched_balance.c). */
static struct vcpu *vcpu_on_this_pcpu(struct vm *vm)
{
	struct vcpu *cur = this_cpu()->current;

	return cur && cur->vm == vm && cur->loaded ? cur : NULL;
}

int vgic_inject(struct vm *vm, u32 vcpu_id, u32 intid, bool level)
{
	struct vcpu *owner = NULL;
	struct vgic_irq *irq;
	u32 kick = 0, home;
	u64 f;

	if (intid < GIC_NR_PRIVATE) {
		if (vcpu_id >= vm->nr_vcpus || !vm->vcpus[vcpu_id])
			return -EINVAL;
		owner = vm->vcpus[vcpu_id];
	}
	f = irq_save();
	irq = vgic_lock_irq(vm, owner, intid, &home);
	if (!irq) {
		irq_restore(f);
		return -EINVAL;
	}
	if (irq->hw) {
		/* A forwarded interrupt's state belongs to the physical GIC. */
		vgic_unlock_home(vm, home);
		irq_restore(f);
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
	if (level)
		kick = vgic_irq_kick(vm, irq, owner);
	vgic_unlock_home(vm, home);
	irq_restore(f);

	vgic_kick_mask(vm, kick, NULL);
	return 0;
}

void vgic_forward_phys(struct vm *vm, u32 intid)
{
	struct vcpu *owner = NULL;
	struct vgic_irq *irq;
	u32 t, home;
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
	f = irq_save();
	irq = vgic_lock_irq(vm, owner, intid, &home);
	if (!irq || !irq->hw) {
		if (irq)
			vgic_unlock_home(vm, home);
		irq_restore(f);
		pr_warn("vgic: INTID %u forwarded to VM %u but not assigned\n", intid, vm->id);
		gic->deactivate(intid);
		return;
	}
	/* Physically active until the guest deactivates it through the list
	 * register (HW = 1), so it cannot fire again before then. */
	irq->pending = 1;
	t = vgic_irq_target(irq, owner);
	/* Rerouted but still in its old home's list registers: the old home
	 * must sync before the new target can have it. */
	if (owner == NULL && home != t && home != VGIC_NO_TARGET)
		t = home;
	vgic_unlock_home(vm, home);
	irq_restore(f);

	if (t != VGIC_NO_TARGET)
		vcpu_kick(vm->vcpus[t]);
}

int vgic_assign_hw(struct vm *vm, u32 intid)
{
	struct vgic_irq *irq;
	u32 home;
	u64 f;

	if (intid < 16 || intid >= vm->vgic.nr_irqs)
		return -EINVAL;  /* SGIs are never forwarded */

	f = irq_save();
	if (intid < GIC_NR_PRIVATE) {
		/* PPIs are banked: each vCPU gets its own pCPU's instance, and
		 * the physical enable follows the guest's on that pCPU, at the
		 * next vgic_flush there. */
		for (u32 i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *v = vm->vcpus[i];

			if (!v)
				continue;
			spin_lock(&v->vgic.lock);
			v->vgic.private_irqs[intid].hw = 1;
			v->vgic.ppi_hw_dirty |= (u32)BIT(intid);
			spin_unlock(&v->vgic.lock);
		}
	} else {
		irq = vgic_lock_irq(vm, NULL, intid, &home);
		irq->hw = 1;
		gic->set_enable(intid, irq->enabled);
		gic->set_priority(intid, GIC_PRIO_DEFAULT);
		gic->set_edge(intid, irq->edge);
		hw_route(vm, irq);
		vgic_unlock_home(vm, home);
	}
	irq_restore(f);
	return 0;
}

int vgic_unassign_hw(struct vm *vm, u32 intid, bool force)
{
	struct vgic_irq *irq;
	u32 home;
	int ret = 0;
	u64 f;

	if (intid < GIC_NR_PRIVATE || intid >= vm->vgic.nr_irqs)
		return -EINVAL;  /* only SPIs change hands */
	f = irq_save();
	irq = vgic_lock_irq(vm, NULL, intid, &home);
	if (!force && (irq->in_lr || irq->active)) {
		/* The VM is still handling one: it cannot be taken mid-way. */
		ret = -EBUSY;
	} else if (irq->hw) {
		irq->hw = 0;
		irq->pending = 0;
		irq->line_level = 0;
		/* The physical line stops here until the next owner enables
		 * it; an instance latched meanwhile belongs to nobody. */
		gic->set_enable(intid, false);
		gic->set_pending(intid, false);
		gic->set_active(intid, false);
	}
	vgic_unlock_home(vm, home);
	irq_restore(f);
	return ret;
}

bool vgic_has_pending(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	bool found = false;
	u64 f = irq_save();

	/* Only this vCPU's lock: its SGIs/PPIs and the SPIs homed here. */
	spin_lock(&vcpu->vgic.lock);
	for (u32 i = 0; i < GIC_NR_PRIVATE && !found; i++)
		found = vgic_irq_deliverable(vm, &vcpu->vgic.private_irqs[i]);
	for (u32 i = GIC_NR_PRIVATE; i < vm->vgic.nr_irqs && !found; i++) {
		struct vgic_irq *irq = &vm->vgic.spis[i - GIC_NR_PRIVATE];

		found = READ_ONCE(irq->home) == vcpu->id && vgic_irq_deliverable(vm, irq);
	}
	spin_unlock(&vcpu->vgic.lock);
	irq_restore(f);
	return found;
}
