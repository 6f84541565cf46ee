/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Register blocks as tables: vgic_mmio_access finds the entry, checks the
 * access, and calls a handler that sees either an INTID range or a byte
 * offset. The handlers for the per-INTID registers live here because the
 * distributor and the GICv3 redistributor SGI frame share them. */
#include <hyp/log.h>
#include <hyp/pcpu.h>

#include "vgic-priv.h"

/* Find intid and take the lock that guards it (IRQs are off); NULL, nothing
 * locked, if there is no such INTID here. One INTID at a time: a register
 * spanning SPIs of several homes never holds two of their locks. */
static struct vgic_irq *mmio_lock(struct vgic_mmio_ctx *c, u32 intid, u32 *home)
{
	if (intid < GIC_NR_PRIVATE && !c->owner)
		return NULL;  /* GICv3 distributor: INTIDs 0..31 are RAZ/WI with ARE */
	return vgic_lock_irq(c->vm, c->owner, intid, home);
}

static void mmio_unlock(struct vgic_mmio_ctx *c, u32 home)
{
	vgic_unlock_home(c->vm, home);
}

/* The target must look again if irq can now be delivered. */
static void mark_kick(struct vgic_mmio_ctx *c, struct vgic_irq *irq)
{
	c->kick |= vgic_irq_kick(c->vm, irq, c->owner);
}

/* Is a forwarded private interrupt's physical twin on this pCPU? Only if
 * its vCPU is the one loaded here: another placed on this pCPU (or one
 * that moved away, sched_balance.c) has its state saved in memory. */
static bool ppi_local(struct vgic_mmio_ctx *c)
{
	return c->owner && c->owner == this_cpu()->current && c->owner->loaded;
}

/* One bit per INTID: read. */
static u64 bits_read(struct vgic_mmio_ctx *c, u32 intid, u32 size,
		     bool (*test)(struct vgic_mmio_ctx *, struct vgic_irq *))
{
	u64 v = 0;

	for (u32 i = 0; i < size * 8; i++) {
		u32 home;
		struct vgic_irq *irq = mmio_lock(c, intid + i, &home);

		if (!irq)
			continue;
		if (test(c, irq))
			v |= BIT(i);
		mmio_unlock(c, home);
	}
	return v;
}

/* One bit per INTID: call act(irq, bit) for each INTID; set/clear-style
 * registers pass only_ones so that zero bits are ignored. */
static void bits_write(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val, bool only_ones,
		       void (*act)(struct vgic_mmio_ctx *, struct vgic_irq *, bool))
{
	for (u32 i = 0; i < size * 8; i++) {
		bool bit = val & BIT(i);
		struct vgic_irq *irq;
		u32 home;

		if (only_ones && !bit)
			continue;
		irq = mmio_lock(c, intid + i, &home);
		if (!irq)
			continue;
		act(c, irq, bit);
		mmio_unlock(c, home);
	}
}

static bool test_group(struct vgic_mmio_ctx *c, struct vgic_irq *irq) { return irq->group1; }

static void set_group(struct vgic_mmio_ctx *c, struct vgic_irq *irq, bool g1)
{
	irq->group1 = g1;
	mark_kick(c, irq);
}

u64 vgic_mmio_read_group(struct vgic_mmio_ctx *c, u32 intid, u32 size)
{
	return bits_read(c, intid, size, test_group);
}

void vgic_mmio_write_group(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val)
{
	bits_write(c, intid, size, val, false, set_group);
}

static bool test_enable(struct vgic_mmio_ctx *c, struct vgic_irq *irq) { return irq->enabled; }

static void set_enable(struct vgic_mmio_ctx *c, struct vgic_irq *irq, bool en)
{
	irq->enabled = en;
	if (irq->hw) {
		if (irq->intid >= GIC_NR_PRIVATE)
			gic->set_enable(irq->intid, en);
		else if (ppi_local(c))
			gic->set_enable(irq->intid, en);
		else
			c->owner->vgic.ppi_hw_dirty |= (u32)BIT(irq->intid);
	}
	if (en)
		mark_kick(c, irq);
}

static void act_senable(struct vgic_mmio_ctx *c, struct vgic_irq *irq, bool b) { set_enable(c, irq, true); }
static void act_cenable(struct vgic_mmio_ctx *c, struct vgic_irq *irq, bool b) { set_enable(c, irq, false); }

u64 vgic_mmio_read_enable(struct vgic_mmio_ctx *c, u32 intid, u32 size)
{
	return bits_read(c, intid, size, test_enable);
}

void vgic_mmio_write_senable(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val)
{
	bits_write(c, intid, size, val, true, act_senable);
}

void vgic_mmio_write_cenable(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val)
{
	bits_write(c, intid, size, val, true, act_cenable);
}

static bool test_pending(struct vgic_mmio_ctx *c, struct vgic_irq *irq)
{
	if (vgic_irq_is_pending(c->vm, irq))
		return true;
	/* A forwarded interrupt may still be pending on the physical side. */
	if (irq->hw && (irq->intid >= GIC_NR_PRIVATE || ppi_local(c)))
		return gic->is_pending(irq->intid);
	return false;
}

static void act_spending(struct vgic_mmio_ctx *c, struct vgic_irq *irq, bool b)
{
	if (c->vm->vgic.version == 2 && irq->intid < 16)
		return;  /* GICv2 SGIs: GICD_SPENDSGIR names the source */
	if (irq->hw) {
		/* Pend the physical interrupt: it then reaches the guest the
		 * normal way, acked and forwarded with HW = 1. */
		if (irq->intid >= GIC_NR_PRIVATE || ppi_local(c))
			gic->set_pending(irq->intid, true);
		return;
	}
	irq->pending = 1;
	mark_kick(c, irq);
}

static void act_cpending(struct vgic_mmio_ctx *c, struct vgic_irq *irq, bool b)
{
	if (c->vm->vgic.version == 2 && irq->intid < 16)
		return;
	if (irq->hw) {
		if (irq->intid < GIC_NR_PRIVATE && !ppi_local(c))
			return;
		gic->set_pending(irq->intid, false);
		/* Already forwarded but not yet taken by the guest: it will
		 * never deactivate it, so the physical side must be. */
		if (irq->pending && !irq->active && !irq->in_lr) {
			irq->pending = 0;
			gic->set_active(irq->intid, false);
		}
		return;
	}
	/* A level interrupt whose line is high stays pending (the spec's
	 * behaviour too): only the latch clears. */
	irq->pending = 0;
}

u64 vgic_mmio_read_pending(struct vgic_mmio_ctx *c, u32 intid, u32 size)
{
	return bits_read(c, intid, size, test_pending);
}

void vgic_mmio_write_spending(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val)
{
	bits_write(c, intid, size, val, true, act_spending);
}

void vgic_mmio_write_cpending(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val)
{
	bits_write(c, intid, size, val, true, act_cpending);
}

static bool test_active(struct vgic_mmio_ctx *c, struct vgic_irq *irq) { return irq->active; }

static void set_active(struct vgic_mmio_ctx *c, struct vgic_irq *irq, bool act)
{
	irq->active = act;
	if (irq->hw && (irq->intid >= GIC_NR_PRIVATE || ppi_local(c)))
		gic->set_active(irq->intid, act);
	mark_kick(c, irq);
}

static void act_sactive(struct vgic_mmio_ctx *c, struct vgic_irq *irq, bool b) { set_active(c, irq, true); }
static void act_cactive(struct vgic_mmio_ctx *c, struct vgic_irq *irq, bool b) { set_active(c, irq, false); }

u64 vgic_mmio_read_active(struct vgic_mmio_ctx *c, u32 intid, u32 size)
{
	return bits_read(c, intid, size, test_active);
}

void vgic_mmio_write_sactive(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val)
{
	bits_write(c, intid, size, val, true, act_sactive);
}

void vgic_mmio_write_cactive(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val)
{
	bits_write(c, intid, size, val, true, act_cactive);
}

/* One byte per INTID. */
u64 vgic_mmio_read_priority(struct vgic_mmio_ctx *c, u32 intid, u32 size)
{
	u64 v = 0;

	for (u32 i = 0; i < size; i++) {
		u32 home;
		struct vgic_irq *irq = mmio_lock(c, intid + i, &home);

		if (!irq)
			continue;
		v |= (u64)irq->priority << (8 * i);
		mmio_unlock(c, home);
	}
	return v;
}

void vgic_mmio_write_priority(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val)
{
	for (u32 i = 0; i < size; i++) {
		u32 home;
		struct vgic_irq *irq = mmio_lock(c, intid + i, &home);

		/* The physical priority of a forwarded interrupt stays the
		 * hypervisor's: the guest's applies to the virtual one. */
		if (!irq)
			continue;
		irq->priority = (u8)(val >> (8 * i)) & VGIC_PRIO_MASK;
		mmio_unlock(c, home);
	}
}

/* Two bits per INTID; bit 1 of each field = edge. */
#define ICFGR_EDGE 0x2

u64 vgic_mmio_read_config(struct vgic_mmio_ctx *c, u32 intid, u32 size)
{
	u64 v = 0;

	for (u32 i = 0; i < size * 4; i++) {
		u32 home;
		struct vgic_irq *irq = mmio_lock(c, intid + i, &home);

		if (!irq)
			continue;
		if (irq->edge)
			v |= (u64)ICFGR_EDGE << (2 * i);
		mmio_unlock(c, home);
	}
	return v;
}

void vgic_mmio_write_config(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val)
{
	/* The physical ICFGR is read-modify-written 16 INTIDs at a time,
	 * across homes: one writer per VM. */
	spin_lock(&c->vm->vgic.lock);
	for (u32 i = 0; i < size * 4; i++) {
		bool edge = (val >> (2 * i)) & ICFGR_EDGE;
		struct vgic_irq *irq;
		u32 home;

		if (intid + i < 16)
			continue;  /* SGIs are always edge */
		irq = mmio_lock(c, intid + i, &home);
		if (!irq)
			continue;
		irq->edge = edge;
		if (irq->hw && irq->intid >= GIC_NR_PRIVATE)
			gic->set_edge(irq->intid, edge);
		mmio_unlock(c, home);
	}
	spin_unlock(&c->vm->vgic.lock);
}

static const struct vgic_reg *reg_find(const struct vgic_reg *regs, size_t nr, u32 version,
				       u64 offset)
{
	u32 vbit = version == 2 ? VGIC_V2 : VGIC_V3;

	for (size_t i = 0; i < nr; i++)
		if ((regs[i].versions & vbit) && offset >= regs[i].offset &&
		    offset < (u64)regs[i].offset + regs[i].len)
			return &regs[i];
	return NULL;
}

void vgic_mmio_access(const struct vgic_reg *regs, size_t nr, struct vgic_mmio_ctx *c,
		      struct mmio_access *acc, u64 offset)
{
	u32 size = acc->size;
	const struct vgic_reg *r;
	u32 arg;
	u64 f;

	if (!acc->write)
		acc->data = 0;
	if ((size != 1 && size != 2 && size != 4 && size != 8) || !IS_ALIGNED(offset, size)) {
		pr_debug("vgic: VM %u: bad %u-byte access at %#llx\n", c->vm->id, size,
			 (unsigned long long)acc->addr);
		return;
	}
	r = reg_find(regs, nr, c->vm->vgic.version, offset);
	if (!r || !(r->sizes & size) || offset + size > (u64)r->offset + r->len) {
		pr_debug("vgic: VM %u: %s %u bytes at %#llx: RAZ/WI\n", c->vm->id,
			 acc->write ? "write" : "read", size, (unsigned long long)acc->addr);
		return;
	}
	arg = (u32)(offset - r->offset);
	if (r->bits_per_irq)
		arg = arg * 8 / r->bits_per_irq;

	f = irq_save();
	if (acc->write) {
		u64 val = size == 8 ? acc->data : acc->data & (BIT(8 * size) - 1);

		if (r->write)
			r->write(c, arg, size, val);
	} else if (r->read) {
		acc->data = r->read(c, arg, size);
	}
	irq_restore(f);
	vgic_kick_mask(c->vm, c->kick, c->vcpu);
}
