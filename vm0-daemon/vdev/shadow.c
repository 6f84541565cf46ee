// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow registers on keeld's side (proto/keel/shared.h). A window whose
 * mmio_ops name shadow registers gets a page of words: shared with the
 * hypervisor when this attach registers with it, else our own, so a device
 * has one code path either way. Its posted stores are replayed into the
 * window's write handler in the order the guest made them, before any
 * ioreq of the guest is served.
 *
 * The page is written by the hypervisor: entries are copied out and checked
 * (an offset outside the window, a bad size) before they are applied.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vdev/vdev.h"

static int shadow_page_own(struct keel_shadow_page **out)
{
	struct keel_shadow_page *p = aligned_alloc(KEEL_SHADOW_PAGE_SIZE, KEEL_SHADOW_PAGE_SIZE);

	if (!p)
		return -ENOMEM;
	memset(p, 0, KEEL_SHADOW_PAGE_SIZE);
	p->magic = KEEL_SHADOW_MAGIC;
	p->revision = KEEL_SHADOW_REVISION;
	*out = p;
	return 0;
}

int vdev_shadow_claim(struct vdev_registry *r, struct vdev *d, unsigned window, char *err,
		      size_t errlen)
{
	const struct mmio_range *w = &r->mmio.r[window];
	const struct mmio_ops *ops = w->ops;
	const struct vdev_host *h = &r->host;
	struct vdev_shadow *s = &r->shadow[r->nr_shadows];
	int e = 0;

	if (ops->nr_shadow > KEEL_SHADOW_MAX_REGS || !ops->shadow_bind)
		e = -EINVAL;
	else if (r->nr_shadows == KEEL_SHADOW_MAX_WINDOWS)
		e = -ENOSPC;
	else if (r->resuming && h->ops->shadow_map) {
		/* The hypervisor still serves the page an earlier keeld had. */
		*s = (struct vdev_shadow){ .window = window, .shared = true };
		e = h->ops->shadow_map(h->opaque, r->nr_shadows, &s->page);
		if (!e)
			s->tail = __atomic_load_n(&s->page->posted_tail, __ATOMIC_ACQUIRE);
	} else if (r->hyp && h->ops->shadow_register) {
		struct keel_ioc_shadow req = {
			.cookie = vdev_cookie(r, r->nr_shadows),
			.base = w->base,
			.size = w->size,
			.nr_regs = ops->nr_shadow,
		};

		memcpy(req.reg, ops->shadow, ops->nr_shadow * sizeof(*ops->shadow));
		*s = (struct vdev_shadow){ .window = window, .shared = true };
		e = h->ops->shadow_register(h->opaque, &req, &s->page);
	} else {
		*s = (struct vdev_shadow){ .window = window };
		e = shadow_page_own(&s->page);
	}
	if (e) {
		snprintf(err, errlen, "vm %u: %s: shadow registers of window 0x%llx: %s", h->vm_id,
			 d->name, (unsigned long long)w->base, strerror(-e));
		return e;
	}
	r->nr_shadows++;
	if (r->resuming && s->shared) {
		/* The page's words are the guest's live registers: the fresh
		 * model binds to them, it does not reset them. */
		uint32_t keep[KEEL_SHADOW_WORDS];

		memcpy(keep, s->page->word, sizeof(keep));
		ops->shadow_bind(w->dev, s->page->word);
		memcpy(s->page->word, keep, sizeof(keep));
		return 0;
	}
	ops->shadow_bind(w->dev, s->page->word);
	return 0;
}

void vdev_shadow_forget(struct vdev_registry *r)
{
	const struct vdev_host *h = &r->host;

	while (r->nr_shadows) {
		struct vdev_shadow *s = &r->shadow[--r->nr_shadows];

		if (s->shared)
			h->ops->shadow_release(h->opaque, s->page);
		else
			free(s->page);
		s->page = NULL;
	}
}

static void shadow_apply(struct vdev_registry *r, const struct mmio_range *w,
			 const struct keel_posted *slot)
{
	/* One copy; only the copy is checked and used. */
	uint32_t offset = __atomic_load_n(&slot->offset, __ATOMIC_RELAXED);
	uint32_t size = __atomic_load_n(&slot->size, __ATOMIC_RELAXED);
	uint64_t data = __atomic_load_n(&slot->data, __ATOMIC_RELAXED);

	if (offset >= w->size || (size != 1 && size != 2 && size != 4) ||
	    mmio_access(&r->mmio, w->base + offset, size, true, &data)) {
		if (!r->bad_posted_logged)
			klog("vm %u: posted %u-byte store at 0x%llx+0x%x: not this window's (logged once)",
			     r->host.vm_id, size, (unsigned long long)w->base, offset);
		r->bad_posted_logged = true;
	}
}

static void shadow_drain(struct vdev_registry *r, struct vdev_shadow *s)
{
	struct keel_shadow_page *p = s->page;
	const struct mmio_range *w = &r->mmio.r[s->window];
	uint32_t tail = s->tail, head;

	/* Acquire: pairs with the hypervisor's dmb before it publishes the
	 * head; the entries below it are complete. */
	while ((head = __atomic_load_n(&p->posted_head, __ATOMIC_ACQUIRE)) != tail) {
		if (head - tail > KEEL_SHADOW_RING) {
			klog("vm %u: posted ring of window 0x%llx: head %u, tail %u: skipping", r->host.vm_id,
			     (unsigned long long)w->base, head, tail);
			tail = head;
		}
		r->applying_posted = true;
		for (; tail != head; tail++)
			shadow_apply(r, w, &p->ring[tail % KEEL_SHADOW_RING]);
		r->applying_posted = false;
		/* Release: our reads of the entries complete before the
		 * hypervisor can see their slots free. */
		__atomic_store_n(&p->posted_tail, tail, __ATOMIC_RELEASE);
		/* Full barrier: the tail store is ordered before the head is
		 * read again (pairs with the hypervisor's dmb between its head
		 * store and its tail load): either it saw us caught up and
		 * raises KEEL_EV_POSTED, or we see its entry here. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	s->tail = tail;
}

bool vdev_posted(const struct vdev *d)
{
	return d->reg->applying_posted;
}

void vdev_shadow_drain_all(struct vdev_registry *r)
{
	for (unsigned i = 0; i < r->nr_shadows; i++)
		shadow_drain(r, &r->shadow[i]);
}

int vdev_registry_posted(struct vdev_registry *r, uint32_t cookie)
{
	unsigned slot;

	if (!vdev_cookie_slot(r, cookie, r->nr_shadows, &slot)) {
		if (!r->bad_posted_logged)
			klog_vm(r->host.vm_id,
				"vm %u: posted-store event with cookie 0x%x, which no window of this boot registered (logged once)",
				r->host.vm_id, cookie);
		r->bad_posted_logged = true;
		return -ENOENT;
	}
	shadow_drain(r, &r->shadow[slot]);
	return 0;
}
