/* SPDX-License-Identifier: GPL-2.0 */
/* PL061 GPIO register model: the guest's power button on line 3. */
#ifndef KEELD_PL061_H
#define KEELD_PL061_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "vdev/mmio.h"

#define PL061_DIR 0x400
#define PL061_IS 0x404
#define PL061_IBE 0x408
#define PL061_IEV 0x40c
#define PL061_IE 0x410
#define PL061_RIS 0x414
#define PL061_MIS 0x418
#define PL061_IC 0x41c
#define PL061_AFSEL 0x420

struct pl061 {
	uint8_t data;   /* output latch */
	uint8_t in;     /* levels driven from outside (the button) */
	uint8_t dir, is, ibe, iev, ie, ris, afsel;
	bool irq_level;
	void (*irq)(void *opaque, bool level);  /* called on changes only */
	void *opaque;
};

extern const struct mmio_ops pl061_mmio_ops;

void pl061_init(struct pl061 *g, void (*irq)(void *, bool), void *opaque);
uint64_t pl061_read(void *dev, uint64_t off, unsigned size);
void pl061_write(void *dev, uint64_t off, unsigned size, uint64_t val);
/* Drive input line (0..7) from outside. */
void pl061_set_input(struct pl061 *g, unsigned line, bool level);
/* The registers across a keeld restart; restore drives the line. */
json_t *pl061_save(const struct pl061 *g);
int pl061_restore(struct pl061 *g, const json_t *state);

#endif
