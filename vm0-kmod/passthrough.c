// SPDX-License-Identifier: GPL-2.0
/*
 * KEEL_IOC_PT_ASSIGN: a device of the machine for a guest. The hypervisor
 * checks the whole descriptor (the region is a device, not RAM or the GIC,
 * the SPIs exist and are free); keeld unbinds VM0's own driver first, since
 * the device's pages leave VM0's stage 2.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>

#include "keel.h"

long keel_ioc_pt_assign(void __user *uarg)
{
	struct keel_pt_desc *d = keel_hc_buf_alloc(sizeof(*d));
	long ret = -EFAULT;

	if (!d)
		return -ENOMEM;
	if (copy_from_user(d, uarg, sizeof(*d)))
		goto out;
	ret = -EINVAL;
	if (!keel_guest_id_ok(d->vm_id))
		goto out;
	/* The hypervisor reads its copy during the HVC, on this CPU. */
	ret = keel_hc_pt_assign(d);
out:
	kfree(d);
	return ret;
}
