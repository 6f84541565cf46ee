// SPDX-License-Identifier: GPL-2.0
/*
 * Guest lifecycle: create, stop, shutdown, reboot, remove, adopt (boot.c
 * boots, events.c handles the hypervisor's events). The guest's devices
 * are its registry's (vdev/): this file names none of them.
 *
 * States as keeld sees them: CREATED (VM_CREATE done, never started),
 * RUNNING, STOPPED. A stopped VM is booted again from a fresh hypervisor VM
 * (VM_DESTROY + VM_CREATE with the same id): its memory and vCPUs start
 * clean, and the images and device tree are loaded again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/guest.h>

#include "dev.h"
#include "devices/devices.h"
#include "log.h"
#include "server.h"
#include "vm/priv.h"

static const char *const stop_names[] = { "none", "poweroff", "reset", "crash", "request" };

static const char *stop_name(unsigned r)
{
	return r < sizeof(stop_names) / sizeof(stop_names[0]) ? stop_names[r] : "unknown";
}

const char *vm_state_name(enum vm_state s)
{
	switch (s) {
	case VM_CREATED: return "created";
	case VM_RUNNING: return "running";
	case VM_STOPPED: return "stopped";
	}
	return "unknown";
}

struct vm *vm_get(struct keeld *kd, unsigned id)
{
	return id > 0 && id < KEEL_MAX_VMS ? kd->vms[id] : NULL;
}

unsigned vm_max_vms(const struct keeld *kd)
{
	return kd->si.max_vms && kd->si.max_vms < KEEL_MAX_VMS ? kd->si.max_vms : KEEL_MAX_VMS;
}

int vm_pick_id(struct keeld *kd)
{
	for (unsigned id = 1; id < vm_max_vms(kd); id++)
		if (!kd->vms[id])
			return (int)id;
	return -ENOSPC;
}

/* ---- what the VM's devices reach the hypervisor and the console through ---- */

static int host_mmio_register(void *opaque, uint64_t base, uint64_t size, unsigned flags,
			      uint32_t cookie)
{
	struct vm *vm = opaque;

	return dev_mmio_register(vm->kd->dev, vm->id, base, size, flags, cookie);
}

static int host_irq_line(void *opaque, unsigned intid, unsigned level)
{
	struct vm *vm = opaque;

	return dev_irq_line(vm->kd->dev, vm->id, intid, level);
}

static int host_shadow_register(void *opaque, struct keel_ioc_shadow *s,
				struct keel_shadow_page **page)
{
	struct vm *vm = opaque;

	s->id = vm->id;
	return dev_shadow_register(vm->kd->dev, s, page);
}

static void host_shadow_release(void *opaque, struct keel_shadow_page *page)
{
	dev_shadow_unmap(page);
}

static int host_shadow_map(void *opaque, unsigned slot, struct keel_shadow_page **page)
{
	struct vm *vm = opaque;

	return dev_shadow_map(vm->kd->dev, vm->id, slot, page);
}

static void host_console_write(void *opaque, const void *buf, size_t len)
{
	struct vm *vm = opaque;

	console_write(&vm->con, vm->kd->dev, buf, len);
}

static int host_console_read(void *opaque, void *buf, size_t len)
{
	struct vm *vm = opaque;

	return dev_console_read(vm->kd->dev, vm->id, buf, len);
}

static const struct vdev_host_ops vm_host_ops = {
	.mmio_register = host_mmio_register,
	.irq_line = host_irq_line,
	.shadow_register = host_shadow_register,
	.shadow_release = host_shadow_release,
	.shadow_map = host_shadow_map,
	.console_write = host_console_write,
	.console_read = host_console_read,
	.chan_attach = vm_chan_attach,
	.chan_detach_vm0 = vm_chan_detach_vm0,
};

/* The devices vm->cfg asks for, not attached yet. */
int vm_devices_create(struct vm *vm, char *err, size_t errlen)
{
	struct vdev_host h = {
		.ops = &vm_host_ops,
		.opaque = vm,
		.vm_id = vm->id,
		.label = vm->cfg.label,
		.loop = vm->kd->loop,
		.gm = &vm->gm,
	};

	return vdev_registry_create(&vm->vdevs, &h, &vm->cfg, keeld_vdev_types,
				    keeld_nr_vdev_types, err, errlen);
}

/* ---- create / destroy in the hypervisor ---- */

int vm_hyp_create(struct vm *vm, char *err, size_t errlen)
{
	struct keel_vm_desc desc = vm->desc;
	int r = dev_vm_create(vm->kd->dev, &desc);

	if (!r && desc.id != vm->id) {
		/* keeld picks ids; a hypervisor that picks another breaks the
		 * "same id after a restart" promise, so refuse it. */
		klog("vm %u: the hypervisor created it as id %u", vm->id, desc.id);
		dev_vm_destroy(vm->kd->dev, desc.id);
		r = -EPROTO;
	}
	if (r) {
		snprintf(err, errlen, "%s: the hypervisor could not create vm %u: %s%s", vm->cfg.label,
			 vm->id, strerror(-r),
			 r == -ENOMEM ? " (not enough free memory in the guest pool)" : "");
		return r;
	}
	vm->in_hyp = true;
	vm->state = VM_CREATED;
	vm->stop_reason = KEEL_STOP_NONE;
	/* Before it ever runs: the hypervisor passes devices to a new VM only. */
	r = vm_pt_assign(vm, err, errlen);
	if (r)
		vm_hyp_destroy(vm);
	return r;
}

int vm_hyp_destroy(struct vm *vm)
{
	int r;

	vdev_registry_detach(&vm->vdevs);  /* before its RAM goes away under the workers */
	vm_unmap(vm);
	if (!vm->in_hyp)
		return 0;
	if (vm->state == VM_RUNNING)
		dev_vm_stop(vm->kd->dev, vm->id);
	r = dev_vm_destroy(vm->kd->dev, vm->id);
	if (r && r != -ENOENT) {
		klog("vm %u: KEEL_IOC_VM_DESTROY: %s", vm->id, strerror(-r));
		return r;
	}
	vm->in_hyp = false;
	vm->state = VM_STOPPED;
	return 0;
}

static void vm_handle_closed(uv_handle_t *h)
{
	struct vm *vm = h->data;

	if (--vm->open_handles == 0)
		free(vm);
}

struct vm *vm_alloc(struct keeld *kd, unsigned id)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->id = id;
	vm->kd = kd;
	console_init(&vm->con, id);
	uv_timer_init(kd->loop, &vm->button_timer);
	uv_timer_init(kd->loop, &vm->grace_timer);
	uv_timer_init(kd->loop, &vm->crash_timer);
	vm->button_timer.data = vm;
	vm->grace_timer.data = vm;
	vm->crash_timer.data = vm;
	vm->open_handles = 3;
	return vm;
}

/* Freed once libuv has closed its timers. */
void vm_free(struct vm *vm)
{
	if (vm->kd->vms[vm->id] == vm)
		vm->kd->vms[vm->id] = NULL;
	vdev_registry_destroy(&vm->vdevs);
	vm_pt_release_vm0(vm);
	vm_live_unmap(vm);
	json_decref(vm->origin);
	free(vm->persisted);
	uv_close((uv_handle_t *)&vm->button_timer, vm_handle_closed);
	uv_close((uv_handle_t *)&vm->grace_timer, vm_handle_closed);
	uv_close((uv_handle_t *)&vm->crash_timer, vm_handle_closed);
}

int vm_setup(struct keeld *kd, unsigned id, const struct vm_config *cfg, struct vm **out,
	     char *err, size_t errlen)
{
	struct vm *vm;
	int r;

	if (id == 0 || id >= KEEL_MAX_VMS || kd->vms[id])
		return -EINVAL;
	vm = vm_alloc(kd, id);
	if (!vm) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vm->cfg = *cfg;
	/* A mediated index names a disk of this keeld's list: check it now,
	 * at `keel vm config`, rather than at the first boot. */
	r = config_resolve_disks(&vm->cfg, &kd->mediated, err, errlen);
	if (!r)
		r = vm_chan_check(kd, &vm->cfg, err, errlen);
	if (!r)
		r = vm_devices_create(vm, err, errlen);
	if (r) {
		vm_free(vm);
		return r;
	}
	vm->desc = (struct keel_vm_desc){
		.magic = KEEL_VM_DESC_MAGIC,
		.revision = KEEL_VM_DESC_REVISION,
		.id = id,
		.flags = (cfg->identity_map ? KEEL_VM_F_IDENTITY : 0) |
			 (cfg->pinned ? KEEL_VM_F_PINNED : 0),
		.nr_vcpus = cfg->nr_vcpus,
		.nr_mem = cfg->nr_mem,
		.pool = cfg->pool,
		.priority = cfg->priority,
		.slice_us = cfg->slice_us,
		.gicd_ipa = kd->si.gicd_base,
		.gicr_ipa = kd->si.gicr_base,
		.gicc_ipa = kd->si.gicc_base,
	};
	memcpy(vm->desc.vcpu_pcpu, cfg->pcpu, sizeof(vm->desc.vcpu_pcpu));
	memcpy(vm->desc.mem, cfg->mem, sizeof(vm->desc.mem));
	snprintf(vm->desc.name, sizeof(vm->desc.name), "%s", cfg->name);
	if ((cfg->gicd_ipa && cfg->gicd_ipa != kd->si.gicd_base) ||
	    (cfg->gicr_ipa && cfg->gicr_ipa != kd->si.gicr_base))
		klog("%s: the GIC placement in emulated_device_list differs from the host's; vm %u gets its GIC at GICD 0x%llx (its DT says so)",
		     cfg->label, id, (unsigned long long)kd->si.gicd_base);
	*out = vm;
	return 0;
}

int vm_create(struct keeld *kd, unsigned id, const struct vm_config *cfg, json_t *origin,
	      char *err, size_t errlen)
{
	struct vm *vm;
	int r = vm_setup(kd, id, cfg, &vm, err, errlen);

	if (r) {
		json_decref(origin);
		return r;
	}
	vm->origin = origin;
	kd->vms[id] = vm;
	/* The restart state's home, fresh (a stale one of an earlier VM
	 * with this id must not be resumed). */
	vm_live_map(vm, false);
	r = vm_hyp_create(vm, err, errlen);
	if (r) {
		vm_persist_forget(vm);
		vm_free(vm);
		return r;
	}
	vm_persist(vm);
	if (cfg->notes[0])
		klog("%s", cfg->notes);
	klog("vm %u (%s) created from %s: %u vCPUs, %llu MiB", id, cfg->name,
	     cfg->source[0] ? cfg->source : "an inline config", cfg->nr_vcpus,
	     (unsigned long long)((cfg->mem[0].size + cfg->mem[1].size + cfg->mem[2].size +
				   cfg->mem[3].size) >> 20));
	return 0;
}

/* ---- stop, shutdown, reboot, remove ---- */

static json_t *vm_result(struct vm *vm, const char *state, bool forced)
{
	return json_pack("{s:i, s:s, s:b}", "id", (int)vm->id, "state", state, "forced", forced);
}

static void vm_answer(struct vm *vm, int rc, json_t *result, const char *err)
{
	struct req *req = vm->waiter;

	vm->waiter = NULL;
	if (req)
		server_finish(req, rc, result, err);
	else
		json_decref(result);
}

static int vm_restart(struct vm *vm, char *err, size_t errlen)
{
	klog("vm %u (%s): restarting", vm->id, vm->cfg.name);
	vm->state = VM_STOPPED;
	return vm_boot(vm, err, errlen);
}

/* The VM's vCPUs have stopped (the guest's PSCI call, a crash, or our
 * KEEL_IOC_VM_STOP): do what its config and any pending request say. */
int vm_stopped(struct vm *vm, unsigned reason, char *err, size_t errlen)
{
	enum vm_pending pending = vm->pending;
	bool forced = vm->pending_forced;
	int r;

	if (vm->state != VM_RUNNING)
		return 0;
	vm->state = VM_STOPPED;
	vm->stop_reason = reason;
	vm->pending = VM_PEND_NONE;
	vm->pending_forced = false;
	uv_timer_stop(&vm->grace_timer);
	uv_timer_stop(&vm->button_timer);
	console_flush(&vm->con, vm->kd->dev);
	/* A stopped guest holds no backing: another may boot with it. */
	vdev_registry_detach(&vm->vdevs);
	vm_persist(vm);
	klog("vm %u (%s) stopped: %s", vm->id, vm->cfg.name, stop_name(reason));
	if (reason == KEEL_STOP_CRASH) {
		klog("vm %u (%s) crashed; the hypervisor log has the details (keel system log)",
		     vm->id, vm->cfg.name);
		if (pending == VM_PEND_NONE && !vm->adopted && vm_crash_restart(vm)) {
			vm_answer(vm, 0, vm_result(vm, "stopped", forced), NULL);
			return 0;
		}
	}

	if (vm->adopted) {
		vm_answer(vm, 0, vm_result(vm, "stopped", forced), NULL);
		return 0;
	}
	if (pending == VM_PEND_REBOOT ||
	    (pending == VM_PEND_NONE && reason == KEEL_STOP_RESET && vm->cfg.on_reboot == CFG_REBOOT_RESTART)) {
		r = vm_restart(vm, err, errlen);
		if (r) {
			klog("vm %u: restart failed: %s", vm->id, err);
			vm_answer(vm, r, NULL, err);
		} else {
			vm_answer(vm, 0, vm_result(vm, "running", forced), NULL);
		}
		return r;
	}
	if (reason == KEEL_STOP_POWEROFF && vm->cfg.on_poweroff == CFG_POWEROFF_REMOVE) {
		unsigned id = vm->id;

		vm_answer(vm, 0, vm_result(vm, "removed", forced), NULL);
		if (vm_remove(vm, err, errlen))
			klog("vm %u: on_poweroff remove: %s", id, err);
		else
			klog("vm %u removed (on_poweroff: remove)", id);
		return 0;
	}
	vm_answer(vm, 0, vm_result(vm, "stopped", forced), NULL);
	return 0;
}

static int vm_stop_now(struct vm *vm, char *err, size_t errlen)
{
	int r = dev_vm_stop(vm->kd->dev, vm->id);

	if (r) {
		snprintf(err, errlen, "vm %u: KEEL_IOC_VM_STOP: %s", vm->id, strerror(-r));
		return r;
	}
	return vm_stopped(vm, KEEL_STOP_REQUEST, err, errlen);
}

static void vm_button_release(uv_timer_t *t)
{
	struct vm *vm = t->data;

	vdev_registry_signal(&vm->vdevs, VDEV_SIG_POWER_BUTTON, false);
}

static void vm_grace_over(uv_timer_t *t)
{
	struct vm *vm = t->data;
	char err[CFG_ERR_MAX];

	klog("vm %u (%s) did not power off within %d s of the power button: stopping it", vm->id,
	     vm->cfg.name, VM_SHUTDOWN_GRACE_MS / 1000);
	vm->pending_forced = true;
	if (vm_stop_now(vm, err, sizeof(err)) && vm->state == VM_RUNNING) {
		klog("%s", err);
		vm->pending = VM_PEND_NONE;
		vm_answer(vm, -EIO, NULL, err);
	}
}

int vm_shutdown(struct vm *vm, bool reboot, bool force, struct req *req, char *err, size_t errlen)
{
	if (vm->state != VM_RUNNING) {
		snprintf(err, errlen, "vm %u is not running", vm->id);
		return -EINVAL;
	}
	if (force) {
		/* A request still waiting on the power button is answered by
		 * this stop; this one is answered by the caller at once. */
		vm->pending = reboot ? VM_PEND_REBOOT : VM_PEND_SHUTDOWN;
		vm->pending_forced = true;
		return vm_stop_now(vm, err, errlen);
	}
	if (vm->pending != VM_PEND_NONE) {
		snprintf(err, errlen, "vm %u is already %s", vm->id,
			 vm->pending == VM_PEND_REBOOT ? "rebooting" : "shutting down");
		return -EALREADY;
	}
	if (vm->adopted) {
		snprintf(err, errlen, "vm %u was created by an earlier keeld: use force", vm->id);
		return -EOPNOTSUPP;
	}
	/* Press the power button: line high now, low 100 ms later so the
	 * guest's gpio-keys (5 ms debounce) sees a press and a release. */
	vm->pending = reboot ? VM_PEND_REBOOT : VM_PEND_SHUTDOWN;
	vm->pending_forced = false;
	vm->waiter = req ? server_hold(req) : NULL;
	vdev_registry_signal(&vm->vdevs, VDEV_SIG_POWER_BUTTON, true);
	uv_timer_start(&vm->button_timer, vm_button_release, VM_BUTTON_PRESS_MS, 0);
	uv_timer_start(&vm->grace_timer, vm_grace_over, VM_SHUTDOWN_GRACE_MS, 0);
	klog("vm %u (%s): power button pressed (%s)", vm->id, vm->cfg.name,
	     reboot ? "reboot" : "shutdown");
	return req ? CMD_HELD : 0;
}

int vm_remove(struct vm *vm, char *err, size_t errlen)
{
	int r;

	if (vm->state == VM_RUNNING) {
		snprintf(err, errlen, "vm %u is running: shut it down first", vm->id);
		return -EBUSY;
	}
	r = vm_hyp_destroy(vm);
	if (r) {
		snprintf(err, errlen, "vm %u: KEEL_IOC_VM_DESTROY: %s", vm->id, strerror(-r));
		return r;
	}
	if (vm->console_added) {
		console_flush(&vm->con, vm->kd->dev);
		r = dev_console_remove(vm->kd->dev, vm->id);
		if (r && r != -ENOENT)
			klog("vm %u: KEEL_IOC_CONSOLE_REMOVE: %s", vm->id, strerror(-r));
	}
	vm_answer(vm, -ECANCELED, NULL, "the vm was removed");
	vm_persist_forget(vm);
	vm_free(vm);
	return 0;
}

int vm_refresh(struct vm *vm, struct keel_vm_info *out)
{
	struct keel_vm_info info;
	int r;

	if (!vm->in_hyp)
		return -ENOENT;
	r = dev_vm_info(vm->kd->dev, vm->id, &info);
	if (r)
		return r;
	if (info.state == KEEL_VM_STOPPED && vm->state == VM_RUNNING) {
		char err[CFG_ERR_MAX];

		vm_stopped(vm, info.stop_reason, err, sizeof(err));  /* an event we missed */
	}
	if (out)
		*out = info;
	return 0;
}
