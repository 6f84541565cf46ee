/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Register helpers shared by the GICv2 and GICv3 drivers: the distributor
 * (and a GICv3 redistributor's SGI frame) use one layout for the per-INTID
 * bit, byte and two-bit fields. `base` is the frame holding the register
 * block; `intid` is relative to that block (0..31 in an SGI frame). */
#ifndef GIC_DIST_H
#define GIC_DIST_H
#include <hyp/types.h>

void gic_dist_write_bit(u64 base, u32 reg, u32 intid);    /* set/clear-style registers */
bool gic_dist_test_bit(u64 base, u32 reg, u32 intid);
void gic_dist_set_priority(u64 base, u32 intid, u8 prio);
u32 gic_dist_get_cfg(u64 base, u32 intid);                /* ICFGR field, 2 bits */
void gic_dist_set_cfg(u64 base, u32 intid, bool edge);
u32 gic_dist_nr_irqs(u64 gicd);                           /* from GICD_TYPER, capped at 1020 */
#endif
