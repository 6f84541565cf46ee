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

#endif
