// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk's queue: pop, check (virtio_blk_req.c), hand the I/O to the
 * disk's backend (backend/blkio.h, which one is the backend's business),
 * complete. virtio_blk.h says what is guaranteed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_ids.h>

#include "devices/virtio_blk_priv.h"
#include "log.h"

#define to_req(io) ((struct vblk_req *)((char *)(io) - offsetof(struct vblk_req, io)))

/* vq_lock held, r from the current generation. */
static void vblk_complete(struct vblk *b, struct vblk_req *r)
{
	struct vblk_stats *s = &b->stats;

	/* vq_push's barrier orders this store, and the data the backend
	 * wrote (which this thread has observed: through libuv's queue
	 * mutex from a worker, through the CQ ring's acquire from io_uring,
	 * so the barrier's cumulativity covers it), before the used index. */
	*r->status = r->result;
	vq_push(&b->t->vq[0], r->head, r->written);
	b->irq_pending = true;
	s->requests++;
	if (r->op)
		(*(uint64_t *)((char *)s + r->op->count))++;
	if (r->result == VIRTIO_BLK_S_OK && r->op && r->op->kind == BLKIO_READ)
		s->read_bytes += r->io.len;
	if (r->result == VIRTIO_BLK_S_OK && r->op && r->op->kind == BLKIO_WRITE)
		s->write_bytes += r->io.len;
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

static void vblk_drain(struct vblk *b);
static void vblk_maybe_free(struct vblk *b);

/* The backend's finished requests: from the loop, or from within submit
 * (synchronous mode, or served at once) while vblk_drain holds vq_lock. */
static void vblk_io_done(void *opaque, struct blkio_req *list)
{
	struct vblk *b = opaque;
	bool lock = !b->draining && !b->dying;

	if (lock)
		pthread_mutex_lock(&b->t->vq_lock[0]);
	for (struct blkio_req *io = list, *next; io; io = next) {
		struct vblk_req *r = to_req(io);

		next = io->next;
		/* Dying: the transport (its locks, its rings) and guest memory
		 * may be gone. Skipped by a quiesce, or finished after a reset:
		 * the chain belongs to a ring the driver has reset. */
		if (b->dying || io->result == -ECANCELED || r->gen != b->gen || !b->running) {
			b->stats.dropped++;
		} else {
			r->result = io->result ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
			/* A read's data and status; a failed one claims only the status. */
			if (!io->result && io->kind == BLKIO_READ)
				r->written = io->len + 1 > UINT32_MAX ? UINT32_MAX
								      : (uint32_t)(io->len + 1);
			vblk_complete(b, r);
		}
		vblk_req_put(b, r);
	}
	if (lock)
		pthread_mutex_unlock(&b->t->vq_lock[0]);
	if (b->dying || b->draining)
		return;
	if (b->throttled && b->running) {
		b->throttled = false;
		vblk_drain(b);
	}
	vblk_irq_later(b);
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
				b->io->ops->submit(b->io, &r->io);
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
	pthread_mutex_lock(&b->t->vq_lock[0]);
	b->draining = true;
	why = vblk_pop_all(b);
	/* One hand-over for everything this kick popped. */
	b->io->ops->commit(b->io);
	b->draining = false;
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
	b->gen++;
	/* When this returns no read or write touches guest memory anymore
	 * (flushes are not waited for: they touch neither it nor the data),
	 * after which the caller may reset rings or unmap RAM. */
	b->io->ops->quiesce(b->io);
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

static void vblk_io_closed(void *opaque)
{
	struct vblk *b = opaque;

	b->io_closed = true;
	vblk_maybe_free(b);
}

static void vblk_free_mem(struct vblk *b)
{
	for (unsigned i = 0; i < b->nslot; i++)
		free(b->slot[i]);
	free(b->chain);
	free(b);
}

int vblk_create(struct vblk **out, uv_loop_t *loop, struct virtio_mmio *t, struct disk *disk,
		const char *backend, const char *serial, char *err, size_t errlen)
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
	r = vblk_set_serial(b, serial, err, errlen);
	if (r) {
		vblk_free_mem(b);
		return r;
	}
	vblk_setup(b);
	/* All requests up front (~3 KiB each): no allocation failure to
	 * handle halfway through a ring. */
	b->nslot = loop ? VBLK_MAX_INFLIGHT : 1;
	for (unsigned i = 0; i < b->nslot; i++) {
		b->slot[i] = calloc(1, sizeof(*b->slot[i]));
		if (!b->slot[i]) {
			vblk_free_mem(b);
			snprintf(err, errlen, "%s: virtio-blk: out of memory", disk->path);
			return -ENOMEM;
		}
		b->free[b->nfree++] = b->slot[i];
	}
	r = blkio_open(&b->io, backend, loop, disk, vblk_io_done, vblk_io_closed, b, err, errlen);
	if (r) {
		vblk_free_mem(b);
		return r;
	}
	if (loop) {
		uv_idle_init(loop, &b->idle);
		b->idle.data = b;
	} else {
		b->idle_closed = true;
	}
	*out = b;
	return 0;
}

static void vblk_free(struct vblk *b)
{
	void (*release)(void *) = b->release;
	void *opaque = b->release_opaque;

	vblk_free_mem(b);
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
	if (b->dying && b->idle_closed && b->io_closed)
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
	/* Completions still to come and the idle handle's close refer to b:
	 * free after the last (at once without a loop or with nothing in
	 * flight). */
	b->dying = true;
	if (b->loop)
		uv_close((uv_handle_t *)&b->idle, vblk_idle_closed);
	b->io->ops->close(b->io);
}

void vblk_get_stats(const struct vblk *b, struct vblk_stats *out)
{
	*out = b->stats;
}

const struct blkio *vblk_io(const struct vblk *b)
{
	return b->io;
}
