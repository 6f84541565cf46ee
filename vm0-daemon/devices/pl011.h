/* SPDX-License-Identifier: GPL-2.0 */
/* PL011 UART register model: enough for Linux's amba-pl011 and earlycon. */
#ifndef KEELD_PL011_H
#define KEELD_PL011_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vdev/mmio.h"

#define PL011_FIFO 32

#define PL011_DR 0x000
#define PL011_RSR 0x004
#define PL011_FR 0x018
#define PL011_ILPR 0x020
#define PL011_IBRD 0x024
#define PL011_FBRD 0x028
#define PL011_LCR_H 0x02c
#define PL011_CR 0x030
#define PL011_IFLS 0x034
#define PL011_IMSC 0x038
#define PL011_RIS 0x03c
#define PL011_MIS 0x040
#define PL011_ICR 0x044
#define PL011_DMACR 0x048

#define PL011_FR_BUSY (1U << 3)
#define PL011_FR_RXFE (1U << 4)
#define PL011_FR_TXFF (1U << 5)
#define PL011_FR_RXFF (1U << 6)
#define PL011_FR_TXFE (1U << 7)

#define PL011_INT_RX (1U << 4)
#define PL011_INT_TX (1U << 5)
#define PL011_INT_RT (1U << 6)

struct pl011 {
	uint32_t ris;   /* latched sources other than RX/RT/TX (cleared by ICR) */
	uint32_t imsc, ibrd, fbrd, lcr_h, cr, ifls, ilpr, dmacr;
	uint8_t rx[PL011_FIFO];
	unsigned rx_head, rx_count;
	bool irq_level;
	void (*tx)(void *opaque, uint8_t byte);
	void (*irq)(void *opaque, bool level);  /* called on changes only */
	void *opaque;
};

extern const struct mmio_ops pl011_mmio_ops;

void pl011_init(struct pl011 *u, void (*tx)(void *, uint8_t), void (*irq)(void *, bool),
		void *opaque);
uint64_t pl011_read(void *dev, uint64_t off, unsigned size);
/* The flag register: TXFE always (the transmitter never holds a byte),
 * RXFE / RXFF from the receive FIFO. */
uint32_t pl011_fr(const struct pl011 *u);
void pl011_write(void *dev, uint64_t off, unsigned size, uint64_t val);
/* Bytes typed at the console: how many fit, and push (returns bytes taken). */
size_t pl011_rx_room(const struct pl011 *u);
size_t pl011_receive(struct pl011 *u, const uint8_t *buf, size_t len);
/* The registers across a keeld restart (the receive FIFO is not kept:
 * keystrokes in it are lost). restore drives the line to its level. */
json_t *pl011_save(const struct pl011 *u);
int pl011_restore(struct pl011 *u, const json_t *state);

#endif
