/* SPDX-License-Identifier: GPL-2.0 */
/* Per-VM table of emulated MMIO ranges -> device models. */
#ifndef KEELD_MMIO_H
#define KEELD_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include <keel/shared.h>

struct mmio_ops {
	const char *name;
	/* off is relative to the range base; size is 1, 2, 4 or 8 */
	uint64_t (*read)(void *dev, uint64_t off, unsigned size);
	void (*write)(void *dev, uint64_t off, unsigned size, uint64_t val);
	/* Registers the hypervisor answers itself (shadow registers,
	 * proto/keel/shared.h); nr_shadow 0: none. Posted stores still arrive
	 * through write, later; READ words are the device's to keep current. */
	const struct keel_shadow_reg *shadow;
	unsigned nr_shadow;
	/* The window's shadow words (the page shared with the hypervisor, or
	 * keeld's own): called once the window is claimed, before any access. */
	void (*shadow_bind)(void *dev, uint32_t *words);
};

struct mmio_range {
	uint64_t base, size;
	const struct mmio_ops *ops;
	void *dev;
};

#define MMIO_MAX_RANGES 40

struct mmio_table {
	unsigned n;
	struct mmio_range r[MMIO_MAX_RANGES];
};

/* -EINVAL empty/wrapping, -EEXIST overlap, -ENOSPC table full */
int mmio_add(struct mmio_table *t, uint64_t base, uint64_t size, const struct mmio_ops *ops,
	     void *dev);
const struct mmio_range *mmio_find(const struct mmio_table *t, uint64_t addr, unsigned size);
/* Emulate one access. A read's value is masked to size. -ENOENT: no device
 * there (a read then gives 0). */
int mmio_access(const struct mmio_table *t, uint64_t addr, unsigned size, bool write,
		uint64_t *data);

#endif
