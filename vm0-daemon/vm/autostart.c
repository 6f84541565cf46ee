// SPDX-License-Identifier: GPL-2.0
/*
 * Guests without anyone asking: the configs keeld creates and boots when it
 * starts (KEELD_AUTOSTART_DIR, and KEELD_CONFIG_DIR's marked
 * "autostart": true), and a crashed guest booted again when its config
 * says on_crash restart, after a back-off and at most crash_restarts times
 * in a row, so a guest that keeps crashing is not restarted in a tight loop.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev.h"
#include "log.h"
#include "vm/priv.h"

int vm_config_new(struct keeld *kd, const char *path, json_t *inline_cfg, const char *dir,
		  unsigned *id_out, char *err, size_t errlen)
{
	struct config_env env = {
		.nr_pcpus = kd->si.nr_pcpus, .check_files = true,
		.gic_version = kd->si.gic_version, .gicd = kd->si.gicd_base,
		.gicr = kd->si.gicr_base, .gicc = kd->si.gicc_base, .nr_irqs = kd->si.nr_irqs,
	};
	struct vm_config *cfg;
	struct keel_stat *stat;
	int id = vm_pick_id(kd), r;

	if (id < 0) {
		snprintf(err, errlen, "no free VM id: %d VMs exist", KEEL_MAX_VMS - 1);
		return id;
	}
	env.id = (unsigned)id;
	env.dir = dir;
	cfg = malloc(sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	/* Pools and who holds which pCPU, for the placement checks; without
	 * them the hypervisor still refuses, only with a plainer message. */
	stat = malloc(sizeof(*stat));
	if (stat && !dev_stat(kd->dev, stat))
		env.stat = stat;
	if (path) {
		r = config_load(path, &env, cfg, err, errlen);
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
	r = vm_create(kd, (unsigned)id, cfg, vm_origin(path, inline_cfg, dir), err, errlen);
	if (!r) {
		*id_out = (unsigned)id;
		kd->vms[id]->autostart = cfg->autostart;
	}
out:
	free(stat);
	free(cfg);
	return r;
}

static int json_name(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 5 && !strcmp(e->d_name + n - 5, ".json");
}

/* The config's "name" without creating anything, to skip a guest a
 * restarted keeld already has; and whether it is marked autostart. */
static bool peek(const char *path, char *name, size_t len, bool *marked)
{
	json_t *o = json_load_file(path, 0, NULL);
	const char *n = json_string_value(json_object_get(o, "name"));

	if (n)
		snprintf(name, len, "%s", n);
	*marked = json_is_true(json_object_get(o, "autostart"));
	json_decref(o);
	return n != NULL;
}

static bool have_name(struct keeld *kd, const char *name)
{
	for (unsigned i = 1; i < KEEL_MAX_VMS; i++)
		if (kd->vms[i] && !strcmp(kd->vms[i]->cfg.name, name))
			return true;
	return false;
}

/* Every .json of dir in file name order; all: not only marked ones. */
static void autostart_dir(struct keeld *kd, const char *dir, bool all)
{
	struct dirent **e;
	int n = scandir(dir, &e, json_name, alphasort);

	for (int i = 0; i < n; i++) {
		char path[CFG_PATH_MAX], name[KEEL_VM_NAME_LEN] = "", err[CFG_ERR_MAX];
		bool marked = false;
		unsigned id;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, e[i]->d_name);
		free(e[i]);
		if (!peek(path, name, sizeof(name), &marked) && !all)
			continue;
		if (!all && !marked)
			continue;
		if (name[0] && have_name(kd, name))
			continue;
		r = vm_config_new(kd, path, NULL, "", &id, err, sizeof(err));
		if (!r) {
			kd->vms[id]->autostart = true;
			r = vm_boot(kd->vms[id], err, sizeof(err));
		}
		if (r)
			klog("autostart %s: %s", path, err);
		else
			klog("autostart %s: vm %u (%s) booted", path, id, kd->vms[id]->cfg.name);
		if (!r)
			vm_persist(kd->vms[id]);
	}
	if (n > 0)
		free(e);
}

void vm_autostart(struct keeld *kd)
{
	autostart_dir(kd, KEELD_AUTOSTART_DIR, true);
	autostart_dir(kd, KEELD_CONFIG_DIR, false);
}

/* ---- on_crash ---- */

static void vm_crash_timer(uv_timer_t *t)
{
	struct vm *vm = t->data;
	char err[CFG_ERR_MAX];

	if (vm->state != VM_STOPPED)
		return;
	klog("vm %u (%s): on_crash restart %u of %u", vm->id, vm->cfg.name, vm->crashes,
	     vm->cfg.crash_restarts);
	if (vm_boot(vm, err, sizeof(err)))
		klog("vm %u: on_crash restart failed: %s", vm->id, err);
}

bool vm_crash_restart(struct vm *vm)
{
	uint64_t ran_ms = uv_now(vm->kd->loop) - vm->run_start_ms, delay_s;

	if (vm->cfg.on_crash != CFG_CRASH_RESTART)
		return false;
	/* A run this long was not part of a crash loop. */
	if (ran_ms >= CFG_CRASH_RESET_S * 1000ULL)
		vm->crashes = 0;
	if (vm->crashes >= vm->cfg.crash_restarts) {
		klog("vm %u (%s) crashed %u times in a row: left stopped (crash_restarts %u)",
		     vm->id, vm->cfg.name, vm->crashes + 1, vm->cfg.crash_restarts);
		return false;
	}
	delay_s = vm->crashes < 6 ? 1ULL << vm->crashes : CFG_CRASH_BACKOFF_MAX_S;
	if (delay_s > CFG_CRASH_BACKOFF_MAX_S)
		delay_s = CFG_CRASH_BACKOFF_MAX_S;
	vm->crashes++;
	klog("vm %u (%s): restarting in %llu s (on_crash restart)", vm->id, vm->cfg.name,
	     (unsigned long long)delay_s);
	uv_timer_start(&vm->crash_timer, vm_crash_timer, delay_s * 1000, 0);
	return true;
}
