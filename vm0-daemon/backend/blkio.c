// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/blkio.h"
#include "log.h"

/* Tried first for each of blkio_names; the threadpool when it cannot. */
static const struct blkio_ops *const blkio_first[] = {
	&blkio_uring_ops, &blkio_uring_ops, &blkio_threadpool_ops,
};
_Static_assert(sizeof(blkio_first) / sizeof(blkio_first[0]) == BLKIO_NNAMES,
	       "a first backend for every name");

int blkio_open(struct blkio **out, const char *name, uv_loop_t *loop, struct disk *d,
	       blkio_done_fn *done, void (*closed)(void *opaque), void *opaque, char *err,
	       size_t errlen)
{
	int c = blkio_name_index(name);
	const struct blkio_ops *ops;
	char why[256] = "", desc[128];
	int r = 0;

	*out = NULL;
	if (c < 0) {
		snprintf(err, errlen, "%s: unknown disk backend \"%s\"", d->path, name);
		return -EINVAL;
	}
	ops = loop ? blkio_first[c] : &blkio_threadpool_ops;
	if (ops != &blkio_threadpool_ops) {
		r = ops->open(out, loop, d, why, sizeof(why));
		if (r == -ENOMEM)
			goto fail;
	}
	if (!*out) {
		ops = &blkio_threadpool_ops;
		r = ops->open(out, loop, d, err, errlen);
		if (r)
			return r;
	}
	blkio_init(*out, ops, loop, d, done, closed, opaque);
	ops->describe(*out, desc, sizeof(desc));
	if (loop)
		klog("%s: disk I/O: %s%s%s", d->path, desc, why[0] ? "; " : "", why);
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", d->path, why);
	return r;
}

void blkio_init(struct blkio *io, const struct blkio_ops *ops, uv_loop_t *loop, struct disk *d,
		blkio_done_fn *done, void (*closed)(void *opaque), void *opaque)
{
	io->ops = ops;
	io->disk = d;
	io->loop = loop;
	io->done = done;
	io->closed = closed;
	io->opaque = opaque;
}

bool blkio_direct(const struct blkio *io)
{
	return io->ops->direct && io->ops->direct(io);
}

void blkio_deliver(struct blkio *io, struct blkio_req *list)
{
	for (struct blkio_req *r = list; r; r = r->next) {
		io->stats.requests++;
		if (!r->result && (r->kind == BLKIO_READ || r->kind == BLKIO_WRITE))
			io->stats.bytes += r->len;
	}
	if (list)
		io->done(io->opaque, list);
}

void blkio_iov_advance(struct iovec **iov, unsigned *niov, uint64_t n)
{
	while (*niov && n >= (*iov)->iov_len) {
		n -= (*iov)->iov_len;
		(*iov)++;
		(*niov)--;
	}
	if (*niov && n) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + n;
		(*iov)->iov_len -= n;
	}
}

int blkio_run_sync(struct disk *d, struct blkio_req *r)
{
	int rc = 0;

	switch (r->kind) {
	case BLKIO_READ:
		return disk_readv(d, r->iov, r->niov, r->off);
	case BLKIO_WRITE:
		return disk_writev(d, r->iov, r->niov, r->off);
	case BLKIO_FLUSH:
		return disk_flush(d);
	case BLKIO_DISCARD:
		for (unsigned i = 0; i < r->nrange && !rc; i++)
			if (r->range[i].len)
				rc = disk_discard(d, r->range[i].off, r->range[i].len);
		return rc;
	case BLKIO_WRITE_ZEROES:
		for (unsigned i = 0; i < r->nrange && !rc; i++)
			if (r->range[i].len)
				rc = disk_write_zeroes(d, r->range[i].off, r->range[i].len,
						       r->range[i].unmap);
		return rc;
	}
	return -EINVAL;
}
