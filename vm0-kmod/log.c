// SPDX-License-Identifier: GPL-2.0
/*
 * KEEL_IOC_LOG_READ: the hypervisor's log (KEEL_HC_LOG_READ), so a user
 * reads why a guest crashed without a serial cable (`keel system log`).
 * The hypercall fills one kernel page at a time; the hypervisor keeps a
 * ring and numbers every byte it ever logged, so a reader passes back the
 * seq it got to read on.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>

#include "keel.h"

long keel_ioc_log_read(void __user *uarg)
{
	struct keel_ioc_log l;
	char *page;
	long ret = 0;

	if (copy_from_user(&l, uarg, sizeof(l)))
		return -EFAULT;
	if (l.pad)
		return -EINVAL;
	page = keel_hc_buf_alloc(PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	l.bytes = 0;
	while (l.bytes < l.len) {
		u32 want = min_t(u32, PAGE_SIZE, l.len - l.bytes);
		u64 got;

		ret = keel_hc_log_read(page, want, &l.seq, &got);
		if (ret || !got)
			break;
		/* The hypervisor wrote the page during the HVC, through a
		 * cacheable mapping on this CPU: no barrier needed. */
		if (copy_to_user(u64_to_user_ptr(l.buf + l.bytes), page, got)) {
			ret = -EFAULT;
			break;
		}
		l.bytes += got;
		if (got < want)
			break;
	}
	kfree(page);
	if (!ret && copy_to_user(uarg, &l, sizeof(l)))
		ret = -EFAULT;
	return ret;
}
