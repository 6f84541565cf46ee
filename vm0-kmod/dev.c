// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/keel: the misc device keeld and the keel cli open. Root only
 * (CAP_SYS_ADMIN): it creates VMs and maps their memory.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/miscdevice.h>
#include <linux/poll.h>
#include <linux/uaccess.h>

#include "keel.h"

static struct keel_dev *keel_file_dev(struct file *file)
{
	/* misc_open() points private_data at our struct miscdevice. */
	return container_of(file->private_data, struct keel_dev, misc);
}

static long keel_ioc_version(struct keel_dev *kd, void __user *uarg)
{
	struct keel_ioc_version v = {
		.version = kd->version,
		.abi_revision = kd->abi_revision,
		.ioc_revision = KEEL_IOC_REVISION,
	};

	return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
}

static long keel_ioc_sysinfo(void __user *uarg)
{
	struct keel_sysinfo *info;
	long ret;

	info = keel_hc_buf_alloc(sizeof(*info));
	if (!info)
		return -ENOMEM;
	ret = keel_hc_sysinfo(info);
	if (ret)
		goto out;
	if (info->magic != KEEL_SYSINFO_MAGIC || info->revision != KEEL_SYSINFO_REVISION) {
		pr_warn("sysinfo: magic %#x revision %u, expected %#x %u\n", info->magic,
			info->revision, KEEL_SYSINFO_MAGIC, KEEL_SYSINFO_REVISION);
		ret = -EPROTO;
		goto out;
	}
	if (copy_to_user(uarg, info, sizeof(*info)))
		ret = -EFAULT;
out:
	kfree(info);
	return ret;
}

static long keel_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct keel_dev *kd = keel_file_dev(file);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case KEEL_IOC_VERSION:
		return keel_ioc_version(kd, uarg);
	case KEEL_IOC_SYSINFO:
		return keel_ioc_sysinfo(uarg);
	case KEEL_IOC_STAT:
		return keel_ioc_stat(uarg);
	case KEEL_IOC_VM_CREATE:
		return keel_ioc_vm_create(kd, uarg);
	case KEEL_IOC_VM_START:
		return keel_ioc_vm_start(uarg);
	case KEEL_IOC_VM_STOP:
		return keel_ioc_vm_stop(uarg);
	case KEEL_IOC_VM_DESTROY:
		return keel_ioc_vm_destroy(kd, uarg);
	case KEEL_IOC_VM_INFO:
		return keel_ioc_vm_info(uarg);
	case KEEL_IOC_MMIO_REGISTER:
		return keel_ioc_mmio_register(uarg);
	case KEEL_IOC_IRQ_LINE:
		return keel_ioc_irq_line(uarg);
	case KEEL_IOC_IOREQ_GET:
		return keel_ioc_ioreq_get(kd, uarg);
	case KEEL_IOC_IOREQ_COMPLETE:
		return keel_ioc_ioreq_complete(kd, uarg);
	case KEEL_IOC_VM_MAP:
		return keel_ioc_vm_map(kd, uarg);
	case KEEL_IOC_CONSOLE_ADD:
		return keel_ioc_console_add(uarg);
	case KEEL_IOC_CONSOLE_REMOVE:
		return keel_ioc_console_remove(uarg);
	case KEEL_IOC_CONSOLE_WRITE:
		return keel_ioc_console_write(uarg);
	case KEEL_IOC_CONSOLE_READ:
		return keel_ioc_console_read(uarg);
	case KEEL_IOC_SHADOW_REGISTER:
		return keel_ioc_shadow_register(kd, uarg);
	case KEEL_IOC_PT_ASSIGN:
		return keel_ioc_pt_assign(uarg);
	case KEEL_IOC_LOG_READ:
		return keel_ioc_log_read(uarg);
	case KEEL_IOC_CHAN_ATTACH:
		return keel_ioc_chan_attach(uarg);
	case KEEL_IOC_CHAN_DETACH:
		return keel_ioc_chan_detach(uarg);
	default:
		return -ENOTTY;
	}
}

static int keel_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

static ssize_t keel_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	return keel_events_read(keel_file_dev(file), file, buf, count);
}

static __poll_t keel_poll(struct file *file, struct poll_table_struct *wait)
{
	return keel_events_poll(keel_file_dev(file), file, wait);
}

static int keel_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	return keel_mmap(keel_file_dev(file), vma);
}

static const struct file_operations keel_fops = {
	.owner = THIS_MODULE,
	.open = keel_open,
	.read = keel_read,
	.poll = keel_poll,
	.mmap = keel_file_mmap,
	.unlocked_ioctl = keel_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

int keel_dev_register(struct keel_dev *kd)
{
	kd->misc.minor = MISC_DYNAMIC_MINOR;
	kd->misc.name = "keel";
	kd->misc.fops = &keel_fops;
	kd->misc.parent = kd->dev;
	kd->misc.mode = 0600;
	return misc_register(&kd->misc);
}

void keel_dev_unregister(struct keel_dev *kd)
{
	misc_deregister(&kd->misc);
}
