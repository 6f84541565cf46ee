/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* TLB maintenance: tlbi(op) issues TLBI <op>; the caller supplies the
 * barriers around it and says what they order. */
#ifndef ASM_TLBFLUSH_H
#define ASM_TLBFLUSH_H
#define tlbi(op) __asm__ volatile("tlbi " #op ::: "memory")
#endif
