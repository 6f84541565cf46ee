/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A channel end's two byte rings (proto/keel/chan.h): ours to write
 * (direction `end`) and the peer's to read (direction 1 - end). Pure logic
 * over the shared region, compiled into the kernel drivers and into the
 * host unit test; the includer defines the four memory-model primitives
 * (the kernel's names):
 *   kchan_load_acquire(p), kchan_store_release(p, v), kchan_mb(),
 *   KCHAN_READ_ONCE(x), KCHAN_WRITE_ONCE(x, v)
 * and memcpy.
 *
 * The peer is hostile. Only its own index (the other end's head or tail)
 * is read from the region, once per call, and a fill beyond the ring's size
 * is reported (-EIO) instead of used; our own indices live in struct
 * kchan_ring and are only published, never read back. Offsets into the
 * data are masked, so no value the peer writes moves an access out of the
 * region.
 */
#ifndef KCHAN_RING_H
#define KCHAN_RING_H

#include <keel/chan.h>

struct kchan_ring {
	struct keel_chan_dir *tx, *rx;  /* our direction, the peer's */
	__u8 *txd, *rxd;                /* their data */
	__u32 size;                     /* bytes of each ring, a power of two */
	__u32 head;                     /* ours: bytes we published on tx */
	__u32 tail;                     /* ours: bytes we consumed from rx */
};

/* Lay the rings over a region of size bytes at base; we are `end`. Our
 * indices continue from what the region holds (a driver reloaded on the
 * same region picks up the stream where it stopped). */
static inline int kchan_ring_init(struct kchan_ring *r, void *base, __u64 size, unsigned end)
{
	struct keel_chan_hdr *h = (struct keel_chan_hdr *)base;

	if (end > 1 || size < KEEL_CHAN_MIN_SIZE || size > KEEL_CHAN_MAX_SIZE)
		return -EINVAL;
	r->tx = &h->dir[end];
	r->rx = &h->dir[!end];
	r->size = (__u32)KEEL_CHAN_RING_BYTES(size);
	r->txd = (__u8 *)base + KEEL_CHAN_RING_OFF(size, end);
	r->rxd = (__u8 *)base + KEEL_CHAN_RING_OFF(size, !end);
	r->head = KCHAN_READ_ONCE(r->tx->head);
	r->tail = KCHAN_READ_ONCE(r->rx->tail);
	KCHAN_WRITE_ONCE(h->magic[end], KEEL_CHAN_HDR_MAGIC);
	KCHAN_WRITE_ONCE(h->revision[end], KEEL_CHAN_HDR_REVISION);
	return 0;
}

/* Free bytes on tx, or -EIO when the peer's tail is not within a ring of
 * our head. */
static inline long kchan_ring_space(struct kchan_ring *r)
{
	/* Acquire: pairs with the consumer's release of its tail, so its
	 * reads of the bytes it consumed are done before we overwrite them. */
	__u32 used = r->head - kchan_load_acquire(&r->tx->tail);

	return used > r->size ? -EIO : (long)(r->size - used);
}

/* Bytes waiting on rx, or -EIO when the peer's head is not within a ring
 * of our tail. */
static inline long kchan_ring_avail(struct kchan_ring *r)
{
	/* Acquire: pairs with the producer's release of its head, so the
	 * bytes it published are visible before we read them. */
	__u32 avail = kchan_load_acquire(&r->rx->head) - r->tail;

	return avail > r->size ? -EIO : (long)avail;
}

/* Copy up to n bytes in; returns how many (0: full), or -EIO. */
static inline long kchan_ring_write(struct kchan_ring *r, const void *buf, __u32 n)
{
	long space = kchan_ring_space(r);
	__u32 off, first;

	if (space <= 0)
		return space;
	if (n > space)
		n = (__u32)space;
	off = r->head & (r->size - 1);
	first = n < r->size - off ? n : r->size - off;
	memcpy(r->txd + off, buf, first);
	memcpy(r->txd, (const __u8 *)buf + first, n - first);
	r->head += n;
	/* Release: the bytes are in the ring before the head that publishes
	 * them (pairs with kchan_ring_avail's acquire in the peer). */
	kchan_store_release(&r->tx->head, r->head);
	return n;
}

/* Copy up to n bytes out; returns how many (0: empty), or -EIO. */
static inline long kchan_ring_read(struct kchan_ring *r, void *buf, __u32 n)
{
	long avail = kchan_ring_avail(r);
	__u32 off, first;

	if (avail <= 0)
		return avail;
	if (n > avail)
		n = (__u32)avail;
	off = r->tail & (r->size - 1);
	first = n < r->size - off ? n : r->size - off;
	memcpy(buf, r->rxd + off, first);
	memcpy((__u8 *)buf + first, r->rxd, n - first);
	r->tail += n;
	/* Release: our reads of the bytes are done before the tail that lets
	 * the producer reuse their space (pairs with kchan_ring_space). */
	kchan_store_release(&r->rx->tail, r->tail);
	return n;
}

/*
 * The producer found tx full: ask the peer to kick us when it consumes,
 * then look again (the peer may have consumed everything between our look
 * and the flag). Returns the space now (> 0: go on, no kick will come
 * for it necessarily), 0 (wait for the kick) or -EIO.
 */
static inline long kchan_ring_want_space(struct kchan_ring *r)
{
	KCHAN_WRITE_ONCE(r->tx->want_space, 1);
	/* Full barrier: our flag store is ordered before the tail load in
	 * kchan_ring_space. Pairs with kchan_ring_consumed's barrier between
	 * the peer's tail store and its flag load: either it sees the flag
	 * and kicks, or we see its new tail. */
	kchan_mb();
	return kchan_ring_space(r);
}

/* After consuming: does the producer want a kick for the space? Clears its
 * request (it sets it again when it fills up again). */
static inline int kchan_ring_consumed(struct kchan_ring *r)
{
	/* Full barrier: the tail we released in kchan_ring_read is ordered
	 * before the flag load (pairs with kchan_ring_want_space). */
	kchan_mb();
	if (!KCHAN_READ_ONCE(r->rx->want_space))
		return 0;
	KCHAN_WRITE_ONCE(r->rx->want_space, 0);
	return 1;
}

#endif
