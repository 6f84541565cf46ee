/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueues (virtio 1.2, 2.7) as a device sees them, over guest RAM
 * that keeld has mapped. Ring layouts and flags come from <linux/virtio_ring.h>.
 *
 * Everything in guest RAM is untrusted and may change under us at any time:
 * each index and descriptor is read once (copied) and checked before use.
 * A chain is rejected when its head or any next index is >= num, when it
 * is longer than num (a loop), when an indirect table is not a multiple of
 * 16 bytes, is empty, sits inside another indirect table or is nested, or
 * when any (addr, len) is not wholly inside one guest RAM region.
 *
 * Not thread-safe: one thread (or one lock held by the device) per queue.
 * The one exception is `broken`, which is read and written atomically so
 * the transport can set it from any thread.
 */
#ifndef KEELD_VIRTQUEUE_H
#define KEELD_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_ring.h>

#include "guest/loader.h"  /* struct guest_mem, guest_ptr() */

#define VQ_MAX_SIZE 1024      /* largest QueueNumMax keeld offers */
#define VQ_MAX_SEGS 1024      /* segments one chain may have (direct + indirect) */

struct vq_seg {
	uint8_t *host;    /* keeld's pointer to the guest bytes */
	uint64_t gpa;
	uint32_t len;
	bool writable;    /* VRING_DESC_F_WRITE: the device writes it */
};

/* One available chain, resolved. Readable segments always come before
 * writable ones (a chain that mixes them the other way round is rejected,
 * as the spec requires drivers to order them). */
struct vq_chain {
	uint16_t head;
	unsigned n;            /* segments used in seg[] */
	unsigned n_out;        /* the first n_out segments are device-readable */
	uint64_t out_bytes, in_bytes;
	struct vq_seg seg[VQ_MAX_SEGS];
};

/*
 * What a new keeld needs to take over a running queue (a daemon restart):
 * kept in a page of a file under /run/keel/ that keeld maps shared, so
 * every store survives the process (even SIGKILL) at the cost of a memory
 * store, no syscall. The rings hold the rest: used->idx is ours, in guest
 * RAM. A chain is `inflight` from the pop that moves last_avail past it
 * until its used entry is published; `push_*` marks the one push of the
 * queue that may be half done (vq_lock serialises pushes), so a new keeld
 * can tell whether it landed. Stores are ordered for the compiler only: a
 * killed process's retired stores are all performed; nothing else reads
 * the page while it runs.
 */
struct vq_live {
	uint16_t last_avail;
	uint16_t push_head;
	uint16_t push_pos;            /* used index the push writes */
	uint16_t push_valid;
	uint64_t inflight[VQ_MAX_SIZE / 64];
};

struct vq {
	/* Set by the transport from the driver's registers. */
	uint16_t num;                 /* QueueNum: power of two, 1..VQ_MAX_SIZE */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool event_idx;               /* VIRTIO_RING_F_EVENT_IDX negotiated */
	/* Resolved by vq_start(). */
	const struct guest_mem *gm;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	bool ready;
	bool broken;                  /* a bad ring: nothing more is taken until reset */
	uint16_t last_avail;          /* next avail->ring entry to consume */
	uint16_t used_idx;            /* our copy of used->idx */
	uint16_t signalled_used;      /* used_idx at the last interrupt */
	bool signalled_valid;
	uint64_t bad_chains;          /* chains rejected (for the log and stats) */
	/* Kept across vq_reset: where the state a restart needs goes (NULL:
	 * nowhere, unit tests). */
	struct vq_live *live;
	/* After vq_resume: chains a dead keeld had popped and not completed,
	 * handed out again by vq_pop before any new one (replay_pos..nr_replay). */
	uint16_t nr_replay, replay_pos;
	uint16_t replay_base;         /* last_avail when they were found */
	uint16_t replay[VQ_MAX_SIZE];
};

/* Check and resolve the three ring areas (alignment, inside guest RAM) and
 * reset the indices. -EINVAL: bad num or an area outside RAM/misaligned. */
int vq_start(struct vq *q, const struct guest_mem *gm);
/* vq_start for a queue a dead keeld served (num and the areas set from
 * its saved registers): indices from the rings and q->live, and the chains
 * it had popped and not completed queued for replay (a virtio request is
 * idempotent until completed). -EINVAL as vq_start, or -EPROTO when the
 * saved state does not fit the rings. */
int vq_resume(struct vq *q, const struct guest_mem *gm);
/* Forget everything (device reset / queue reset); q->live stays bound. */
void vq_reset(struct vq *q);

/* Take the next available chain.
 * 1: c is filled; 0: nothing available;
 * -EBADMSG: the chain at the front is malformed. Its head (if the head
 *   itself was in range) is in c->head, c->n == 0, and it has been consumed:
 *   the device may complete it with vq_push(q, c->head, 0) (if head valid)
 *   or mark itself NEEDS_RESET;
 * -EPROTO: the avail index moved by more than num, or the head index is
 *   out of range: the ring is corrupt, q->broken is set, nothing more will
 *   be taken (the device must set NEEDS_RESET); every later call returns
 *   -EPROTO too, until vq_reset/vq_start.
 * A queue that is not ready gives 0. c is large (VQ_MAX_SEGS segments):
 * about 24 KiB: mind small thread stacks. */
int vq_pop(struct vq *q, struct vq_chain *c);
/* Give back the last n chains popped and not pushed: the next vq_pop
 * takes them again (the driver cannot tell; its avail ring still holds
 * them). For a device that needs several chains for one job and found
 * too few. */
void vq_unpop(struct vq *q, uint16_t n);
/* Return a chain to the driver with `written` bytes written into it. The
 * used entry (and the data written into the chain before this call) is
 * visible before the index that publishes it. A head >= num or a queue
 * that is not ready (stopped meanwhile) is dropped. */
void vq_push(struct vq *q, uint16_t head, uint32_t written);
/* After a batch of vq_push: does the driver want an interrupt now?
 * EVENT_IDX: vring_need_event(used_event, new, old); otherwise
 * !(avail->flags & VRING_AVAIL_F_NO_INTERRUPT). Updates signalled_used. */
bool vq_should_interrupt(struct vq *q);
/* Tell the driver which avail index we want a kick for (EVENT_IDX: writes
 * avail_event = last_avail; else clears VRING_USED_F_NO_NOTIFY) and then
 * re-check: true if more chains became available meanwhile (the caller
 * must pop again, so no kick is lost). */
bool vq_enable_kicks(struct vq *q);
/* While we are draining the queue anyway, ask the driver not to kick
 * (sets VRING_USED_F_NO_NOTIFY; with EVENT_IDX this is a no-op). */
void vq_disable_kicks(struct vq *q);

/* Copy helpers: read from the readable part (off counts from its first
 * byte), write into the writable part (off counts from its first byte).
 * Return bytes copied (short at the end of that part). */
uint64_t vq_chain_read(const struct vq_chain *c, uint64_t off, void *buf, uint64_t len);
uint64_t vq_chain_write(const struct vq_chain *c, uint64_t off, const void *buf, uint64_t len);

#endif
