/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk (virtio 1.2, 5.2) over a mediated disk (disk.h), one request
 * queue. Layouts, request types, statuses and feature bits come from
 * <linux/virtio_blk.h>.
 *
 * Offered: SEG_MAX, SIZE_MAX, BLK_SIZE, FLUSH, RO (read-only disks),
 * DISCARD (the backing can deallocate) and WRITE_ZEROES (every writable
 * disk: the backing falls back to writing zeroes). seg_max and size_max
 * are enforced (IOERR): they bound what one request costs, whatever its
 * descriptors point at (a guest may name the same page a thousand times).
 *
 * Threading. With a loop, requests are popped on keeld's loop thread in
 * kick(), checked, and their I/O handed to the disk's backend
 * (backend/blkio.h: io_uring, or libuv's threadpool), all of one kick
 * together; the backend does the I/O with the chain's guest buffers as
 * iovecs and reports back on the loop thread. Completion is: status byte,
 * vq_push, and at most one virtio_mmio_used() per loop iteration (an idle
 * handle collects every completion of the iteration). At most
 * VBLK_MAX_INFLIGHT requests are in flight; the queue is left alone (kicks
 * disabled) until one completes. Without a loop (unit tests, fuzzer) kick()
 * does each request inline and raises at most one interrupt per kick.
 *
 * Reset (ops->reset: the driver wrote status 0, or virtio_mmio_destroy)
 * returns only when the backend does not touch guest memory or the disk's
 * data anymore: it waits for the reads and writes already running (each
 * bounded by seg_max * size_max), never for a flush, which touches
 * neither and may take seconds; a flush still running keeps only the disk's
 * fd open (see vblk_destroy). Completions of requests from before a reset
 * are dropped, never pushed.
 * All vblk_* calls and ops are for the loop thread.
 */
#ifndef KEELD_VIRTIO_BLK_H
#define KEELD_VIRTIO_BLK_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "backend/blkio.h"
#include "backend/disk.h"
#include "virtio/transport.h"

#define VBLK_QUEUE_MAX		      256 /* QueueNumMax */
#define VBLK_SEG_MAX		      128 /* data segments per request (config seg_max) */
#define VBLK_SIZE_MAX		      (64U << 10) /* bytes per data segment (config size_max) */
#define VBLK_MAX_INFLIGHT	      64  /* requests with the backend per device */
#define VBLK_MAX_DISCARD_SEG	      32  /* ranges in one DISCARD request */
#define VBLK_MAX_DISCARD_SECTORS      (1U << 21) /* 1 GiB per range: a hole punch is cheap */
#define VBLK_MAX_WRITE_ZEROES_SECTORS (1U << 17) /* 64 MiB: may be written as zeroes */

struct vblk;

/* Counters since creation; updated on the loop thread as requests complete. */
struct vblk_stats {
	uint64_t requests; /* completed, any status */
	uint64_t reads, writes, flushes, get_ids, discards, write_zeroes;
	uint64_t read_bytes, write_bytes;
	uint64_t errors;      /* VIRTIO_BLK_S_IOERR: bad request or failed I/O */
	uint64_t unsupported; /* VIRTIO_BLK_S_UNSUPP */
	uint64_t bad_chains;  /* no status byte or malformed chain: NEEDS_RESET */
	uint64_t dropped;     /* finished after a reset: not returned to the driver */
};

extern const struct virtio_dev_ops vblk_ops;

/**
 * Create the device for transport t (only the pointer is kept: initialise
 * it afterwards with virtio_mmio_init(t, &vblk_ops, *out, ...)).
 * loop: keeld's loop, or NULL for synchronous mode (I/O inline in kick).
 * disk: borrowed, open; it must outlive the device (disk_close after
 * vblk_destroy). backend: the disk I/O backend's name (blkio_open; NULL:
 * auto). serial: the GET_ID string (printable ASCII, at most
 * VIRTIO_BLK_ID_BYTES), or NULL for the last VIRTIO_BLK_ID_BYTES bytes of
 * the disk's file name. -EINVAL (bad serial, closed disk) or -ENOMEM with
 * a message in err.
 */
int vblk_create(struct vblk **out, uv_loop_t *loop, struct virtio_mmio *t, struct disk *disk,
		const char *backend, const char *serial, char *err, size_t errlen);
/**
 * Stop the device (as a reset does: the backend touches neither guest
 * memory nor the disk's data when this returns) and free it. Call virtio_mmio_destroy(t)
 * first (it calls reset through the ops). With a loop the memory is
 * released from the loop once the backend has delivered the last completions
 * (a flush may still be running): keep the loop running (uv_run) after
 * this, as keeld does. Until then the device still refers to the disk and
 * to t's memory (never to t's locks, rings or guest memory): free them in
 * the release callback (vblk_set_release), not after this returns.
 */
void vblk_destroy(struct vblk *b);
/**
 * Call release(opaque) once the device's memory is gone (from
 * vblk_destroy itself without a loop or with nothing in flight, else from
 * the loop later): the owner of the disk and the transport frees them there.
 */
void vblk_set_release(struct vblk *b, void (*release)(void *opaque), void *opaque);
void vblk_get_stats(const struct vblk *b, struct vblk_stats *out);
/** The disk's I/O backend: its name, counters and O_DIRECT state. */
const struct blkio *vblk_io(const struct vblk *b);

#endif
