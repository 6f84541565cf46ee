/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#include <hyp/gic.h>

#include "gic-dist.h"

#define ICFGR_EDGE 0x2

void gic_dist_write_bit(u64 base, u32 reg, u32 intid)
{
	/* ISENABLER/ICENABLER and friends: writing 1 acts, 0 is ignored, so no
	 * read-modify-write (it would race other CPUs). */
	gic_write32(base + reg + (intid / 32) * 4, 1U << (intid % 32));
}

bool gic_dist_test_bit(u64 base, u32 reg, u32 intid)
{
	return gic_read32(base + reg + (intid / 32) * 4) & (1U << (intid % 32));
}

void gic_dist_set_priority(u64 base, u32 intid, u8 prio)
{
	/* IPRIORITYR is byte-accessible in both versions. */
	gic_write8(base + GICD_IPRIORITYR + intid, prio);
}

u32 gic_dist_get_cfg(u64 base, u32 intid)
{
	u32 v = gic_read32(base + GICD_ICFGR + (intid / 16) * 4);

	return (v >> ((intid % 16) * 2)) & 0x3;
}

void gic_dist_set_cfg(u64 base, u32 intid, bool edge)
{
	u64 addr = base + GICD_ICFGR + (intid / 16) * 4;
	u32 shift = (intid % 16) * 2;
	u32 v = gic_read32(addr);

	v &= ~(ICFGR_EDGE << shift);
	if (edge)
		v |= ICFGR_EDGE << shift;
	gic_write32(addr, v);
}

u32 gic_dist_nr_irqs(u64 gicd)
{
	u32 lines = gic_read32(gicd + GICD_TYPER) & GICD_TYPER_ITLINES_MASK;
	u32 n = 32 * (lines + 1);

	/* 1020..1023 are special INTIDs, never real interrupts. */
	return MIN(n, 1020U);
}
