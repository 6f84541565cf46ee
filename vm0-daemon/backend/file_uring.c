// SPDX-License-Identifier: GPL-2.0
/*
 * The io_uring backend (blkio.h). Reads and writes become readv/writev SQEs
 * whose iovecs are the request's own (guest buffers in keeld's mapping of
 * guest RAM); commit submits everything one kick prepared with one
 * io_uring_submit; the ring signals an eventfd that a uv_poll_t watches, so
 * completions are reaped on the loop thread: no thread of keeld's hands
 * anything to another.
 *
 * O_DIRECT: a second fd on the same open disk, used for a request when its
 * offset and every buffer are aligned (URING_DIO_ALIGN); anything else goes
 * buffered through the disk's own fd. A direct attempt refused with EINVAL
 * is redone buffered; EFAULT (the kernel cannot pin the buffer: keel.ko
 * maps guest RAM as pages only where the hypervisor gives VM0 the pool's
 * memory map, a PFN mapping otherwise) is redone buffered and turns
 * O_DIRECT off for the disk. A pinned page holds keel.ko's VM_DESTROY
 * back, so a request stays in the kernel only until quiesce has waited
 * for it.
 *
 * Ordering: a flush is issued only when every write submitted before it
 * (and discards and write-zeroes, which go to an embedded threadpool
 * backend) has finished, so that it covers them; later writes are not held
 * behind it (IOSQE_IO_DRAIN would hold them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <liburing.h>

#include "backend/blkio.h"
#include "log.h"

#define URING_ENTRIES	256  /* SQEs; the CQ is twice that */
#define URING_DIO_ALIGN 4096 /* meets any logical block size up to a page, and DMA alignment */

struct uring {
	struct blkio io; /* first: the ops get &io */
	struct io_uring ring;
	int efd;	/* the ring's completion eventfd */
	int dfd;	/* the disk opened again with O_DIRECT, or -1 */
	uint32_t align; /* O_DIRECT offset, address and length alignment */
	char nodirect[96]; /* why dfd is -1 */
	uv_poll_t poll;
	struct blkio *pool; /* discard and write-zeroes: blocking calls */
	uint32_t gen;	    /* bumped by quiesce: no retry for requests from before */
	unsigned queued;    /* SQEs prepared, not submitted */
	unsigned rw_busy;   /* reads and writes in the kernel: quiesce waits for them */
	unsigned inflight;  /* every request in the kernel or on the pool */
	uint64_t wseq;	    /* writes submitted */
	struct blkio_req *whead, *wtail;	 /* unfinished writes, oldest first */
	struct blkio_req *flushes, **flush_tail; /* held until whead is past them */
	struct blkio_req *ready, **ready_tail;	 /* done, not delivered yet */
	bool closing, pool_closed, poll_closing;
};

#define to_uring(io) ((struct uring *)(io))

static bool uring_is_write(enum blkio_kind k)
{
	return k == BLKIO_WRITE || k == BLKIO_DISCARD || k == BLKIO_WRITE_ZEROES;
}

static void uring_submit_queued(struct uring *u)
{
	int r;

	if (!u->queued)
		return;
	r = io_uring_submit(&u->ring);
	u->io.stats.submits++;
	/* Entries the kernel did not take stay in the SQ for the next call. */
	if (r >= 0)
		u->queued = 0;
}

static void uring_ready(struct uring *u, struct blkio_req *r);

/* An SQE for r, or NULL with r done (-EBUSY, delivered from the loop): the
 * SQ is full and the kernel takes nothing (its CQ backlog is full), and
 * waiting here would stop every guest. */
static struct io_uring_sqe *uring_sqe(struct uring *u, struct blkio_req *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		uring_submit_queued(u);
		sqe = io_uring_get_sqe(&u->ring);
	}
	if (!sqe) {
		r->result = -EBUSY;
		uring_ready(u, r);
		if (eventfd_write(u->efd, 1))
			klog("%s: io_uring eventfd: %s", u->io.disk->path, strerror(errno));
	}
	return sqe;
}

static bool uring_aligned(const struct uring *u, const struct blkio_req *r, uint64_t off)
{
	if (off % u->align)
		return false;
	for (unsigned i = 0; i < r->niov; i++)
		if ((uintptr_t)r->iov[i].iov_base % u->align || r->iov[i].iov_len % u->align)
			return false;
	return true;
}

/* (Re)issue the rest of a read or write, from r->off + what moved so far. */
static void uring_prep_rw(struct uring *u, struct blkio_req *r, bool may_direct)
{
	struct io_uring_sqe *sqe = uring_sqe(u, r);
	uint64_t off = r->off + r->moved;

	if (!sqe)
		return;
	r->direct = may_direct && u->dfd >= 0 && uring_aligned(u, r, off);
	if (r->kind == BLKIO_READ)
		io_uring_prep_readv(sqe, r->direct ? u->dfd : u->io.disk->fd, r->iov, r->niov,
				    off);
	else
		io_uring_prep_writev(sqe, r->direct ? u->dfd : u->io.disk->fd, r->iov, r->niov,
				     off);
	io_uring_sqe_set_data(sqe, r);
	u->queued++;
	u->rw_busy++;
}

static void uring_prep_flush(struct uring *u, struct blkio_req *r)
{
	struct io_uring_sqe *sqe = uring_sqe(u, r);

	if (!sqe)
		return;
	/* As disk_flush: fdatasync for files, fsync for block devices. The
	 * disk's fd and the O_DIRECT one share the inode. */
	io_uring_prep_fsync(sqe, u->io.disk->fd, u->io.disk->block ? 0 : IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(sqe, r);
	u->queued++;
}

/* Issue the held flushes every earlier write of which has finished. */
static void uring_release_flushes(struct uring *u)
{
	while (u->flushes && (!u->whead || u->whead->seq > u->flushes->seq)) {
		struct blkio_req *f = u->flushes;

		u->flushes = f->next;
		if (!u->flushes)
			u->flush_tail = &u->flushes;
		uring_prep_flush(u, f);
	}
}

static void uring_write_done(struct uring *u, struct blkio_req *r)
{
	if (r->wprev)
		r->wprev->wnext = r->wnext;
	else
		u->whead = r->wnext;
	if (r->wnext)
		r->wnext->wprev = r->wprev;
	else
		u->wtail = r->wprev;
	uring_release_flushes(u);
}

static void uring_ready(struct uring *u, struct blkio_req *r)
{
	u->inflight--;
	if (uring_is_write(r->kind))
		uring_write_done(u, r);
	r->next = NULL;
	*u->ready_tail = r;
	u->ready_tail = &r->next;
}

/* A read or write's CQE: done, or issued again (the rest of a short
 * transfer; buffered after a refused O_DIRECT attempt). */
static void uring_rw_cqe(struct uring *u, struct blkio_req *r, int res)
{
	bool current = r->gen == u->gen; /* no quiesce since: guest RAM is still there */

	u->rw_busy--;
	if (r->direct && (res == -EINVAL || res == -EFAULT) && current) {
		u->io.stats.direct_redone++;
		if (res == -EFAULT && u->dfd >= 0) {
			klog("%s: O_DIRECT cannot reach guest RAM (EFAULT): buffered I/O from now on",
			     u->io.disk->path);
			snprintf(u->nodirect, sizeof(u->nodirect), "EFAULT on guest RAM");
			close(u->dfd);
			u->dfd = -1;
		}
		uring_prep_rw(u, r, false);
		return;
	}
	if (res > 0) {
		*(r->direct ? &u->io.stats.direct_bytes : &u->io.stats.copies) += (uint64_t)res;
		r->moved += (uint64_t)res;
		blkio_iov_advance(&r->iov, &r->niov, (uint64_t)res);
		/* Short: the rest, unless a quiesce came (the buffers may be gone). */
		if (r->moved < r->len && current) {
			uring_prep_rw(u, r, r->direct);
			return;
		}
	}
	if (res < 0)
		r->result = res;
	else if (r->moved < r->len)
		r->result = current ? -EIO : -ECANCELED; /* 0: the backing shrank */
	else
		r->result = 0;
	uring_ready(u, r);
}

/* Move every CQE there is to the ready list; issue what that allows. */
static void uring_reap(struct uring *u)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(&u->ring, head, cqe) {
		struct blkio_req *r = io_uring_cqe_get_data(cqe);

		n++;
		if (r->kind == BLKIO_FLUSH) {
			r->result = cqe->res < 0 ? cqe->res : 0;
			uring_ready(u, r);
		} else {
			uring_rw_cqe(u, r, cqe->res);
		}
	}
	io_uring_cq_advance(&u->ring, n);
	uring_submit_queued(u);
}

static void uring_finish(struct uring *u);

static void uring_deliver(struct uring *u)
{
	struct blkio_req *list = u->ready;

	u->ready = NULL;
	u->ready_tail = &u->ready;
	blkio_deliver(&u->io, list);
	uring_finish(u);
}

static void uring_poll_cb(uv_poll_t *h, int status, int events)
{
	struct uring *u = h->data;
	uint64_t v;

	/* Reset the count first: a CQE posted after this read signals again. */
	if (read(u->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		klog("%s: io_uring eventfd: %s", u->io.disk->path, strerror(errno));
	uring_reap(u);
	uring_deliver(u);
}

/* The pool's discards and write-zeroes. */
static void uring_pool_done(void *opaque, struct blkio_req *list)
{
	struct uring *u = opaque;

	for (struct blkio_req *r = list, *next; r; r = next) {
		next = r->next;
		uring_ready(u, r);
	}
	u->io.stats.handoffs = u->pool->stats.handoffs;
	uring_submit_queued(u);
	uring_deliver(u);
}

static void uring_submit(struct blkio *io, struct blkio_req *r)
{
	struct uring *u = to_uring(io);

	r->gen = u->gen;
	r->moved = 0;
	r->result = 0;
	u->inflight++;
	if (uring_is_write(r->kind)) {
		r->seq = ++u->wseq;
		r->wnext = NULL;
		r->wprev = u->wtail;
		if (u->wtail)
			u->wtail->wnext = r;
		else
			u->whead = r;
		u->wtail = r;
	}
	switch (r->kind) {
	case BLKIO_READ:
	case BLKIO_WRITE:
		uring_prep_rw(u, r, true);
		return;
	case BLKIO_FLUSH:
		r->seq = u->wseq; /* the writes it must come after */
		r->next = NULL;
		*u->flush_tail = r;
		u->flush_tail = &r->next;
		uring_release_flushes(u);
		return;
	case BLKIO_DISCARD:
	case BLKIO_WRITE_ZEROES:
		u->pool->ops->submit(u->pool, r);
		return;
	}
}

static void uring_commit(struct blkio *io)
{
	struct uring *u = to_uring(io);

	u->pool->ops->commit(u->pool);
	u->io.stats.handoffs = u->pool->stats.handoffs;
	uring_submit_queued(u);
}

/* Wait for the reads and writes in the kernel; their completions (and any
 * other reaped meanwhile) are delivered from the loop afterwards. */
static void uring_quiesce(struct blkio *io)
{
	struct uring *u = to_uring(io);
	bool reaped = false;

	u->gen++;
	u->pool->ops->quiesce(u->pool);
	uring_submit_queued(u);
	while (u->rw_busy) {
		struct io_uring_cqe *cqe;
		int r = io_uring_wait_cqe(&u->ring, &cqe);

		if (r < 0 && r != -EINTR && r != -EAGAIN) {
			klog("%s: io_uring wait: %s", u->io.disk->path, strerror(-r));
			break;
		}
		uring_reap(u);
		reaped = true;
	}
	/* The eventfd may have been read already for what we reaped: signal
	 * it ourselves so the poll callback delivers the ready list. */
	if (reaped && eventfd_write(u->efd, 1))
		klog("%s: io_uring eventfd: %s", u->io.disk->path, strerror(errno));
}

static void uring_free(uv_handle_t *h)
{
	struct uring *u = h->data;
	void (*closed)(void *) = u->io.closed;
	void *opaque = u->io.opaque;

	io_uring_queue_exit(&u->ring);
	close(u->efd);
	if (u->dfd >= 0)
		close(u->dfd);
	free(u);
	if (closed)
		closed(opaque);
}

/* Closing, and nothing left in the kernel, on the pool or to deliver. */
static void uring_finish(struct uring *u)
{
	if (!u->closing || u->inflight || u->ready || !u->pool_closed || u->poll_closing)
		return;
	u->poll_closing = true;
	uv_poll_stop(&u->poll);
	uv_close((uv_handle_t *)&u->poll, uring_free);
}

static void uring_pool_closed(void *opaque)
{
	struct uring *u = opaque;

	u->pool_closed = true;
	uring_finish(u);
}

static void uring_close(struct blkio *io)
{
	struct uring *u = to_uring(io);

	u->closing = true;
	u->pool->ops->close(u->pool);
}

/* The same open file again with O_DIRECT (a new open file description, so
 * the disk's own fd stays buffered). */
static void uring_open_direct(struct uring *u, const struct disk *d)
{
	char p[64];

	u->align = d->block_size > URING_DIO_ALIGN ? d->block_size : URING_DIO_ALIGN;
	snprintf(p, sizeof(p), "/proc/self/fd/%d", d->fd);
	u->dfd = open(p, (d->readonly ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC);
	if (u->dfd < 0)
		snprintf(u->nodirect, sizeof(u->nodirect), "O_DIRECT: %s", strerror(errno));
}

static int uring_open(struct blkio **out, uv_loop_t *loop, struct disk *d, char *err,
		      size_t errlen)
{
	struct uring *u = calloc(1, sizeof(*u));
	int r;

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	u->flush_tail = &u->flushes;
	u->ready_tail = &u->ready;
	u->efd = -1;
	r = io_uring_queue_init(URING_ENTRIES, &u->ring, 0);
	if (r < 0) {
		snprintf(err, errlen, "io_uring_queue_init: %s", strerror(-r));
		free(u);
		return r;
	}
	u->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = u->efd < 0 ? -errno : io_uring_register_eventfd(&u->ring, u->efd);
	if (!r)
		r = blkio_threadpool_ops.open(&u->pool, loop, d, err, errlen);
	if (!r)
		r = uv_poll_init(loop, &u->poll, u->efd);
	if (r) {
		/* Not shared yet: nothing to wait for. */
		if (u->pool)
			blkio_threadpool_ops.close(u->pool);
		snprintf(err, errlen, "io_uring eventfd: %s", strerror(-r));
		if (u->efd >= 0)
			close(u->efd);
		io_uring_queue_exit(&u->ring);
		free(u);
		return r == -ENOMEM ? r : -EIO;
	}
	blkio_init(u->pool, &blkio_threadpool_ops, loop, d, uring_pool_done, uring_pool_closed, u);
	u->poll.data = u;
	uv_poll_start(&u->poll, UV_READABLE, uring_poll_cb);
	uring_open_direct(u, d);
	*out = &u->io;
	return 0;
}

static void uring_describe(const struct blkio *io, char *buf, size_t len)
{
	const struct uring *u = (const struct uring *)io;

	if (u->dfd >= 0)
		snprintf(buf, len, "io_uring (O_DIRECT for %u-byte aligned requests, else buffered)",
			 u->align);
	else
		snprintf(buf, len, "io_uring (buffered: %s)", u->nodirect);
}

static bool uring_direct(const struct blkio *io)
{
	return ((const struct uring *)io)->dfd >= 0;
}

const struct blkio_ops blkio_uring_ops = {
	.name = "uring",
	.open = uring_open,
	.submit = uring_submit,
	.commit = uring_commit,
	.quiesce = uring_quiesce,
	.close = uring_close,
	.describe = uring_describe,
	.direct = uring_direct,
};
