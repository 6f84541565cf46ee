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
/* The vCPUs have stopped: do what the config and a pending request say. */
int vm_stopped(struct vm *vm, unsigned reason, char *err, size_t errlen);

/* vm/chan.c: a config's channels against the other configured VMs' (at
 * `keel vm config`), and the vdev host op that attaches an end. */
int vm_chan_check(struct keeld *kd, const struct vm_config *cfg, char *err, size_t errlen);
int vm_chan_attach(void *opaque, const struct cfg_chan *ch, uint32_t *chan_id, uint32_t *end,
		   char *err, size_t errlen);
void vm_chan_detach_vm0(void *opaque, uint32_t chan_id);

#endif
