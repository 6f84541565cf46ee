/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk's insides, shared by its two halves: virtio_blk_req.c decodes
 * and checks a request (on a copy of what the guest wrote) and says what
 * I/O it needs; virtio_blk.c pops requests, hands that I/O to the disk's
 * backend (backend/blkio.h) and completes them.
 */
#ifndef KEELD_VIRTIO_BLK_PRIV_H
#define KEELD_VIRTIO_BLK_PRIV_H

#include <linux/virtio_blk.h>

#include "backend/blkio.h"
#include "devices/virtio_blk.h"

/* A prepare step's verdict: hand the request's I/O to the backend (any
 * other value is the status to complete it with at once). */
#define VBLK_QUEUE 0xff

struct vblk_op;

struct vblk_req {
	struct blkio_req io; /* what the backend does for it */
	const struct vblk_op *op;
	uint32_t gen;	 /* b->gen when popped */
	uint16_t head;
	uint8_t *status; /* the chain's last byte, in guest RAM */
	uint8_t result;	 /* VIRTIO_BLK_S_* */
	uint32_t written; /* used length: bytes the device wrote into the chain */
	/* Data segments; vblk_prepare refuses longer chains (seg_max). */
	struct iovec iov[VBLK_SEG_MAX + 2];
	struct blkio_range range[VBLK_MAX_DISCARD_SEG];
};

struct vblk {
	struct virtio_mmio *t;
	struct disk *disk;
	struct blkio *io;
	uv_loop_t *loop; /* NULL: synchronous */
	char serial[VIRTIO_BLK_ID_BYTES];
	uint64_t features;
	struct virtio_blk_config cfg; /* little-endian, as the guest reads it */

	/* Loop thread only. */
	uint32_t gen;	  /* bumped by reset: completions from before are dropped */
	bool running;	  /* between start and reset */
	bool broken;	  /* NEEDS_RESET raised: take nothing until reset */
	bool throttled;	  /* stopped popping with every request in flight */
	bool irq_pending; /* pushed since the last virtio_mmio_used */
	bool draining;	  /* in vblk_drain, vq_lock held */
	bool dying, idle_closed, io_closed;
	void (*release)(void *opaque); /* after the last free: vblk_set_release */
	void *release_opaque;
	unsigned nslot; /* VBLK_MAX_INFLIGHT, 1 when synchronous */
	struct vblk_req *slot[VBLK_MAX_INFLIGHT];
	unsigned nfree; /* free[0..nfree) are not in use */
	struct vblk_req *free[VBLK_MAX_INFLIGHT];
	struct vq_chain *chain; /* vq_pop scratch: too big for the stack */
	uv_idle_t idle;
	struct vblk_stats stats;
};

struct vblk_op {
	const char *name;
	int feature; /* -1: always served; else the VIRTIO_BLK_F_* it needs offered */
	bool writes; /* IOERR on a read-only disk */
	int kind;    /* the enum blkio_kind the backend does, -1: none (prepare did it all) */
	size_t count; /* offsetof(struct vblk_stats, <counter>) */
	/* Check the request, fill in r->io; VBLK_QUEUE or a status. */
	uint8_t (*prepare)(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
			   uint64_t sector);
};

/* Decode and check one chain; VBLK_QUEUE or the status to complete with. */
uint8_t vblk_prepare(struct vblk *b, struct vblk_req *r, const struct vq_chain *c);
/* The config space and features for b's disk. */
void vblk_setup(struct vblk *b);
int vblk_set_serial(struct vblk *b, const char *serial, char *err, size_t errlen);

#endif
