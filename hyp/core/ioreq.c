// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * MMIO forwarding to VM0. A guest access to a range VM0 serves fills that
 * vCPU's slot in the shared area, posts KEEL_EV_IOREQ and raises VM0's
 * doorbell; the vCPU waits until VM0 calls KEEL_HC_IOREQ_COMPLETE.
 *
 * The shared area is VM0 memory: everything read back from it is copied
 * once (READ_ONCE) and checked; what the answer is for (register, size,
 * sign extension) never leaves the vCPU struct.
 */
#include <keel/shared.h>
#include <hyp/boot.h>
#include <hyp/errno.h>
#include <hyp/ioreq.h>
#include <hyp/log.h>
#include <hyp/sched.h>
#include <hyp/shadow.h>
#include <asm/barrier.h>
#include <hyp/vcpu.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

static struct keel_shared *shared;
/* The ring's write index is ours: ev_head in the shared area is only where
 * we publish it. VM0 may scribble on that copy; it never moves where we
 * write, and the next event publishes the true index again. */
static u32 ev_head;
static spinlock_t ring_lock = SPINLOCK_INIT;
/* Publishing a request and completing one, serialised: a completion sees
 * a vCPU either not waiting or waiting with its request READY in the slot,
 * never in between (blocked, seq not yet set); and two VM0 vCPUs
 * completing the same slot cannot both pass the checks and step the guest
 * past its access twice. */
static spinlock_t ioreq_lock = SPINLOCK_INIT;
/* The last request number handed out, machine-wide: an answer with the
 * seq of an earlier request, even one a previous VM on the same id made,
 * never matches a later request. */
static u64 ioreq_seq_last;

int ioreq_shared_setup(u64 pa, u64 size)
{
	struct keel_shared *s = (struct keel_shared *)(uintptr_t)pa;
	u64 flags;

	if (size) {
		if (!IS_ALIGNED(pa, PAGE_SIZE) || size < sizeof(*s) ||
		    !vm_ram_contains(vm0, pa, sizeof(*s)))
			return -EINVAL;
		if (READ_ONCE(s->magic) != KEEL_SHARED_MAGIC ||
		    READ_ONCE(s->revision) != KEEL_SHARED_REVISION)
			return -EINVAL;
	}
	flags = irq_save();
	spin_lock(&ring_lock);
	if (size) {
		/* Start where VM0 will read: an empty ring. */
		ev_head = READ_ONCE(s->ev_tail);
		WRITE_ONCE(s->ev_head, ev_head);
		WRITE_ONCE(s->overflow, 0);
	}
	WRITE_ONCE(shared, size ? s : NULL);
	spin_unlock(&ring_lock);
	irq_restore(flags);
	return 0;
}

void ioreq_post_event(u32 type, u32 vm_id, u32 vcpu, u32 arg)
{
	struct keel_shared *s;
	u64 flags;

	if (!vm0)
		return;
	flags = irq_save();
	spin_lock(&ring_lock);
	s = READ_ONCE(shared);
	if (s) {
		/* The only index we take from VM0, read once. A tail it
		 * scribbled past our head reads as a full ring: the overflow
		 * flag makes VM0 rescan, so nothing is lost, and keel.ko
		 * stores its own tail back when it drains. */
		u32 tail = READ_ONCE(s->ev_tail);

		if (ev_head - tail >= KEEL_EVENT_RING) {
			WRITE_ONCE(s->overflow, 1);
		} else {
			s->ring[ev_head % KEEL_EVENT_RING] = (struct keel_event){ type, vm_id, vcpu, arg };
			ev_head++;
		}
		/* dmb: the entry (and overflow) are visible before the head that
		 * publishes them. Published even when nothing was written, so
		 * a head VM0 scribbled on is put right at the next event. */
		dmb(ishst);
		WRITE_ONCE(s->ev_head, ev_head);
	}
	spin_unlock(&ring_lock);
	irq_restore(flags);
	if (s)
		vgic_inject(vm0, 0, vm0_doorbell_intid, true);
}

int ioreq_mmio(struct vcpu *v, struct mmio_access *acc, void *priv)
{
	struct keel_shared *s = READ_ONCE(shared);
	struct keel_ioreq *slot;
	u32 was;
	u64 flags;

	/* A shadow register answers without VM0 (and without a shared area). */
	if (!shadow_access(v->vm, acc))
		return 0;
	if (!s || v->vm->id >= KEEL_MAX_VMS || v->id >= KEEL_MAX_VCPUS)
		return -ENODEV;  /* nobody serves it: the guest gets an external abort */
	slot = &s->ioreq[v->vm->id][v->id];
	flags = irq_save();
	spin_lock(&ioreq_lock);
	was = READ_ONCE(slot->state);
	/* Blocked before VM0 can see the request, so its answer always finds
	 * the vCPU waiting; under ioreq_lock, so no answer comes before the
	 * request is whole. */
	sched_block_ioreq(v);
	v->nr_ioreqs++;
	v->ioreq_seq = ++ioreq_seq_last;
	slot->vm_id = v->vm->id;
	slot->vcpu = v->id;
	slot->dir = acc->write ? KEEL_IOREQ_WRITE : KEEL_IOREQ_READ;
	slot->size = (u8)acc->size;
	slot->addr = acc->addr;
	slot->data = acc->write ? acc->data : 0;
	slot->seq = v->ioreq_seq;
	/* dmb: the request is complete before VM0 can see it READY. */
	dmb(ishst);
	WRITE_ONCE(slot->state, KEEL_IOREQ_READY);
	spin_unlock(&ioreq_lock);
	irq_restore(flags);
	/* VM0 left the slot in another state (a VM before this one on the id
	 * stopped mid-request, or VM0 scribbled on it): overwritten. */
	if (was != KEEL_IOREQ_NONE)
		pr_guest_warn(0, "vm%u vcpu%u: ioreq slot was in state %u at request %llu", v->vm->id,
			      v->id, was, (unsigned long long)v->ioreq_seq);
	ioreq_post_event(KEEL_EV_IOREQ, v->vm->id, v->id, 0);
	return MMIO_DEFERRED;
}

int ioreq_doorbell(struct vcpu *v, struct mmio_access *acc, void *priv)
{
	if (!acc->write) {
		acc->data = 0;  /* doorbells are write-only */
		return 0;
	}
	v->nr_doorbells++;
	/* Without a shared area nobody listens: the write is dropped, as on a
	 * bus whose device is not there yet. */
	ioreq_post_event(KEEL_EV_DOORBELL, v->vm->id, (u32)(uintptr_t)priv, (u32)acc->data);
	return 0;
}

/*
 * Called with a reference to vm and ioreq_lock held. The slot is VM0's to
 * write at any time: state, seq and data are each read once, then checked.
 * What the answer is for (read or write, size, register) is the vCPU's own
 * record; only a read's value comes from the slot. Refusals are logged
 * against VM0's rate limit: it alone can cause them.
 */
static int ioreq_complete_locked(struct keel_shared *s, struct vm *vm, u32 vm_id, u32 vcpu_id)
{
	struct keel_ioreq *slot;
	struct vcpu *v;
	u64 data, seq;
	u32 state;

	if (vcpu_id >= vm->nr_vcpus)
		return -EINVAL;
	v = vm->vcpus[vcpu_id];
	slot = &s->ioreq[vm_id][vcpu_id];
	state = READ_ONCE(slot->state);
	/* dmb: read the answer only after seeing DONE (VM0 wrote data first). */
	dmb(ishld);
	data = READ_ONCE(slot->data);
	seq = READ_ONCE(slot->seq);
	if (!v->ioreq_wait || state != KEEL_IOREQ_DONE || seq != v->ioreq_seq) {
		pr_guest_warn(0, "vm%u vcpu%u: ioreq complete refused: %s, state %u, seq %llu (expected %llu)",
			      vm_id, vcpu_id, v->ioreq_wait ? "waiting" : "no request pending", state,
			      (unsigned long long)seq, (unsigned long long)v->ioreq_seq);
		return -EINVAL;
	}
	WRITE_ONCE(slot->state, KEEL_IOREQ_NONE);
	if (!v->ioreq_write)
		vcpu_mmio_result(v, data);
	vcpu_mmio_done(v);
	sched_ioreq_done(v);
	return 0;
}

int ioreq_complete(u32 vm_id, u32 vcpu_id)
{
	struct keel_shared *s = READ_ONCE(shared);
	struct vm *vm;
	u64 flags;
	int ret;

	if (!s)
		return -ENODEV;
	/* A reference: VM_DESTROY on another pCPU waits for it. */
	vm = vm_id && vm_id < KEEL_MAX_VMS ? vm_get(vm_id) : NULL;
	if (!vm)
		return -ENOENT;
	if (vm->is_vm0) {
		vm_put(vm);
		return -ENOENT;
	}
	flags = irq_save();
	spin_lock(&ioreq_lock);
	ret = ioreq_complete_locked(s, vm, vm_id, vcpu_id);
	spin_unlock(&ioreq_lock);
	irq_restore(flags);
	vm_put(vm);
	return ret;
}
