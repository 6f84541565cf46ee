// SPDX-License-Identifier: GPL-2.0
/*
 * keel.ko: VM0's door to the Keel hypervisor.
 *
 * Binds to the "keel,hypervisor" node the hypervisor adds to VM0's device
 * tree, checks that the hypervisor speaks the hypercall ABI this module was
 * built for, then brings up, in order: the event FIFO, the shared area and
 * its doorbell interrupt, the consoles, and /dev/keel. remove() takes them
 * down in reverse.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/arm-smccc.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>

#include <keel/dt.h>

#include "keel.h"

static int keel_check_abi(struct device *dev, struct keel_dev *kd)
{
	struct arm_smccc_res res;
	u32 dt_abi;

	if (of_property_read_u32(dev->of_node, KEEL_DT_PROP_ABI, &dt_abi)) {
		pr_err("device tree node has no %s\n", KEEL_DT_PROP_ABI);
		return -EINVAL;
	}
	if (keel_hc_version(&res) || (u32)res.a3 != KEEL_HC_MAGIC) {
		pr_err("version hypercall failed: x0 %#lx x3 %#lx\n", res.a0, res.a3);
		return -ENODEV;
	}
	if (res.a2 != KEEL_HC_ABI_REVISION || dt_abi != KEEL_HC_ABI_REVISION) {
		pr_err("ABI mismatch: hypervisor %lu, device tree %u, keel.ko %u\n",
		       res.a2, dt_abi, KEEL_HC_ABI_REVISION);
		return -EPROTO;
	}
	kd->version = (u32)res.a1;
	kd->abi_revision = (u32)res.a2;
	return 0;
}

static int keel_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct keel_dev *kd;
	int ret;

	kd = devm_kzalloc(dev, sizeof(*kd), GFP_KERNEL);
	if (!kd)
		return -ENOMEM;
	kd->dev = dev;
	ret = keel_check_abi(dev, kd);
	if (ret)
		return ret;

	mutex_init(&kd->ioreq_lock);
	keel_maps_init(kd);
	ret = keel_events_init(kd);
	if (ret)
		return ret;
	ret = keel_shared_init(kd, pdev);
	if (ret)
		goto err_events;
	ret = keel_consoles_init(kd);
	if (ret)
		goto err_shared;
	ret = keel_governor_init();
	if (ret)
		goto err_consoles;
	ret = keel_chans_init(kd);
	if (ret)
		goto err_governor;
	ret = keel_dev_register(kd);
	if (ret)
		goto err_chans;
	platform_set_drvdata(pdev, kd);

	pr_info("hypervisor %u.%u, ABI %u\n", kd->version >> 16, kd->version & 0xffff,
		kd->abi_revision);
	return 0;

err_chans:
	keel_chans_exit();
err_governor:
	keel_governor_exit();
err_consoles:
	keel_consoles_exit();
err_shared:
	keel_shared_exit(kd);
err_events:
	keel_events_exit(kd);
	return ret;
}

/*
 * Only reached with /dev/keel closed (an open file holds the module) and
 * unbinding through sysfs disabled, so no ioctl, read or mapping is live.
 */
static int keel_remove(struct platform_device *pdev)
{
	struct keel_dev *kd = platform_get_drvdata(pdev);

	keel_dev_unregister(kd);
	keel_chans_exit();
	keel_governor_exit();
	keel_consoles_exit();
	keel_shared_exit(kd);
	keel_events_exit(kd);
	return 0;
}

static const struct of_device_id keel_of_match[] = {
	{ .compatible = KEEL_DT_COMPAT },
	{ }
};
MODULE_DEVICE_TABLE(of, keel_of_match);

static struct platform_driver keel_driver = {
	.probe = keel_probe,
	.remove = keel_remove,
	.driver = {
		.name = "keel",
		.of_match_table = keel_of_match,
		/* An unbind under an open /dev/keel would free what it uses. */
		.suppress_bind_attrs = true,
	},
};
module_platform_driver(keel_driver);

MODULE_DESCRIPTION("Keel hypervisor interface for VM0");
MODULE_LICENSE("GPL");
