// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net TX: the guest's frames into the switch. Each chain is a
 * struct virtio_net_hdr_v1 then the frame, all device-readable; the header
 * is copied once and checked here, the frame goes to vswitch_input() as
 * iovecs over guest RAM (the switch copies it into each receiver: one copy
 * between two guests), and the chain is completed empty before the next.
 */
#include <errno.h>
#include <string.h>

#include "devices/virtio_net_priv.h"

/* What a guest may put in a TX header (virtio 1.2, 5.1.6.2): the checksum
 * window inside the frame, only the offloads it negotiated, a GSO frame
 * with a partial checksum and a segment size. Returns false for a header
 * to refuse. */
static bool vnet_tx_hdr_ok(const struct vnet *n, const struct virtio_net_hdr_v1 *h, size_t len)
{
	uint8_t gso = h->gso_type;

	if (h->flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return false; /* DATA_VALID / RSC_INFO: the driver MUST NOT set them */
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (!vnet_has(n, VIRTIO_NET_F_CSUM))
			return false;
		if ((size_t)h->csum_start + h->csum_offset + 2 > len)
			return false;
	}
	if (gso == VIRTIO_NET_HDR_GSO_NONE)
		return true;
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || !h->gso_size)
		return false;
	if (gso == VIRTIO_NET_HDR_GSO_TCPV4)
		return vnet_has(n, VIRTIO_NET_F_HOST_TSO4);
	if (gso == VIRTIO_NET_HDR_GSO_TCPV6)
		return vnet_has(n, VIRTIO_NET_F_HOST_TSO6);
	return false; /* ECN, UDP: not offered */
}

/* The frame after the header as iovecs into guest RAM; its length. */
static int vnet_tx_iov(const struct vq_chain *c, struct iovec *iov, size_t *len)
{
	uint64_t skip = VNET_HDR_LEN;
	int cnt = 0;

	*len = 0;
	for (unsigned i = 0; i < c->n_out; i++) {
		const struct vq_seg *s = &c->seg[i];

		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		iov[cnt].iov_base = s->host + skip;
		iov[cnt].iov_len = s->len - skip;
		*len += iov[cnt].iov_len;
		cnt++;
		skip = 0;
	}
	return cnt;
}

/* One popped chain: checked, then into the switch. Never fatal: a guest
 * that sends garbage loses that frame. */
static void vnet_tx_one(struct vnet *n, const struct vq_chain *c)
{
	struct virtio_net_hdr_v1 h;
	size_t len;
	int cnt;

	if (c->n_out != c->n || c->out_bytes < VNET_HDR_LEN ||
	    c->out_bytes > VNET_HDR_LEN + VNET_FRAME_MAX) {
		n->stats.tx_bad_chain++;
		return;
	}
	/* One copy of the header: the guest may rewrite it meanwhile. */
	vq_chain_read(c, 0, &h, sizeof(h));
	cnt = vnet_tx_iov(c, n->tx_iov, &len);
	if (!vnet_tx_hdr_ok(n, &h, len)) {
		n->stats.tx_bad_header++;
		return;
	}
	h.num_buffers = 0; /* the receiver's business */
	/* Short, long and spoofed frames are the switch's to refuse and
	 * count on this port. */
	vswitch_input(n->port, &h, n->tx_iov, cnt, len);
}

/* Pop, send, complete, until the queue is empty or the budget is spent.
 * Returns how many chains were completed; *more: chains are left. */
static unsigned vnet_tx_batch(struct vnet *n, bool *more)
{
	struct vq *q = &n->t->vq[VNET_TXQ];
	unsigned done = 0;
	bool again = false; /* the last vq_enable_kicks said "more available" */

	*more = false;
	for (;;) {
		bool popped = false;

		vq_disable_kicks(q);
		for (;;) {
			int rc;

			if (done == VSWITCH_BUDGET) {
				/* Kicks stay off: the continuation drains. */
				*more = true;
				return done;
			}
			rc = vq_pop(q, n->txc);
			if (!rc)
				break;
			if (rc == -EBADMSG) {
				/* A malformed chain is one lost frame, not a
				 * broken device: hand it back empty. */
				n->stats.tx_bad_chain++;
				if (n->txc->head < q->num)
					vq_push(q, n->txc->head, 0);
				done++;
				popped = true;
				continue;
			}
			if (rc < 0) {
				vnet_broken(n, "corrupt TX available ring");
				return done;
			}
			vnet_tx_one(n, n->txc);
			vq_push(q, n->txc->head, 0);
			done++;
			popped = true;
		}
		/* As in virtio-blk: a driver whose rings overlap could make
		 * "more" true forever; stop rather than spin. */
		if (again && !popped)
			return done;
		again = vq_enable_kicks(q);
		if (!again)
			return done;
	}
}

void vnet_tx(struct vnet *n)
{
	unsigned done;
	bool more;

	if (!n->running || n->broken)
		return;
	pthread_mutex_lock(&n->t->vq_lock[VNET_TXQ]);
	done = vnet_tx_batch(n, &more);
	pthread_mutex_unlock(&n->t->vq_lock[VNET_TXQ]);
	if (done)
		vnet_used(n, VNET_TXQ);
	if (more && n->running && !n->broken) {
		if (n->loop) {
			n->tx_more = true;
			vnet_used(n, VNET_TXQ); /* starts the idle handle */
		} else {
			/* No loop to come back on: go on now. */
			vnet_tx(n);
		}
	}
}
