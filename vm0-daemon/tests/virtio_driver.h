/* SPDX-License-Identifier: GPL-2.0 */
/* A virtio-mmio driver's register moves (virtio 1.2, 3.1.1 and 4.2.3.2),
 * shared by keeld's device tests and the device fuzzers (tests/fuzz, which
 * build with -I vm0-daemon and include it as "tests/virtio_driver.h").
 * Nothing here asserts: the fuzzers have no cmocka, and the tests check
 * what they read back themselves. Header-only so that neither build has to
 * link one more object. */
#ifndef KEELD_TEST_VIRTIO_DRIVER_H
#define KEELD_TEST_VIRTIO_DRIVER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "virtio/transport.h"

static inline void vd_w(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	virtio_mmio_ops.write(t, off, 4, v);
}

static inline uint32_t vd_r(struct virtio_mmio *t, uint64_t off)
{
	return (uint32_t)virtio_mmio_ops.read(t, off, 4);
}

static inline uint64_t vd_device_features(struct virtio_mmio *t)
{
	uint64_t f;

	vd_w(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = vd_r(t, VIRTIO_MMIO_DEVICE_FEATURES);
	vd_w(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	return f | (uint64_t)vd_r(t, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

static inline void vd_driver_features(struct virtio_mmio *t, uint64_t f)
{
	vd_w(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vd_w(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	vd_w(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vd_w(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

/* 3.1.1 steps 1 to 5: reset, ACKNOWLEDGE, DRIVER, the offered features that
 * are in want, FEATURES_OK. Returns the status written last: a device that
 * took the features reads it back unchanged. */
static inline uint32_t vd_negotiate(struct virtio_mmio *t, uint64_t want)
{
	uint32_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	vd_w(t, VIRTIO_MMIO_STATUS, 0);
	vd_w(t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vd_w(t, VIRTIO_MMIO_STATUS, st);
	vd_driver_features(t, vd_device_features(t) & want);
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	vd_w(t, VIRTIO_MMIO_STATUS, st);
	return st;
}

/* Queue q's size and ring addresses (4.2.3.2 steps 1 and 4), not yet ready. */
static inline void vd_queue_regs(struct virtio_mmio *t, unsigned q, uint32_t num, uint64_t desc,
				 uint64_t avail, uint64_t used)
{
	vd_w(t, VIRTIO_MMIO_QUEUE_SEL, q);
	vd_w(t, VIRTIO_MMIO_QUEUE_NUM, num);
	vd_w(t, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	vd_w(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	vd_w(t, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	vd_w(t, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
	vd_w(t, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	vd_w(t, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
}

/* The same, then QueueReady: the device checks the rings here. */
static inline void vd_queue(struct virtio_mmio *t, unsigned q, uint32_t num, uint64_t desc,
			    uint64_t avail, uint64_t used)
{
	vd_queue_regs(t, q, num, desc, avail, used);
	vd_w(t, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* A guest RAM of one region [ipa, ipa + size), zeroed, page-aligned as
 * keeld's mapping of /dev/keel is; NULL when out of memory. */
static inline uint8_t *vd_ram_map(struct guest_mem *gm, uint64_t ipa, uint64_t size)
{
	uint8_t *ram = aligned_alloc(4096, size);

	if (!ram)
		return NULL;
	memset(ram, 0, size);
	memset(gm, 0, sizeof(*gm));
	gm->n = 1;
	gm->r[0] = (struct guest_region){ .ipa = ipa, .size = size, .host = ram };
	return ram;
}

#endif
