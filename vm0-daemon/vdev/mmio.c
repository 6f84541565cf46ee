// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>

#include "vdev/mmio.h"

int mmio_add(struct mmio_table *t, uint64_t base, uint64_t size, const struct mmio_ops *ops,
	     void *dev)
{
	if (!size || base + size < base)
		return -EINVAL;
	for (unsigned i = 0; i < t->n; i++)
		if (base < t->r[i].base + t->r[i].size && t->r[i].base < base + size)
			return -EEXIST;
	if (t->n == MMIO_MAX_RANGES)
		return -ENOSPC;
	t->r[t->n++] = (struct mmio_range){ base, size, ops, dev };
	return 0;
}

const struct mmio_range *mmio_find(const struct mmio_table *t, uint64_t addr, unsigned size)
{
	for (unsigned i = 0; i < t->n; i++) {
		const struct mmio_range *r = &t->r[i];

		/* The whole access must fall inside one range (values come from
		 * the guest: an access straddling the end is not this device's). */
		if (addr >= r->base && addr - r->base < r->size && size <= r->size - (addr - r->base))
			return r;
	}
	return NULL;
}

int mmio_access(const struct mmio_table *t, uint64_t addr, unsigned size, bool write,
		uint64_t *data)
{
	const struct mmio_range *r;
	uint64_t mask;

	if (size != 1 && size != 2 && size != 4 && size != 8) {
		*data = 0;
		return -EINVAL;
	}
	mask = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	r = mmio_find(t, addr, size);
	if (!r) {
		if (!write)
			*data = 0;
		return -ENOENT;
	}
	if (write)
		r->ops->write(r->dev, addr - r->base, size, *data & mask);
	else
		*data = r->ops->read(r->dev, addr - r->base, size) & mask;
	return 0;
}
