// SPDX-License-Identifier: GPL-2.0
/*
 * keelchan.ko: a guest's channel ends, one per "keel,channel" node keeld
 * writes into the guest's DT:
 *   reg            the shared region (guest IPA, size)
 *   interrupts     the SPI the peer's kicks raise (edge)
 *   keel,channel-id  the hypervisor's id, for KEEL_HC_CHAN_KICK
 *   keel,end       0 or 1: which ring is ours
 *   label          the channel's name in the configs
 */
#define pr_fmt(fmt) "keelchan: " fmt

#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>

#include "kchan.h"

static irqreturn_t keelchan_irq(int irq, void *data)
{
	kchan_notify(data);
	return IRQ_HANDLED;
}

static int keelchan_probe(struct platform_device *pdev)
{
	struct device_node *np = pdev->dev.of_node;
	struct resource *res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	const char *name = "";
	struct kchan *c;
	u32 id, end;
	int irq, ret;

	irq = platform_get_irq(pdev, 0);
	if (!res || irq < 0 || of_property_read_u32(np, "keel,channel-id", &id) ||
	    of_property_read_u32(np, "keel,end", &end)) {
		dev_err(&pdev->dev, "needs reg, interrupts, keel,channel-id and keel,end\n");
		return -EINVAL;
	}
	of_property_read_string(np, "label", &name);
	c = kchan_create(&pdev->dev, res->start, resource_size(res), id, end, name);
	if (IS_ERR(c))
		return PTR_ERR(c);
	ret = request_irq(irq, keelchan_irq, 0, "keelchan", c);
	if (ret) {
		kchan_destroy(c);
		return ret;
	}
	platform_set_drvdata(pdev, c);
	return 0;
}

static int keelchan_remove(struct platform_device *pdev)
{
	struct kchan *c = platform_get_drvdata(pdev);

	free_irq(platform_get_irq(pdev, 0), c);
	kchan_destroy(c);
	return 0;
}

static const struct of_device_id keelchan_of_match[] = {
	{ .compatible = "keel,channel" },
	{ }
};
MODULE_DEVICE_TABLE(of, keelchan_of_match);

static struct platform_driver keelchan_driver = {
	.probe = keelchan_probe,
	.remove = keelchan_remove,
	.driver = { .name = "keelchan", .of_match_table = keelchan_of_match },
};

static int __init keelchan_init(void)
{
	int ret = kchan_init();

	if (ret)
		return ret;
	ret = platform_driver_register(&keelchan_driver);
	if (ret)
		kchan_exit();
	return ret;
}

static void __exit keelchan_exit(void)
{
	platform_driver_unregister(&keelchan_driver);
	kchan_exit();
}

module_init(keelchan_init);
module_exit(keelchan_exit);
MODULE_DESCRIPTION("Keel inter-VM channels in a guest: /dev/ttyKC<n>, /dev/keelchan<n>");
MODULE_LICENSE("GPL");
