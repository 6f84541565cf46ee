/* SPDX-License-Identifier: GPL-2.0 */
/* What vm.c, boot.c and events.c share; not for the rest of keeld. */
#ifndef KEELD_VM_PRIV_H
#define KEELD_VM_PRIV_H

#include "vm/vm.h"

unsigned vm_max_vms(const struct keeld *kd);
/* VM_CREATE / VM_DESTROY in the hypervisor (destroy detaches the devices
 * and unmaps RAM first). */
int vm_hyp_create(struct vm *vm, char *err, size_t errlen);
int vm_hyp_destroy(struct vm *vm);
void vm_unmap(struct vm *vm);
/* vm/passthrough.c: the config's passthrough devices for the VM just
 * created in the hypervisor (VM0's Linux lets go of them first); VM0's
 * Linux may have them again (the VM is gone); their guest DT nodes. */
int vm_pt_assign(struct vm *vm, char *err, size_t errlen);
void vm_pt_release_vm0(struct vm *vm);
int vm_pt_dt(struct vm *vm, void *fdt);
/* The vCPUs have stopped: do what the config and a pending request say. */
int vm_stopped(struct vm *vm, unsigned reason, char *err, size_t errlen);

/* vm.c: a VM from a config, not in kd->vms[] nor in the hypervisor yet. */
struct vm *vm_alloc(struct keeld *kd, unsigned id);
void vm_free(struct vm *vm);
int vm_setup(struct keeld *kd, unsigned id, const struct vm_config *cfg, struct vm **out,
	     char *err, size_t errlen);
int vm_devices_create(struct vm *vm, char *err, size_t errlen);
/* events.c: what the guest asked for while no keeld listened (or events
 * were lost): its ioreq slots, every queue, its console input. */
void vm_serve_pending(struct vm *vm);
/* autostart.c: a crashed guest whose config says on_crash restart is
 * booted again after a back-off; true if that is now pending. */
bool vm_crash_restart(struct vm *vm);
/* boot.c */
int vm_map(struct vm *vm, char *err, size_t errlen);

/* persist.c: the state file KEELD_STATE_DIR/vm<id>.json (config origin,
 * run state, the devices' saved state), written atomically, and the live
 * pages vm<id>.live. keep: resume the pages a dead keeld left. */
int vm_live_map(struct vm *vm, bool keep);
void vm_live_unmap(struct vm *vm);
void vm_persist(struct vm *vm);
void vm_persist_forget(struct vm *vm);
/* The state file of VM id, or NULL. */
json_t *vm_saved(unsigned id);
/* vm/chan.c: a config's channels against the other configured VMs' (at
 * `keel vm config`), and the vdev host op that attaches an end. */
int vm_chan_check(struct keeld *kd, const struct vm_config *cfg, char *err, size_t errlen);
int vm_chan_attach(void *opaque, const struct cfg_chan *ch, uint32_t *chan_id, uint32_t *end,
		   char *err, size_t errlen);
void vm_chan_detach_vm0(void *opaque, uint32_t chan_id);

#endif
