// SPDX-License-Identifier: GPL-2.0
/*
 * The event FIFO behind read() and poll() on /dev/keel.
 *
 * Producers are the doorbell interrupt (hypervisor events), the hvc
 * callbacks (console input) and ioctls; they serialise on ev_lock. One
 * reader at a time (ev_read_lock) hands whole struct keel_event records to
 * userspace.
 *
 * When the FIFO is about to fill, its last free entry becomes a
 * KEEL_EV_RESCAN and later events are dropped until userspace has read a
 * RESCAN: the rescan it then does (every slot, every VM, every console)
 * finds whatever the dropped events were about.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "keel.h"

#define KEEL_EVENTS 1024	/* records; a power of two */
#define KEEL_READ_BATCH 16	/* records moved per lock hold in read() */

int keel_events_init(struct keel_dev *kd)
{
	spin_lock_init(&kd->ev_lock);
	mutex_init(&kd->ev_read_lock);
	init_waitqueue_head(&kd->ev_wait);
	return kfifo_alloc(&kd->events, KEEL_EVENTS, GFP_KERNEL);
}

void keel_events_exit(struct keel_dev *kd)
{
	kfifo_free(&kd->events);
}

/* Any context: called from hard IRQ and under the hvc driver's spinlocks. */
void keel_event_push(struct keel_dev *kd, u32 type, u32 vm_id, u32 vcpu, u32 arg)
{
	struct keel_event ev = { .type = type, .vm_id = vm_id, .vcpu = vcpu, .arg = arg };
	unsigned long flags;

	spin_lock_irqsave(&kd->ev_lock, flags);
	if (!kd->ev_lost) {
		if (kfifo_avail(&kd->events) > 1) {
			kfifo_put(&kd->events, ev);
		} else {
			struct keel_event rescan = { .type = KEEL_EV_RESCAN };

			kfifo_put(&kd->events, rescan);
			kd->ev_lost = true;
			pr_warn_ratelimited("event queue full: asking for a rescan\n");
		}
	}
	spin_unlock_irqrestore(&kd->ev_lock, flags);
	wake_up_interruptible(&kd->ev_wait);
}

/* Dequeue up to n records; a RESCAN leaving the FIFO re-arms queueing. */
static unsigned int keel_events_take(struct keel_dev *kd, struct keel_event *evs,
				     unsigned int n)
{
	unsigned int got, i;

	spin_lock_irq(&kd->ev_lock);
	got = kfifo_out(&kd->events, evs, n);
	for (i = 0; i < got; i++)
		if (evs[i].type == KEEL_EV_RESCAN)
			kd->ev_lost = false;
	spin_unlock_irq(&kd->ev_lock);
	return got;
}

/*
 * Whole records only: count must hold at least one. Blocks while the FIFO
 * is empty unless O_NONBLOCK. Returns as many records as fit and are queued.
 */
ssize_t keel_events_read(struct keel_dev *kd, struct file *file, char __user *buf,
			 size_t count)
{
	struct keel_event evs[KEEL_READ_BATCH];
	size_t done = 0;
	ssize_t ret;

	if (count < sizeof(struct keel_event))
		return -EINVAL;
	if (mutex_lock_interruptible(&kd->ev_read_lock))
		return -ERESTARTSYS;

	while (kfifo_is_empty(&kd->events)) {
		mutex_unlock(&kd->ev_read_lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(kd->ev_wait, !kfifo_is_empty(&kd->events)))
			return -ERESTARTSYS;
		if (mutex_lock_interruptible(&kd->ev_read_lock))
			return -ERESTARTSYS;
	}

	while (count - done >= sizeof(struct keel_event)) {
		unsigned int want = min_t(size_t, KEEL_READ_BATCH,
					  (count - done) / sizeof(struct keel_event));
		unsigned int got = keel_events_take(kd, evs, want);

		if (!got)
			break;
		/* Records taken but not delivered are lost: only a bad
		 * buffer gets here, and that is the caller's bug. */
		if (copy_to_user(buf + done, evs, got * sizeof(struct keel_event))) {
			ret = done ? (ssize_t)done : -EFAULT;
			goto out;
		}
		done += got * sizeof(struct keel_event);
	}
	ret = done;
out:
	mutex_unlock(&kd->ev_read_lock);
	return ret;
}

__poll_t keel_events_poll(struct keel_dev *kd, struct file *file,
			  struct poll_table_struct *wait)
{
	poll_wait(file, &kd->ev_wait, wait);
	return kfifo_is_empty(&kd->events) ? 0 : EPOLLIN | EPOLLRDNORM;
}
