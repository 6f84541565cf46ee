/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Picks the virtual CPU interface matching the physical GIC. */
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/platform.h>

#include "vgic-priv.h"

extern const struct vgic_ops vgic_v2_ops, vgic_v3_ops;

const struct vgic_ops *vgic_hw;
u32 vgic_nr_lrs;

int vgic_global_init(void)
{
	const struct vgic_ops *ops = plat.gic.version == 3 ? &vgic_v3_ops : &vgic_v2_ops;
	int n;

	if (!gic)
		return -ENODEV;  /* gic_probe first */
	n = ops->probe();
	if (n <= 0)
		return n < 0 ? n : -ENODEV;
	vgic_nr_lrs = (u32)n;
	vgic_hw = ops;
	pr_info("vgic: %s, %d list registers, maintenance INTID %u\n", ops->name, n,
		plat.gic.maint_intid);
	return 0;
}

void vgic_cpu_init(void)
{
	u32 maint = plat.gic.maint_intid ? plat.gic.maint_intid : GIC_PPI_MAINT_DEFAULT;

	if (!vgic_hw)
		return;
	vgic_hw->cpu_init();
	/* The maintenance interrupt is a PPI: enable it on every pCPU. */
	gic->set_priority(maint, GIC_PRIO_DEFAULT);
	gic->set_enable(maint, true);
}
