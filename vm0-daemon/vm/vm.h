/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest lifecycle: config -> VM_CREATE, boot, stop, reboot, remove, state,
 * and the events the hypervisor sends about guests (ioreqs, stops).
 */
#ifndef KEELD_VM_H
#define KEELD_VM_H

#include <stdbool.h>

#include <uv.h>

#include "config/config.h"
#include "console.h"
#include "guest/loader.h"
#include "keeld.h"
#include "vdev/vdev.h"

#define VM_SHUTDOWN_GRACE_MS 30000
#define VM_BUTTON_PRESS_MS 100

enum vm_state { VM_CREATED, VM_RUNNING, VM_STOPPED };
enum vm_pending { VM_PEND_NONE, VM_PEND_SHUTDOWN, VM_PEND_REBOOT };

struct req;

struct vm {
	unsigned id;
	struct keeld *kd;
	struct vm_config cfg;
	bool adopted;          /* found in the hypervisor at start-up; config unknown */
	bool in_hyp;           /* created in the hypervisor and not destroyed */
	enum vm_state state;
	unsigned stop_reason;  /* KEEL_STOP_* */
	struct keel_vm_desc desc;
	struct guest_mem gm;
	/* Its devices: created with the config, attached from boot until
	 * the guest stops, destroyed with the VM. */
	struct vdev_registry vdevs;
	bool console_added;
	struct console con;
	uv_timer_t button_timer;
	uv_timer_t grace_timer;
	unsigned open_handles;
	enum vm_pending pending;
	bool pending_forced;
	struct req *waiter;    /* a request answered when the pending op ends */
	uint64_t boots;
	unsigned pt_let_go;    /* passthrough.c: bit i: VM0's Linux let go of cfg.pt[i] */
	/* Across a keeld restart (persist.c): where the config came from, and
	 * the devices' live pages (a file under KEELD_STATE_DIR, mapped). */
	json_t *origin;
	void *live;
	char *persisted;       /* the state file's text as last written */
	/* autostart.c: started by keeld at its start; on_crash restarts in a
	 * row, when this run began (uv_now), the back-off timer. */
	bool autostart;
	unsigned crashes;
	uint64_t run_start_ms;
	uv_timer_t crash_timer;
};

const char *vm_state_name(enum vm_state s);
struct vm *vm_get(struct keeld *kd, unsigned id);
/* Lowest free id, or -ENOSPC. */
int vm_pick_id(struct keeld *kd);
/* KEEL_IOC_VM_CREATE for a parsed config; the VM keeps the config, and
 * origin (vm_origin: what a restarted keeld parses it from again; taken,
 * even on error; NULL: a restart cannot take the VM over). */
int vm_create(struct keeld *kd, unsigned id, const struct vm_config *cfg, json_t *origin,
	      char *err, size_t errlen);
/* {"text", "dir", "label", "source"} of a config file (path) or an inline
 * config object; NULL (logged) when the file cannot be read again. */
json_t *vm_origin(const char *path, json_t *inline_cfg, const char *dir);
int vm_boot(struct vm *vm, char *err, size_t errlen);
/* Power button (grace period, then forced), or at once when forced. The
 * request, when given and the op takes time, is answered at the end. */
int vm_shutdown(struct vm *vm, bool reboot, bool force, struct req *req, char *err, size_t errlen);
int vm_remove(struct vm *vm, char *err, size_t errlen);
/* Fresh state from the hypervisor (KEEL_IOC_VM_INFO); info may be NULL. */
int vm_refresh(struct vm *vm, struct keel_vm_info *info);

/* The hypervisor's events, and the end of each batch of them. */
void vm_on_event(void *kd, const struct keel_event *ev);
void vm_after_events(void *kd);
/* `keel vm config`: parse a config file (path) or an inline object (dir:
 * where its relative names resolve) and create the VM; its id in *id. */
int vm_config_new(struct keeld *kd, const char *path, json_t *inline_cfg, const char *dir,
		  unsigned *id, char *err, size_t errlen);
/* Create and boot the configs in KEELD_AUTOSTART_DIR (every one) and in
 * KEELD_CONFIG_DIR marked "autostart": true, each folder in file name
 * order, skipping names a VM already has (a restarted keeld took it over). */
void vm_autostart(struct keeld *kd);

/* VMs a previous keeld left in the hypervisor: those it left state for
 * (KEELD_STATE_DIR) are taken over with their devices, the rest get their
 * console back. Serves what the guests asked for meanwhile. */
void vm_adopt_existing(struct keeld *kd);
/* Write the VM's state file if its devices said it changed (or always). */
void vm_persist_if_dirty(struct vm *vm);

#endif
