/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the virtio devices (disks, NICs, the virtio-console) share as vdevs
 * across a keeld restart: their transport keeps its queues' progress in
 * the device's live page and tells the registry when its registers change;
 * their saved state is the transport's (virtio/transport_state.c) plus the
 * model's extra, if any.
 */
#ifndef KEELD_VIRTIO_VDEV_H
#define KEELD_VIRTIO_VDEV_H

#include <errno.h>

#include "vdev/vdev.h"
#include "virtio/transport.h"

static inline void virtio_vdev_changed(void *d)
{
	vdev_changed(d);
}

/* Right after virtio_mmio_init in attach. */
static inline void virtio_vdev_bind(struct vdev *d, struct virtio_mmio *t)
{
	virtio_mmio_persist(t, vdev_live(d), vdev_resuming(d), virtio_vdev_changed, d);
}

static inline int virtio_vdev_save(struct virtio_mmio *t, json_t *extra, json_t **state)
{
	json_t *s = t ? virtio_mmio_save(t) : json_object();

	if (extra)
		json_object_set_new(s, "model", extra);
	*state = s;
	return s ? 0 : -ENOMEM;
}

static inline int virtio_vdev_restore(struct virtio_mmio *t, const json_t *state)
{
	return t ? virtio_mmio_restore(t, state) : -ENODEV;
}

#endif
