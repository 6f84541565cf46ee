// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <hyp/errno.h>
#include <hyp/mmio.h>
#include <hyp/vm.h>

int mmio_register(struct vm *vm, u64 base, u64 size, mmio_handler_t handler, void *priv)
{
	int ret = 0;

	if (!size || base + size < base || !handler)
		return -EINVAL;
	spin_lock(&vm->lock);
	for (u32 i = 0; i < vm->nr_mmio; i++) {
		const struct mmio_region *r = &vm->mmio[i];

		if (base < r->base + r->size && r->base < base + size) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (vm->nr_mmio == MAX_MMIO_REGIONS) {
		ret = -ENOSPC;
		goto out;
	}
	vm->mmio[vm->nr_mmio++] = (struct mmio_region){ base, size, handler, priv };
out:
	spin_unlock(&vm->lock);
	return ret;
}

const struct mmio_region *mmio_find(struct vm *vm, u64 addr)
{
	/* Regions are only added while the VM is being built, so a lock-free
	 * read sees a complete array. */
	for (u32 i = 0; i < vm->nr_mmio; i++) {
		const struct mmio_region *r = &vm->mmio[i];

		if (addr >= r->base && addr - r->base < r->size)
			return r;
	}
	return NULL;
}
