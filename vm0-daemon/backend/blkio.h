/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Disk I/O backends: how a device model's reads, writes, flushes, discards
 * and write-zeroes reach a mediated disk (disk.h), behind one small ops
 * table so that the model (devices/virtio_blk.c) does not know which:
 *
 *  - "threadpool" (file_pool.c): pread/pwrite through VM0's page cache,
 *    on the loop when RWF_NOWAIT says the page cache has the data, else on
 *    libuv's threadpool in a few batches per kick (two thread hand-offs
 *    per batch). Also the synchronous mode (no loop: unit tests, fuzzer).
 *  - "uring" (file_uring.c): readv/writev/fsync SQEs on an io_uring whose
 *    iovecs are the guest's buffers, submitted together at the end of a
 *    kick and reaped on the loop (eventfd + uv_poll): no thread hand-off.
 *    O_DIRECT where the disk and the buffers allow it (no CPU copy).
 *
 * "auto" is uring when the kernel gives keeld a ring, else threadpool; the
 * log says which a disk got. Every call is for the loop thread.
 */
#ifndef KEELD_BLKIO_H
#define KEELD_BLKIO_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <uv.h>

#include "backend/disk.h"

enum blkio_kind { BLKIO_READ, BLKIO_WRITE, BLKIO_FLUSH, BLKIO_DISCARD, BLKIO_WRITE_ZEROES };

struct blkio_range {
	uint64_t off, len; /* bytes, inside the disk */
	bool unmap;
};

struct blkio_req {
	/* The caller's, set before submit. iov may be consumed (modified). */
	enum blkio_kind kind;
	unsigned niov, nrange;
	uint64_t off, len; /* reads and writes: disk byte offset and length */
	struct iovec *iov;
	const struct blkio_range *range;
	/* The backend's answer at done: 0 or a negative errno (-ECANCELED:
	 * skipped because a quiesce came first). */
	int result;
	/* Links done lists; the backend's between submit and done. */
	struct blkio_req *next;

	/* Backend-private from submit to done. */
	uv_work_t work;	       /* threadpool: a batch's first request */
	uint32_t gen;	       /* threadpool: its generation at submit */
	unsigned batch_n;      /* threadpool: requests in the batch, on the first */
	bool cancellable;      /* threadpool: a queued batch not cancelled yet */
	bool direct;	       /* uring: this attempt goes through the O_DIRECT fd */
	uint64_t moved;	       /* uring: bytes transferred so far */
	uint64_t seq;	       /* uring: writes submitted before it (flush ordering) */
	struct blkio_req *wprev, *wnext; /* uring: on the unfinished-writes list */
};

/* Called on the loop thread with requests that finished (linked by next),
 * or from within submit in synchronous mode and for requests done at once. */
typedef void blkio_done_fn(void *opaque, struct blkio_req *list);

/* Counters since open, loop thread. */
struct blkio_stats {
	uint64_t requests;   /* completed, any kind, any result */
	uint64_t bytes;	     /* read or written by completed requests */
	uint64_t copies;     /* bytes the CPU copied between guest buffers and VM0's page cache */
	uint64_t handoffs;   /* thread hand-offs: two per threadpool job (there and back) */
	uint64_t submits;    /* io_uring_submit calls */
	uint64_t direct_bytes;  /* moved with O_DIRECT (DMA, no copy) */
	uint64_t direct_redone; /* O_DIRECT attempts refused (EINVAL/EFAULT) and redone buffered */
};

struct blkio;

struct blkio_ops {
	const char *name;
	/* -errno with a message in err when this backend cannot serve d
	 * (blkio_open then tries the next). */
	int (*open)(struct blkio **out, uv_loop_t *loop, struct disk *d, char *err,
		    size_t errlen);
	/* Take r (it may complete at once: io->done from within). */
	void (*submit)(struct blkio *io, struct blkio_req *r);
	/* The end of a kick's submits: hand them all over. */
	void (*commit)(struct blkio *io);
	/* Return only when no submitted read or write can touch guest memory
	 * or the disk's data anymore. Flushes are not waited for (they touch
	 * neither and may take seconds). Requests submitted before still get
	 * done, later, from the loop. */
	void (*quiesce)(struct blkio *io);
	/* No more submits: io->closed(io->opaque) once the last request is
	 * done and the backend's memory is gone (at once when idle). */
	void (*close)(struct blkio *io);
	void (*describe)(const struct blkio *io, char *buf, size_t len);
	/* Does some I/O bypass VM0's page cache now (O_DIRECT)? NULL: never. */
	bool (*direct)(const struct blkio *io);
};

struct blkio {
	const struct blkio_ops *ops;
	struct disk *disk;
	uv_loop_t *loop; /* NULL: synchronous, every request done inside submit */
	blkio_done_fn *done;
	void (*closed)(void *opaque);
	void *opaque;
	struct blkio_stats stats;
};

extern const struct blkio_ops blkio_threadpool_ops, blkio_uring_ops;

/* What a disk may ask for (config "backend"); NULL and "" are "auto". In
 * blkio.c's order. Here so that config checks names without linking the
 * backends. */
static const char *const blkio_names[] = {"auto", "uring", "threadpool"};
#define BLKIO_NNAMES (sizeof(blkio_names) / sizeof(blkio_names[0]))

/** The index of name in blkio_names, or -1. */
static inline int blkio_name_index(const char *name)
{
	if (!name || !*name)
		return 0;
	for (unsigned i = 0; i < BLKIO_NNAMES; i++)
		if (!strcmp(name, blkio_names[i]))
			return (int)i;
	return -1;
}

static inline bool blkio_name_ok(const char *name)
{
	return blkio_name_index(name) >= 0;
}
/**
 * Open the backend called name for d (borrowed: it must outlive the
 * backend). "auto" falls back to the threadpool when io_uring cannot be set
 * up, and so does "uring" (saying so in the log); without a loop every
 * backend is the synchronous threadpool. done(opaque, list) gets finished
 * requests, closed(opaque) comes after close. -ENOMEM or -EINVAL (unknown
 * name) with a message in err.
 */
int blkio_open(struct blkio **out, const char *name, uv_loop_t *loop, struct disk *d,
	       blkio_done_fn *done, void (*closed)(void *opaque), void *opaque, char *err,
	       size_t errlen);

/** Is some of io's I/O done with O_DIRECT now? */
bool blkio_direct(const struct blkio *io);

/* For backends. */
/** Fill in a backend's common part (blkio_open does it for the one it opens). */
void blkio_init(struct blkio *io, const struct blkio_ops *ops, uv_loop_t *loop, struct disk *d,
		blkio_done_fn *done, void (*closed)(void *opaque), void *opaque);
/** Count list's requests and hand them to the owner. */
void blkio_deliver(struct blkio *io, struct blkio_req *list);
/** Drop the first n bytes of an iovec array (a partial transfer). */
void blkio_iov_advance(struct iovec **iov, unsigned *niov, uint64_t n);
/** The synchronous I/O of r on d's fd (threadpool workers, and the uring
 * backend's discard and write-zeroes): 0 or -errno. */
int blkio_run_sync(struct disk *d, struct blkio_req *r);

#endif
