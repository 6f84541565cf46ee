/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#include <hyp/errno.h>
#include <hyp/gic.h>
#include <hyp/log.h>

const struct gic_ops *gic;

int gic_probe(const struct platform_gic *g)
{
	const struct gic_ops *ops;
	int ret;

	switch (g->version) {
	case 2:
		ops = &gicv2_ops;
		break;
	case 3:
		ops = &gicv3_ops;
		break;
	default:
		pr_err("gic: unsupported GIC version %u\n", g->version);
		return -ENODEV;
	}
	ret = ops->init(g);
	if (ret < 0)
		return ret;
	gic = ops;
	pr_info("gic: %s, %u interrupts\n", ops->name, ops->nr_irqs);
	return 0;
}
