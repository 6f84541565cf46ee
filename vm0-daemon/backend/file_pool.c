// SPDX-License-Identifier: GPL-2.0
/*
 * The threadpool backend (blkio.h): blocking preadv/pwritev through VM0's
 * page cache. A read or write the page cache can serve without blocking
 * (RWF_NOWAIT) runs on the loop during submit; everything else waits for
 * commit and goes to libuv's threadpool in at most POOL_BATCHES jobs, which
 * run in parallel and are done on the loop. Without a loop, every request
 * runs inside submit.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>

#include "backend/blkio.h"

#define POOL_INLINE_MAX	   (128U << 10) /* larger reads/writes always go to a worker */
#define POOL_INLINE_BUDGET (1U << 20)	/* bytes served on the loop per commit */
#define POOL_BATCHES	   4		/* jobs one commit's blocking requests are split into */
#define POOL_MAX_JOBS	   256		/* jobs tracked for cancelling; more are not cancelled */

struct pool {
	struct blkio io; /* first: the ops get &io */
	uint64_t inline_bytes; /* served on the loop since the last commit */
	struct blkio_req *pend, **pend_tail; /* for workers, not handed over yet */
	unsigned npend;
	unsigned outstanding; /* requests whose after-work has not run */
	bool closing;
	/* Queued jobs (a batch's first request), for quiesce to cancel. */
	struct blkio_req *job[POOL_MAX_JOBS];
	unsigned njob;

	/* Shared with workers. gen is bumped by quiesce so that requests from
	 * before it do no I/O; busy counts queued requests that may still
	 * touch guest memory or the disk's data, under lock, and quiesce
	 * waits on cond for 0. */
	uint32_t gen;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned busy;
};

#define to_pool(io) ((struct pool *)(io))

/* A flush touches neither guest memory nor the disk's data: quiesce does
 * not wait for it, so a guest that resets with flushes queued does not
 * hold the loop for their duration. */
static bool pool_detached(const struct blkio_req *r)
{
	return r->kind == BLKIO_FLUSH;
}

static bool pool_rw(const struct blkio_req *r)
{
	return r->kind == BLKIO_READ || r->kind == BLKIO_WRITE;
}

/* n requests are past their last touch of guest memory and of the disk's
 * data: the mutex orders those accesses before a quiesce that sees busy
 * drop (it then lets the caller reset rings or unmap RAM). */
static void pool_busy_put(struct pool *p, unsigned n)
{
	pthread_mutex_lock(&p->lock);
	p->busy -= n;
	if (!p->busy)
		pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void pool_work(uv_work_t *w)
{
	struct blkio_req *first = (struct blkio_req *)((char *)w - offsetof(struct blkio_req, work));
	struct pool *p = w->data;

	for (struct blkio_req *r = first; r; r = r->next) {
		/* A quiesce since the submit: guest RAM may be on its way out,
		 * skip. The acquire pairs with quiesce's increment, which comes
		 * before it waits. */
		bool current = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) == r->gen;

		r->result = -ECANCELED;
		if (current && !pool_detached(r))
			r->result = blkio_run_sync(p->io.disk, r);
		pool_busy_put(p, 1);
		/* A flush runs after quiesce stopped waiting for it: only the
		 * disk's fd, kept open until the backend is closed, is used. */
		if (current && pool_detached(r))
			r->result = blkio_run_sync(p->io.disk, r);
	}
}

static void pool_free(struct pool *p)
{
	void (*closed)(void *) = p->io.closed;
	void *opaque = p->io.opaque;

	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
	if (closed)
		closed(opaque);
}

static void pool_forget_job(struct pool *p, struct blkio_req *first)
{
	for (unsigned i = 0; i < p->njob; i++)
		if (p->job[i] == first) {
			p->job[i] = p->job[--p->njob];
			return;
		}
}

static void pool_after_work(uv_work_t *w, int status)
{
	struct blkio_req *first = (struct blkio_req *)((char *)w - offsetof(struct blkio_req, work));
	struct pool *p = w->data;

	first->cancellable = false;
	pool_forget_job(p, first);
	for (struct blkio_req *r = first; r; r = r->next) {
		p->outstanding--;
		/* Cancelled by quiesce, which accounted busy. */
		if (status == UV_ECANCELED)
			r->result = -ECANCELED;
		if (!r->result && pool_rw(r))
			p->io.stats.copies += r->len;
	}
	blkio_deliver(&p->io, first);
	if (p->closing && !p->outstanding)
		pool_free(p);
}

/* Run the requests of list here and now, then deliver them. */
static void pool_run_inline(struct pool *p, struct blkio_req *list)
{
	for (struct blkio_req *r = list; r; r = r->next) {
		r->result = blkio_run_sync(p->io.disk, r);
		if (!r->result && pool_rw(r))
			p->io.stats.copies += r->len;
	}
	blkio_deliver(&p->io, list);
}

/* A read or write served from VM0's page cache on the loop costs no thread
 * hand-off: two per request cost more than the copy itself (tests/bench/blk).
 * Big requests, and anything past this commit's budget, go to a worker
 * even when the page cache could serve them: the loop serves every guest. */
static bool pool_try_nowait(struct pool *p, struct blkio_req *r)
{
	int rc;

	if (!pool_rw(r) || r->len > POOL_INLINE_MAX ||
	    p->inline_bytes + r->len > POOL_INLINE_BUDGET)
		return false;
	rc = disk_rw_nowait(p->io.disk, r->iov, r->niov, r->off, r->len, r->kind == BLKIO_WRITE);
	if (rc == -EAGAIN)
		return false;
	p->inline_bytes += r->len;
	r->result = rc;
	if (!rc)
		p->io.stats.copies += r->len;
	r->next = NULL;
	blkio_deliver(&p->io, r);
	return true;
}

static void pool_submit(struct blkio *io, struct blkio_req *r)
{
	struct pool *p = to_pool(io);

	r->next = NULL;
	if (!io->loop) {
		pool_run_inline(p, r);
		return;
	}
	if (pool_try_nowait(p, r))
		return;
	*p->pend_tail = r;
	p->pend_tail = &r->next;
	p->npend++;
}

/*
 * Hand the kept requests to the threadpool in at most POOL_BATCHES jobs: a
 * thread hand-off each way costs more than a 4 KiB copy under emulation,
 * so one per job rather than per request, while jobs still run in parallel.
 */
static void pool_commit(struct blkio *io)
{
	struct pool *p = to_pool(io);
	unsigned nb = p->npend < POOL_BATCHES ? p->npend : POOL_BATCHES;
	struct blkio_req *r = p->pend;

	p->inline_bytes = 0;
	for (unsigned i = 0; i < nb; i++) {
		/* Split as evenly as possible: job i takes its share. */
		unsigned n = p->npend / nb + (i < p->npend % nb), k;
		struct blkio_req *first = r, *last = r;

		for (k = 1; k < n; k++)
			last = last->next;
		r = last->next;
		last->next = NULL;
		for (struct blkio_req *q = first; q; q = q->next)
			q->gen = p->gen;
		first->batch_n = n;
		first->work.data = p;
		/* Workers drop busy one request at a time (pool_busy_put). */
		pthread_mutex_lock(&p->lock);
		p->busy += n;
		pthread_mutex_unlock(&p->lock);
		p->outstanding += n;
		if (!uv_queue_work(io->loop, &first->work, pool_work, pool_after_work)) {
			io->stats.handoffs += 2;
			first->cancellable = p->njob < POOL_MAX_JOBS;
			if (first->cancellable)
				p->job[p->njob++] = first;
			continue;
		}
		/* No threadpool: do the job on the loop after all. */
		p->outstanding -= n;
		pool_busy_put(p, n);
		pool_run_inline(p, first);
	}
	p->pend = NULL;
	p->pend_tail = &p->pend;
	p->npend = 0;
}

static void pool_quiesce(struct blkio *io)
{
	struct pool *p = to_pool(io);

	/* Release: workers that see the new generation skip their I/O. */
	__atomic_add_fetch(&p->gen, 1, __ATOMIC_RELEASE);
	/* Work no thread has picked up yet will never run: don't wait for a
	 * thread to become free just to have it skip the request. Once only:
	 * libuv would "cancel" a cancelled request again. */
	for (unsigned i = 0; i < p->njob; i++) {
		struct blkio_req *first = p->job[i];

		if (first->cancellable && !uv_cancel((uv_req_t *)&first->work)) {
			first->cancellable = false;
			pool_busy_put(p, first->batch_n);
		}
	}
	/* The mutex orders every worker's guest-memory accesses before our
	 * return, after which the caller may reset rings or unmap RAM. At
	 * most one read or write per worker thread is still running (the
	 * rest of its job sees the new gen); flushes are not waited for. */
	pthread_mutex_lock(&p->lock);
	while (p->busy)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

static void pool_close(struct blkio *io)
{
	struct pool *p = to_pool(io);

	p->closing = true;
	if (!p->outstanding)
		pool_free(p);
}

static int pool_open(struct blkio **out, uv_loop_t *loop, struct disk *d, char *err,
		     size_t errlen)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(err, errlen, "%s: out of memory", d->path);
		return -ENOMEM;
	}
	p->pend_tail = &p->pend;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	*out = &p->io;
	return 0;
}

static void pool_describe(const struct blkio *io, char *buf, size_t len)
{
	snprintf(buf, len, "threadpool (buffered, RWF_NOWAIT on the loop, else libuv workers)");
}

const struct blkio_ops blkio_threadpool_ops = {
	.name = "threadpool",
	.open = pool_open,
	.submit = pool_submit,
	.commit = pool_commit,
	.quiesce = pool_quiesce,
	.close = pool_close,
	.describe = pool_describe,
};
