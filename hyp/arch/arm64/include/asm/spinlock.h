/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* How a waiter for hyp/spinlock.h's lock word sleeps on this CPU. */
#ifndef ASM_SPINLOCK_H
#define ASM_SPINLOCK_H
#include <hyp/types.h>

/* Return once *word reads 0 (acquire), sleeping in WFE meanwhile: ldaxr arms
 * the exclusive monitor, so the holder's release store to the word wakes
 * us (ARM DDI 0487 D1.6.1). The caller then tries to take it. */
static inline void arch_spin_wait(u32 *word)
{
	u32 v;

	__asm__ volatile("sevl\n"
			 "1:\twfe\n\t"
			 "ldaxr %w0, [%1]\n\t"
			 "cbnz %w0, 1b"
			 : "=&r"(v)
			 : "r"(word)
			 : "memory");
}
#endif
