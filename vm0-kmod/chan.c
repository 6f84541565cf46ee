// SPDX-License-Identifier: GPL-2.0
/*
 * VM0's channel ends. keeld attaches them (KEEL_IOC_CHAN_ATTACH) when a
 * guest whose config names "vm0" as a channel's peer boots; keel.ko then
 * serves the end itself, with the same code as a guest's (kchan/kchan.c):
 * /dev/ttyKC<n> and /dev/keelchan<n>. The peer's kicks arrive as
 * KEEL_EV_CHAN on the event ring and go straight to the end, not to keeld.
 * VM0's ends stay until keel.ko goes (a guest that is created again finds
 * its VM0 end where it left it).
 */
#define pr_fmt(fmt) "keel: " fmt

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

void keel_chans_exit(void)
{
	unsigned long flags;
	struct kchan *c;
	u32 id;

	for (id = 0; id < KEEL_CHAN_MAX; id++) {
		spin_lock_irqsave(&chan_lock, flags);
		c = ends[id];
		ends[id] = NULL;
		spin_unlock_irqrestore(&chan_lock, flags);
		if (c)
			kchan_destroy(c);
	}
	kchan_exit();
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
