/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* This pCPU's interrupt mask (PSTATE.I). The hypervisor runs with IRQs
 * masked except in the idle loop (arch_cpu_idle); irq_save/irq_restore
 * keep them masked around a lock where a caller may not know. */
#ifndef ASM_IRQFLAGS_H
#define ASM_IRQFLAGS_H
#include <asm/barrier.h>
#include <hyp/types.h>

#define local_irq_enable() __asm__ volatile("msr daifclr, #2" ::: "memory")
#define local_irq_disable() __asm__ volatile("msr daifset, #2" ::: "memory")

/* Mask IRQs; returns the previous DAIF for irq_restore. */
static inline u64 irq_save(void)
{
	u64 f;
	__asm__ volatile("mrs %0, daif\n\tmsr daifset, #2" : "=r"(f) :: "memory");
	return f;
}

static inline void irq_restore(u64 f)
{
	__asm__ volatile("msr daif, %0" :: "r"(f) : "memory");
}

/* The idle loop's sleep, called and returning with IRQs masked. WFI with
 * interrupts still masked: it wakes on any pending one, including a kick
 * sent after the caller looked at its run queue, which unmasking first
 * could consume before we sleep. Then unmask to take it (the isb makes the
 * unmask take effect before the mask). */
static inline void arch_cpu_idle(void)
{
	wfi();
	local_irq_enable();
	isb();
	local_irq_disable();
}
#endif
