/* SPDX-License-Identifier: GPL-2.0 */
/* The register-level moves a hostile guest makes on any virtio-mmio device:
 * raw register accesses of any size, bytes written anywhere in its RAM,
 * kicks of any queue number, a reset. The device fuzzers share them; each
 * adds the driver moves of its own device class. */
#ifndef KEEL_FUZZ_VIRTIO_GUEST_H
#define KEEL_FUZZ_VIRTIO_GUEST_H
#include <linux/virtio_mmio.h>
#include <string.h>

#include "input.h"
#include "virtio/transport.h"

struct fuzz_guest {
	struct virtio_mmio *t;
	uint8_t *ram;          /* the first RAM region, written by fg_ram_write */
	uint64_t ram_size;
	unsigned off_bytes;    /* input bytes an offset into it takes */
};

static inline void fg_mmio_write(const struct fuzz_guest *g, struct input *in)
{
	uint64_t off = take(in, 2) % VIRTIO_MMIO_SIZE;
	unsigned size = 1U << (take(in, 1) & 3);

	virtio_mmio_ops.write(g->t, off, size, take(in, 8));
}

static inline void fg_mmio_read(const struct fuzz_guest *g, struct input *in)
{
	uint64_t off = take(in, 2) % VIRTIO_MMIO_SIZE;
	unsigned size = 1U << (take(in, 1) & 3);

	(void)virtio_mmio_ops.read(g->t, off, size);
}

static inline void fg_ram_write(const struct fuzz_guest *g, struct input *in)
{
	uint64_t off = take(in, g->off_bytes) % g->ram_size;
	uint64_t len = take(in, 1);

	if (len > in->n)
		len = in->n;
	if (len > g->ram_size - off)
		len = g->ram_size - off;
	memcpy(g->ram + off, in->p, len);
	in->p += len;
	in->n -= len;
}

static inline void fg_kick(const struct fuzz_guest *g, struct input *in)
{
	virtio_mmio_kick(g->t, (uint32_t)take(in, 1));
}

static inline void fg_reset(const struct fuzz_guest *g)
{
	virtio_mmio_ops.write(g->t, VIRTIO_MMIO_STATUS, 4, 0);
}
#endif
