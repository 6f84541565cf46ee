/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Guest SGIs. They never touch the physical GIC: the target vCPU gets a
 * virtual SGI (under that vCPU's lock only) and a kick. Callers have IRQs
 * off and hold no vGIC lock. */
#include <hyp/errno.h>
#include <hyp/log.h>

#include "vgic-priv.h"

#define SGIR_FILTER_LIST 0
#define SGIR_FILTER_OTHERS 1
#define SGIR_FILTER_SELF 2

u32 vgic_v2_send_sgi(struct vm *vm, struct vcpu *src, u32 sgir)
{
	u32 sgi = sgir & GICD_SGIR_INTID_MASK;
	u32 filter = (sgir >> GICD_SGIR_FILTER_SHIFT) & GICD_SGIR_FILTER_MASK;
	u32 all = (u32)(BIT(MIN(vm->nr_vcpus, 8U)) - 1);
	u32 targets, kick = 0;

	switch (filter) {
	case SGIR_FILTER_LIST:
		targets = (sgir >> GICD_SGIR_TARGET_SHIFT) & GICD_SGIR_TARGET_MASK;
		break;
	case SGIR_FILTER_OTHERS:
		targets = all & ~(u32)BIT(src->id);
		break;
	case SGIR_FILTER_SELF:
		targets = (u32)BIT(src->id);
		break;
	default:
		return 0;  /* reserved */
	}
	targets &= all;
	for (u32 t = 0; t < 8; t++) {
		struct vgic_cpu *c;
		struct vgic_irq *irq;

		if (!(targets & BIT(t)) || !vm->vcpus[t])
			continue;
		c = &vm->vcpus[t]->vgic;
		irq = &c->private_irqs[sgi];
		spin_lock(&c->lock);
		irq->sgi_source |= (u16)BIT(src->id);
		if (vgic_irq_deliverable(vm, irq))
			kick |= (u32)BIT(t);
		spin_unlock(&c->lock);
	}
	return kick;
}

static u32 pend_sgi(struct vm *vm, struct vcpu *v, u32 sgi)
{
	struct vgic_irq *irq = &v->vgic.private_irqs[sgi];
	u32 kick;

	spin_lock(&v->vgic.lock);
	irq->pending = 1;
	kick = vgic_irq_deliverable(vm, irq) ? (u32)BIT(v->id) : 0;
	spin_unlock(&v->vgic.lock);
	return kick;
}

u32 vgic_v3_send_sgi(struct vm *vm, struct vcpu *src, u64 v)
{
	u32 sgi = (v >> ICC_SGI1R_INTID_SHIFT) & ICC_SGI1R_INTID_MASK;
	u32 kick = 0;
	u64 aff;

	if (v & ICC_SGI1R_IRM) {
		for (u32 i = 0; i < vm->nr_vcpus; i++)
			if (vm->vcpus[i] && vm->vcpus[i] != src)
				kick |= pend_sgi(vm, vm->vcpus[i], sgi);
		return kick;
	}
	/* Aff3.Aff2.Aff1 name a cluster; TargetList bit n is Aff0 = RS * 16 + n. */
	aff = (((v >> ICC_SGI1R_AFF3_SHIFT) & 0xff) << 32) |
	      (((v >> ICC_SGI1R_AFF2_SHIFT) & 0xff) << 16) |
	      (((v >> ICC_SGI1R_AFF1_SHIFT) & 0xff) << 8);
	for (u32 n = 0; n < 16; n++) {
		u64 aff0 = ((v >> ICC_SGI1R_RS_SHIFT) & ICC_SGI1R_RS_MASK) * 16 + n;
		struct vcpu *t;

		if (!(v & BIT(n)))
			continue;
		t = vm_vcpu_by_mpidr(vm, aff | aff0);
		if (t)
			kick |= pend_sgi(vm, t, sgi);
	}
	return kick;
}

/* ICC_SGI1R_EL1, ICC_ASGI1R_EL1, ICC_SGI0R_EL1 (op0 3, CRn 12, CRm 11). */
#define KEY_SGI1R SYS_KEY(3, 0, 12, 11, 5)
#define KEY_ASGI1R SYS_KEY(3, 1, 12, 11, 6)
#define KEY_SGI0R SYS_KEY(3, 2, 12, 11, 7)

int vgic_sysreg(struct vcpu *vcpu, u64 key, bool read, u64 *val)
{
	struct vm *vm = vcpu->vm;
	u32 kick;
	u64 f;

	key &= ESR_SYS_KEY_MASK;
	if (key != KEY_SGI1R && key != KEY_ASGI1R && key != KEY_SGI0R)
		return -ENOENT;
	if (read || vm->vgic.version != 3)
		return -EINVAL;  /* write-only registers: UNDEFINED */

	/* With one security state all three generate an SGI; the group the
	 * target configured decides how it is signalled. */
	f = irq_save();
	kick = vgic_v3_send_sgi(vm, vcpu, *val);
	irq_restore(f);
	vgic_kick_mask(vm, kick, vcpu);
	return 0;
}
