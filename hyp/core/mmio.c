// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <asm/barrier.h>
#include <hyp/errno.h>
#include <hyp/mmio.h>
#include <hyp/vm.h>

/* Would [base, base + size) of the given kind clash with region r? */
static bool mmio_clash(const struct mmio_region *r, u64 base, u64 size, bool overlay)
{
	bool inside;

	if (!(base < r->base + r->size && r->base < base + size))
		return false;
	if (overlay == r->overlay)
		return true;
	/* One of each: the overlay must sit wholly inside the ordinary one. */
	inside = overlay ? base >= r->base && base + size <= r->base + r->size :
			   r->base >= base && r->base + r->size <= base + size;
	return !inside;
}

int mmio_register(struct vm *vm, u64 base, u64 size, mmio_handler_t handler, void *priv,
		  bool overlay)
{
	int ret = 0;

	if (!size || base + size < base || !handler)
		return -EINVAL;
	spin_lock(&vm->lock);
	for (u32 i = 0; i < vm->nr_mmio; i++) {
		if (mmio_clash(&vm->mmio[i], base, size, overlay)) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (vm->nr_mmio == MAX_MMIO_REGIONS) {
		ret = -ENOSPC;
		goto out;
	}
	vm->mmio[vm->nr_mmio] = (struct mmio_region){ base, size, handler, priv, overlay };
	/* dmb: the entry is complete before the count that makes vCPUs (which
	 * search without the lock) look at it. */
	dmb(ishst);
	WRITE_ONCE(vm->nr_mmio, vm->nr_mmio + 1);
out:
	spin_unlock(&vm->lock);
	return ret;
}

const struct mmio_region *mmio_find(struct vm *vm, u64 addr)
{
	const struct mmio_region *best = NULL;
	u32 n = READ_ONCE(vm->nr_mmio);

	/* dmb: pairs with mmio_register's; entries below n are complete. */
	dmb(ishld);
	for (u32 i = 0; i < n; i++) {
		const struct mmio_region *r = &vm->mmio[i];

		if (addr >= r->base && addr - r->base < r->size && (!best || r->size < best->size))
			best = r;
	}
	return best;
}
