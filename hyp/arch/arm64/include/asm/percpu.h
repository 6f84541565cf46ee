/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Where this pCPU finds its struct pcpu: TPIDR_EL2, which the exception
 * vectors read too (asm-offsets PCPU_CTX). */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H
#include <asm/sysreg.h>

/* The arch's per-pCPU state, embedded in struct pcpu as `arch`. */
struct pcpu_arch {
	u64 hcr_live;          /* HCR_EL2 as last written on this pCPU */
};

static inline void *arch_cpu_local(void) { return (void *)read_sysreg(tpidr_el2); }
static inline void arch_cpu_local_set(void *p) { write_sysreg(p, tpidr_el2); }
#endif
