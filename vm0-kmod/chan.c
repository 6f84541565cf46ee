// SPDX-License-Identifier: GPL-2.0
/*
 * VM0's channel ends. keeld attaches them (KEEL_IOC_CHAN_ATTACH) when a
 * guest whose config names "vm0" as a channel's peer boots; keel.ko then
 * serves the end itself, with the same code as a guest's (kchan/kchan.c):
 * /dev/ttyKC<n> and /dev/keelchan<n>. The peer's kicks arrive as
 * KEEL_EV_CHAN on the event ring and go straight to the end, not to keeld.
 * VM0's end stays while its guest is only stopped or rebooted (the guest
 * finds it where it left it); keeld detaches it when the guest is removed
 * (KEEL_IOC_CHAN_DETACH, refused while the end is open), keel.ko when it
 * goes.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/arm-smccc.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kchan.h"
#include "keel.h"

static struct keel_dev *chan_kd;
static DEFINE_MUTEX(chan_mutex);  /* attaches */
static DEFINE_SPINLOCK(chan_lock); /* ends[]: the event path reads it */
static struct kchan *ends[KEEL_CHAN_MAX];
static char names[KEEL_CHAN_MAX][KEEL_CHAN_NAME_LEN];

int keel_chans_init(struct keel_dev *kd)
{
	chan_kd = kd;
	return kchan_init();
}

/* Take VM0's end of channel id out of the table (no event reaches it from
 * here on), destroy it, and leave the channel in the hypervisor. */
static long keel_chan_drop(u32 id)
{
	struct arm_smccc_res res;
	struct kchan *c;

	spin_lock_irq(&chan_lock);
	c = ends[id];
	ends[id] = NULL;
	spin_unlock_irq(&chan_lock);
	kchan_destroy(c);
	arm_smccc_1_1_hvc(KEEL_HC_CHAN_DETACH, id, &res);
	return keel_hc_errno(res.a0);
}

void keel_chans_exit(void)
{
	u32 id;

	/* An open end holds the module: none is open now. */
	for (id = 0; id < KEEL_CHAN_MAX; id++)
		if (ends[id])
			keel_chan_drop(id);
	kchan_exit();
}

long keel_ioc_chan_detach(void __user *uarg)
{
	u32 id;
	long ret = keel_copy_vm_id(uarg, &id);

	if (ret)
		return ret;
	if (id >= KEEL_CHAN_MAX)
		return -EINVAL;
	mutex_lock(&chan_mutex);
	if (!ends[id])
		ret = -ENOENT;
	else if (!(ret = kchan_retire(ends[id])))
		ret = keel_chan_drop(id);
	mutex_unlock(&chan_mutex);
	return ret;
}

void keel_chan_event(u32 id)
{
	unsigned long flags;

	spin_lock_irqsave(&chan_lock, flags);
	if (id < KEEL_CHAN_MAX && ends[id])
		kchan_notify(ends[id]);
	spin_unlock_irqrestore(&chan_lock, flags);
}

void keel_chan_event_all(void)
{
	u32 id;

	for (id = 0; id < KEEL_CHAN_MAX; id++)
		keel_chan_event(id);
}

/* VM0's end of a channel keel.ko already serves, by name, or -1. */
static int keel_chan_find(const char *name)
{
	u32 id;

	for (id = 0; id < KEEL_CHAN_MAX; id++)
		if (ends[id] && !strncmp(names[id], name, KEEL_CHAN_NAME_LEN))
			return id;
	return -1;
}

long keel_ioc_chan_attach(void __user *uarg)
{
	struct keel_ioc_chan ic;
	struct keel_chan_desc *desc;
	struct kchan *c;
	u64 pa = 0;
	long ret;
	int have;

	if (copy_from_user(&ic, uarg, sizeof(ic)))
		return -EFAULT;
	ic.desc.name[KEEL_CHAN_NAME_LEN - 1] = '\0';
	desc = keel_hc_buf_alloc(sizeof(*desc));
	if (!desc)
		return -ENOMEM;
	*desc = ic.desc;
	mutex_lock(&chan_mutex);
	ret = keel_hc_chan_attach(desc, &ic.chan_id, &ic.end, &pa);
	kfree(desc);
	if (ic.desc.vm_id == 0) {
		have = keel_chan_find(ic.desc.name);
		if (ret == -EBUSY && have >= 0) {
			/* Attached by an earlier boot of the peer: ours already. */
			ic.chan_id = have;
			ic.end = kchan_end(ends[have]);
			ret = 0;
		} else if (!ret && ic.chan_id < KEEL_CHAN_MAX && !ends[ic.chan_id]) {
			c = kchan_create(chan_kd->dev, pa, ic.desc.size, ic.chan_id, ic.end,
					 ic.desc.name);
			if (IS_ERR(c)) {
				ret = PTR_ERR(c);
			} else {
				memcpy(names[ic.chan_id], ic.desc.name, KEEL_CHAN_NAME_LEN);
				spin_lock_irq(&chan_lock);
				ends[ic.chan_id] = c;
				spin_unlock_irq(&chan_lock);
			}
		} else if (!ret) {
			ret = -EPROTO;  /* an id we cannot hold, or one we hold */
		}
	}
	mutex_unlock(&chan_mutex);
	if (!ret && copy_to_user(uarg, &ic, sizeof(ic)))
		ret = -EFAULT;
	return ret;
}
