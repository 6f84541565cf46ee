// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Shadow registers (proto/keel/shared.h): a guest access that would be an
 * ioreq is first looked up in its VM's shadow windows; a READ is answered
 * from the shared word, a W1C clears bits in it, a POSTED store goes into
 * the window's ring, a LATCH store sets its word (for READs) and goes into
 * the ring. Nothing here knows a device: offsets, kinds, sizes.
 *
 * The page is VM0 memory: the words are touched only with atomics, ring
 * indices VM0 writes are read once per use and may only make the ring look
 * full, and the head we publish is our own copy.
 */
#include <keel/guest.h>
#include <keel/shared.h>
#include <hyp/errno.h>
#include <hyp/ioreq.h>
#include <hyp/mmio.h>
#include <hyp/shadow.h>
#include <asm/barrier.h>
#include <hyp/vm.h>

static bool shadow_loads(const struct keel_shadow_reg *r)
{
	return r->kind == KEEL_SHADOW_READ;
}

static bool shadow_reg_ok(const struct keel_shadow_reg *r, u64 size)
{
	if (!IS_ALIGNED(r->offset, 4) || (u64)r->offset + 4 > size)
		return false;
	if (!r->sizes || (r->sizes & ~KEEL_SHADOW_SIZES))
		return false;
	switch (r->kind) {
	case KEEL_SHADOW_READ:
	case KEEL_SHADOW_W1C:
	case KEEL_SHADOW_LATCH:
		return r->word < KEEL_SHADOW_WORDS;
	case KEEL_SHADOW_POSTED:
		return r->word == 0;
	default:
		return false;
	}
}

/* The descriptor alone: shapes, bounds, registers. */
static int shadow_desc_check(const struct keel_shadow_desc *d)
{
	if (d->magic != KEEL_SHADOW_DESC_MAGIC || d->revision != KEEL_SHADOW_DESC_REVISION || d->pad)
		return -EINVAL;
	if (!d->nr_regs || d->nr_regs > KEEL_SHADOW_MAX_REGS)
		return -EINVAL;
	if (!IS_ALIGNED(d->base, 4) || d->size < 4 || d->size > KEEL_SHADOW_WINDOW_MAX ||
	    d->base + d->size < d->base || d->base + d->size > KEEL_GUEST_IPA_LIMIT)
		return -EINVAL;
	if (!IS_ALIGNED(d->page, KEEL_SHADOW_PAGE_SIZE))
		return -EINVAL;
	for (u32 i = 0; i < d->nr_regs; i++) {
		if (!shadow_reg_ok(&d->reg[i], d->size))
			return -EINVAL;
		/* One register per offset and direction: an access must not
		 * depend on the order of the table. */
		for (u32 j = 0; j < i; j++)
			if (d->reg[j].offset == d->reg[i].offset &&
			    shadow_loads(&d->reg[j]) == shadow_loads(&d->reg[i]))
				return -EINVAL;
	}
	return 0;
}

int shadow_register(struct vm *vm, const struct keel_shadow_desc *d)
{
	struct shadow_table *t = &vm->shadow;
	struct keel_shadow_page *page;
	struct shadow_window *w;
	int ret = shadow_desc_check(d);

	if (ret)
		return ret;
	/* The page must be VM0's own RAM (never the hypervisor's or a
	 * guest's); VM0 is identity-mapped, so its PA is our address. */
	if (!vm0 || !vm_ram_contains(vm0, d->page, KEEL_SHADOW_PAGE_SIZE))
		return -EINVAL;
	page = (struct keel_shadow_page *)(uintptr_t)d->page;
	if (READ_ONCE(page->magic) != KEEL_SHADOW_MAGIC ||
	    READ_ONCE(page->revision) != KEEL_SHADOW_REVISION)
		return -EINVAL;

	spin_lock(&vm->lock);
	for (u32 i = 0; i < t->nr; i++) {
		/* Two producers with their own heads on one ring would
		 * overwrite each other's entries. */
		if ((d->base < t->w[i].base + t->w[i].size && t->w[i].base < d->base + d->size) ||
		    t->w[i].page == page) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (t->nr == KEEL_SHADOW_MAX_WINDOWS) {
		ret = -ENOSPC;
		goto out;
	}
	w = &t->w[t->nr];
	*w = (struct shadow_window){
		.base = d->base,
		.size = d->size,
		.page = page,
		.cookie = d->cookie,
		.nr_regs = d->nr_regs,
		.lock = SPINLOCK_INIT,
	};
	for (u32 i = 0; i < d->nr_regs; i++)
		w->reg[i] = d->reg[i];
	/* Start where VM0's consumer is: a stale tail can only look full. */
	w->head = READ_ONCE(page->posted_tail);
	WRITE_ONCE(page->posted_head, w->head);
	/* dmb: the window is complete before the count that makes vCPUs
	 * (which search without the lock) look at it. */
	dmb(ishst);
	WRITE_ONCE(t->nr, t->nr + 1);
out:
	spin_unlock(&vm->lock);
	return ret;
}

static u64 shadow_mask(u32 size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* A store into the posted ring; -ENOENT when it is full (the store then
 * becomes an ioreq, and VM0 drains the ring before serving it). */
static int shadow_post(struct vm *vm, struct shadow_window *w, u32 offset,
		       const struct mmio_access *acc)
{
	struct keel_shadow_page *p = w->page;
	bool notify;
	u32 head;
	u64 flags;

	flags = irq_save();
	spin_lock(&w->lock);
	head = w->head;
	/* A tail VM0 moved past our head reads as a full ring: ioreqs then. */
	if (head - READ_ONCE(p->posted_tail) >= KEEL_SHADOW_RING) {
		spin_unlock(&w->lock);
		irq_restore(flags);
		return -ENOENT;
	}
	WRITE_ONCE(p->ring[head % KEEL_SHADOW_RING].offset, offset);
	WRITE_ONCE(p->ring[head % KEEL_SHADOW_RING].size, acc->size);
	WRITE_ONCE(p->ring[head % KEEL_SHADOW_RING].data, acc->data);
	w->head = head + 1;
	/* dmb: the entry is visible before the head that publishes it. */
	dmb(ishst);
	WRITE_ONCE(p->posted_head, head + 1);
	/* dmb: the head store is ordered before the tail load below (pairs
	 * with VM0's full barrier between its tail store and its head
	 * re-read): either VM0 sees our head, or we see it caught up. */
	dmb(ish);
	notify = READ_ONCE(p->posted_tail) == head;
	spin_unlock(&w->lock);
	irq_restore(flags);
	if (notify)
		ioreq_post_event(KEEL_EV_POSTED, vm->id, w->cookie, 0);
	return 0;
}

static int shadow_do(struct vm *vm, struct shadow_window *w, const struct keel_shadow_reg *r,
		     struct mmio_access *acc)
{
	u32 *word = &w->page->word[r->word];

	switch (r->kind) {
	case KEEL_SHADOW_READ:
		/* Acquire: pairs with VM0's release OR; what the word announces
		 * is visible to the guest's loads after this one. */
		acc->data = __atomic_load_n(word, __ATOMIC_ACQUIRE) & shadow_mask(acc->size);
		return 0;
	case KEEL_SHADOW_W1C:
		/* One atomic AND-NOT: a bit VM0 sets meanwhile and the guest
		 * did not write survives. Acquire as for READ. */
		__atomic_fetch_and(word, ~(u32)acc->data, __ATOMIC_ACQUIRE);
		return 0;
	case KEEL_SHADOW_LATCH:
		/* The value first, for this vCPU's next load and (release) for
		 * any other vCPU's that sees it; then VM0's copy, in order with
		 * the window's other stores (an ioreq if the ring is full: the
		 * word is already right either way). */
		__atomic_store_n(word, (u32)acc->data, __ATOMIC_RELEASE);
		return shadow_post(vm, w, r->offset, acc);
	default:
		return shadow_post(vm, w, r->offset, acc);
	}
}

int shadow_access(struct vm *vm, struct mmio_access *acc)
{
	struct shadow_table *t = &vm->shadow;
	u32 n = READ_ONCE(t->nr);

	/* dmb: pairs with shadow_register's; windows below n are complete. */
	dmb(ishld);
	for (u32 i = 0; i < n; i++) {
		struct shadow_window *w = &t->w[i];
		u64 off = acc->addr - w->base;

		if (acc->addr < w->base || off >= w->size)
			continue;
		for (u32 j = 0; j < w->nr_regs; j++) {
			const struct keel_shadow_reg *r = &w->reg[j];

			/* acc->size is 1, 2, 4 or 8; 8 is in no mask. */
			if (r->offset == off && (r->sizes & acc->size) && shadow_loads(r) == !acc->write)
				return shadow_do(vm, w, r, acc);
		}
		return -ENOENT;
	}
	return -ENOENT;
}
