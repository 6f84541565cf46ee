/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Host shim for <asm/irqflags.h>: no interrupts to mask on the host. */
#ifndef ASM_IRQFLAGS_H
#define ASM_IRQFLAGS_H
#include <hyp/types.h>

#define local_irq_enable() do { } while (0)
#define local_irq_disable() do { } while (0)
static inline u64 irq_save(void) { return 0; }
static inline void irq_restore(u64 f) { (void)f; }
static inline void arch_cpu_idle(void) { }
#endif
