// SPDX-License-Identifier: GPL-2.0
/*
 * IOREQ_GET and IOREQ_COMPLETE: keeld's side of the ioreq slot protocol
 * (proto/keel/shared.h): READY (hypervisor) -> INPROCESS (IOREQ_GET) ->
 * DONE (IOREQ_COMPLETE, then KEEL_HC_IOREQ_COMPLETE) -> NONE (hypervisor).
 *
 * ioreq_lock serialises VM0's own transitions; the hypervisor may still
 * write a slot concurrently (e.g. resetting it when it stops a VM), which is
 * why READY -> INPROCESS is a compare-and-swap.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/atomic.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>

#include "keel.h"

static struct keel_ioreq *keel_ioreq_slot(struct keel_dev *kd, u32 vm_id, u32 vcpu)
{
	if (!kd->shared || vm_id >= KEEL_MAX_VMS || vcpu >= KEEL_MAX_VCPUS)
		return NULL;
	/* Indices from userspace: no speculative out-of-bounds loads. */
	vm_id = array_index_nospec(vm_id, KEEL_MAX_VMS);
	vcpu = array_index_nospec(vcpu, KEEL_MAX_VCPUS);
	return &kd->shared->ioreq[vm_id][vcpu];
}

/*
 * in: vm_id, vcpu; out: a copy of that slot, with state INPROCESS (the
 * state it now has) and vm_id/vcpu naming the slot. -EAGAIN when the slot
 * is not READY; -EPROTO when the hypervisor filled it with nonsense (the
 * slot is then left READY).
 */
long keel_ioc_ioreq_get(struct keel_dev *kd, void __user *uarg)
{
	struct keel_ioreq __user *ureq = uarg;
	struct keel_ioreq *slot, req = { };
	bool reclaim = false;
	u32 vm_id, vcpu, want;
	long ret = 0;

	if (get_user(vm_id, &ureq->vm_id) || get_user(vcpu, &ureq->vcpu) ||
	    get_user(want, &ureq->state))
		return -EFAULT;
	if (want != 0 && want != KEEL_IOREQ_INPROCESS)
		return -EINVAL;
	if (!kd->shared)
		return -ENODEV;
	slot = keel_ioreq_slot(kd, vm_id, vcpu);
	if (!slot)
		return -EINVAL;

	mutex_lock(&kd->ioreq_lock);
	/* Copy the request out of shared memory once, then check the copy.
	 * Acquire: the hypervisor filled the fields before it stored READY
	 * (release); reading them after an acquire load of READY sees them
	 * complete. */
	/* A reclaim takes back a slot a dead keeld held: nothing changes
	 * hands, the copy below is all it needs. */
	if (want == KEEL_IOREQ_INPROCESS && smp_load_acquire(&slot->state) == KEEL_IOREQ_INPROCESS) {
		reclaim = true;
	} else if (smp_load_acquire(&slot->state) != KEEL_IOREQ_READY) {
		ret = -EAGAIN;
		goto out;
	}
	req.dir = READ_ONCE(slot->dir);
	req.size = READ_ONCE(slot->size);
	req.addr = READ_ONCE(slot->addr);
	req.data = READ_ONCE(slot->data);
	req.seq = READ_ONCE(slot->seq);
	req.vm_id = vm_id;
	req.vcpu = vcpu;
	req.state = KEEL_IOREQ_INPROCESS;
	if (req.dir > KEEL_IOREQ_WRITE ||
	    (req.size != 1 && req.size != 2 && req.size != 4 && req.size != 8)) {
		pr_warn_ratelimited("ioreq VM %u vCPU %u: dir %u size %u\n", vm_id, vcpu,
				    req.dir, req.size);
		ret = -EPROTO;
		goto out;
	}
	/*
	 * Claim it. cmpxchg() is fully ordered: the field reads above are
	 * complete before the hypervisor can observe INPROCESS, and it fails
	 * if the hypervisor took the slot back since we looked.
	 */
	if (!reclaim &&
	    cmpxchg(&slot->state, KEEL_IOREQ_READY, KEEL_IOREQ_INPROCESS) != KEEL_IOREQ_READY) {
		ret = -EAGAIN;
		goto out;
	}
	if (copy_to_user(ureq, &req, sizeof(req))) {
		/* Not delivered: give it back so a retry finds it. */
		if (!reclaim)
			cmpxchg(&slot->state, KEEL_IOREQ_INPROCESS, KEEL_IOREQ_READY);
		ret = -EFAULT;
	}
out:
	mutex_unlock(&kd->ioreq_lock);
	return ret;
}

/*
 * in: id, vcpu, data. The slot must be INPROCESS (taken by IOREQ_GET):
 * -EINVAL otherwise. For a read, data becomes the guest's value. Then the
 * hypervisor's answer: -EINVAL when the slot is not DONE with the seq of
 * the request that vCPU waits on (someone wrote the slot meanwhile, or
 * the VM on that id is a newer one), -ENOENT when the VM is gone.
 */
long keel_ioc_ioreq_complete(struct keel_dev *kd, void __user *uarg)
{
	struct keel_ioc_ioreq_done done;
	struct keel_ioreq *slot;
	long ret;

	if (copy_from_user(&done, uarg, sizeof(done)))
		return -EFAULT;
	if (!kd->shared)
		return -ENODEV;
	slot = keel_ioreq_slot(kd, done.id, done.vcpu);
	if (!slot || !done.id)
		return -EINVAL;

	mutex_lock(&kd->ioreq_lock);
	if (READ_ONCE(slot->state) != KEEL_IOREQ_INPROCESS) {
		ret = -EINVAL;
		goto out;
	}
	/* Stored for writes too: the hypervisor keeps its own record of
	 * which it was and takes data for reads only, so nothing here needs
	 * the slot's dir (VM0 memory, whatever is in it now). */
	WRITE_ONCE(slot->data, done.data);
	/*
	 * Release: the data store above is visible before DONE is; the
	 * hypervisor reads the state with acquire semantics before data.
	 */
	smp_store_release(&slot->state, KEEL_IOREQ_DONE);
	ret = keel_hc_ioreq_complete(done.id, done.vcpu);
out:
	mutex_unlock(&kd->ioreq_lock);
	return ret;
}
