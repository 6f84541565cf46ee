// SPDX-License-Identifier: GPL-2.0
/*
 * The hypervisor's events about guests: ioreqs (an access to a window VM0
 * serves, dispatched through the VM's device registry), doorbells, posted
 * stores to shadow registers, stops,
 * console input, and the rescan after its event ring overflowed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dev.h"
#include "log.h"
#include "vm/priv.h"

static void vm_ioreq(struct keeld *kd, unsigned id, unsigned vcpu, bool rescan)
{
	struct keel_ioreq rq;
	struct vm *vm;
	uint64_t data;
	int r;

	r = dev_ioreq_get(kd->dev, id, vcpu, rescan, &rq);
	if (r) {
		/* On a rescan most slots are simply not READY. */
		if (!rescan)
			klog("vm %u vcpu %u: KEEL_IOC_IOREQ_GET: %s", id, vcpu, strerror(-r));
		return;
	}
	/* rq is our own copy; still, nothing in it is trusted. */
	vm = vm_get(kd, id);
	data = rq.data;
	if (rq.vm_id != id || rq.vcpu != vcpu || (rq.dir != KEEL_IOREQ_READ && rq.dir != KEEL_IOREQ_WRITE)) {
		klog("vm %u vcpu %u: malformed ioreq (vm %u vcpu %u dir %u): answering 0", id, vcpu,
		     rq.vm_id, rq.vcpu, rq.dir);
		data = 0;
	} else if (!vm) {
		data = 0;
	} else {
		/* No device there: logged once, reads 0, writes ignored. */
		vdev_registry_access(&vm->vdevs, rq.addr, rq.size, rq.dir == KEEL_IOREQ_WRITE, &data);
		if (rq.dir == KEEL_IOREQ_WRITE)
			data = 0;
		/* Saved before the guest goes on: a keeld that dies after the
		 * answer must not lose what the guest was told is done. */
		vm_persist_if_dirty(vm);
	}
	r = dev_ioreq_complete(kd->dev, id, vcpu, data);
	if (r)
		klog("vm %u vcpu %u: KEEL_IOC_IOREQ_COMPLETE: %s", id, vcpu, strerror(-r));
}

/* Bytes typed into /dev/hvc<id>: for the guest's console device. */
static void vm_console_input(struct vm *vm)
{
	if (vm->state == VM_RUNNING)
		vdev_registry_signal(&vm->vdevs, VDEV_SIG_CONSOLE_INPUT, true);
}

void vm_serve_pending(struct vm *vm)
{
	struct keeld *kd = vm->kd;
	unsigned id = vm->id;

	if (vm->state != VM_RUNNING)
		return;
	for (unsigned c = 0; c < vm->desc.nr_vcpus && c < KEEL_MAX_VCPUS; c++)
		vm_ioreq(kd, id, c, true);
	/* Lost events may have been doorbells. */
	vdev_registry_kick_all(&vm->vdevs);
	/* vm may be gone after this (on_poweroff: remove) */
	vm_refresh(vm, NULL);
	if (kd->vms[id] && kd->vms[id]->console_added)
		vm_console_input(kd->vms[id]);
}

static void vm_rescan(struct keeld *kd)
{
	klog("event ring overflowed: rescanning every VM");
	for (unsigned id = 1; id < KEEL_MAX_VMS; id++)
		if (kd->vms[id])
			vm_serve_pending(kd->vms[id]);
}

static void vm_event(struct keeld *kd, const struct keel_event *ev);

/* Everything logged while handling a guest's event is that guest's doing:
 * rate-limited per guest (log.h), wherever below it is logged. */
void vm_on_event(void *opaque, const struct keel_event *ev)
{
	klog_guest_enter(ev->type == KEEL_EV_RESCAN ? KLOG_ANY_GUEST : ev->vm_id);
	vm_event(opaque, ev);
	klog_guest_leave();
}

static void vm_event(struct keeld *kd, const struct keel_event *ev)
{
	struct vm *vm = vm_get(kd, ev->vm_id);
	struct keel_vm_info info;

	switch (ev->type) {
	case KEEL_EV_IOREQ:
		if (ev->vm_id >= KEEL_MAX_VMS || ev->vcpu >= KEEL_MAX_VCPUS) {
			klog("ioreq event for vm %u vcpu %u: out of range", ev->vm_id, ev->vcpu);
			return;
		}
		vm_ioreq(kd, ev->vm_id, ev->vcpu, false);
		return;
	case KEEL_EV_DOORBELL:
		/* A late doorbell from a guest that has stopped finds no devices. */
		if (vm && vm->state == VM_RUNNING)
			vdev_registry_kick(&vm->vdevs, ev->vcpu, ev->arg);
		return;
	case KEEL_EV_POSTED:
		/* Also after a stop: a guest's last words (a panic) count. The
		 * registry has no windows once detached. */
		if (vm)
			vdev_registry_posted(&vm->vdevs, ev->vcpu);
		return;
	case KEEL_EV_VM_STOPPED:
		if (!vm)
			return;
		/* Ask the hypervisor: a late event about a VM we have since
		 * restarted must not stop the new run. */
		if (dev_vm_info(kd->dev, vm->id, &info) == 0 && info.state != KEEL_VM_STOPPED)
			return;
		{
			char err[CFG_ERR_MAX];

			vm_stopped(vm, ev->arg, err, sizeof(err));
		}
		return;
	case KEEL_EV_CONSOLE_INPUT:
		if (vm)
			vm_console_input(vm);
		return;
	case KEEL_EV_RESCAN:
		vm_rescan(kd);
		return;
	default:
		klog("unknown event type %u (vm %u)", ev->type, ev->vm_id);
	}
}

void vm_after_events(void *opaque)
{
	struct keeld *kd = opaque;

	for (unsigned id = 1; id < KEEL_MAX_VMS; id++)
		if (kd->vms[id]) {
			console_flush(&kd->vms[id]->con, kd->dev);
			/* Changes not made by an ioreq (posted stores). */
			vm_persist_if_dirty(kd->vms[id]);
		}
}

