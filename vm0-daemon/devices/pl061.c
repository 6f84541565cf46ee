// SPDX-License-Identifier: GPL-2.0
/*
 * PL061 GPIO (Arm PrimeCell GPIO TRM, DDI 0190). A pin reads its output
 * latch when DIR says output, the outside level otherwise. Edge-sensitive
 * pins latch RIS on the edge IBE/IEV select; level-sensitive pins show the
 * level in RIS for as long as it lasts.
 */
#include <errno.h>
#include <string.h>

#include "devices/pl061.h"

static const uint8_t pl061_id[8] = {
	0x61, 0x10, 0x04, 0x00, /* PeriphID0-3 */
	0x0d, 0xf0, 0x05, 0xb1, /* PCellID0-3 */
};

const struct mmio_ops pl061_mmio_ops = {
	.name = "pl061",
	.read = pl061_read,
	.write = pl061_write,
};

static uint8_t pl061_pins(const struct pl061 *g)
{
	return (uint8_t)((g->data & g->dir) | (g->in & ~g->dir));
}

static uint8_t pl061_ris(const struct pl061 *g)
{
	uint8_t pins = pl061_pins(g);
	uint8_t level = (uint8_t)(g->is & ((g->iev & pins) | (~g->iev & ~pins)));

	return (uint8_t)((g->ris & ~g->is) | level);
}

static void pl061_update(struct pl061 *g)
{
	bool level = (pl061_ris(g) & g->ie) != 0;

	if (level != g->irq_level) {
		g->irq_level = level;
		if (g->irq)
			g->irq(g->opaque, level);
	}
}

/* Latch the edges between two pin states on the edge-sensitive pins. */
static void pl061_edges(struct pl061 *g, uint8_t before)
{
	uint8_t after = pl061_pins(g), changed = before ^ after;
	uint8_t rising = changed & after, falling = changed & before;
	uint8_t hit = (uint8_t)((g->ibe & changed) | (~g->ibe & ((g->iev & rising) | (~g->iev & falling))));

	g->ris |= (uint8_t)(hit & ~g->is);
	pl061_update(g);
}

void pl061_init(struct pl061 *g, void (*irq)(void *, bool), void *opaque)
{
	memset(g, 0, sizeof(*g));
	g->irq = irq;
	g->opaque = opaque;
}

uint64_t pl061_read(void *dev, uint64_t off, unsigned size)
{
	struct pl061 *g = dev;

	if (off < 0x400) /* DATA: address bits [9:2] mask the pins */
		return pl061_pins(g) & ((off >> 2) & 0xff);
	switch (off) {
	case PL061_DIR: return g->dir;
	case PL061_IS: return g->is;
	case PL061_IBE: return g->ibe;
	case PL061_IEV: return g->iev;
	case PL061_IE: return g->ie;
	case PL061_RIS: return pl061_ris(g);
	case PL061_MIS: return pl061_ris(g) & g->ie;
	case PL061_AFSEL: return g->afsel;
	default:
		if (off >= 0xfe0 && off < 0x1000 && !(off & 3))
			return pl061_id[(off - 0xfe0) >> 2];
		return 0;
	}
}

void pl061_write(void *dev, uint64_t off, unsigned size, uint64_t val64)
{
	struct pl061 *g = dev;
	uint8_t before = pl061_pins(g), val = (uint8_t)val64;

	if (off < 0x400) {
		uint8_t mask = (uint8_t)((off >> 2) & 0xff);

		g->data = (uint8_t)((g->data & ~mask) | (val & mask));
		pl061_edges(g, before);
		return;
	}
	switch (off) {
	case PL061_DIR: g->dir = val; break;
	case PL061_IS: g->is = val; break;
	case PL061_IBE: g->ibe = val; break;
	case PL061_IEV: g->iev = val; break;
	case PL061_IE: g->ie = val; break;
	case PL061_IC: g->ris &= (uint8_t)~val; break;
	case PL061_AFSEL: g->afsel = val; break;
	default: return;
	}
	/* A DIR change can switch what a pin reads: that is an edge too. */
	pl061_edges(g, before);
}

void pl061_set_input(struct pl061 *g, unsigned line, bool level)
{
	uint8_t before = pl061_pins(g);

	if (line > 7)
		return;
	if (level)
		g->in |= (uint8_t)(1U << line);
	else
		g->in &= (uint8_t)~(1U << line);
	pl061_edges(g, before);
}

json_t *pl061_save(const struct pl061 *g)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "data", g->data, "dir", g->dir,
			 "is", g->is, "ibe", g->ibe, "iev", g->iev, "ie", g->ie, "ris", g->ris, "afsel",
			 g->afsel);
}

int pl061_restore(struct pl061 *g, const json_t *state)
{
	int v[8];

	if (json_unpack((json_t *)state, "{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "data", &v[0],
			"dir", &v[1], "is", &v[2], "ibe", &v[3], "iev", &v[4], "ie", &v[5], "ris",
			&v[6], "afsel", &v[7]))
		return -EINVAL;
	g->data = (uint8_t)v[0];
	g->dir = (uint8_t)v[1];
	g->is = (uint8_t)v[2];
	g->ibe = (uint8_t)v[3];
	g->iev = (uint8_t)v[4];
	g->ie = (uint8_t)v[5];
	g->ris = (uint8_t)v[6];
	g->afsel = (uint8_t)v[7];
	g->irq_level = !((pl061_ris(g) & g->ie) != 0);
	pl061_update(g);
	return 0;
}
