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

#endif
