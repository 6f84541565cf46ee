// SPDX-License-Identifier: GPL-2.0
/*
 * PL011 UART (Arm PrimeCell UART TRM, DDI 0183), as a guest sees it.
 *
 * The transmitter is always empty: every byte written to DR goes straight
 * to the console, so FR says TXFE and TXIS is always raised. Linux's driver
 * relies on that TX interrupt to finish its TX path, and masks TXIM in IMSC
 * when it has nothing more to send, so an always-set TXIS does not storm.
 */
#include <errno.h>
#include <string.h>

#include "devices/pl011.h"

static const uint8_t pl011_id[8] = {
	0x11, 0x10, 0x14, 0x00, /* PeriphID0-3: PL011 r1p5 */
	0x0d, 0xf0, 0x05, 0xb1, /* PCellID0-3: what AMBA probing checks */
};

const struct mmio_ops pl011_mmio_ops = {
	.name = "pl011",
	.read = pl011_read,
	.write = pl011_write,
};

static uint32_t pl011_ris(const struct pl011 *u)
{
	uint32_t ris = u->ris | PL011_INT_TX;

	if (u->rx_count)
		ris |= PL011_INT_RX | PL011_INT_RT;
	return ris;
}

/* The line is level-triggered: report it to the GIC only when it changes. */
static void pl011_update(struct pl011 *u)
{
	bool level = (pl011_ris(u) & u->imsc) != 0;

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->irq)
			u->irq(u->opaque, level);
	}
}

void pl011_init(struct pl011 *u, void (*tx)(void *, uint8_t), void (*irq)(void *, bool),
		void *opaque)
{
	memset(u, 0, sizeof(*u));
	u->cr = 0x300;   /* TXE | RXE: the reset value */
	u->ifls = 0x12;  /* 1/2 full: the reset value */
	u->tx = tx;
	u->irq = irq;
	u->opaque = opaque;
}

uint32_t pl011_fr(const struct pl011 *u)
{
	uint32_t v = PL011_FR_TXFE;

	if (!u->rx_count)
		v |= PL011_FR_RXFE;
	if (u->rx_count == PL011_FIFO)
		v |= PL011_FR_RXFF;
	return v;
}

static uint32_t pl011_read_reg(struct pl011 *u, uint64_t reg)
{
	uint32_t v;

	switch (reg) {
	case PL011_DR:
		if (!u->rx_count)
			return 0;
		v = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % PL011_FIFO;
		u->rx_count--;
		pl011_update(u);
		return v;
	case PL011_RSR:
		return 0;
	case PL011_FR:
		return pl011_fr(u);
	case PL011_ILPR: return u->ilpr;
	case PL011_IBRD: return u->ibrd;
	case PL011_FBRD: return u->fbrd;
	case PL011_LCR_H: return u->lcr_h;
	case PL011_CR: return u->cr;
	case PL011_IFLS: return u->ifls;
	case PL011_IMSC: return u->imsc;
	case PL011_RIS: return pl011_ris(u);
	case PL011_MIS: return pl011_ris(u) & u->imsc;
	case PL011_DMACR: return u->dmacr;
	default:
		if (reg >= 0xfe0 && reg < 0x1000)
			return pl011_id[(reg - 0xfe0) >> 2];
		return 0;
	}
}

uint64_t pl011_read(void *dev, uint64_t off, unsigned size)
{
	struct pl011 *u = dev;
	unsigned shift = (off & 3) * 8;

	if (off >= 0x1000)
		return 0;
	return (uint64_t)(pl011_read_reg(u, off & ~3ULL) >> shift);
}

void pl011_write(void *dev, uint64_t off, unsigned size, uint64_t val64)
{
	struct pl011 *u = dev;
	uint32_t val = (uint32_t)(val64 << ((off & 3) * 8));

	switch (off & ~3ULL) {
	case PL011_DR:
		if (u->tx)
			u->tx(u->opaque, (uint8_t)val);
		break;
	case PL011_RSR: /* ECR: any write clears the error flags we never set */
		break;
	case PL011_ILPR: u->ilpr = val & 0xff; break;
	case PL011_IBRD: u->ibrd = val & 0xffff; break;
	case PL011_FBRD: u->fbrd = val & 0x3f; break;
	case PL011_LCR_H: u->lcr_h = val & 0xff; break;
	case PL011_CR: u->cr = val & 0xffff; break;
	case PL011_IFLS: u->ifls = val & 0x3f; break;
	case PL011_IMSC: u->imsc = val & 0x7ff; break;
	case PL011_ICR: u->ris &= ~val; break;
	case PL011_DMACR: u->dmacr = val & 0x7; break;
	default: break; /* FR, RIS, MIS, IDs are read-only */
	}
	pl011_update(u);
}

size_t pl011_rx_room(const struct pl011 *u)
{
	return PL011_FIFO - u->rx_count;
}

size_t pl011_receive(struct pl011 *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	while (n < len && u->rx_count < PL011_FIFO) {
		u->rx[(u->rx_head + u->rx_count) % PL011_FIFO] = buf[n++];
		u->rx_count++;
	}
	pl011_update(u);
	return n;
}

json_t *pl011_save(const struct pl011 *u)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ris", (json_int_t)u->ris,
			 "imsc", (json_int_t)u->imsc, "ibrd", (json_int_t)u->ibrd, "fbrd",
			 (json_int_t)u->fbrd, "lcr_h", (json_int_t)u->lcr_h, "cr", (json_int_t)u->cr,
			 "ifls", (json_int_t)u->ifls, "ilpr", (json_int_t)u->ilpr, "dmacr",
			 (json_int_t)u->dmacr);
}

int pl011_restore(struct pl011 *u, const json_t *state)
{
	json_int_t v[9];

	if (json_unpack((json_t *)state, "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ris", &v[0],
			"imsc", &v[1], "ibrd", &v[2], "fbrd", &v[3], "lcr_h", &v[4], "cr", &v[5],
			"ifls", &v[6], "ilpr", &v[7], "dmacr", &v[8]))
		return -EINVAL;
	u->ris = (uint32_t)v[0];
	u->imsc = (uint32_t)v[1];
	u->ibrd = (uint32_t)v[2];
	u->fbrd = (uint32_t)v[3];
	u->lcr_h = (uint32_t)v[4];
	u->cr = (uint32_t)v[5];
	u->ifls = (uint32_t)v[6];
	u->ilpr = (uint32_t)v[7];
	u->dmacr = (uint32_t)v[8];
	/* Whatever the line was left at, drive it to what these say. */
	u->irq_level = !((pl011_ris(u) & u->imsc) != 0);
	pl011_update(u);
	return 0;
}
