/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Barriers and hints. Core code orders its shared-memory protocols (ioreq
 * slots, the event ring, the MMIO and shadow tables) with dmb(); each use
 * says what it orders. */
#ifndef ASM_BARRIER_H
#define ASM_BARRIER_H

#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#define dmb(opt) __asm__ volatile("dmb " #opt ::: "memory")
#define wfi() __asm__ volatile("wfi" ::: "memory")
#define wfe() __asm__ volatile("wfe" ::: "memory")
#define sev() __asm__ volatile("sev" ::: "memory")
/* In a busy-wait loop: let a sibling hardware thread (or the host of a
 * nested setup) run. */
#define cpu_relax() __asm__ volatile("yield" ::: "memory")
#endif
