/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Host shim for <asm/tlbflush.h>: a TLBI goes to the test, which checks
 * which VMID VTTBR_EL2 (shim_write_sysreg) selects at that moment. */
#ifndef ASM_TLBFLUSH_H
#define ASM_TLBFLUSH_H
#define tlbi(op) shim_tlbi(#op)
void shim_tlbi(const char *op);
#endif
