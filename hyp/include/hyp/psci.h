/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* PSCI as every VM sees it, emulated by the hypervisor (SMC or HVC). */
#ifndef HYP_PSCI_H
#define HYP_PSCI_H
#include <hyp/types.h>

struct vcpu;

/* Is fn a PSCI or SMCCC architecture call (owner 0 or 4)? */
bool psci_is_call(u32 fn);
/* Serve the call in x0..x3; results in x0. */
void psci_handle(struct vcpu *v);
#endif
