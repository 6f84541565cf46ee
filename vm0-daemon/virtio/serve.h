/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two ways a synchronous device model (one that answers a chain before
 * it pops the next: console, gpu) moves chains through a queue, with the
 * locking, the malformed-chain and corrupt-ring handling and the one
 * interrupt per batch written once:
 * - virtio_serve_avail: the driver kicked; every available chain is served.
 * - virtio_serve_fill: the device has something for the driver (input,
 *   control messages); it fills posted buffers while it has more.
 * virtio-blk and virtio-net keep their own loops: they complete out of
 * order and throttle.
 */
#ifndef KEELD_VIRTIO_SERVE_H
#define KEELD_VIRTIO_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/transport.h"

struct virtio_server {
	struct virtio_mmio *t;
	struct vq_chain *chain; /* vq_pop scratch: too big for the stack */
	uint64_t *bad;          /* counts malformed chains */
	void *dev;              /* passed to the callbacks */
};

/* serve returns the bytes it wrote into the chain. */
typedef uint32_t (*virtio_serve_fn)(void *dev, unsigned qi, const struct vq_chain *ch);

void virtio_serve_avail(const struct virtio_server *s, unsigned qi, virtio_serve_fn serve);

/* While more(dev), one posted chain per serve; a chain with nothing the
 * device may write into is malformed. Out of buffers, kicks are re-enabled
 * so the driver's next post comes back here. why names the ring in the
 * reason a corrupt one gives for NEEDS_RESET. */
void virtio_serve_fill(const struct virtio_server *s, unsigned qi, bool (*more)(void *dev),
		       virtio_serve_fn serve, const char *why);

#endif
