/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-mmio transport, version 2 (virtio 1.2, 4.2.2), register
 * offsets and status bits from <linux/virtio_mmio.h> and
 * <linux/virtio_config.h>. One struct virtio_mmio per device window; it
 * plugs into keeld's mmio_table through virtio_mmio_ops, and the device
 * model (blk, net, ...) plugs into it through struct virtio_dev_ops.
 *
 * Registers the guest reads or writes with an answer arrive as ioreqs on
 * keeld's loop thread, except InterruptStatus and InterruptACK: shadow
 * registers the hypervisor serves from one word (virtio_mmio_ops.shadow). QueueNotify is a posted doorbell in the hypervisor:
 * it arrives as virtio_mmio_kick(), never as a register write.
 *
 * Offered transport features: VIRTIO_F_VERSION_1 (required: legacy is not
 * served), VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_RING_F_EVENT_IDX; the device
 * adds its own. A driver that does not accept VERSION_1 fails FEATURES_OK.
 *
 * Interrupts are edge-triggered SPIs: every used-buffer or config
 * notification the driver asked for raises one edge, and InterruptStatus
 * says why (bits cleared by InterruptACK).
 */
#ifndef KEELD_VIRTIO_TRANSPORT_H
#define KEELD_VIRTIO_TRANSPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "vdev/mmio.h"
#include "virtio/virtqueue.h"

#define VIRTIO_MMIO_SIZE 0x200     /* = KEEL_GUEST_VIRTIO_STRIDE */
#define VIRTIO_MAX_QUEUES 8

struct virtio_mmio;

struct virtio_dev_ops {
	const char *name;          /* "virtio-blk" */
	uint32_t device_id;        /* VIRTIO_ID_* from <linux/virtio_ids.h> */
	unsigned nr_queues;        /* <= VIRTIO_MAX_QUEUES */
	uint16_t queue_max;        /* QueueNumMax, power of two <= VQ_MAX_SIZE */
	/* Device feature bits (the transport adds its own). */
	uint64_t (*features)(void *dev);
	/* Device config space (struct virtio_blk_config, ...): read/write len
	 * bytes at off; off + len <= config_size is checked by the transport. */
	uint32_t (*config_size)(void *dev);
	void (*config_read)(void *dev, uint32_t off, void *buf, unsigned len);
	void (*config_write)(void *dev, uint32_t off, const void *buf, unsigned len); /* may be NULL */
	/* DRIVER_OK was set: features are final (virtio_mmio_features()). */
	void (*start)(void *dev);
	/* Queue q has new chains (a doorbell, or a rescan after a lost one:
	 * spurious calls must be harmless). Called on the loop thread. */
	void (*kick)(void *dev, unsigned q);
	/* Status written to 0, or the transport is torn down: stop using the
	 * queues and return only when no request of this device is in flight
	 * anymore (workers done); nothing may touch guest memory afterwards. */
	void (*reset)(void *dev);
};

struct virtio_mmio {
	const struct virtio_dev_ops *ops;
	void *dev;
	const struct guest_mem *gm;
	/* Raise the device's interrupt line (one edge). Any thread. */
	void (*irq)(void *opaque);
	void *irq_opaque;

	/* Register state. */
	uint32_t status;
	uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
	uint64_t drv_features;
	uint32_t config_generation;
	uint32_t int_status;              /* InterruptStatus until a shadow word takes over */
	/* Atomic: VIRTIO_MMIO_INT_* bits. &int_status, or the shadow word the
	 * hypervisor answers InterruptStatus / InterruptACK from. */
	uint32_t *isr;
	struct vq vq[VIRTIO_MAX_QUEUES];
	/* Held by devices around vq_pop/vq_push/vq_*_kicks of queue q (from
	 * any thread); the transport takes it to start, stop and reset the
	 * queue and in virtio_mmio_used. Recursive, so a device may call
	 * virtio_mmio_used with it held. */
	pthread_mutex_t vq_lock[VIRTIO_MAX_QUEUES];
	/* A restart's state (transport_state.c): the queues' live page, and
	 * who hears of a change to the registers (loop thread). */
	struct virtio_live *live;
	void (*changed)(void *opaque);
	void *changed_opaque;
	uint64_t kicks, interrupts;       /* stats (atomic) */
	uint64_t ignored_kicks;           /* bad queue, not ready, before DRIVER_OK, NEEDS_RESET */
};

extern const struct mmio_ops virtio_mmio_ops;

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_dev_ops *ops, void *dev,
		      const struct guest_mem *gm, void (*irq)(void *opaque), void *irq_opaque);
/* Reset the device (ops->reset) and release the queue locks. */
void virtio_mmio_destroy(struct virtio_mmio *t);
/* A posted QueueNotify doorbell with the value the guest wrote (loop
 * thread). Out-of-range queue numbers, queues not ready, kicks before
 * DRIVER_OK or after NEEDS_RESET are ignored (ignored_kicks). DRIVER_OK
 * itself kicks every ready queue once, for chains queued before it. */
void virtio_mmio_kick(struct virtio_mmio *t, uint32_t queue);
/* Every queue, as if kicked (after the hypervisor's event ring overflowed). */
void virtio_mmio_kick_all(struct virtio_mmio *t);
/* The device pushed used entries on queue q (caller holds vq_lock[q] or
 * has just released it; any thread): raise the interrupt if the driver
 * wants one. Call it once per batch of vq_push, not per entry, so that
 * EVENT_IDX / NO_INTERRUPT can coalesce. */
void virtio_mmio_used(struct virtio_mmio *t, unsigned q);
/* The device's config changed: VIRTIO_MMIO_INT_CONFIG + an edge. */
void virtio_mmio_config_changed(struct virtio_mmio *t);
/* Something is broken beyond one request (a corrupt ring): set
 * VIRTIO_CONFIG_S_NEEDS_RESET, mark every queue broken (vq_pop then
 * returns -EPROTO), notify, and take no more requests until the driver
 * resets the device. Logged and notified once. Any thread, with or
 * without a vq_lock held. */
void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *why);
/* Negotiated features (valid after FEATURES_OK). */
uint64_t virtio_mmio_features(const struct virtio_mmio *t);
/* A used-buffer notification whatever the driver asked for (after a
 * restart: one keeld may have pushed and died before notifying). */
void virtio_mmio_interrupt(struct virtio_mmio *t);

/* ---- a daemon restart (transport_state.c) ---- */

/* What each queue's struct vq_live needs: one page per device. */
struct virtio_live {
	struct vq_live q[VIRTIO_MAX_QUEUES];
};
_Static_assert(sizeof(struct virtio_live) <= 4096, "one page per device");

/* Keep the queues' restart state in live (a page that outlives keeld;
 * zeroed here unless resuming) and call changed(opaque) after every
 * register write that changes what virtio_mmio_save returns. Right after
 * virtio_mmio_init. */
void virtio_mmio_persist(struct virtio_mmio *t, struct virtio_live *live, bool resuming,
			 void (*changed)(void *opaque), void *opaque);
/* The registers (status, features, selectors, each queue's areas). */
json_t *virtio_mmio_save(const struct virtio_mmio *t);
/* Back into a freshly attached transport bound to the live page the dead
 * keeld used: queues resume (vq_resume), a DRIVER_OK device starts, and
 * the driver gets one notification. A queue that cannot resume puts the
 * device in NEEDS_RESET. -EINVAL: not a saved transport. */
int virtio_mmio_restore(struct virtio_mmio *t, const json_t *state);

#endif
