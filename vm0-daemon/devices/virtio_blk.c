// SPDX-License-Identifier: GPL-2.0
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "devices/virtio_blk.h"
#include "log.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A prepare step's verdict: run the request's I/O (any other value is the
 * status to complete it with at once). */
#define VBLK_QUEUE 0xff

struct vblk_range {
	uint64_t off, len; /* bytes, inside the disk */
	bool unmap;
};

struct vblk_req {
	uv_work_t work; /* first: the threadpool hands us &work */
	struct vblk *b;
	const struct vblk_op *op;
	uint32_t gen;	  /* b->gen when popped */
	bool cancellable; /* a batch's first request, queued, not cancelled yet */
	/* Requests go to the threadpool in batches: the first one's work runs
	 * them all, in order (next), and its after-work completes them all. */
	struct vblk_req *next;
	unsigned batch_n;  /* in the batch, on its first request */
	uint16_t head;
	uint8_t *status;   /* the chain's last byte, in guest RAM */
	uint8_t result;	   /* VIRTIO_BLK_S_* */
	uint32_t written;  /* used length: bytes the device wrote into the chain */
	uint64_t off, len; /* data: disk byte offset and length */
	unsigned niov, nrange;
	/* Data segments; vblk_prepare refuses longer chains (seg_max). */
	struct iovec iov[VBLK_SEG_MAX + 2];
	struct vblk_range range[VBLK_MAX_DISCARD_SEG];
};

struct vblk {
	struct virtio_mmio *t;
	struct disk *disk;
	uv_loop_t *loop; /* NULL: synchronous */
	char serial[VIRTIO_BLK_ID_BYTES];
	uint64_t features;
	struct virtio_blk_config cfg; /* little-endian, as the guest reads it */

	/* Loop thread only. */
	bool running;	  /* between start and reset */
	bool broken;	  /* NEEDS_RESET raised: take nothing until reset */
	bool throttled;	  /* stopped popping at VBLK_MAX_INFLIGHT */
	bool irq_pending; /* pushed since the last virtio_mmio_used */
	bool dying, idle_closed;
	void (*release)(void *opaque); /* after the last free: vblk_set_release */
	void *release_opaque;
	uint64_t inline_bytes; /* served on the loop in this drain */
	unsigned outstanding; /* requests whose after-work has not run */
	unsigned nslot;	      /* VBLK_MAX_INFLIGHT, 1 when synchronous */
	struct vblk_req *slot[VBLK_MAX_INFLIGHT];
	unsigned nfree; /* free[0..nfree) are not in use */
	struct vblk_req *free[VBLK_MAX_INFLIGHT];
	struct vq_chain *chain; /* vq_pop scratch: too big for the stack */
	struct vblk_req *pend, **pend_tail; /* for workers, not handed over yet */
	unsigned npend;
	uv_idle_t idle;
	struct vblk_stats stats;

	/* Shared with workers. gen is bumped by reset so that requests from
	 * before it neither do I/O nor complete; busy counts queued requests
	 * that may still touch guest memory or the disk's data, under lock,
	 * and reset waits on cond for 0. */
	uint32_t gen;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned busy;
};

struct vblk_op {
	const char *name;
	int feature;  /* -1: always served; else the VIRTIO_BLK_F_* it needs offered */
	bool writes;  /* IOERR on a read-only disk */
	/* exec touches neither guest memory nor the disk's data (a flush):
	 * reset does not wait for it, so a guest that resets or is stopped
	 * with flushes queued does not hold the loop for their duration. */
	bool detached;
	size_t count; /* offsetof(struct vblk_stats, <counter>) */
	/* Loop thread: check the request and copy what the worker needs;
	 * VBLK_QUEUE or a status. */
	uint8_t (*prepare)(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
			   uint64_t sector);
	/* Worker (or inline): the I/O; returns the status. NULL: prepare did it all. */
	uint8_t (*exec)(struct vblk *b, struct vblk_req *r);
	/* Loop thread: the I/O if it can be done without blocking (true, with
	 * r->result set), else false and a worker does exec. A request served
	 * from VM0's page cache then costs no thread hand-off: two per request
	 * cost more than the copy itself (tests/bench/blk). NULL: always a worker. */
	bool (*nowait)(struct vblk *b, struct vblk_req *r);
};

static uint64_t vblk_capacity(const struct vblk *b)
{
	return b->disk->size / DISK_SECTOR;
}

/* [sector, sector + nsec) inside the disk, without overflow. */
static bool vblk_range_ok(const struct vblk *b, uint64_t sector, uint64_t nsec)
{
	return nsec <= vblk_capacity(b) && sector <= vblk_capacity(b) - nsec;
}

/* iovecs for bytes [skip, skip + len) of the chain's readable (or
 * writable) part; at most c->n entries (vblk_prepare bounds c->n). */
static unsigned chain_iov(const struct vq_chain *c, bool writable, uint64_t skip, uint64_t len,
			  struct iovec *iov)
{
	unsigned i = writable ? c->n_out : 0, end = writable ? c->n : c->n_out, n = 0;

	for (; i < end && len; i++) {
		uint64_t l = c->seg[i].len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		l -= skip;
		if (l > len)
			l = len;
		iov[n].iov_base = c->seg[i].host + skip;
		iov[n].iov_len = l;
		n++;
		len -= l;
		skip = 0;
	}
	return n;
}

/* The data iovecs against the seg_max and size_max we advertise: together
 * they bound the bytes one request moves, however often its descriptors
 * name the same guest page. */
static bool vblk_segs_ok(const struct vblk_req *r)
{
	if (r->niov > VBLK_SEG_MAX)
		return false;
	for (unsigned i = 0; i < r->niov; i++)
		if (r->iov[i].iov_len > VBLK_SIZE_MAX)
			return false;
	return true;
}

static uint8_t vblk_prep_in(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
			    uint64_t sector)
{
	/* Everything writable but the status byte is data. */
	uint64_t len = c->in_bytes - 1;

	if (len % DISK_SECTOR || !vblk_range_ok(b, sector, len / DISK_SECTOR))
		return VIRTIO_BLK_S_IOERR;
	r->off = sector * DISK_SECTOR;
	r->len = len;
	r->niov = chain_iov(c, true, 0, len, r->iov);
	return vblk_segs_ok(r) ? VBLK_QUEUE : VIRTIO_BLK_S_IOERR;
}

static uint8_t vblk_read_done(struct vblk_req *r)
{
	/* The data and the status; a failed read claims only the status. */
	r->written = r->len + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(r->len + 1);
	return VIRTIO_BLK_S_OK;
}

static uint8_t vblk_exec_in(struct vblk *b, struct vblk_req *r)
{
	if (disk_readv(b->disk, r->iov, r->niov, r->off))
		return VIRTIO_BLK_S_IOERR;
	return vblk_read_done(r);
}

static bool vblk_nowait_in(struct vblk *b, struct vblk_req *r)
{
	int rc = disk_rw_nowait(b->disk, r->iov, r->niov, r->off, r->len, false);

	if (rc == -EAGAIN)
		return false;
	r->result = rc ? VIRTIO_BLK_S_IOERR : vblk_read_done(r);
	return true;
}

static uint8_t vblk_prep_out(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
			     uint64_t sector)
{
	uint64_t len = c->out_bytes - sizeof(struct virtio_blk_outhdr);

	if (len % DISK_SECTOR || !vblk_range_ok(b, sector, len / DISK_SECTOR))
		return VIRTIO_BLK_S_IOERR;
	r->off = sector * DISK_SECTOR;
	r->len = len;
	r->niov = chain_iov(c, false, sizeof(struct virtio_blk_outhdr), len, r->iov);
	return vblk_segs_ok(r) ? VBLK_QUEUE : VIRTIO_BLK_S_IOERR;
}

static uint8_t vblk_exec_out(struct vblk *b, struct vblk_req *r)
{
	return disk_writev(b->disk, r->iov, r->niov, r->off) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

static bool vblk_nowait_out(struct vblk *b, struct vblk_req *r)
{
	int rc = disk_rw_nowait(b->disk, r->iov, r->niov, r->off, r->len, true);

	if (rc == -EAGAIN)
		return false;
	r->result = rc ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	return true;
}

static uint8_t vblk_prep_queue(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
			       uint64_t sector)
{
	return VBLK_QUEUE;
}

static uint8_t vblk_exec_flush(struct vblk *b, struct vblk_req *r)
{
	return disk_flush(b->disk) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

static uint8_t vblk_prep_get_id(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
				uint64_t sector)
{
	/* The ID is zero-padded to 20 bytes, with no NUL when it fills them;
	 * a smaller buffer gets what fits. */
	uint64_t room = c->in_bytes - 1;
	uint64_t n = room < sizeof(b->serial) ? room : sizeof(b->serial);

	r->written = (uint32_t)vq_chain_write(c, 0, b->serial, n) + 1;
	return VIRTIO_BLK_S_OK;
}

/* DISCARD and WRITE_ZEROES: an array of struct virtio_blk_discard_write_zeroes
 * after the header, copied out of guest RAM here and checked on the copy. */
static uint8_t vblk_prep_ranges(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
				uint64_t sector)
{
	bool discard = r->op->feature == VIRTIO_BLK_F_DISCARD;
	uint32_t max_seg = le32toh(discard ? b->cfg.max_discard_seg : b->cfg.max_write_zeroes_seg);
	uint32_t max_sec =
	    le32toh(discard ? b->cfg.max_discard_sectors : b->cfg.max_write_zeroes_sectors);
	uint64_t len = c->out_bytes - sizeof(struct virtio_blk_outhdr);
	struct virtio_blk_discard_write_zeroes s;
	uint32_t allowed = discard ? 0 : VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;

	if (!len || len % sizeof(s) || len / sizeof(s) > max_seg)
		return VIRTIO_BLK_S_IOERR;
	r->nrange = (unsigned)(len / sizeof(s));
	for (unsigned i = 0; i < r->nrange; i++) {
		uint64_t start;
		uint32_t num, flags;

		vq_chain_read(c, sizeof(struct virtio_blk_outhdr) + i * sizeof(s), &s, sizeof(s));
		start = le64toh(s.sector);
		num = le32toh(s.num_sectors);
		flags = le32toh(s.flags);
		/* Unknown flags, and UNMAP on a discard: UNSUPP (virtio 1.2, 5.2.6.2). */
		if (flags & ~allowed)
			return VIRTIO_BLK_S_UNSUPP;
		if (num > max_sec || !vblk_range_ok(b, start, num))
			return VIRTIO_BLK_S_IOERR;
		r->range[i].off = start * DISK_SECTOR;
		r->range[i].len = (uint64_t)num * DISK_SECTOR;
		r->range[i].unmap = flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
	}
	return VBLK_QUEUE;
}

static uint8_t vblk_exec_discard(struct vblk *b, struct vblk_req *r)
{
	for (unsigned i = 0; i < r->nrange; i++)
		if (r->range[i].len && disk_discard(b->disk, r->range[i].off, r->range[i].len))
			return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

static uint8_t vblk_exec_write_zeroes(struct vblk *b, struct vblk_req *r)
{
	for (unsigned i = 0; i < r->nrange; i++)
		if (r->range[i].len &&
		    disk_write_zeroes(b->disk, r->range[i].off, r->range[i].len, r->range[i].unmap))
			return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

/* Indexed by VIRTIO_BLK_T_*; holes and anything past the end: UNSUPP. */
static const struct vblk_op vblk_op_table[] = {
	[VIRTIO_BLK_T_IN] = {"read", -1, false, false, offsetof(struct vblk_stats, reads),
			     vblk_prep_in, vblk_exec_in, vblk_nowait_in},
	[VIRTIO_BLK_T_OUT] = {"write", -1, true, false, offsetof(struct vblk_stats, writes),
			      vblk_prep_out, vblk_exec_out, vblk_nowait_out},
	[VIRTIO_BLK_T_FLUSH] = {"flush", VIRTIO_BLK_F_FLUSH, false, true,
				offsetof(struct vblk_stats, flushes), vblk_prep_queue,
				vblk_exec_flush, NULL},
	[VIRTIO_BLK_T_GET_ID] = {"get-id", -1, false, false, offsetof(struct vblk_stats, get_ids),
				 vblk_prep_get_id, NULL, NULL},
	[VIRTIO_BLK_T_DISCARD] = {"discard", VIRTIO_BLK_F_DISCARD, true, false,
				  offsetof(struct vblk_stats, discards), vblk_prep_ranges,
				  vblk_exec_discard, NULL},
	[VIRTIO_BLK_T_WRITE_ZEROES] = {"write-zeroes", VIRTIO_BLK_F_WRITE_ZEROES, true, false,
				       offsetof(struct vblk_stats, write_zeroes),
				       vblk_prep_ranges, vblk_exec_write_zeroes, NULL},
};

static const struct vblk_op *vblk_op_find(const struct vblk *b, uint32_t type)
{
	const struct vblk_op *op;

	if (type >= ARRAY_SIZE(vblk_op_table))
		return NULL;
	op = &vblk_op_table[type];
	if (!op->prepare || (op->feature >= 0 && !(b->features & (1ULL << op->feature))))
		return NULL;
	return op;
}

/* Decode and check one chain; VBLK_QUEUE or the status to complete with. */
static uint8_t vblk_prepare(struct vblk *b, struct vblk_req *r, const struct vq_chain *c)
{
	struct virtio_blk_outhdr hdr;
	uint32_t type;

	r->written = 1;
	r->niov = r->nrange = 0;
	r->op = NULL;
	/* seg_max data segments plus a header and a status descriptor: the
	 * iovec arrays are sized for no more. */
	if (c->out_bytes < sizeof(hdr) || c->n > VBLK_SEG_MAX + 2)
		return VIRTIO_BLK_S_IOERR;
	vq_chain_read(c, 0, &hdr, sizeof(hdr));
	type = le32toh(hdr.type);
	r->op = vblk_op_find(b, type);
	if (!r->op)
		return VIRTIO_BLK_S_UNSUPP;
	if (r->op->writes && b->disk->readonly)
		return VIRTIO_BLK_S_IOERR;
	return r->op->prepare(b, r, c, le64toh(hdr.sector));
}

/* Loop thread, vq_lock held, r from the current generation. */
static void vblk_complete(struct vblk *b, struct vblk_req *r)
{
	struct vblk_stats *s = &b->stats;

	/* vq_push's barrier orders this store, and the data a worker wrote
	 * (which this thread has observed through libuv's queue mutex, so
	 * the barrier's cumulativity covers it), before the used index. */
	*r->status = r->result;
	vq_push(&b->t->vq[0], r->head, r->written);
	b->irq_pending = true;
	s->requests++;
	if (r->op)
		(*(uint64_t *)((char *)s + r->op->count))++;
	if (r->result == VIRTIO_BLK_S_OK && r->op && r->op->exec == vblk_exec_in)
		s->read_bytes += r->len;
	if (r->result == VIRTIO_BLK_S_OK && r->op && r->op->exec == vblk_exec_out)
		s->write_bytes += r->len;
	s->errors += r->result == VIRTIO_BLK_S_IOERR;
	s->unsupported += r->result == VIRTIO_BLK_S_UNSUPP;
}

static struct vblk_req *vblk_req_get(struct vblk *b)
{
	return b->nfree ? b->free[--b->nfree] : NULL;
}

static void vblk_req_put(struct vblk *b, struct vblk_req *r)
{
	b->free[b->nfree++] = r;
}

/* n requests are past their last touch of guest memory and of the disk's
 * data: the mutex orders those accesses before a reset that sees busy
 * drop (it then lets the caller reset rings or unmap RAM). */
static void vblk_busy_put(struct vblk *b, unsigned n)
{
	pthread_mutex_lock(&b->lock);
	b->busy -= n;
	if (!b->busy)
		pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void vblk_work(uv_work_t *w)
{
	struct vblk_req *first = (struct vblk_req *)w;
	struct vblk *b = first->b;

	for (struct vblk_req *r = first; r; r = r->next) {
		/* A reset since the pop: guest RAM may be on its way out, skip.
		 * The acquire pairs with reset's increment, which comes before
		 * it waits. */
		bool current = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE) == r->gen;

		if (current && !r->op->detached)
			r->result = r->op->exec(b, r);
		vblk_busy_put(b, 1);
		/* A flush runs after reset stopped waiting for it: only the
		 * disk's fd, kept open until the device is freed, is used. */
		if (current && r->op->detached)
			r->result = r->op->exec(b, r);
	}
}

static void vblk_drain(struct vblk *b);
static void vblk_maybe_free(struct vblk *b);

static void vblk_idle(uv_idle_t *h)
{
	struct vblk *b = h->data;

	uv_idle_stop(h);
	if (b->running && b->irq_pending) {
		b->irq_pending = false;
		virtio_mmio_used(b->t, 0);
	}
}

/* Collect this loop iteration's completions into one interrupt. */
static void vblk_irq_later(struct vblk *b)
{
	if (!b->loop) {
		if (b->irq_pending) {
			b->irq_pending = false;
			virtio_mmio_used(b->t, 0);
		}
		return;
	}
	if (b->irq_pending && !uv_is_active((uv_handle_t *)&b->idle))
		uv_idle_start(&b->idle, vblk_idle);
}

static void vblk_after_work(uv_work_t *w, int status)
{
	struct vblk_req *r = (struct vblk_req *)w, *next;
	struct vblk *b = r->b;

	r->cancellable = false;
	if (b->dying) {
		/* The transport (its locks, its rings) and guest memory may be
		 * gone already: count and recycle, touch nothing else. */
		for (; r; r = next) {
			next = r->next;
			b->outstanding--;
			b->stats.dropped++;
			vblk_req_put(b, r);
		}
		vblk_maybe_free(b);
		return;
	}
	pthread_mutex_lock(&b->t->vq_lock[0]);
	for (; r; r = next) {
		next = r->next;
		b->outstanding--;
		/* Cancelled by reset (which accounted busy), or finished after
		 * one: the chain belongs to a ring the driver has reset. */
		if (status == UV_ECANCELED || r->gen != b->gen || !b->running)
			b->stats.dropped++;
		else
			vblk_complete(b, r);
		vblk_req_put(b, r);
	}
	pthread_mutex_unlock(&b->t->vq_lock[0]);
	if (b->throttled && b->running) {
		b->throttled = false;
		vblk_drain(b);
	}
	vblk_irq_later(b);
}

/* Hand r to a worker, or run it now (synchronous mode, or no threadpool). */
/* Run every request of the batch starting at r here and now. */
static void vblk_run_inline(struct vblk *b, struct vblk_req *r)
{
	for (struct vblk_req *next; r; r = next) {
		next = r->next;
		r->result = r->op->exec(b, r);
		vblk_complete(b, r);
		vblk_req_put(b, r);
	}
}

/* Serve r now if it cannot block (or in synchronous mode); else keep it for
 * the workers (vblk_submit_pending). */
static void vblk_submit(struct vblk *b, struct vblk_req *r)
{
	r->next = NULL;
	if (!b->loop) {
		vblk_run_inline(b, r);
		return;
	}
	/* Big requests, and anything past this drain's budget, go to a
	 * worker even when the page cache could serve them: the loop serves
	 * every guest. */
	if (r->op->nowait && r->len <= VBLK_INLINE_MAX &&
	    b->inline_bytes + r->len <= VBLK_INLINE_BUDGET && r->op->nowait(b, r)) {
		b->inline_bytes += r->len;
		vblk_complete(b, r);
		vblk_req_put(b, r);
		return;
	}
	*b->pend_tail = r;
	b->pend_tail = &r->next;
	b->npend++;
}

/*
 * Hand the kept requests to the threadpool in at most VBLK_BATCHES batches:
 * a thread hand-off each way costs more than a 4 KiB copy under emulation,
 * so one per batch rather than per request, while batches still run in
 * parallel. Called with vq_lock held, after popping.
 */
static void vblk_submit_pending(struct vblk *b)
{
	unsigned nb = b->npend < VBLK_BATCHES ? b->npend : VBLK_BATCHES;
	struct vblk_req *r = b->pend;

	for (unsigned i = 0; i < nb; i++) {
		/* Split as evenly as possible: batch i takes its share. */
		unsigned n = b->npend / nb + (i < b->npend % nb), k;
		struct vblk_req *first = r, *last = r;

		for (k = 1; k < n; k++)
			last = last->next;
		r = last->next;
		last->next = NULL;
		first->batch_n = n;
		/* Workers drop busy one request at a time (vblk_busy_put). */
		pthread_mutex_lock(&b->lock);
		b->busy += n;
		pthread_mutex_unlock(&b->lock);
		first->cancellable = true;
		b->outstanding += n;
		if (!uv_queue_work(b->loop, &first->work, vblk_work, vblk_after_work))
			continue;
		/* No threadpool: do the batch on the loop after all. */
		first->cancellable = false;
		b->outstanding -= n;
		vblk_busy_put(b, n);
		vblk_run_inline(b, first);
	}
	b->pend = NULL;
	b->pend_tail = &b->pend;
	b->npend = 0;
}

/* Pop and start every available chain, vq_lock held. Returns the reason
 * for NEEDS_RESET, or NULL. */
static const char *vblk_pop_all(struct vblk *b)
{
	struct vq *q = &b->t->vq[0];
	struct vq_chain *c = b->chain;

	bool more = false; /* the last vq_enable_kicks said "more available" */

	for (;;) {
		bool popped = false;

		vq_disable_kicks(q);
		for (;;) {
			struct vblk_req *r;
			const struct vq_seg *st;
			int rc;

			/* Full: leave kicks off, the next completion drains. */
			if (!b->nfree) {
				b->throttled = true;
				return NULL;
			}
			rc = vq_pop(q, c);
			if (!rc)
				break;
			if (rc == -EBADMSG) {
				if (c->head < q->num)
					vq_push(q, c->head, 0);
				b->stats.bad_chains++;
				return "malformed descriptor chain";
			}
			if (rc < 0) {
				b->stats.bad_chains++;
				return "corrupt available ring";
			}
			/* The status is the chain's last byte and the device
			 * writes it: without one the driver cannot learn how
			 * its request ended, so hand the chain back empty. */
			st = c->n ? &c->seg[c->n - 1] : NULL;
			if (!st || !st->writable || !st->len) {
				vq_push(q, c->head, 0);
				b->stats.bad_chains++;
				return "request without a writable status byte";
			}
			popped = true;
			r = vblk_req_get(b);
			r->head = c->head;
			r->status = st->host + st->len - 1;
			r->gen = b->gen;
			r->result = vblk_prepare(b, r, c);
			if (r->result == VBLK_QUEUE) {
				vblk_submit(b, r);
			} else {
				vblk_complete(b, r);
				vblk_req_put(b, r);
			}
		}
		/* avail->idx never goes back, so after "more available" a
		 * round finds at least one chain, unless the driver overlaps
		 * its rings and our flag/event writes move its avail->idx:
		 * stop rather than spin on the loop thread. */
		if (more && !popped)
			return NULL;
		/* No kick is lost between the last empty pop and re-enabling. */
		more = vq_enable_kicks(q);
		if (!more)
			return NULL;
	}
}

static void vblk_drain(struct vblk *b)
{
	const char *why;

	if (!b->running || b->broken)
		return;
	b->inline_bytes = 0;
	pthread_mutex_lock(&b->t->vq_lock[0]);
	why = vblk_pop_all(b);
	vblk_submit_pending(b);
	pthread_mutex_unlock(&b->t->vq_lock[0]);
	if (why) {
		b->broken = true;
		klog("%s: virtio-blk: %s: device needs reset", b->disk->path, why);
		virtio_mmio_needs_reset(b->t, why);
	}
}

static void vblk_kick(void *dev, unsigned q)
{
	struct vblk *b = dev;

	if (q != 0)
		return;
	vblk_drain(b);
	vblk_irq_later(b);
}

static void vblk_reset(void *dev)
{
	struct vblk *b = dev;

	b->running = false;
	b->broken = false;
	b->throttled = false;
	b->irq_pending = false;
	/* Release: workers that see the new generation skip their I/O. */
	__atomic_add_fetch(&b->gen, 1, __ATOMIC_RELEASE);
	/* Work no thread has picked up yet will never run: don't wait for
	 * a thread to become free just to have it skip the request. */
	for (unsigned i = 0; i < b->nslot; i++) {
		struct vblk_req *r = b->slot[i];

		/* Once only: libuv would "cancel" a cancelled request again.
		 * Only a batch's first request is queued; it stands for all. */
		if (r && r->cancellable && !uv_cancel((uv_req_t *)&r->work)) {
			r->cancellable = false;
			vblk_busy_put(b, r->batch_n);
		}
	}
	/* The mutex orders every worker's guest-memory accesses before our
	 * return, after which the caller may reset rings or unmap RAM. At
	 * most one read or write per worker thread is still running (the
	 * rest of its batch sees the new gen), each bounded by seg_max *
	 * size_max; flushes are not waited for (detached). */
	pthread_mutex_lock(&b->lock);
	while (b->busy)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
	if (b->loop && !b->dying)
		uv_idle_stop(&b->idle);
}

static void vblk_start(void *dev)
{
	struct vblk *b = dev;

	b->running = true;
	b->broken = false;
}

static uint64_t vblk_features(void *dev)
{
	return ((struct vblk *)dev)->features;
}

static uint32_t vblk_config_size(void *dev)
{
	return sizeof(struct virtio_blk_config);
}

static void vblk_config_read(void *dev, uint32_t off, void *buf, unsigned len)
{
	memcpy(buf, (const uint8_t *)&((struct vblk *)dev)->cfg + off, len);
}

const struct virtio_dev_ops vblk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.queue_max = VBLK_QUEUE_MAX,
	.features = vblk_features,
	.config_size = vblk_config_size,
	.config_read = vblk_config_read,
	.config_write = NULL, /* nothing writable: no CONFIG_WCE */
	.start = vblk_start,
	.kick = vblk_kick,
	.reset = vblk_reset,
};

static void vblk_setup(struct vblk *b)
{
	const struct disk *d = b->disk;
	struct virtio_blk_config *c = &b->cfg;

	b->features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_SIZE_MAX |
		      1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_FLUSH;
	c->capacity = htole64(d->size / DISK_SECTOR);
	/* Both enforced in vblk_prepare: a request moves at most 8 MiB. */
	c->seg_max = htole32(VBLK_SEG_MAX);
	c->size_max = htole32(VBLK_SIZE_MAX);
	c->blk_size = htole32(d->block_size);
	if (d->readonly) {
		b->features |= 1ULL << VIRTIO_BLK_F_RO;
		return;
	}
	b->features |= 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	c->max_write_zeroes_sectors = htole32(VBLK_MAX_WRITE_ZEROES_SECTORS);
	c->max_write_zeroes_seg = htole32(1);
	c->write_zeroes_may_unmap = disk_zeroes_may_unmap(d);
	if (d->can_discard) {
		b->features |= 1ULL << VIRTIO_BLK_F_DISCARD;
		c->max_discard_sectors = htole32(VBLK_MAX_DISCARD_SECTORS);
		c->max_discard_seg = htole32(VBLK_MAX_DISCARD_SEG);
		c->discard_sector_alignment = htole32(d->discard_align / DISK_SECTOR);
	}
}

static int vblk_set_serial(struct vblk *b, const char *serial, char *err, size_t errlen)
{
	const char *base;
	size_t n;

	if (!serial) {
		base = strrchr(b->disk->path, '/');
		base = base ? base + 1 : b->disk->path;
		n = strlen(base);
		/* The end of a long name tells disks apart better than its start. */
		if (n > sizeof(b->serial))
			base += n - sizeof(b->serial);
		serial = base;
	}
	n = strlen(serial);
	if (n > sizeof(b->serial)) {
		snprintf(err, errlen, "%s: serial \"%s\" is longer than %zu bytes", b->disk->path,
			 serial, sizeof(b->serial));
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (serial[i] < 0x20 || serial[i] > 0x7e) {
			snprintf(err, errlen, "%s: serial has a byte that is not printable ASCII",
				 b->disk->path);
			return -EINVAL;
		}
	memcpy(b->serial, serial, n);
	return 0;
}

int vblk_create(struct vblk **out, uv_loop_t *loop, struct virtio_mmio *t, struct disk *disk,
		const char *serial, char *err, size_t errlen)
{
	struct vblk *b;
	int r;

	*out = NULL;
	if (!t || !disk || disk->fd < 0) {
		snprintf(err, errlen, "virtio-blk: no transport or no open disk");
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (!b || !(b->chain = malloc(sizeof(*b->chain)))) {
		free(b);
		snprintf(err, errlen, "%s: virtio-blk: out of memory", disk->path);
		return -ENOMEM;
	}
	b->t = t;
	b->disk = disk;
	b->loop = loop;
	b->pend_tail = &b->pend;
	r = vblk_set_serial(b, serial, err, errlen);
	if (r) {
		free(b->chain);
		free(b);
		return r;
	}
	vblk_setup(b);
	/* All requests up front (~3 KiB each): no allocation failure to
	 * handle halfway through a ring. */
	b->nslot = loop ? VBLK_MAX_INFLIGHT : 1;
	for (unsigned i = 0; i < b->nslot; i++) {
		b->slot[i] = calloc(1, sizeof(*b->slot[i]));
		if (!b->slot[i]) {
			for (unsigned j = 0; j < i; j++)
				free(b->slot[j]);
			free(b->chain);
			free(b);
			snprintf(err, errlen, "%s: virtio-blk: out of memory", disk->path);
			return -ENOMEM;
		}
		b->slot[i]->b = b;
		b->free[b->nfree++] = b->slot[i];
	}
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	if (loop) {
		uv_idle_init(loop, &b->idle);
		b->idle.data = b;
	}
	*out = b;
	return 0;
}

static void vblk_free(struct vblk *b)
{
	void (*release)(void *) = b->release;
	void *opaque = b->release_opaque;

	for (unsigned i = 0; i < b->nslot; i++)
		free(b->slot[i]);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	free(b->chain);
	free(b);
	if (release)
		release(opaque);
}

void vblk_set_release(struct vblk *b, void (*release)(void *opaque), void *opaque)
{
	b->release = release;
	b->release_opaque = opaque;
}

static void vblk_maybe_free(struct vblk *b)
{
	if (b->idle_closed && !b->outstanding)
		vblk_free(b);
}

static void vblk_idle_closed(uv_handle_t *h)
{
	struct vblk *b = h->data;

	b->idle_closed = true;
	vblk_maybe_free(b);
}

void vblk_destroy(struct vblk *b)
{
	if (!b)
		return;
	vblk_reset(b);
	if (!b->loop) {
		vblk_free(b);
		return;
	}
	/* After-work callbacks of cancelled or finished requests and the
	 * idle handle's close still refer to b: free after the last. */
	b->dying = true;
	uv_close((uv_handle_t *)&b->idle, vblk_idle_closed);
}

void vblk_get_stats(const struct vblk *b, struct vblk_stats *out)
{
	*out = b->stats;
}
