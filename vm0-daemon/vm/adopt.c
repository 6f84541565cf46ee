// SPDX-License-Identifier: GPL-2.0
/*
 * Taking over the guests an earlier keeld left running (it died, or a new
 * binary replaced it). With the state it left (persist.c) a guest keeps
 * its devices: the config is parsed again, RAM mapped again, and every
 * device rebuilt from its saved registers and the rings (vdev_registry_resume);
 * the hypervisor still holds its windows, doorbells and shadow pages. Then
 * whatever the guest asked for while no keeld listened is served: ioreqs
 * waiting in their slots, and every queue looked at as if kicked. Its
 * doorbells still in keel.ko's event FIFO arrive afterwards with cookies
 * of the saved generation, which the registry recognises.
 *
 * Without state (an older keeld, a VM created by hand) only its console
 * is served again, as before.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev.h"
#include "log.h"
#include "vm/priv.h"

static enum vm_state state_of(const struct keel_vm_info *info)
{
	return info->state == KEEL_VM_RUNNING ? VM_RUNNING :
	       info->state == KEEL_VM_STOPPED ? VM_STOPPED : VM_CREATED;
}

/* The config the dead keeld had, parsed again the way `keel vm config` did. */
static int saved_config(struct keeld *kd, unsigned id, const json_t *origin,
			struct vm_config *cfg, char *err, size_t errlen)
{
	const char *text = json_string_value(json_object_get(origin, "text"));
	const char *source = json_string_value(json_object_get(origin, "source"));
	struct config_env env = {
		.id = id, .nr_pcpus = kd->si.nr_pcpus, .check_files = false,
		.gic_version = kd->si.gic_version, .gicd = kd->si.gicd_base,
		.gicr = kd->si.gicr_base, .gicc = kd->si.gicc_base, .nr_irqs = kd->si.nr_irqs,
		.dir = json_string_value(json_object_get(origin, "dir")),
		.label = json_string_value(json_object_get(origin, "label")),
	};
	int r;

	if (!text || !env.dir || !env.label) {
		snprintf(err, errlen, "vm %u: saved config origin incomplete", id);
		return -EINVAL;
	}
	r = config_parse(text, strlen(text), &env, cfg, err, errlen);
	if (!r && source)
		snprintf(cfg->source, sizeof(cfg->source), "%s", source);
	return r;
}

/* The devices of a running guest, from saved, on its RAM. */
static int resume_devices(struct vm *vm, const json_t *saved, char *err, size_t errlen)
{
	const json_t *devs = json_object_get(saved, "devices");
	int r;

	if (!devs) {
		snprintf(err, errlen, "vm %u: running, but no device state was saved", vm->id);
		return -ENOENT;
	}
	if ((r = vm_map(vm, err, errlen)))
		return r;
	r = vdev_registry_resume(&vm->vdevs, devs, err, errlen);
	if (r)
		vm_unmap(vm);
	return r;
}

static int adopt_saved(struct keeld *kd, unsigned id, const struct keel_vm_info *info,
		       const json_t *saved, char *err, size_t errlen)
{
	struct vm_config *cfg = malloc(sizeof(*cfg));
	const char *was = json_string_value(json_object_get(saved, "state"));
	struct vm *vm;
	int r;

	if (!cfg)
		return -ENOMEM;
	r = saved_config(kd, id, json_object_get(saved, "origin"), cfg, err, errlen);
	if (!r && strncmp(cfg->name, info->name, sizeof(info->name))) {
		snprintf(err, errlen, "vm %u: the hypervisor's is \"%s\", the saved config's \"%s\"",
			 id, info->name, cfg->name);
		r = -ESTALE;
	}
	if (!r)
		r = vm_setup(kd, id, cfg, &vm, err, errlen);
	free(cfg);
	if (r)
		return r;
	vm->origin = json_incref(json_object_get(saved, "origin"));
	vm->in_hyp = true;
	vm->state = state_of(info);
	vm->stop_reason = info->stop_reason;
	vm->boots = (uint64_t)json_integer_value(json_object_get(saved, "boots"));
	vm->autostart = json_is_true(json_object_get(saved, "autostart"));
	vm->run_start_ms = uv_now(kd->loop);
	/* Kept as the dead keeld left them (a later boot starts them afresh). */
	vm_live_map(vm, true);
	if (vm->state == VM_RUNNING && (r = resume_devices(vm, saved, err, errlen))) {
		vm_free(vm);
		return r;
	}
	vm->console_added = true;
	kd->vms[id] = vm;
	klog("vm %u (%s) taken over %s from an earlier keeld", id, vm->cfg.name,
	     vm->state == VM_RUNNING ? "running, with its devices," : vm_state_name(vm->state));
	/* It stopped while no keeld watched: its config decides now. A VM
	 * left created while running was in the middle of a reboot. */
	if (vm->state == VM_STOPPED && was && !strcmp(was, "running")) {
		vm->state = VM_RUNNING;
		vm_stopped(vm, info->stop_reason, err, errlen);
	} else if (vm->state == VM_CREATED && was && !strcmp(was, "running")) {
		/* From a fresh hypervisor VM: the dead keeld's registrations go. */
		vm->state = VM_STOPPED;
		if (vm_boot(vm, err, errlen))
			klog("vm %u: finishing its reboot: %s", id, err);
	} else {
		vm_persist(vm);
	}
	return 0;
}

/* No state: serve its console and power button again, from reset state. */
static void adopt_bare(struct keeld *kd, unsigned id, const struct keel_vm_info *info)
{
	char err[CFG_ERR_MAX];
	struct vm *vm = vm_alloc(kd, id);

	if (!vm)
		return;
	vm->adopted = true;
	vm->in_hyp = true;
	vm->state = state_of(info);
	vm->stop_reason = info->stop_reason;
	snprintf(vm->cfg.name, sizeof(vm->cfg.name), "%s", info->name);
	snprintf(vm->cfg.label, sizeof(vm->cfg.label), "vm %u", id);
	vm->cfg.nr_vcpus = info->nr_vcpus <= KEEL_MAX_VCPUS ? info->nr_vcpus : KEEL_MAX_VCPUS;
	vm->cfg.nr_mem = 1;
	vm->cfg.mem[0].size = info->mem_bytes;
	config_default_consoles(&vm->cfg);
	vm->desc.nr_vcpus = vm->cfg.nr_vcpus;
	/* Its MMIO registrations live on in the hypervisor. */
	if (vm_devices_create(vm, err, sizeof(err)) ||
	    vdev_registry_attach(&vm->vdevs, false, err, sizeof(err)))
		klog("%s", err);
	vm->console_added = true;
	kd->vms[id] = vm;
	klog("vm %u (%s) was left %s by an earlier keeld: serving its console; remove it to config it again",
	     id, vm->cfg.name, vm_state_name(vm->state));
}

void vm_adopt_existing(struct keeld *kd)
{
	char err[CFG_ERR_MAX];

	for (unsigned id = 1; id < vm_max_vms(kd); id++) {
		struct keel_vm_info info;
		json_t *saved;
		int r = -ENOENT;

		if (dev_vm_info(kd->dev, id, &info))
			continue;
		saved = vm_saved(id);
		if (saved)
			r = adopt_saved(kd, id, &info, saved, err, sizeof(err));
		json_decref(saved);
		if (r && r != -ENOENT)
			klog("vm %u: cannot take it over with its devices: %s", id, err);
		if (r)
			adopt_bare(kd, id, &info);
		if (kd->vms[id])
			vm_serve_pending(kd->vms[id]);
	}
}
