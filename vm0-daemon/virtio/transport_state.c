// SPDX-License-Identifier: GPL-2.0
/*
 * A virtio-mmio device across a keeld restart. Two parts:
 *  - the registers (status, features, selectors, each queue's areas): JSON
 *    that keeld writes to /run/keel/ when the driver changes them, which
 *    is at configuration time only (virtio_mmio_save / _restore);
 *  - each queue's progress (last_avail, which chains are in flight): a page
 *    the rings' code keeps up to date with plain stores (struct vq_live).
 * used->idx, the avail ring and the descriptors are in guest RAM, and
 * InterruptStatus in the hypervisor's shadow page: a new keeld finds them
 * where they were.
 */
#include <errno.h>
#include <string.h>

#include <linux/virtio_config.h>

#include "log.h"
#include "virtio/transport.h"

void virtio_mmio_persist(struct virtio_mmio *t, struct virtio_live *live, bool resuming,
			 void (*changed)(void *opaque), void *opaque)
{
	t->live = live;
	t->changed = changed;
	t->changed_opaque = opaque;
	if (live && !resuming)
		memset(live, 0, sizeof(*live));
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		t->vq[i].live = live ? &live->q[i] : NULL;
}

json_t *virtio_mmio_save(const struct virtio_mmio *t)
{
	json_t *queues = json_array();

	for (unsigned i = 0; i < t->ops->nr_queues && i < VIRTIO_MAX_QUEUES; i++) {
		const struct vq *q = &t->vq[i];

		json_array_append_new(queues, json_pack("{s:i, s:I, s:I, s:I, s:b}", "num", (int)q->num,
							"desc", (json_int_t)q->desc_gpa, "avail",
							(json_int_t)q->avail_gpa, "used",
							(json_int_t)q->used_gpa, "ready", q->ready));
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "status",
			 (json_int_t)__atomic_load_n(&t->status, __ATOMIC_ACQUIRE), "features",
			 (json_int_t)t->drv_features, "dev_feat_sel", (json_int_t)t->dev_feat_sel,
			 "drv_feat_sel", (json_int_t)t->drv_feat_sel, "queue_sel",
			 (json_int_t)t->queue_sel, "generation",
			 (json_int_t)__atomic_load_n(&t->config_generation, __ATOMIC_RELAXED),
			 "queues", queues);
}

static int restore_queue(struct virtio_mmio *t, unsigned i, const json_t *j)
{
	struct vq *q = &t->vq[i];
	json_int_t num, desc, avail, used;
	int ready, r = 0;

	if (json_unpack((json_t *)j, "{s:I, s:I, s:I, s:I, s:b}", "num", &num, "desc", &desc,
			"avail", &avail, "used", &used, "ready", &ready) ||
	    num < 0 || num > t->ops->queue_max)
		return -EINVAL;
	pthread_mutex_lock(&t->vq_lock[i]);
	q->num = (uint16_t)num;
	q->desc_gpa = (uint64_t)desc;
	q->avail_gpa = (uint64_t)avail;
	q->used_gpa = (uint64_t)used;
	q->event_idx = t->drv_features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	if (ready)
		r = vq_resume(q, t->gm);
	pthread_mutex_unlock(&t->vq_lock[i]);
	if (r)
		klog("%s: queue %u: cannot resume (%s)", t->ops->name, i, strerror(-r));
	else if (q->nr_replay)
		klog("%s: queue %u: %u request(s) in flight when keeld stopped: issued again",
		     t->ops->name, i, q->nr_replay);
	return r;
}

int virtio_mmio_restore(struct virtio_mmio *t, const json_t *state)
{
	json_int_t status, features, dsel, fsel, qsel, gen;
	json_t *queues;
	bool broken = false;

	if (json_unpack((json_t *)state, "{s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "status", &status,
			"features", &features, "dev_feat_sel", &dsel, "drv_feat_sel", &fsel,
			"queue_sel", &qsel, "generation", &gen, "queues", &queues) ||
	    !json_is_array(queues) || json_array_size(queues) != t->ops->nr_queues)
		return -EINVAL;
	t->drv_features = (uint64_t)features;
	t->dev_feat_sel = (uint32_t)dsel;
	t->drv_feat_sel = (uint32_t)fsel;
	t->queue_sel = (uint32_t)qsel;
	__atomic_store_n(&t->config_generation, (uint32_t)gen, __ATOMIC_RELAXED);
	/* Release: the registers above are in place before a reader of the
	 * status (there is none yet: the loop thread restores before events). */
	__atomic_store_n(&t->status, (uint32_t)status, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < t->ops->nr_queues && i < VIRTIO_MAX_QUEUES; i++)
		if (restore_queue(t, i, json_array_get(queues, i)))
			broken = true;
	if (broken) {
		virtio_mmio_needs_reset(t, "a queue's state did not survive keeld's restart");
		return 0;
	}
	if ((status & VIRTIO_CONFIG_S_DRIVER_OK) && !(status & VIRTIO_CONFIG_S_NEEDS_RESET) &&
	    t->ops->start)
		t->ops->start(t->dev);
	/* The dead keeld may have pushed and not notified. */
	if (status & VIRTIO_CONFIG_S_DRIVER_OK)
		virtio_mmio_interrupt(t);
	return 0;
}
