/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The ID registers guests see (TID3 traps): what a read of the register
 * named by key (an ESR_EL2 ISS system-register key) returns. */
#ifndef HYP_ARCH_ID_REGS_H
#define HYP_ARCH_ID_REGS_H
#include <hyp/types.h>

struct vcpu;

/* 0 and *val for a read of an ID register as a VM sees it (guest: not VM0);
 * -ENOENT for anything else (other keys, and writes: those are not ID
 * register reads). */
int id_reg_read(u64 key, bool read, bool guest, u64 *val);
/* Trapped PMU, debug, ACTLR, RAS and set/way accesses (sysreg_emul.c): 0 when
 * emulated (*val read or written), -ENOENT when the key is none of those. */
int sysreg_emulate(struct vcpu *v, u64 key, bool read, u64 *val);
#endif
