/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net's insides, shared by its three parts: virtio_net.c (features,
 * config space, the transport's ops, interrupts), virtio_net_tx.c (the
 * guest sends) and virtio_net_rx.c (the switch delivers).
 */
#ifndef KEELD_VIRTIO_NET_PRIV_H
#define KEELD_VIRTIO_NET_PRIV_H

#include <linux/virtio_net.h>

#include "devices/virtio_net.h"

/* Source pieces of one delivery: the header, the frame's iovecs split
 * around a completed checksum (two more), and room to spare. */
#define VNET_RX_SRC_MAX (VQ_MAX_SEGS + 8)

struct vnet {
	struct virtio_mmio *t;
	uv_loop_t *loop;          /* NULL: interrupts at once */
	struct vswitch_port *port;
	uint8_t mac[6];
	struct virtio_net_config cfg; /* little-endian, as the guest reads it */

	/* Loop thread only. */
	uint64_t features;        /* negotiated, from start() */
	bool running;             /* between start and reset */
	bool broken;              /* NEEDS_RESET raised */
	bool irq_pending[2];      /* pushed on the queue since its last virtio_mmio_used */
	bool tx_more;             /* the budget ran out with chains left */
	bool dying;
	void (*release)(void *opaque);
	void *release_opaque;
	uv_idle_t idle;

	/* Scratch, too big for the stack: TX's chain and frame iovecs; RX's
	 * first and current chains, the source pieces, and the heads and
	 * lengths of one frame's buffers until they are pushed. */
	struct vq_chain *txc;
	struct iovec *tx_iov;
	struct vq_chain *rxc[2];
	struct iovec *rx_src;
	uint16_t *rx_head;
	uint32_t *rx_len;

	struct vnet_stats stats;
};

static inline bool vnet_has(const struct vnet *n, unsigned feature)
{
	return n->features >> feature & 1;
}

/* virtio_net.c: a batch was pushed on queue q: one interrupt for it, now or
 * at the end of this loop iteration. */
void vnet_used(struct vnet *n, unsigned q);
/* Something beyond one frame is wrong: NEEDS_RESET (once). */
void vnet_broken(struct vnet *n, const char *why);

/* virtio_net_tx.c: drain the TX queue (up to the budget). */
void vnet_tx(struct vnet *n);
/* virtio_net_rx.c: the port's deliver(). */
int vnet_deliver(struct vswitch_port *p, void *opaque, const struct virtio_net_hdr_v1 *hdr,
		 const struct iovec *iov, int iovcnt, size_t len);

#endif
