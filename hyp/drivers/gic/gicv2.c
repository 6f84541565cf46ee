/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* GICv2 physical driver: distributor and CPU interface by MMIO. Without
 * Security Extensions (QEMU virt without EL3) everything is group 0 and is
 * signalled as IRQ (FIQEn = 0). The CPU interface runs with EOImode = 1. */
#include <hyp/errno.h>
#include <hyp/gic.h>
#include <hyp/log.h>
#include <hyp/pcpu.h>
#include <hyp/platform.h>
#include <asm/sysreg.h>

#include "gic-dist.h"

static u64 gicd, gicc;
/* CPU interface number of each pCPU, as a GICD_ITARGETSR/SGIR bit mask. */
static u8 cpu_mask[MAX_PCPUS];
/* Source CPU of the SGI last acknowledged, per pCPU and SGI: EOIR and DIR
 * must carry the same CPUID field as the IAR value. */
static u8 sgi_source[MAX_PCPUS][16];

#define GICC_IAR_CPUID_SHIFT 10
#define GICC_IAR_CPUID_MASK 0x7

static u8 mask_of(u32 pcpu)
{
	/* Until that pCPU ran cpu_init, assume interface number = pCPU id,
	 * which is what QEMU and most single-cluster parts do. */
	return cpu_mask[pcpu] ? cpu_mask[pcpu] : (u8)BIT(pcpu & 7);
}

static int gicv2_init(const struct platform_gic *g)
{
	gicd = g->gicd.base;
	gicc = g->gicc.base;
	if (!gicc) {
		pr_err("gicv2: no GICC in the device tree\n");
		return -ENODEV;
	}
	gicv2_ops.nr_irqs = gic_dist_nr_irqs(gicd);

	gic_write32(gicd + GICD_CTLR, 0);
	for (u32 i = 32; i < gicv2_ops.nr_irqs; i += 32) {
		gic_write32(gicd + GICD_ICENABLER + i / 8, ~0U);
		gic_write32(gicd + GICD_ICPENDR + i / 8, ~0U);
		gic_write32(gicd + GICD_ICACTIVER + i / 8, ~0U);
		gic_write32(gicd + GICD_IGROUPR + i / 8, 0);
	}
	for (u32 i = 32; i < gicv2_ops.nr_irqs; i++) {
		gic_dist_set_priority(gicd, i, GIC_PRIO_DEFAULT);
		gic_write8(gicd + GICD_ITARGETSR + i, mask_of(0));
	}
	gic_write32(gicd + GICD_CTLR, GICD_CTLR_ENABLE_G0 | GICD_CTLR_ENABLE_G1);
	return 0;
}

static void gicv2_cpu_init(void)
{
	u32 cpu = this_cpu_id();
	/* ITARGETSR0..7 are banked and read as this CPU's own interface bit. */
	u8 mask = gic_read8(gicd + GICD_ITARGETSR);

	if (!mask)
		pr_warn("gicv2: pCPU %u: ITARGETSR0 reads 0 (uniprocessor GIC?)\n", cpu);
	cpu_mask[cpu] = mask;

	gic_write32(gicd + GICD_ICENABLER, ~0U);
	gic_write32(gicd + GICD_ICPENDR, ~0U);
	gic_write32(gicd + GICD_ICACTIVER, ~0U);
	gic_write32(gicd + GICD_IGROUPR, 0);
	for (u32 i = 0; i < GIC_NR_PRIVATE; i++)
		gic_dist_set_priority(gicd, i, GIC_PRIO_DEFAULT);

	gic_write32(gicc + GICC_PMR, 0xff);
	gic_write32(gicc + GICC_BPR, 0);
	/* EOImode in both the no-security (bit 9) and Non-secure (bit 10)
	 * positions: the one that does not apply is ignored. */
	gic_write32(gicc + GICC_CTLR, GICC_CTLR_ENABLE_G0 | GICC_CTLR_ENABLE_G1 |
				      GICC_CTLR_EOIMODE | GICC_CTLR_EOIMODE_NS);
	if (!(gic_read32(gicc + GICC_CTLR) & (GICC_CTLR_EOIMODE | GICC_CTLR_EOIMODE_NS)))
		pr_err("gicv2: pCPU %u: EOImode did not stick\n", cpu);

	gic_write32(gicd + GICD_ISENABLER, BIT(SGI_KICK) | BIT(SGI_STOP));
}

static u32 gicv2_ack(void)
{
	u32 iar = gic_read32(gicc + GICC_IAR);
	u32 intid = iar & GICC_IAR_INTID_MASK;

	if (intid < 16)
		sgi_source[this_cpu_id()][intid] = (iar >> GICC_IAR_CPUID_SHIFT) & GICC_IAR_CPUID_MASK;
	return intid;
}

static u32 with_source(u32 intid)
{
	if (intid < 16)
		intid |= (u32)sgi_source[this_cpu_id()][intid] << GICC_IAR_CPUID_SHIFT;
	return intid;
}

static void gicv2_eoi(u32 intid)
{
	gic_write32(gicc + GICC_EOIR, with_source(intid));
}

static void gicv2_deactivate(u32 intid)
{
	gic_write32(gicc + GICC_DIR, with_source(intid));
}

static void gicv2_send_sgi(u32 pcpu, u32 sgi)
{
	/* dsb: state the target will look at must be visible before the SGI;
	 * the GICD write is a Device access that a dmb would not order
	 * against Normal memory on another observer. */
	dsb(ishst);
	gic_write32(gicd + GICD_SGIR, ((u32)mask_of(pcpu) << GICD_SGIR_TARGET_SHIFT) |
				       (sgi & GICD_SGIR_INTID_MASK));
}

static void gicv2_set_enable(u32 intid, bool enable)
{
	gic_dist_write_bit(gicd, enable ? GICD_ISENABLER : GICD_ICENABLER, intid);
}

static void gicv2_set_route(u32 intid, u32 pcpu)
{
	if (intid < GIC_NR_PRIVATE || intid >= gicv2_ops.nr_irqs || pcpu >= plat.nr_cpus)
		return;
	gic_write8(gicd + GICD_ITARGETSR + intid, mask_of(pcpu));
}

static void gicv2_set_edge(u32 intid, bool edge)
{
	bool was = gic_dist_test_bit(gicd, GICD_ISENABLER, intid);

	if (intid < 16)
		return;
	/* Changing ICFGR of an enabled interrupt is UNPREDICTABLE. */
	if (was)
		gicv2_set_enable(intid, false);
	gic_dist_set_cfg(gicd, intid, edge);
	if (was)
		gicv2_set_enable(intid, true);
}

static void gicv2_set_priority(u32 intid, u8 prio)
{
	gic_dist_set_priority(gicd, intid, prio);
}

static void gicv2_set_pending(u32 intid, bool pending)
{
	if (intid < 16)
		return;  /* SGI pending state is per source: GICD_SPENDSGIR */
	gic_dist_write_bit(gicd, pending ? GICD_ISPENDR : GICD_ICPENDR, intid);
}

static void gicv2_set_active(u32 intid, bool active)
{
	gic_dist_write_bit(gicd, active ? GICD_ISACTIVER : GICD_ICACTIVER, intid);
}

static bool gicv2_is_pending(u32 intid)
{
	return gic_dist_test_bit(gicd, GICD_ISPENDR, intid);
}

static bool gicv2_is_active(u32 intid)
{
	return gic_dist_test_bit(gicd, GICD_ISACTIVER, intid);
}

struct gic_ops gicv2_ops = {
	.name = "GICv2",
	.init = gicv2_init,
	.cpu_init = gicv2_cpu_init,
	.ack = gicv2_ack,
	.eoi = gicv2_eoi,
	.deactivate = gicv2_deactivate,
	.send_sgi = gicv2_send_sgi,
	.set_enable = gicv2_set_enable,
	.set_route = gicv2_set_route,
	.set_edge = gicv2_set_edge,
	.set_priority = gicv2_set_priority,
	.set_pending = gicv2_set_pending,
	.set_active = gicv2_set_active,
	.is_pending = gicv2_is_pending,
	.is_active = gicv2_is_active,
};
