/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Host shim for <asm/barrier.h>: the ordering barriers become full fences
 * (tests may run the code on several threads), the rest nothing. */
#ifndef ASM_BARRIER_H
#define ASM_BARRIER_H
#define isb() do { } while (0)
#define dsb(opt) __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define dmb(opt) __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define wfi() do { } while (0)
#define wfe() do { } while (0)
#define sev() do { } while (0)
#define cpu_relax() do { } while (0)
#endif
