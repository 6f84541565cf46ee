/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* GICv3 physical driver: distributor and redistributors by MMIO, the CPU
 * interface through ICC_* system registers. Every SPI is group 1 and the
 * CPU interface runs with EOImode = 1 (see gic.h). */
#include <hyp/errno.h>
#include <hyp/gic.h>
#include <hyp/log.h>
#include <hyp/pcpu.h>
#include <hyp/platform.h>
#include <asm/sysreg.h>

#include "gic-dist.h"

#define RWP_SPINS 1000000

static u64 gicd;
static const struct platform_gic *pgic;
static u64 rd_base[MAX_PCPUS];  /* RD frame of each pCPU's redistributor */

static u64 sgi_frame(void)
{
	return rd_base[this_cpu_id()] + GICR_SGI_BASE;
}

static void wait_rwp(u64 ctlr, u32 bit)
{
	/* Register writes that disable interrupts or change routing only take
	 * effect once RWP reads 0. */
	for (u32 i = 0; i < RWP_SPINS; i++)
		if (!(gic_read32(ctlr) & bit))
			return;
	pr_warn("gicv3: RWP stuck at %#llx\n", (unsigned long long)ctlr);
}

static void wait_dist(void) { wait_rwp(gicd + GICD_CTLR, GICD_CTLR_RWP); }
static void wait_redist(void) { wait_rwp(rd_base[this_cpu_id()] + GICR_CTLR, GICR_CTLR_RWP); }

static u64 mpidr_to_irouter(u64 mpidr)
{
	return ((u64)MPIDR_AFF3(mpidr) << 32) | (MPIDR_AFF2(mpidr) << 16) |
	       (MPIDR_AFF1(mpidr) << 8) | MPIDR_AFF0(mpidr);
}

static int gicv3_init(const struct platform_gic *g)
{
	u32 ctlr;

	pgic = g;
	gicd = g->gicd.base;
	gicv3_ops.nr_irqs = gic_dist_nr_irqs(gicd);

	ctlr = gic_read32(gicd + GICD_CTLR);
	if (!(ctlr & GICD_CTLR_DS))
		pr_warn("gicv3: security enabled (GICD_CTLR.DS = 0): only group 1 is ours\n");

	/* Groups must be off while ARE changes and while SPIs are set up. */
	gic_write32(gicd + GICD_CTLR, 0);
	wait_dist();

	for (u32 i = 32; i < gicv3_ops.nr_irqs; i += 32) {
		gic_write32(gicd + GICD_ICENABLER + i / 8, ~0U);
		gic_write32(gicd + GICD_ICPENDR + i / 8, ~0U);
		gic_write32(gicd + GICD_ICACTIVER + i / 8, ~0U);
		gic_write32(gicd + GICD_IGROUPR + i / 8, ~0U);
	}
	wait_dist();
	for (u32 i = 32; i < gicv3_ops.nr_irqs; i++) {
		gic_dist_set_priority(gicd, i, GIC_PRIO_DEFAULT);
		gic_write64(gicd + GICD_IROUTER + 8 * i, mpidr_to_irouter(plat.mpidr[0]));
	}

	gic_write32(gicd + GICD_CTLR, GICD_CTLR_ARE);
	wait_dist();
	gic_write32(gicd + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENABLE_G1);
	wait_dist();
	return 0;
}

static u64 find_redist(u64 mpidr)
{
	u64 want = mpidr_to_irouter(mpidr);
	u64 end = pgic->gicr.base + pgic->gicr.size;

	for (u64 rd = pgic->gicr.base; rd + GICR_STRIDE <= end;) {
		u64 typer = gic_read64(rd + GICR_TYPER);
		u64 aff = typer >> GICR_TYPER_AFF_SHIFT;

		/* TYPER's affinity is Aff3.Aff2.Aff1.Aff0 packed in 32 bits. */
		u64 packed = ((want >> 32) << 24) | (want & 0xffffff);
		if (aff == packed)
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
		/* VLPIS adds two more 64 KiB frames (GICv4). */
		rd += (typer & GICR_TYPER_VLPIS) ? 2 * GICR_STRIDE : GICR_STRIDE;
	}
	return 0;
}

static void gicv3_cpu_init(void)
{
	u32 cpu = this_cpu_id();
	u64 rd = find_redist(plat.mpidr[cpu]);
	u64 sgi;

	if (!rd) {
		pr_err("gicv3: no redistributor for MPIDR %#llx\n",
		       (unsigned long long)plat.mpidr[cpu]);
		return;
	}
	rd_base[cpu] = rd;

	gic_write32(rd + GICR_WAKER, gic_read32(rd + GICR_WAKER) & ~GICR_WAKER_PROCESSOR_SLEEP);
	for (u32 i = 0; i < RWP_SPINS; i++)
		if (!(gic_read32(rd + GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP))
			break;

	sgi = rd + GICR_SGI_BASE;
	gic_write32(sgi + GICD_ICENABLER, ~0U);
	gic_write32(sgi + GICD_ICPENDR, ~0U);
	gic_write32(sgi + GICD_ICACTIVER, ~0U);
	gic_write32(sgi + GICD_IGROUPR, ~0U);
	wait_redist();
	for (u32 i = 0; i < GIC_NR_PRIVATE; i++)
		gic_dist_set_priority(sgi, i, GIC_PRIO_DEFAULT);

	/* SRE before any other ICC_* access: until it is set the system
	 * register interface is disabled. Enable lets EL1 use ICC_* (as ICV_*). */
	write_sysreg(ICC_SRE_SRE | ICC_SRE_DFB | ICC_SRE_DIB | ICC_SRE_EL2_ENABLE, ICC_SRE_EL2);
	isb();  /* the SRE write must take effect before the ICC_* accesses below */
	write_sysreg(0xff, ICC_PMR_EL1);
	write_sysreg(0, ICC_BPR1_EL1);
	write_sysreg(ICC_CTLR_EOIMODE, ICC_CTLR_EL1);
	write_sysreg(1, ICC_IGRPEN1_EL1);
	isb();  /* interface enabled before the SGIs below can be signalled */

	gic_write32(sgi + GICD_ISENABLER, BIT(SGI_KICK) | BIT(SGI_STOP));
}

static u32 gicv3_ack(void)
{
	return read_sysreg(ICC_IAR1_EL1) & ICC_IAR_INTID_MASK;
}

static void gicv3_eoi(u32 intid)
{
	write_sysreg(intid, ICC_EOIR1_EL1);
	isb();  /* priority drop done before we may unmask and take the next one */
}

static void gicv3_deactivate(u32 intid)
{
	write_sysreg(intid, ICC_DIR_EL1);
	isb();  /* deactivation done before the interrupt can be re-taken */
}

static void gicv3_send_sgi(u32 pcpu, u32 sgi)
{
	u64 m = plat.mpidr[pcpu];
	u64 aff0 = MPIDR_AFF0(m);
	u64 v = ((u64)MPIDR_AFF3(m) << ICC_SGI1R_AFF3_SHIFT) |
		((u64)MPIDR_AFF2(m) << ICC_SGI1R_AFF2_SHIFT) |
		((u64)MPIDR_AFF1(m) << ICC_SGI1R_AFF1_SHIFT) |
		((aff0 >> 4) << ICC_SGI1R_RS_SHIFT) |
		((u64)(sgi & ICC_SGI1R_INTID_MASK) << ICC_SGI1R_INTID_SHIFT) |
		BIT(aff0 & 0xf);

	/* dsb: state the target will look at (run queues, vGIC) must be
	 * visible before the SGI can reach it; a sysreg write is not ordered
	 * by dmb. */
	dsb(ishst);
	write_sysreg(v, ICC_SGI1R_EL1);
	isb();  /* generate it now, not whenever the write drains */
}

/* Frame holding the per-INTID registers of intid: the SGI frame lays out
 * INTIDs 0..31 exactly where the distributor would. */
static u64 frame_of(u32 intid)
{
	return intid < GIC_NR_PRIVATE ? sgi_frame() : gicd;
}

static void gicv3_set_enable(u32 intid, bool enable)
{
	u64 base = frame_of(intid);

	gic_dist_write_bit(base, enable ? GICD_ISENABLER : GICD_ICENABLER, intid);
	if (!enable) {
		/* A disable is only guaranteed once RWP clears. */
		if (intid < GIC_NR_PRIVATE)
			wait_redist();
		else
			wait_dist();
	}
}

static void gicv3_set_route(u32 intid, u32 pcpu)
{
	if (intid < GIC_NR_PRIVATE || intid >= gicv3_ops.nr_irqs || pcpu >= plat.nr_cpus)
		return;
	gic_write64(gicd + GICD_IROUTER + 8 * intid, mpidr_to_irouter(plat.mpidr[pcpu]));
}

static void gicv3_set_edge(u32 intid, bool edge)
{
	u64 base = frame_of(intid);
	bool was = gic_dist_test_bit(base, GICD_ISENABLER, intid);

	if (intid < 16)
		return;  /* SGIs are always edge */
	/* Changing ICFGR of an enabled interrupt is UNPREDICTABLE. */
	if (was)
		gicv3_set_enable(intid, false);
	gic_dist_set_cfg(base, intid, edge);
	if (was)
		gicv3_set_enable(intid, true);
}

static void gicv3_set_priority(u32 intid, u8 prio)
{
	u64 base = frame_of(intid);

	gic_dist_set_priority(base, intid, prio);
}

static void gicv3_set_pending(u32 intid, bool pending)
{
	u64 base = frame_of(intid);

	gic_dist_write_bit(base, pending ? GICD_ISPENDR : GICD_ICPENDR, intid);
}

static void gicv3_set_active(u32 intid, bool active)
{
	u64 base = frame_of(intid);

	gic_dist_write_bit(base, active ? GICD_ISACTIVER : GICD_ICACTIVER, intid);
}

static bool gicv3_is_pending(u32 intid)
{
	u64 base = frame_of(intid);

	return gic_dist_test_bit(base, GICD_ISPENDR, intid);
}

static bool gicv3_is_active(u32 intid)
{
	u64 base = frame_of(intid);

	return gic_dist_test_bit(base, GICD_ISACTIVER, intid);
}

struct gic_ops gicv3_ops = {
	.name = "GICv3",
	.init = gicv3_init,
	.cpu_init = gicv3_cpu_init,
	.ack = gicv3_ack,
	.eoi = gicv3_eoi,
	.deactivate = gicv3_deactivate,
	.send_sgi = gicv3_send_sgi,
	.set_enable = gicv3_set_enable,
	.set_route = gicv3_set_route,
	.set_edge = gicv3_set_edge,
	.set_priority = gicv3_set_priority,
	.set_pending = gicv3_set_pending,
	.set_active = gicv3_set_active,
	.is_pending = gicv3_is_pending,
	.is_active = gicv3_is_active,
};
