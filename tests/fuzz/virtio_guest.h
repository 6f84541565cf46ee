/* SPDX-License-Identifier: GPL-2.0 */
/* The register-level moves a hostile guest makes on any virtio-mmio device:
 * raw register accesses of any size, bytes written anywhere in its RAM,
 * kicks of any queue number, a reset. The device fuzzers share them; each
 * adds the driver moves of its own device class. A fuzzer drives one such
 * guest, fg, which it fills in at start: the moves take only the input, so
 * they go into its table of ops as they are. */
#ifndef KEEL_FUZZ_VIRTIO_GUEST_H
#define KEEL_FUZZ_VIRTIO_GUEST_H
#include <linux/virtio_mmio.h>
#include <string.h>

#include "input.h"
#include "virtio/transport.h"

struct fuzz_guest {
	struct virtio_mmio *t;
	const struct guest_mem *gm; /* the guest's RAM as the device sees it */
	uint8_t *ram;          /* the first RAM region, written by fg_ram_write */
	uint64_t ram_size;
	unsigned off_bytes;    /* input bytes an offset into it takes */
};

static struct fuzz_guest fg;

/* The harness's own view of guest RAM: NULL where the guest has none. */
static inline void *fg_gpa(uint64_t ipa, uint64_t len)
{
	return guest_ptr(fg.gm, ipa, len);
}

static inline void fg_mmio_write(struct input *in)
{
	uint64_t off = take(in, 2) % VIRTIO_MMIO_SIZE;
	unsigned size = 1U << (take(in, 1) & 3);

	virtio_mmio_ops.write(fg.t, off, size, take(in, 8));
}

static inline void fg_mmio_read(struct input *in)
{
	uint64_t off = take(in, 2) % VIRTIO_MMIO_SIZE;
	unsigned size = 1U << (take(in, 1) & 3);

	(void)virtio_mmio_ops.read(fg.t, off, size);
}

static inline void fg_ram_write(struct input *in)
{
	uint64_t off = take(in, fg.off_bytes) % fg.ram_size;
	uint64_t len = take(in, 1);

	if (len > in->n)
		len = in->n;
	if (len > fg.ram_size - off)
		len = fg.ram_size - off;
	memcpy(fg.ram + off, in->p, len);
	in->p += len;
	in->n -= len;
}

static inline void fg_kick(struct input *in)
{
	virtio_mmio_kick(fg.t, (uint32_t)take(in, 1));
}

static inline void fg_reset(struct input *in)
{
	virtio_mmio_ops.write(fg.t, VIRTIO_MMIO_STATUS, 4, 0);
}
#endif
