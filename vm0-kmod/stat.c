// SPDX-License-Identifier: GPL-2.0
/*
 * KEEL_HC_STAT: the hypervisor's CPU pools and accounting, for
 * KEEL_IOC_STAT (`keel system stat`, `keel system pools`) and the keel
 * cpufreq governor (governor.c).
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>

#include <keel/stat.h>

#include "keel.h"

/* Larger than a page: kmalloc still hands out physically contiguous
 * memory, which the hypervisor needs (it writes at the PA). */
struct keel_stat *keel_stat_alloc(void)
{
	return kzalloc(sizeof(struct keel_stat), GFP_KERNEL);
}

long keel_stat_read(struct keel_stat *st)
{
	long ret = keel_hc_stat(st, sizeof(*st));

	if (ret)
		return ret;
	if (st->magic != KEEL_STAT_MAGIC || st->revision != KEEL_STAT_REVISION ||
	    st->nr_pcpus > KEEL_STAT_MAX_PCPUS || st->nr_pools > KEEL_MAX_CPUPOOLS ||
	    st->nr_vcpus > KEEL_STAT_MAX_VCPUS) {
		pr_warn_ratelimited("stat: magic %#x revision %u, expected %#x %u\n", st->magic,
				    st->revision, KEEL_STAT_MAGIC, KEEL_STAT_REVISION);
		return -EPROTO;
	}
	return 0;
}

long keel_ioc_stat(void __user *uarg)
{
	struct keel_stat *st = keel_stat_alloc();
	long ret;

	if (!st)
		return -ENOMEM;
	ret = keel_stat_read(st);
	if (!ret && copy_to_user(uarg, st, sizeof(*st)))
		ret = -EFAULT;
	kfree(st);
	return ret;
}
