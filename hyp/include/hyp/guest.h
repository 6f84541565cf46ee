/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Guest VMs as VM0 manages them (the management hypercalls). Every function
 * takes values already copied out of VM0's registers or memory and checks
 * them; results are 0 or -errno. */
#ifndef HYP_GUEST_H
#define HYP_GUEST_H
#include <keel/shared.h>
#include <keel/vm.h>
#include <hyp/types.h>

struct vm;

int guest_create(const struct keel_vm_desc *desc, u32 *id);
int guest_start(u32 id, u64 entry, u64 x0);
int guest_stop(u32 id);
int guest_destroy(u32 id);
int guest_info(u32 id, struct keel_vm_info *info);
int guest_mmio_register(u32 id, u64 base, u64 size, u32 flags, u64 cookie);
/* d: a private copy of VM0's descriptor. */
int guest_shadow_register(const struct keel_shadow_desc *d);
int guest_irq_line(u32 id, u32 intid, u32 level);
int guest_map(u32 id, u32 region, u64 *pa, u64 *size, u64 *ipa);
u32 guest_count(void);
/* A guest stopped by itself (PSCI, crash): tell VM0. */
void guest_stopped(struct vm *vm, u32 reason);
/* Hypervisor clock in ns (CNTPCT scaled by CNTFRQ). */
u64 hyp_now_ns(void);
u64 hyp_ticks_ns(u64 ticks);  /* CNTPCT ticks as ns */
#endif
