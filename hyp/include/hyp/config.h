/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Compile-time limits. Raising one costs memory, nothing else. */
#ifndef HYP_CONFIG_H
#define HYP_CONFIG_H
#define MAX_PCPUS 8
#define MAX_VMS 16           /* = KEEL_MAX_VMS (checked in core/vm.c); included by assembly */
#define MAX_VCPUS 8          /* per VM */
#define MAX_RAM_RANGES 8
#define MAX_MMIO_REGIONS 128 /* per VM: pages VM0 serves plus their doorbells */
#define HYP_STACK_SIZE 0x4000
#define HYP_HEAP_SIZE (24ULL << 20)
#define LOG_RING_SIZE (64 * 1024)
#define VGIC_MAX_IRQS 1020
#endif
