/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file guest.h
 * @brief The platform a Keel guest sees by default (keeld builds its DT).
 * Close to QEMU's virt board so unmodified kernels and earlycon just work.
 */
#ifndef KEEL_PROTO_GUEST_H
#define KEEL_PROTO_GUEST_H

#define KEEL_GUEST_PAGE_SIZE 0x1000ULL    /* granule of guest RAM and of ranges VM0 serves */
#define KEEL_GUEST_RAM_BASE 0x40000000ULL
#define KEEL_GUEST_UART_BASE 0x09000000ULL  /* PL011, emulated by keeld */
#define KEEL_GUEST_UART_SIZE 0x1000ULL
#define KEEL_GUEST_UART_SPI 1               /* INTID 33 */
#define KEEL_GUEST_GPIO_BASE 0x09030000ULL  /* PL061: power button on line 3 */
#define KEEL_GUEST_GPIO_SIZE 0x1000ULL
#define KEEL_GUEST_GPIO_SPI 7               /* INTID 39 */
#define KEEL_GUEST_VIRTIO_BASE 0x0a000000ULL
#define KEEL_GUEST_VIRTIO_STRIDE 0x200ULL
#define KEEL_GUEST_VIRTIO_SPI 16            /* device n: SPI 16 + n */
#define KEEL_GUEST_VIRTIO_MAX 32
#define KEEL_GUEST_VIRTIO_SIZE 0x200ULL     /* one virtio-mmio register window */
/* The virtio-console's slot (Keel's schema): the last one, so disks and
 * NICs count up from slot 0 without meeting it. */
#define KEEL_GUEST_VCON_SLOT (KEEL_GUEST_VIRTIO_MAX - 1)
/* The virtio-gpu's slot (Keel's schema, "display"): the one below it. */
#define KEEL_GUEST_GPU_SLOT (KEEL_GUEST_VIRTIO_MAX - 2)

/*
 * Limits of a guest's address space. The hypervisor refuses a descriptor
 * outside them (VM_CREATE, -EINVAL); keeld refuses the config first, with
 * a message naming the field and the value. Each is written only here.
 */
#define KEEL_GUEST_IPA_BITS 40              /* guest IPAs (RAM, MMIO) below 1 TiB */
#define KEEL_GUEST_IPA_LIMIT (1ULL << KEEL_GUEST_IPA_BITS)
/* RAM region base and size: the pool hands out 2 MiB blocks, and stage 2
 * maps them as blocks. */
#define KEEL_GUEST_RAM_ALIGN 0x200000ULL
#define KEEL_GUEST_SPI_BASE 32              /* INTID of SPI 0 */
#define KEEL_GUEST_INTID_LIMIT 1020         /* INTIDs 1020.. are special (GIC architecture) */

/* The guest's GIC frames, at the host's addresses (keel_sysinfo). */
#define KEEL_GUEST_GICD_SIZE 0x10000ULL     /* distributor */
#define KEEL_GUEST_GICR_STRIDE 0x20000ULL   /* GICv3: RD + SGI frame per vCPU */
#define KEEL_GUEST_GICC_SIZE 0x2000ULL      /* GICv2: CPU interface */
#define KEEL_GUEST_GICV2_MAX_VCPUS 8        /* GICv2 targets 8 CPUs */

/*
 * Timer interrupts are not here: a guest's are the host's (its virtual
 * timer is the physical one, handed through), and the host's device tree
 * names them (arm,armv8-timer "interrupts": secure, non-secure physical,
 * virtual, hypervisor, in this order).
 */
#define KEEL_TIMER_SEC 0
#define KEEL_TIMER_PHYS 1
#define KEEL_TIMER_VIRT 2
#define KEEL_TIMER_HYP 3
#define KEEL_TIMER_NR 4

#endif
