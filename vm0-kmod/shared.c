// SPDX-License-Identifier: GPL-2.0
/*
 * The area VM0 shares with the hypervisor (proto/keel/shared.h): ioreq
 * slots and the event ring, plus the doorbell interrupt that says the ring
 * has entries.
 *
 * Nothing in the area is trusted: ring indices are clamped and every entry
 * is copied out and range-checked before it is queued for userspace.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/platform_device.h>

#include "keel.h"

/* Does a ring entry (already copied out of shared memory) make sense? */
static bool keel_event_valid(const struct keel_event *ev)
{
	if (!keel_guest_id_ok(ev->vm_id))
		return false;
	switch (ev->type) {
	case KEEL_EV_IOREQ:
		return ev->vcpu < KEEL_MAX_VCPUS;
	case KEEL_EV_VM_STOPPED:
		return ev->arg <= KEEL_STOP_REQUEST;
	case KEEL_EV_DOORBELL:
	case KEEL_EV_POSTED:
		return true;  /* cookie and value are keeld's to check */
	default:
		return false;
	}
}

/*
 * Move every entry between our tail and the hypervisor's head into the
 * event FIFO. Runs from the doorbell interrupt and once after setup, for
 * entries written before the handler existed.
 */
static void keel_ring_drain(struct keel_dev *kd)
{
	struct keel_shared *sh = kd->shared;
	bool rescan = false;
	unsigned long flags;
	u32 head, tail;

	spin_lock_irqsave(&kd->ring_lock, flags);
	/*
	 * Acquire: the hypervisor writes an entry, then publishes it by
	 * advancing ev_head with release semantics; reading head with acquire
	 * orders our reads of the entries after it, so we never see an index
	 * before the entry it covers.
	 */
	head = smp_load_acquire(&sh->ev_head);
	tail = kd->ev_tail;
	if (head - tail > KEEL_EVENT_RING) {
		/* More than a ring's worth: the indices are corrupt. Skip to
		 * the head and let userspace rescan instead. */
		pr_warn_ratelimited("event ring head %u tail %u: resyncing\n", head, tail);
		tail = head;
		rescan = true;
	}
	for (; tail != head; tail++) {
		const struct keel_event *e = &sh->ring[tail % KEEL_EVENT_RING];
		struct keel_event ev = {
			.type = READ_ONCE(e->type),
			.vm_id = READ_ONCE(e->vm_id),
			.vcpu = READ_ONCE(e->vcpu),
			.arg = READ_ONCE(e->arg),
		};

		/* VM0's own channel ends: served here, not by keeld. */
		if (ev.type == KEEL_EV_CHAN) {
			keel_chan_event(ev.vcpu);
			continue;
		}
		if (!keel_event_valid(&ev)) {
			pr_warn_ratelimited("dropped bad event type %u vm %u vcpu %u arg %u\n",
					    ev.type, ev.vm_id, ev.vcpu, ev.arg);
			continue;
		}
		keel_event_push(kd, ev.type, ev.vm_id,
				ev.type == KEEL_EV_VM_STOPPED ? 0 : ev.vcpu,
				ev.type == KEEL_EV_IOREQ ? 0 : ev.arg);
	}
	kd->ev_tail = tail;
	/*
	 * Release: our reads of the entries above complete before the
	 * hypervisor can see their slots free (it reads ev_tail before it
	 * overwrites an entry), so an entry is never rewritten under us.
	 */
	smp_store_release(&sh->ev_tail, tail);
	/*
	 * The hypervisor sets `overflow` when it found the ring full and
	 * dropped an event. xchg() is fully ordered: it comes after the tail
	 * store, and an overflow flagged after it raises a new doorbell.
	 * Clearing it before userspace sees the RESCAN means any later loss
	 * flags again, and the rescan covers everything lost before it.
	 */
	if (xchg(&sh->overflow, 0))
		rescan = true;
	spin_unlock_irqrestore(&kd->ring_lock, flags);

	if (rescan) {
		keel_chan_event_all();  /* a lost KEEL_EV_CHAN among them */
		keel_event_push(kd, KEEL_EV_RESCAN, 0, 0, 0);
	}
}

static irqreturn_t keel_doorbell_irq(int irq, void *data)
{
	keel_ring_drain(data);
	return IRQ_HANDLED;
}

int keel_shared_init(struct keel_dev *kd, struct platform_device *pdev)
{
	struct keel_shared *sh;
	long ret;

	spin_lock_init(&kd->ring_lock);
	kd->irq = platform_get_irq(pdev, 0);
	if (kd->irq < 0)
		return kd->irq;

	/* Page aligned and physically contiguous, as the hypercall wants. */
	kd->shared_alloc = PAGE_ALIGN(sizeof(*sh));
	sh = alloc_pages_exact(kd->shared_alloc, GFP_KERNEL | __GFP_ZERO);
	if (!sh)
		return -ENOMEM;
	sh->magic = KEEL_SHARED_MAGIC;
	sh->revision = KEEL_SHARED_REVISION;

	/* The hypervisor reads magic and revision on this CPU during the
	 * HVC, through a cacheable mapping: no barrier or cache clean needed. */
	ret = keel_hc_shared_setup(virt_to_phys(sh), sizeof(*sh));
	if (ret == -EOPNOTSUPP) {
		/* An older hypervisor: VERSION and SYSINFO still work. */
		pr_warn("no shared area: guests' I/O is unavailable\n");
		free_pages_exact(sh, kd->shared_alloc);
		return 0;
	}
	if (ret) {
		pr_err("shared area setup failed: %ld\n", ret);
		free_pages_exact(sh, kd->shared_alloc);
		return ret;
	}
	kd->shared = sh;

	ret = request_irq(kd->irq, keel_doorbell_irq, 0, "keel-doorbell", kd);
	if (ret) {
		pr_err("doorbell IRQ %d: %ld\n", kd->irq, ret);
		goto err_unregister;
	}
	kd->irq_requested = true;
	keel_ring_drain(kd);
	keel_debugfs_init(kd);
	return 0;

err_unregister:
	keel_shared_exit(kd);
	return ret;
}

/* Idempotent: also unwinds a half-done keel_shared_init(). */
void keel_shared_exit(struct keel_dev *kd)
{
	struct keel_shared *sh = kd->shared;
	long ret;

	if (!sh)
		return;
	keel_debugfs_exit();
	if (kd->irq_requested)
		free_irq(kd->irq, kd);
	kd->irq_requested = false;
	kd->shared = NULL;
	/* Size 0 unregisters. If the hypervisor refuses, it may still write
	 * the pages: leak them rather than hand them back to the allocator. */
	ret = keel_hc_shared_setup(0, 0);
	if (ret) {
		pr_warn("shared area unregister failed (%ld): leaking %zu bytes\n", ret,
			kd->shared_alloc);
		return;
	}
	free_pages_exact(sh, kd->shared_alloc);
}
