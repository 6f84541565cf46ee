// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/keel/: the shared area as the hypervisor sees it, for
 * debugging and for tests of the trust boundary (keeltest forge).
 *
 *   shared          the area (proto/keel/shared.h), read and written at any
 *                   offset: ring indices, ring entries, ioreq slots.
 *   ioreq_complete  write "VM VCPU": KEEL_HC_IOREQ_COMPLETE as it is, without
 *                   the checks and the DONE store of KEEL_IOC_IOREQ_COMPLETE.
 *                   The write returns the hypervisor's answer (-errno);
 *                   -EBADMSG when the text is not two numbers.
 *
 * Both let root play a VM0 kernel that writes anything to the area at any
 * time. VM0 is trusted to manage the hypervisor, never to corrupt it, and
 * the hypervisor copies and checks all it reads there; what a writer here
 * can break is only VM0's own view of its guests' I/O (which the ring's
 * overflow rescan recovers). Files are created with the area and removed
 * before it is freed; debugfs waits for calls in progress.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/uaccess.h>

#include "keel.h"

static struct dentry *keel_debugfs_dir;

static ssize_t keel_dbg_shared_read(struct file *file, char __user *buf, size_t count,
				    loff_t *ppos)
{
	struct keel_dev *kd = file->private_data;

	return simple_read_from_buffer(buf, count, ppos, kd->shared, sizeof(struct keel_shared));
}

static ssize_t keel_dbg_shared_write(struct file *file, const char __user *buf, size_t count,
				     loff_t *ppos)
{
	struct keel_dev *kd = file->private_data;

	return simple_write_to_buffer(kd->shared, sizeof(struct keel_shared), ppos, buf, count);
}

static const struct file_operations keel_dbg_shared_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = keel_dbg_shared_read,
	.write = keel_dbg_shared_write,
	.llseek = default_llseek,
};

static ssize_t keel_dbg_complete_write(struct file *file, const char __user *buf, size_t count,
				       loff_t *ppos)
{
	char text[32];
	u32 vm_id, vcpu;
	long ret;

	if (count >= sizeof(text))
		return -EBADMSG;
	if (copy_from_user(text, buf, count))
		return -EFAULT;
	text[count] = '\0';
	if (sscanf(text, "%u %u", &vm_id, &vcpu) != 2)
		return -EBADMSG;
	ret = keel_hc_ioreq_complete(vm_id, vcpu);
	return ret ? ret : (ssize_t)count;
}

static const struct file_operations keel_dbg_complete_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = keel_dbg_complete_write,
	.llseek = no_llseek,
};

/* Only with a shared area: there is nothing to look at otherwise. */
void keel_debugfs_init(struct keel_dev *kd)
{
	/* Errors are not fatal (debugfs may be compiled out): the driver
	 * works without these files. */
	keel_debugfs_dir = debugfs_create_dir("keel", NULL);
	debugfs_create_file("shared", 0600, keel_debugfs_dir, kd, &keel_dbg_shared_fops);
	debugfs_create_file("ioreq_complete", 0200, keel_debugfs_dir, kd, &keel_dbg_complete_fops);
}

void keel_debugfs_exit(void)
{
	debugfs_remove(keel_debugfs_dir);
	keel_debugfs_dir = NULL;
}
