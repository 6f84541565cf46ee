// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues, device side (virtio 1.2, 2.7).
 *
 * The driver runs on other physical CPUs and may rewrite any ring byte at
 * any moment, maliciously or by mistake. So every index, ring entry and
 * descriptor is copied into a local exactly once and only the copy is
 * checked and used; ring indices are loaded with __atomic so the compiler
 * cannot re-read them, descriptors are copied and then fenced off with a
 * compiler barrier (see vq_read_desc).
 *
 * The memory-ordering pairs with the driver are the ones the spec lists
 * (2.7.13, 2.7.7.2, 2.7.10): each __atomic below names what it orders.
 * The __atomic builtins compile to LDAR/STLR/DMB ISH on arm64, which is
 * what the guest's virt_*mb() pair with (both sides are CPUs in the inner
 * shareable domain, so VIRTIO_F_ORDER_PLATFORM is not needed).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "virtio/virtqueue.h"

/* Ring fields are little-endian (VERSION_1); both keeld targets are too,
 * so the fields are used as they are in memory. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "virtio rings are little-endian");
_Static_assert(sizeof(struct vring_desc) == 16, "virtio 1.2 2.7.5");
_Static_assert(sizeof(struct vring_used_elem) == 8, "virtio 1.2 2.7.8");
_Static_assert((VQ_MAX_SIZE & (VQ_MAX_SIZE - 1)) == 0, "queue sizes are powers of two");

/* Sizes of the three areas for a queue of num entries (virtio 1.2 2.7,
 * table "Virtqueue Part Alignment Size"): the event-index words are
 * included whether or not EVENT_IDX is negotiated. */
static uint64_t vq_desc_bytes(uint16_t num)
{
	return 16ULL * num;
}

static uint64_t vq_avail_bytes(uint16_t num)
{
	return 6 + 2ULL * num;
}

static uint64_t vq_used_bytes(uint16_t num)
{
	return 6 + 8ULL * num;
}

static void *vq_area(const struct guest_mem *gm, uint64_t gpa, uint64_t len, uint64_t align)
{
	uint8_t *p;

	if (gpa & (align - 1))
		return NULL;
	p = guest_ptr(gm, gpa, len);
	/* The host mapping must keep the alignment too: the __atomic accesses
	 * to the indices below rely on it. */
	if (!p || ((uintptr_t)p & (align - 1)))
		return NULL;
	return p;
}

static bool vq_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* ---- the state a restart needs (struct vq_live) ---- */

/* Orders the live page's stores for the compiler; see struct vq_live. */
#define live_order() __atomic_signal_fence(__ATOMIC_SEQ_CST)

static void live_mark(struct vq *q, uint16_t head, bool inflight)
{
	uint64_t bit = 1ULL << (head % 64);

	if (!q->live)
		return;
	if (inflight)
		q->live->inflight[head / 64] |= bit;
	else
		q->live->inflight[head / 64] &= ~bit;
	live_order();
}

static bool live_inflight(const struct vq_live *l, uint16_t head)
{
	return l->inflight[head / 64] >> (head % 64) & 1;
}

static void live_set_avail(struct vq *q)
{
	if (!q->live)
		return;
	live_order();
	q->live->last_avail = q->last_avail;
	live_order();
}

static void live_clear(struct vq *q)
{
	if (q->live)
		memset(q->live, 0, sizeof(*q->live));
}

/* Check and resolve the three areas; indices untouched. */
static int vq_map(struct vq *q, const struct guest_mem *gm)
{
	void *desc, *avail, *used;

	if (q->num == 0 || q->num > VQ_MAX_SIZE || (q->num & (q->num - 1)))
		return -EINVAL;
	desc = vq_area(gm, q->desc_gpa, vq_desc_bytes(q->num), 16);
	avail = vq_area(gm, q->avail_gpa, vq_avail_bytes(q->num), 2);
	used = vq_area(gm, q->used_gpa, vq_used_bytes(q->num), 4);
	if (!desc || !avail || !used)
		return -EINVAL;
	/* The device writes the used area (and avail_event in it) and the
	 * driver's flags; areas laid over one another would let our own
	 * writes fake or hide requests. A correct driver never overlaps them. */
	if (vq_overlap(q->desc_gpa, vq_desc_bytes(q->num), q->avail_gpa, vq_avail_bytes(q->num)) ||
	    vq_overlap(q->desc_gpa, vq_desc_bytes(q->num), q->used_gpa, vq_used_bytes(q->num)) ||
	    vq_overlap(q->avail_gpa, vq_avail_bytes(q->num), q->used_gpa, vq_used_bytes(q->num)))
		return -EINVAL;

	q->gm = gm;
	q->desc = desc;
	q->avail = avail;
	q->used = used;
	q->bad_chains = 0;
	q->nr_replay = q->replay_pos = 0;
	__atomic_store_n(&q->broken, false, __ATOMIC_RELAXED);
	return 0;
}

int vq_start(struct vq *q, const struct guest_mem *gm)
{
	int r = vq_map(q, gm);

	if (r)
		return r;
	/* A freshly enabled queue starts at index 0 on both sides (2.7.13.1,
	 * 2.7.14): the driver has zeroed the rings. */
	q->last_avail = 0;
	q->used_idx = 0;
	q->signalled_used = 0;
	q->signalled_valid = false;
	live_clear(q);
	q->ready = true;
	return 0;
}

int vq_resume(struct vq *q, const struct guest_mem *gm)
{
	struct vq_live *l = q->live;
	uint16_t used_idx, avail_idx;
	unsigned n = 0;
	int r;

	if (!l)
		return -EINVAL;
	if ((r = vq_map(q, gm)))
		return r;
	/* Ours, in guest RAM: what the driver has been told is done. */
	used_idx = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
	/* A push cut short: done if its index store landed. */
	if (l->push_valid && (uint16_t)(used_idx - l->push_pos) == 1)
		l->inflight[l->push_head / 64] &= ~(1ULL << (l->push_head % 64));
	l->push_valid = 0;
	q->last_avail = l->last_avail;
	/* A pop cut short between marking its head and moving last_avail:
	 * a head the driver has outstanding cannot be in the ring twice. */
	avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
	while (q->last_avail != avail_idx && (uint16_t)(avail_idx - q->last_avail) <= q->num) {
		uint16_t head = __atomic_load_n(&q->avail->ring[q->last_avail & (q->num - 1)],
						__ATOMIC_RELAXED);

		if (head >= q->num || !live_inflight(l, head))
			break;
		q->last_avail++;
	}
	for (unsigned h = 0; h < q->num; h++)
		if (live_inflight(l, (uint16_t)h))
			q->replay[n++] = (uint16_t)h;
	/* Every chain popped is either completed or in flight. */
	if ((uint16_t)(q->last_avail - used_idx) != n || n > q->num)
		return -EPROTO;
	l->last_avail = q->last_avail;
	q->used_idx = used_idx;
	q->nr_replay = (uint16_t)n;
	q->replay_pos = 0;
	q->replay_base = q->last_avail;
	q->signalled_used = used_idx;
	q->signalled_valid = false;
	q->ready = true;
	return 0;
}

void vq_reset(struct vq *q)
{
	struct vq_live *live = q->live;

	memset(q, 0, offsetof(struct vq, replay));
	q->live = live;
	live_clear(q);
}

static uint16_t *vq_used_event(const struct vq *q)
{
	return (uint16_t *)&q->avail->ring[q->num];
}

static uint16_t *vq_avail_event(const struct vq *q)
{
	return (uint16_t *)&q->used->ring[q->num];
}

static void vq_set_broken(struct vq *q)
{
	/* Relaxed: the flag is also set from the transport's needs_reset,
	 * possibly on another thread; it orders nothing else. */
	__atomic_store_n(&q->broken, true, __ATOMIC_RELAXED);
}

/* Copy one descriptor out of guest memory. Indirect tables need not be
 * 8-byte aligned, so this is a memcpy rather than __atomic loads; the
 * compiler barrier after it stops the compiler from replacing later uses
 * of the copy with fresh reads of guest memory (a double fetch). */
static struct vring_desc vq_read_desc(const struct vring_desc *src)
{
	struct vring_desc d;

	memcpy(&d, src, sizeof(d));
	__asm__ __volatile__("" ::: "memory");
	return d;
}

/* Where one walk over a descriptor table stands. */
struct vq_walk {
	const struct vring_desc *table;
	uint32_t size; /* entries in table */
	bool indirect;
};

/* Add one (addr, len) to the chain; -EBADMSG if it cannot be. */
static int vq_add_seg(const struct vq *q, struct vq_chain *c, const struct vring_desc *d)
{
	bool writable = d->flags & VRING_DESC_F_WRITE;
	struct vq_seg *s;
	uint8_t *host;

	if (c->n >= VQ_MAX_SEGS)
		return -EBADMSG;
	/* Device-readable buffers precede device-writable ones (2.7.4.1):
	 * the copy helpers and every device rely on the split at n_out. */
	if (!writable && c->n > c->n_out)
		return -EBADMSG;
	host = guest_ptr(q->gm, d->addr, d->len);
	if (!host)
		return -EBADMSG;

	s = &c->seg[c->n++];
	s->host = host;
	s->gpa = d->addr;
	s->len = d->len;
	s->writable = writable;
	if (writable) {
		c->in_bytes += d->len;
	} else {
		c->n_out++;
		c->out_bytes += d->len;
	}
	return 0;
}

/* Switch the walk into the indirect table d points at (2.7.5.3). */
static int vq_enter_indirect(const struct vq *q, struct vq_walk *w, const struct vring_desc *d)
{
	const void *table;

	/* No table inside a table, and INDIRECT | NEXT is forbidden
	 * (2.7.5.3.1): the descriptor must end the direct chain. */
	if (w->indirect || (d->flags & VRING_DESC_F_NEXT))
		return -EBADMSG;
	if (d->len == 0 || d->len % sizeof(struct vring_desc))
		return -EBADMSG;
	table = guest_ptr(q->gm, d->addr, d->len);
	if (!table)
		return -EBADMSG;
	w->table = table;
	w->size = d->len / sizeof(struct vring_desc);
	w->indirect = true;
	return 0;
}

/* Resolve the chain starting at head (already checked < num). */
static int vq_walk_chain(const struct vq *q, struct vq_chain *c, uint16_t head)
{
	struct vq_walk w = {.table = q->desc, .size = q->num, .indirect = false};
	uint32_t idx = head, steps = 0;

	for (;;) {
		struct vring_desc d;
		int r;

		/* A chain visits at most size descriptors of one table; more
		 * means a loop (2.7.5.3.1 / 2.7.4.1: chain length <= size). */
		if (++steps > w.size)
			return -EBADMSG;
		d = vq_read_desc(&w.table[idx]);

		if (d.flags & VRING_DESC_F_INDIRECT) {
			r = vq_enter_indirect(q, &w, &d);
			if (r)
				return r;
			idx = 0;
			steps = 0;
			continue;
		}
		r = vq_add_seg(q, c, &d);
		if (r)
			return r;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= w.size)
			return -EBADMSG;
		idx = d.next;
	}
}

int vq_pop(struct vq *q, struct vq_chain *c)
{
	uint16_t avail_idx, pending, head;
	int r;

	if (!q->ready)
		return 0;
	if (__atomic_load_n(&q->broken, __ATOMIC_RELAXED))
		return -EPROTO;
	if (q->replay_pos < q->nr_replay) {
		/* Still in flight (marked so): the chain as the driver left it. */
		head = q->replay[q->replay_pos++];
		goto walk;
	}

	/* Acquire: the ring entry and the descriptors it names are read only
	 * after the index that published them (pairs with the driver's wmb
	 * before its avail->idx store, 2.7.13 step 3). */
	avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending == 0)
		return 0;
	if (pending > q->num) {
		/* The driver cannot have more than num chains outstanding:
		 * the index is garbage and so is everything it would show us. */
		vq_set_broken(q);
		return -EPROTO;
	}

	head = __atomic_load_n(&q->avail->ring[q->last_avail & (q->num - 1)], __ATOMIC_RELAXED);
	if (head >= q->num) {
		/* Nothing can be completed with an id we cannot name. */
		vq_set_broken(q);
		return -EPROTO;
	}
	/* Marked before last_avail moves: vq_resume mends a pop cut between. */
	live_mark(q, head, true);
	q->last_avail++;
	live_set_avail(q);
walk:
	c->head = head;
	c->n = 0;
	c->n_out = 0;
	c->out_bytes = 0;
	c->in_bytes = 0;
	r = vq_walk_chain(q, c, head);
	if (r) {
		c->n = 0;
		c->n_out = 0;
		c->out_bytes = 0;
		c->in_bytes = 0;
		q->bad_chains++;
		return r;
	}
	return 1;
}

void vq_push(struct vq *q, uint16_t head, uint32_t written)
{
	struct vring_used_elem *e;

	/* A device bug, not the guest's: drop rather than write a used entry
	 * the driver could not match to anything. */
	if (!q->ready || head >= q->num)
		return;
	if (q->live) {
		q->live->push_head = head;
		q->live->push_pos = q->used_idx;
		live_order();
		q->live->push_valid = 1;
		live_order();
	}
	e = &q->used->ring[q->used_idx & (q->num - 1)];
	e->id = head;
	e->len = written;
	q->used_idx++;
	/* Release: the used entry (and the data the device wrote into the
	 * buffers, on whichever thread, handed over to us through vq_lock)
	 * becomes visible before the index that publishes it (2.7.8.2). */
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
	if (q->live) {
		live_mark(q, head, false);
		q->live->push_valid = 0;
	}
	/* Replays done and one completed: no vq_unpop reaches back to them. */
	if (q->nr_replay && q->replay_pos == q->nr_replay)
		q->nr_replay = q->replay_pos = 0;
}

bool vq_should_interrupt(struct vq *q)
{
	uint16_t old, new_idx;
	bool valid;

	if (!q->ready)
		return false;
	/* Full barrier: our used->idx store must be visible before we read
	 * the driver's suppression (used_event / flags). The driver stores
	 * used_event, fences, then reads used->idx: with both fences, at
	 * least one side sees the other's store, so no interrupt is lost
	 * (2.7.10: store-to-load ordering needs DMB ISH, not just release). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	old = q->signalled_used;
	valid = q->signalled_valid;
	new_idx = q->used_idx;
	q->signalled_used = new_idx;
	q->signalled_valid = true;

	/* Nothing published since the last check: nothing to tell (both
	 * start at 0 in vq_start, so this holds before the first check too). */
	if (old == new_idx)
		return false;
	if (q->event_idx) {
		uint16_t event = __atomic_load_n(vq_used_event(q), __ATOMIC_RELAXED);

		/* First check after start: old means nothing yet, be safe. */
		return !valid || vring_need_event(event, new_idx, old);
	}
	return !(__atomic_load_n(&q->avail->flags, __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
}

void vq_unpop(struct vq *q, uint16_t n)
{
	/* Replayed chains were popped before any new one: the newest given
	 * back are the ring's, the rest go back to the replay list. */
	uint16_t from_ring = (uint16_t)(q->last_avail - q->replay_base);

	if (q->replay_pos == 0 || from_ring > n)
		from_ring = n;
	q->last_avail -= from_ring;
	live_set_avail(q);
	/* Given back to the ring: no longer in flight (after last_avail
	 * moved back: a cut in between leaves a head vq_resume mends). */
	for (uint16_t i = 0; i < from_ring; i++)
		live_mark(q, __atomic_load_n(&q->avail->ring[(uint16_t)(q->last_avail + i) &
							     (q->num - 1)], __ATOMIC_RELAXED) %
				     q->num, false);
	q->replay_pos -= (uint16_t)(n - from_ring) <= q->replay_pos ? (uint16_t)(n - from_ring) :
								      q->replay_pos;
}

bool vq_enable_kicks(struct vq *q)
{
	uint16_t avail_idx;

	if (!q->ready)
		return false;
	if (q->replay_pos < q->nr_replay)
		return true;
	if (q->event_idx)
		__atomic_store_n(vq_avail_event(q), q->last_avail, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&q->used->flags, 0, __ATOMIC_RELAXED);
	/* Full barrier: the store above must be visible before we re-read
	 * avail->idx; the driver stores avail->idx, fences, then reads our
	 * avail_event/flags. One of us sees the other, so a chain added in
	 * between is either kicked or found by this re-read (2.7.10). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_RELAXED);
	return avail_idx != q->last_avail;
}

void vq_disable_kicks(struct vq *q)
{
	/* With EVENT_IDX the driver ignores used->flags; leaving avail_event
	 * behind last_avail already suppresses kicks until re-armed. The flag
	 * is only a hint either way, so no ordering is needed. */
	if (!q->ready || q->event_idx)
		return;
	__atomic_store_n(&q->used->flags, VRING_USED_F_NO_NOTIFY, __ATOMIC_RELAXED);
}

/* Copy between the segments [first, last) of c, starting off bytes into
 * that part, and a buffer: into `to` when it is set, else out of `from`. */
static uint64_t vq_chain_copy(const struct vq_chain *c, unsigned first, unsigned last, uint64_t off,
			      uint8_t *to, const uint8_t *from, uint64_t len)
{
	uint64_t done = 0;

	for (unsigned i = first; i < last && done < len; i++) {
		const struct vq_seg *s = &c->seg[i];
		uint64_t n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off;
		if (n > len - done)
			n = len - done;
		if (to)
			memcpy(to + done, s->host + off, n);
		else
			memcpy(s->host + off, from + done, n);
		done += n;
		off = 0;
	}
	return done;
}

uint64_t vq_chain_read(const struct vq_chain *c, uint64_t off, void *buf, uint64_t len)
{
	return vq_chain_copy(c, 0, c->n_out, off, buf, NULL, len);
}

uint64_t vq_chain_write(const struct vq_chain *c, uint64_t off, const void *buf, uint64_t len)
{
	return vq_chain_copy(c, c->n_out, c->n, off, NULL, buf, len);
}
