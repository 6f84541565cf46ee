/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The emulated GICv3 redistributors: one RD frame and one SGI frame per
 * vCPU, back to back (GICR_STRIDE), no LPIs. */
#include <hyp/log.h>

#include "vgic-priv.h"

static u64 read_iidr(struct vgic_mmio_ctx *c, u32 off, u32 size) { return VGIC_IIDR; }

static u64 read_typer(struct vgic_mmio_ctx *c, u32 off, u32 size)
{
	u64 m = c->owner->vmpidr;
	u64 aff = ((u64)MPIDR_AFF3(m) << 24) | (MPIDR_AFF2(m) << 16) |
		  (MPIDR_AFF1(m) << 8) | MPIDR_AFF0(m);
	u64 v = (aff << GICR_TYPER_AFF_SHIFT) | ((u64)c->owner->id << GICR_TYPER_PROC_SHIFT);

	/* Linux walks the frames until it sees Last. */
	if (c->owner->id == c->vm->nr_vcpus - 1)
		v |= GICR_TYPER_LAST;
	return size == 8 ? v : (v >> (8 * off)) & 0xffffffffULL;
}

static u64 read_waker(struct vgic_mmio_ctx *c, u32 off, u32 size)
{
	return READ_ONCE(c->owner->vgic.redist_waker);
}

static void write_waker(struct vgic_mmio_ctx *c, u32 off, u32 size, u64 val)
{
	/* Waking takes no time here: ChildrenAsleep follows ProcessorSleep. */
	WRITE_ONCE(c->owner->vgic.redist_waker, (val & GICR_WAKER_PROCESSOR_SLEEP) ?
		   GICR_WAKER_PROCESSOR_SLEEP | GICR_WAKER_CHILDREN_ASLEEP : 0);
}

static u64 read_pidr2(struct vgic_mmio_ctx *c, u32 off, u32 size)
{
	return 3U << GIC_PIDR2_ARCH_SHIFT;
}

#define V3 VGIC_V3
#define W4 VGIC_SZ_4
#define W14 (VGIC_SZ_1 | VGIC_SZ_4)
#define W48 (VGIC_SZ_4 | VGIC_SZ_8)
#define SGI(off) (GICR_SGI_BASE + (off))

static const struct vgic_reg redist_regs[] = {
	/* RD frame. CTLR: EnableLPIs stays 0, RWP reads 0. */
	{ GICR_CTLR, 4, 0, W4, V3, NULL, NULL },
	{ GICR_IIDR, 4, 0, W4, V3, read_iidr, NULL },
	{ GICR_TYPER, 8, 0, W48, V3, read_typer, NULL },
	{ GICR_STATUSR, 4, 0, W4, V3, NULL, NULL },
	{ GICR_WAKER, 4, 0, W4, V3, read_waker, write_waker },
	{ GICR_PROPBASER, 8, 0, W48, V3, NULL, NULL },
	{ GICR_PENDBASER, 8, 0, W48, V3, NULL, NULL },
	{ GICR_PIDR2, 4, 0, W4, V3, read_pidr2, NULL },
	/* SGI frame: the distributor's per-INTID layout for INTIDs 0..31. */
	{ SGI(GICD_IGROUPR), 4, 1, W4, V3, vgic_mmio_read_group, vgic_mmio_write_group },
	{ SGI(GICD_ISENABLER), 4, 1, W4, V3, vgic_mmio_read_enable, vgic_mmio_write_senable },
	{ SGI(GICD_ICENABLER), 4, 1, W4, V3, vgic_mmio_read_enable, vgic_mmio_write_cenable },
	{ SGI(GICD_ISPENDR), 4, 1, W4, V3, vgic_mmio_read_pending, vgic_mmio_write_spending },
	{ SGI(GICD_ICPENDR), 4, 1, W4, V3, vgic_mmio_read_pending, vgic_mmio_write_cpending },
	{ SGI(GICD_ISACTIVER), 4, 1, W4, V3, vgic_mmio_read_active, vgic_mmio_write_sactive },
	{ SGI(GICD_ICACTIVER), 4, 1, W4, V3, vgic_mmio_read_active, vgic_mmio_write_cactive },
	{ SGI(GICD_IPRIORITYR), 32, 8, W14, V3, vgic_mmio_read_priority, vgic_mmio_write_priority },
	{ SGI(GICD_ICFGR), 8, 2, W4, V3, vgic_mmio_read_config, vgic_mmio_write_config },
	{ SGI(GICD_IGRPMODR), 4, 1, W4, V3, NULL, NULL },
	{ SGI(GICD_NSACR), 4, 0, W4, V3, NULL, NULL },
};

int vgic_redist_mmio(struct vcpu *vcpu, struct mmio_access *acc, void *priv)
{
	struct vm *vm = priv;
	u64 idx = acc->offset / GICR_STRIDE;
	struct vgic_mmio_ctx c = { .vm = vm, .vcpu = vcpu };

	if (idx >= vm->nr_vcpus || !vm->vcpus[idx]) {
		if (!acc->write)
			acc->data = 0;
		return 0;
	}
	c.owner = vm->vcpus[idx];
	vgic_mmio_access(redist_regs, ARRAY_SIZE(redist_regs), &c, acc,
			 acc->offset % GICR_STRIDE);
	return 0;
}
