// SPDX-License-Identifier: GPL-2.0
/*
 * Socket commands. Each checks its arguments (naming the bad one), calls
 * into vm.c and builds the JSON answer. Arguments are untrusted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "config/config.h"
#include "dev.h"
#include "vm/vm.h"
#include "vswitch/vswitch.h"

static int arg_id(struct keeld *kd, const char *cmd, json_t *args, struct vm **vm, char *err,
		  size_t errlen)
{
	json_t *v = json_object_get(args, "id");
	json_int_t id;

	if (!v) {
		snprintf(err, errlen, "%s: args.id: missing", cmd);
		return -EINVAL;
	}
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "%s: args.id: is not a VM id (a number)", cmd);
		return -EINVAL;
	}
	id = json_integer_value(v);
	*vm = id > 0 && id < KEEL_MAX_VMS ? vm_get(kd, (unsigned)id) : NULL;
	if (!*vm) {
		snprintf(err, errlen, "no vm %lld", (long long)id);
		return -ENOENT;
	}
	return 0;
}

static int arg_bool(const char *cmd, json_t *args, const char *key, bool *out, char *err,
		    size_t errlen)
{
	json_t *v = json_object_get(args, key);

	*out = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "%s: args.%s: is not true or false", cmd, key);
		return -EINVAL;
	}
	*out = json_is_true(v);
	return 0;
}

static uint64_t vm_mem_bytes(const struct vm *vm)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < vm->cfg.nr_mem && i < KEEL_VM_MAX_MEM; i++)
		total += vm->cfg.mem[i].size;
	return total;
}

static json_t *vm_summary(struct vm *vm, struct keel_vm_info *info, bool have_info)
{
	uint64_t uptime = 0;

	if (have_info && vm->state == VM_RUNNING && info->started_ns && info->now_ns > info->started_ns)
		uptime = (info->now_ns - info->started_ns) / 1000000000ULL;
	return json_pack("{s:i, s:s, s:s, s:i, s:I, s:I}", "id", (int)vm->id, "name", vm->cfg.name,
			 "state", vm_state_name(vm->state), "vcpus", (int)vm->cfg.nr_vcpus,
			 "memory", (json_int_t)vm_mem_bytes(vm), "uptime_s", (json_int_t)uptime);
}

int cmd_daemon_ping(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		    size_t errlen)
{
	*result = json_pack("{s:b, s:s, s:i}", "pong", 1, "version", KEELD_VERSION, "pid",
			    (int)getpid());
	return 0;
}

int cmd_system_info(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		    size_t errlen)
{
	struct keel_sysinfo si;
	json_t *med;
	int r = dev_sysinfo(kd->dev, &si);

	if (r) {
		snprintf(err, errlen, "KEEL_IOC_SYSINFO: %s", strerror(-r));
		return r;
	}
	kd->si = si;
	med = json_array();
	for (unsigned i = 0; i < kd->mediated.n; i++)
		json_array_append_new(med, json_string(kd->mediated.disk[i].path));
	*result = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:i, s:i, s:I, s:I, s:I, s:i, s:i, s:o}",
			    "keeld_version", KEELD_VERSION,
			    "version", (int)si.version,
			    "abi_revision", (int)si.abi_revision,
			    "ioc_revision", (int)kd->ver.ioc_revision,
			    "nr_pcpus", (int)si.nr_pcpus,
			    "gic_version", (int)si.gic_version,
			    "ram_bytes", (json_int_t)si.ram_bytes,
			    "hyp_bytes", (json_int_t)si.hyp_bytes,
			    "pool_bytes", (json_int_t)si.pool_bytes,
			    "pool_free_bytes", (json_int_t)si.pool_free_bytes,
			    "nr_vms", (int)si.nr_vms,
			    "doorbell_intid", (int)si.doorbell_intid,
			    "gicd_base", (json_int_t)si.gicd_base,
			    "gicr_base", (json_int_t)si.gicr_base,
			    "gicc_base", (json_int_t)si.gicc_base,
			    "nr_irqs", (int)si.nr_irqs,
			    "max_vms", (int)si.max_vms,
			    "mediated", med);
	return 0;
}

int cmd_vm_config(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		  size_t errlen)
{
	json_t *path = json_object_get(args, "path"), *inline_cfg = json_object_get(args, "config");
	json_t *dir = json_object_get(args, "dir");
	struct config_env env = {
		.nr_pcpus = kd->si.nr_pcpus, .check_files = true,
		.gic_version = kd->si.gic_version, .gicd = kd->si.gicd_base,
		.gicr = kd->si.gicr_base, .gicc = kd->si.gicc_base, .nr_irqs = kd->si.nr_irqs,
	};
	struct vm_config *cfg;
	struct keel_stat *stat;
	int id, r;

	if (!json_is_string(path) && !json_is_object(inline_cfg)) {
		snprintf(err, errlen, "vm.config: args: needs \"path\" (a config file) or \"config\" (an object)");
		return -EINVAL;
	}
	if (dir && !json_is_string(dir)) {
		snprintf(err, errlen, "vm.config: args.dir: is not a string");
		return -EINVAL;
	}
	id = vm_pick_id(kd);
	if (id < 0) {
		snprintf(err, errlen, "no free VM id: %d VMs exist", KEEL_MAX_VMS - 1);
		return id;
	}
	env.id = (unsigned)id;
	env.dir = dir ? json_string_value(dir) : "";
	cfg = malloc(sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	/* Pools and who holds which pCPU, for the placement checks; without
	 * them the hypervisor still refuses, only with a plainer message. */
	stat = malloc(sizeof(*stat));
	if (stat && !dev_stat(kd->dev, stat))
		env.stat = stat;
	if (json_is_string(path)) {
		r = config_load(json_string_value(path), &env, cfg, err, errlen);
	} else {
		char *text = json_dumps(inline_cfg, JSON_COMPACT);

		env.label = "config";
		r = text ? config_parse(text, strlen(text), &env, cfg, err, errlen) : -ENOMEM;
		free(text);
	}
	if (r)
		goto out;
	for (unsigned i = 1; i < KEEL_MAX_VMS; i++)
		if (kd->vms[i] && !strcmp(kd->vms[i]->cfg.name, cfg->name)) {
			snprintf(err, errlen, "%s: name: \"%s\" is taken by vm %u", cfg->label, cfg->name, i);
			r = -EEXIST;
			goto out;
		}
	r = vm_create(kd, (unsigned)id, cfg, err, errlen);
	if (!r)
		*result = json_pack("{s:i, s:s}", "id", id, "name", cfg->name);
out:
	free(stat);
	free(cfg);
	return r;
}

int cmd_vm_boot(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		size_t errlen)
{
	struct vm *vm;
	int r = arg_id(kd, "vm.boot", args, &vm, err, errlen);

	if (r)
		return r;
	r = vm_boot(vm, err, errlen);
	if (!r)
		*result = json_pack("{s:i, s:s}", "id", (int)vm->id, "state", vm_state_name(vm->state));
	return r;
}

int cmd_vm_list(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		size_t errlen)
{
	json_t *list = json_array();

	for (unsigned id = 1; id < KEEL_MAX_VMS; id++) {
		struct keel_vm_info info;
		struct vm *vm = kd->vms[id];
		bool have;

		if (!vm)
			continue;
		have = vm_refresh(vm, &info) == 0;
		/* refreshing may have acted on a missed stop (and removed it) */
		if (!(vm = kd->vms[id]))
			continue;
		json_array_append_new(list, vm_summary(vm, &info, have));
	}
	*result = json_pack("{s:o}", "vms", list);
	return 0;
}

int cmd_vm_info(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		size_t errlen)
{
	static const char *const stop_names[] = { "none", "poweroff", "reset", "crash", "request" };
	struct keel_vm_info info;
	struct vm *vm;
	json_t *o, *pcpus, *regions;
	bool have;
	unsigned id;
	int r = arg_id(kd, "vm.info", args, &vm, err, errlen);

	if (r)
		return r;
	id = vm->id;
	have = vm_refresh(vm, &info) == 0;
	if (!(vm = vm_get(kd, id))) {
		snprintf(err, errlen, "no vm %u", id);
		return -ENOENT;
	}
	o = vm_summary(vm, &info, have);
	pcpus = json_array();
	regions = json_array();
	for (unsigned i = 0; i < vm->cfg.nr_vcpus && !vm->adopted; i++)
		json_array_append_new(pcpus, json_integer(vm->cfg.pcpu[i]));
	/* Where the guest sees its RAM: an identity-mapped region is wherever
	 * the hypervisor put it, known once keeld has mapped it. */
	for (unsigned i = 0; i < vm->cfg.nr_mem && !vm->adopted; i++) {
		uint64_t ipa = i < vm->gm.n ? vm->gm.r[i].ipa : vm->cfg.mem[i].ipa;

		json_array_append_new(regions, json_pack("{s:I, s:I}", "ipa", (json_int_t)ipa,
							  "size", (json_int_t)vm->cfg.mem[i].size));
	}
	json_object_set_new(o, "pcpus", pcpus);
	json_object_set_new(o, "regions", regions);
	json_object_set_new(o, "stop_reason",
			    json_string(vm->stop_reason < 5 ? stop_names[vm->stop_reason] : "unknown"));
	json_object_set_new(o, "exits", json_integer(have ? (json_int_t)info.exits : 0));
	json_object_set_new(o, "ioreqs", json_integer(have ? (json_int_t)info.ioreqs : 0));
	json_object_set_new(o, "doorbells", json_integer(have ? (json_int_t)info.doorbells : 0));
	json_object_set_new(o, "irqs", json_integer(have ? (json_int_t)info.irqs : 0));
	json_object_set_new(o, "ioreq_answer_ns",
			    json_integer(have ? (json_int_t)info.ioreq_answer_ns : 0));
	json_object_set_new(o, "ioreq_resume_ns",
			    json_integer(have ? (json_int_t)info.ioreq_resume_ns : 0));
	vdev_registry_json(&vm->vdevs, o);  /* "disks": [...] */
	json_object_set_new(o, "boots", json_integer((json_int_t)vm->boots));
	json_object_set_new(o, "adopted", json_boolean(vm->adopted));
	json_object_set_new(o, "config", json_string(vm->cfg.source));
	json_object_set_new(o, "schema", json_string(vm->cfg.shyper ? "rust-shyper" : "keel"));
	json_object_set_new(o, "kernel", json_string(vm->cfg.kernel));
	json_object_set_new(o, "initramfs", json_string(vm->cfg.initramfs));
	json_object_set_new(o, "dtb", json_string(vm->cfg.dtb));
	json_object_set_new(o, "cmdline", json_string(vm->cfg.cmdline));
	json_object_set_new(o, "identity_map", json_boolean(vm->cfg.identity_map));
	json_object_set_new(o, "on_poweroff",
			    json_string(vm->cfg.on_poweroff == CFG_POWEROFF_REMOVE ? "remove" : "stop"));
	json_object_set_new(o, "on_reboot",
			    json_string(vm->cfg.on_reboot == CFG_REBOOT_STOP ? "stop" : "restart"));
	{
		char con[32];

		snprintf(con, sizeof(con), "/dev/hvc%u", vm->id);
		json_object_set_new(o, "console", json_string(con));
	}
	*result = o;
	return 0;
}

static int shutdown_or_reboot(struct keeld *kd, const char *cmd, bool reboot, json_t *args,
			      struct req *req, json_t **result, char *err, size_t errlen)
{
	struct vm *vm;
	bool force;
	unsigned id;
	int r;

	if ((r = arg_id(kd, cmd, args, &vm, err, errlen)) ||
	    (r = arg_bool(cmd, args, "force", &force, err, errlen)))
		return r;
	id = vm->id;
	r = vm_shutdown(vm, reboot, force, req, err, errlen);
	if (r)
		return r;  /* an error, or CMD_HELD: answered when the guest is down */
	vm = vm_get(kd, id);
	*result = json_pack("{s:i, s:s, s:b}", "id", (int)id, "state",
			    vm ? vm_state_name(vm->state) : "removed", "forced", force);
	return 0;
}

int cmd_vm_shutdown(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		    size_t errlen)
{
	return shutdown_or_reboot(kd, "vm.shutdown", false, args, req, result, err, errlen);
}

int cmd_vm_reboot(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		  size_t errlen)
{
	return shutdown_or_reboot(kd, "vm.reboot", true, args, req, result, err, errlen);
}

int cmd_vm_remove(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		  size_t errlen)
{
	struct vm *vm;
	unsigned id;
	int r = arg_id(kd, "vm.remove", args, &vm, err, errlen);

	if (r)
		return r;
	id = vm->id;
	vm_refresh(vm, NULL);  /* it may have stopped a moment ago */
	if (!(vm = vm_get(kd, id))) {
		*result = json_pack("{s:i}", "id", (int)id);
		return 0;
	}
	r = vm_remove(vm, err, errlen);
	if (!r)
		*result = json_pack("{s:i}", "id", (int)id);
	return r;
}

int cmd_vm_console_history(struct keeld *kd, json_t *args, struct req *req, json_t **result,
			   char *err, size_t errlen)
{
	struct vm *vm;
	uint8_t *raw;
	char *text;
	size_t n;
	int r = arg_id(kd, "vm.console_history", args, &vm, err, errlen);

	if (r)
		return r;
	raw = malloc(CONSOLE_HISTORY);
	if (!raw)
		return -ENOMEM;
	n = console_history(&vm->con, raw);
	text = console_to_utf8(raw, n);
	free(raw);
	if (!text)
		return -ENOMEM;
	*result = json_pack("{s:i, s:s}", "id", (int)vm->id, "data", text);
	free(text);
	return 0;
}

int cmd_net_list(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		 size_t errlen)
{
	*result = vswitch_all_json();
	return *result ? 0 : -ENOMEM;
}
