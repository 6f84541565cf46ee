/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The emulated distributor (GICD), GICv2 and GICv3 in one table. */
#include <hyp/log.h>

#include "vgic-priv.h"

static u64 read_ctlr(struct vgic_mmio_ctx *c, u32 off, u32 size)
{
	/* RWP (bit 31) always reads 0: our writes complete at once. */
	return READ_ONCE(c->vm->vgic.ctlr);
}

static void write_ctlr(struct vgic_mmio_ctx *c, u32 off, u32 size, u64 val)
{
	struct vgic_dist *d = &c->vm->vgic;
	u32 old, new = (u32)val & (GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);

	/* GICv3: one security state, affinity routing always on. */
	if (d->version == 3)
		new |= GICD_CTLR_ARE | GICD_CTLR_DS;
	/* Readers (vgic_irq_deliverable) take no lock: a group that comes on
	 * kicks everyone to look again. */
	spin_lock(&d->lock);
	old = d->ctlr;
	WRITE_ONCE(d->ctlr, new);
	spin_unlock(&d->lock);
	if (new & ~old)
		c->kick |= (u32)(BIT(c->vm->nr_vcpus) - 1);
}

static u64 read_typer(struct vgic_mmio_ctx *c, u32 off, u32 size)
{
	struct vgic_dist *d = &c->vm->vgic;
	u32 v = (ALIGN_UP(d->nr_irqs, 32) / 32 - 1) & GICD_TYPER_ITLINES_MASK;

	v |= ((MIN(c->vm->nr_vcpus, 8U) - 1) & GICD_TYPER_CPUS_MASK) << GICD_TYPER_CPUS_SHIFT;
	if (d->version == 3)
		/* INTIDs are 10 bits (no LPIs); no 1-of-N routing. */
		v |= (9U << GICD_TYPER_IDBITS_SHIFT) | GICD_TYPER_NO1N;
	return v;
}

static u64 read_iidr(struct vgic_mmio_ctx *c, u32 off, u32 size) { return VGIC_IIDR; }

static u64 read_pidr2(struct vgic_mmio_ctx *c, u32 off, u32 size)
{
	return (u64)c->vm->vgic.version << GIC_PIDR2_ARCH_SHIFT;
}

/* GICv2 ITARGETSR: one byte per INTID. */
static u64 read_targets(struct vgic_mmio_ctx *c, u32 intid, u32 size)
{
	u64 v = 0;

	for (u32 i = 0; i < size; i++) {
		u32 n = intid + i;
		u64 b;

		if (n < GIC_NR_PRIVATE) {
			/* Read-only: the accessing CPU interface. */
			b = BIT(c->owner->id);
		} else {
			u32 home;
			struct vgic_irq *irq = vgic_lock_irq(c->vm, NULL, n, &home);

			b = 0;
			if (irq) {
				b = irq->route & 0xff;
				vgic_unlock_home(c->vm, home);
			}
		}
		v |= b << (8 * i);
	}
	return v;
}

static void write_targets(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val)
{
	u32 valid = (u32)(BIT(MIN(c->vm->nr_vcpus, 8U)) - 1);

	for (u32 i = 0; i < size; i++) {
		struct vgic_irq *irq;

		if (intid + i < GIC_NR_PRIVATE)
			continue;
		irq = vgic_get_irq(c->vm, NULL, intid + i);
		if (!irq)
			continue;
		/* Bits for CPU interfaces that do not exist are RAZ/WI. */
		c->kick |= vgic_set_route(c->vm, irq, ~0ULL, val >> (8 * i), valid);
	}
}

/* GICv3 IROUTER: 64 bits per INTID, 32- or 64-bit accesses. */
#define IROUTER_VALID (MPIDR_AFF_MASK | GICD_IROUTER_IRM)

static u64 read_irouter(struct vgic_mmio_ctx *c, u32 off, u32 size)
{
	u32 intid = off / 8, home;
	struct vgic_irq *irq;
	u64 route;

	if (intid < GIC_NR_PRIVATE)
		return 0;
	irq = vgic_lock_irq(c->vm, NULL, intid, &home);
	if (!irq)
		return 0;
	route = irq->route;
	vgic_unlock_home(c->vm, home);
	return size == 8 ? route : (route >> (8 * (off % 8))) & 0xffffffffULL;
}

static void write_irouter(struct vgic_mmio_ctx *c, u32 off, u32 size, u64 val)
{
	u32 intid = off / 8;
	u32 shift = 8 * (off % 8);
	struct vgic_irq *irq;

	if (intid < GIC_NR_PRIVATE)
		return;
	irq = vgic_get_irq(c->vm, NULL, intid);
	if (!irq)
		return;
	/* A 32-bit access replaces its half only. */
	c->kick |= vgic_set_route(c->vm, irq, size == 8 ? ~0ULL : 0xffffffffULL << shift,
				  val << shift, IROUTER_VALID);
}

/* GICv2 SGIs. */
static void write_sgir(struct vgic_mmio_ctx *c, u32 off, u32 size, u64 val)
{
	c->kick |= vgic_v2_send_sgi(c->vm, c->vcpu, (u32)val);
}

/* GICD_[CS]PENDSGIR: one byte per SGI, a bit per source CPU interface. */
static u64 read_pendsgi(struct vgic_mmio_ctx *c, u32 sgi, u32 size)
{
	u64 v = 0;

	spin_lock(&c->owner->vgic.lock);
	for (u32 i = 0; i < size; i++)
		v |= (u64)(c->owner->vgic.private_irqs[sgi + i].sgi_source & 0xff) << (8 * i);
	spin_unlock(&c->owner->vgic.lock);
	return v;
}

static void write_spendsgi(struct vgic_mmio_ctx *c, u32 sgi, u32 size, u64 val)
{
	spin_lock(&c->owner->vgic.lock);
	for (u32 i = 0; i < size; i++) {
		struct vgic_irq *irq = &c->owner->vgic.private_irqs[sgi + i];
		u32 src = (val >> (8 * i)) & 0xff & (u32)(BIT(MIN(c->vm->nr_vcpus, 8U)) - 1);

		irq->sgi_source |= (u16)src;
		if (src && vgic_irq_deliverable(c->vm, irq))
			c->kick |= (u32)BIT(c->owner->id);
	}
	spin_unlock(&c->owner->vgic.lock);
}

static void write_cpendsgi(struct vgic_mmio_ctx *c, u32 sgi, u32 size, u64 val)
{
	spin_lock(&c->owner->vgic.lock);
	for (u32 i = 0; i < size; i++)
		c->owner->vgic.private_irqs[sgi + i].sgi_source &= (u16)~((val >> (8 * i)) & 0xff);
	spin_unlock(&c->owner->vgic.lock);
}

#define V2 VGIC_V2
#define V3 VGIC_V3
#define W4 VGIC_SZ_4
#define W14 (VGIC_SZ_1 | VGIC_SZ_4)
#define W48 (VGIC_SZ_4 | VGIC_SZ_8)

static const struct vgic_reg dist_regs[] = {
	{ GICD_CTLR, 4, 0, W4, V2 | V3, read_ctlr, write_ctlr },
	{ GICD_TYPER, 4, 0, W4, V2 | V3, read_typer, NULL },
	{ GICD_IIDR, 4, 0, W4, V2 | V3, read_iidr, NULL },
	{ GICD_TYPER2, 4, 0, W4, V3, NULL, NULL },
	{ GICD_STATUSR, 4, 0, W4, V3, NULL, NULL },
	{ GICD_IGROUPR, 0x80, 1, W4, V2 | V3, vgic_mmio_read_group, vgic_mmio_write_group },
	{ GICD_ISENABLER, 0x80, 1, W4, V2 | V3, vgic_mmio_read_enable, vgic_mmio_write_senable },
	{ GICD_ICENABLER, 0x80, 1, W4, V2 | V3, vgic_mmio_read_enable, vgic_mmio_write_cenable },
	{ GICD_ISPENDR, 0x80, 1, W4, V2 | V3, vgic_mmio_read_pending, vgic_mmio_write_spending },
	{ GICD_ICPENDR, 0x80, 1, W4, V2 | V3, vgic_mmio_read_pending, vgic_mmio_write_cpending },
	{ GICD_ISACTIVER, 0x80, 1, W4, V2 | V3, vgic_mmio_read_active, vgic_mmio_write_sactive },
	{ GICD_ICACTIVER, 0x80, 1, W4, V2 | V3, vgic_mmio_read_active, vgic_mmio_write_cactive },
	{ GICD_IPRIORITYR, 0x400, 8, W14, V2 | V3, vgic_mmio_read_priority, vgic_mmio_write_priority },
	{ GICD_ITARGETSR, 0x400, 8, W14, V2, read_targets, write_targets },
	{ GICD_ICFGR, 0x100, 2, W4, V2 | V3, vgic_mmio_read_config, vgic_mmio_write_config },
	{ GICD_IGRPMODR, 0x80, 1, W4, V3, NULL, NULL },
	{ GICD_NSACR, 0x100, 2, W4, V2 | V3, NULL, NULL },
	{ GICD_SGIR, 4, 0, W4, V2, NULL, write_sgir },
	{ GICD_CPENDSGIR, 16, 8, W14, V2, read_pendsgi, write_cpendsgi },
	{ GICD_SPENDSGIR, 16, 8, W14, V2, read_pendsgi, write_spendsgi },
	{ GICD_IROUTER, 8 * 1024, 0, W48, V3, read_irouter, write_irouter },
	{ GICD_PIDR2_V2, 4, 0, W4, V2, read_pidr2, NULL },
	{ GICD_PIDR2_V3, 4, 0, W4, V3, read_pidr2, NULL },
};

int vgic_dist_mmio(struct vcpu *vcpu, struct mmio_access *acc, void *priv)
{
	struct vm *vm = priv;
	/* GICv2 banks INTIDs 0..31 per CPU interface in the distributor;
	 * GICv3 with affinity routing moves them to the redistributors. */
	struct vgic_mmio_ctx c = { .vm = vm, .vcpu = vcpu,
				   .owner = vm->vgic.version == 2 ? vcpu : NULL };

	vgic_mmio_access(dist_regs, ARRAY_SIZE(dist_regs), &c, acc, acc->offset);
	return 0;
}
