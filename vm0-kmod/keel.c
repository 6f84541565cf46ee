// SPDX-License-Identifier: GPL-2.0
/*
 * keel.ko: VM0's door to the Keel hypervisor.
 *
 * Binds to the "keel,hypervisor" node the hypervisor adds to VM0's device
 * tree, checks that the hypervisor speaks the hypercall ABI this module was
 * built for, and exposes /dev/keel (ioctls in proto/keel/ioctl.h).
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/arm-smccc.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/uaccess.h>

#include <keel/dt.h>
#include <keel/hypercall.h>
#include <keel/ioctl.h>

struct keel_hyp {
	u32 version;
	u32 abi_revision;
	struct miscdevice misc;
};

/* Hypercall results are 0 or a negative Linux errno; SMCCC's "unknown
 * function" (-1) is -EPERM by number, so name it explicitly. */
static long keel_hc_errno(unsigned long a0)
{
	long ret = (long)a0;

	if (ret == KEEL_SMCCC_NOT_SUPPORTED)
		return -EOPNOTSUPP;
	if (ret < -4095 || ret > 0)
		return -EIO;
	return ret;
}

static long keel_ioc_version(struct keel_hyp *hyp, void __user *arg)
{
	struct keel_ioc_version v = {
		.version = hyp->version,
		.abi_revision = hyp->abi_revision,
		.ioc_revision = KEEL_IOC_REVISION,
	};

	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long keel_ioc_sysinfo(void __user *arg)
{
	struct arm_smccc_res res;
	struct keel_sysinfo *info;
	long ret;

	/* A whole page: the hypervisor writes it by physical address (VM0 is
	 * identity-mapped, IPA = PA), so it must not straddle a page. */
	info = (struct keel_sysinfo *)get_zeroed_page(GFP_KERNEL);
	if (!info)
		return -ENOMEM;

	arm_smccc_1_1_hvc(KEEL_HC_SYSINFO, virt_to_phys(info), &res);
	ret = keel_hc_errno(res.a0);
	if (ret)
		goto out;
	if (info->magic != KEEL_SYSINFO_MAGIC || info->revision != KEEL_SYSINFO_REVISION) {
		pr_warn("sysinfo: magic %#x revision %u, expected %#x %u\n", info->magic,
			info->revision, KEEL_SYSINFO_MAGIC, KEEL_SYSINFO_REVISION);
		ret = -EPROTO;
		goto out;
	}
	if (copy_to_user(arg, info, sizeof(*info)))
		ret = -EFAULT;
out:
	free_page((unsigned long)info);
	return ret;
}

static long keel_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct keel_hyp *hyp = container_of(file->private_data, struct keel_hyp, misc);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case KEEL_IOC_VERSION:
		return keel_ioc_version(hyp, uarg);
	case KEEL_IOC_SYSINFO:
		return keel_ioc_sysinfo(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations keel_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = keel_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static int keel_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct arm_smccc_res res;
	struct keel_hyp *hyp;
	u32 dt_abi;
	int ret;

	if (of_property_read_u32(dev->of_node, KEEL_DT_PROP_ABI, &dt_abi)) {
		pr_err("device tree node has no %s\n", KEEL_DT_PROP_ABI);
		return -EINVAL;
	}

	arm_smccc_1_1_hvc(KEEL_HC_VERSION, &res);
	if (keel_hc_errno(res.a0) || (u32)res.a3 != KEEL_HC_MAGIC) {
		pr_err("version hypercall failed: x0 %#lx x3 %#lx\n", res.a0, res.a3);
		return -ENODEV;
	}
	if (res.a2 != KEEL_HC_ABI_REVISION || dt_abi != KEEL_HC_ABI_REVISION) {
		pr_err("ABI mismatch: hypervisor %lu, device tree %u, keel.ko %u\n",
		       res.a2, dt_abi, KEEL_HC_ABI_REVISION);
		return -EPROTO;
	}

	hyp = devm_kzalloc(dev, sizeof(*hyp), GFP_KERNEL);
	if (!hyp)
		return -ENOMEM;
	hyp->version = (u32)res.a1;
	hyp->abi_revision = (u32)res.a2;
	hyp->misc.minor = MISC_DYNAMIC_MINOR;
	hyp->misc.name = "keel";
	hyp->misc.fops = &keel_fops;
	hyp->misc.parent = dev;

	ret = misc_register(&hyp->misc);
	if (ret)
		return ret;
	platform_set_drvdata(pdev, hyp);

	pr_info("hypervisor %u.%u, ABI %u\n", hyp->version >> 16, hyp->version & 0xffff,
		hyp->abi_revision);
	return 0;
}

static int keel_remove(struct platform_device *pdev)
{
	struct keel_hyp *hyp = platform_get_drvdata(pdev);

	misc_deregister(&hyp->misc);
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
	},
};
module_platform_driver(keel_driver);

MODULE_DESCRIPTION("Keel hypervisor interface for VM0");
MODULE_LICENSE("GPL");
