/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef HYP_HYPERCALL_H
#define HYP_HYPERCALL_H

struct vcpu;

/* A Keel hypercall (HVC, vendor hypervisor range) from a VM: x0 = function ID,
 * results in x0..x3. */
void hypercall_handle(struct vcpu *v);
#endif
