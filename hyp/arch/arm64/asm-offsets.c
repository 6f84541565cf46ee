/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Compiled to assembly only: scripts/gen-asm-offsets turns the markers into
 * #defines, so the vectors never carry hand-written structure offsets. */
#include <hyp/pcpu.h>
#include <asm/vcpu.h>

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %0\"" : : "i"(val))

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(PCPU_CTX, offsetof(struct pcpu, ctx));
	DEFINE(PCPU_STACK_TOP, offsetof(struct pcpu, stack_top));
	DEFINE(PCPU_SIZE, sizeof(struct pcpu));
	DEFINE(CTX_X0, offsetof(struct cpu_regs, x[0]));
	DEFINE(CTX_X30, offsetof(struct cpu_regs, x[30]));
	DEFINE(CTX_ELR, offsetof(struct cpu_regs, elr));
	DEFINE(CTX_SIZE, sizeof(struct cpu_regs));
	DEFINE(HYP_STACK_SZ, HYP_STACK_SIZE);
}
