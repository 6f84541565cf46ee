// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net RX: the switch's deliver(). The header (adapted to what this
 * guest negotiated) and the frame are copied straight from the sender's
 * buffers into the RX buffers the guest posted: one buffer without
 * MRG_RXBUF, as many as it takes with it (num_buffers says how many). When
 * the buffers run out halfway, the ones taken are given back untouched
 * (still available: the driver's avail ring is not ours to consume) and
 * the frame is dropped.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "devices/virtio_net_priv.h"

/* Ones' complement sum (RFC 1071) of len bytes of the frame from off,
 * across iovec boundaries (a piece may end on an odd byte). */
static uint16_t vnet_csum(const struct iovec *iov, int cnt, size_t off, size_t len)
{
	uint64_t sum = 0;
	bool odd = false;

	for (int i = 0; i < cnt && len; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		p += off;
		l -= off;
		off = 0;
		if (l > len)
			l = len;
		len -= l;
		for (size_t k = 0; k < l; k++, odd = !odd)
			sum += odd ? p[k] : (uint64_t)p[k] << 8;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The pieces of the frame [from, to) appended to src at *cnt. */
static void vnet_src_range(struct iovec *src, int *cnt, const struct iovec *iov, int iovcnt,
			   size_t from, size_t to)
{
	size_t pos = 0;

	for (int i = 0; i < iovcnt && pos < to; i++) {
		size_t a = pos, b = pos + iov[i].iov_len;

		pos = b;
		if (b <= from)
			continue;
		if (a < from)
			a = from;
		if (b > to)
			b = to;
		if (a >= b)
			continue;
		src[*cnt].iov_base = (uint8_t *)iov[i].iov_base + (a - (pos - iov[i].iov_len));
		src[*cnt].iov_len = b - a;
		(*cnt)++;
	}
}

/*
 * The header this guest gets for the frame, and the source pieces to copy
 * (header first). A partial checksum for a guest without GUEST_CSUM is
 * completed: its two bytes come from *sum instead of the frame. -EPROTO:
 * a GSO frame the guest cannot take.
 */
static int vnet_rx_prepare(struct vnet *n, const struct virtio_net_hdr_v1 *in,
			   const struct iovec *iov, int iovcnt, size_t len,
			   struct virtio_net_hdr_v1 *h, uint16_t *sum, int *cnt)
{
	bool csum = vnet_has(n, VIRTIO_NET_F_GUEST_CSUM);

	memset(h, 0, sizeof(*h));
	*cnt = 0;
	n->rx_src[(*cnt)++] = (struct iovec){ h, VNET_HDR_LEN };
	if (in->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		unsigned f = in->gso_type == VIRTIO_NET_HDR_GSO_TCPV4	? VIRTIO_NET_F_GUEST_TSO4
			     : in->gso_type == VIRTIO_NET_HDR_GSO_TCPV6 ? VIRTIO_NET_F_GUEST_TSO6
									: 64;

		if (f == 64 || !vnet_has(n, f) || !csum)
			return -EPROTO;
		h->gso_type = in->gso_type;
		h->gso_size = in->gso_size;
		h->hdr_len = in->hdr_len;
	}
	if (csum) {
		h->flags = in->flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID);
		h->csum_start = in->csum_start;
		h->csum_offset = in->csum_offset;
	} else if ((in->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		   (size_t)in->csum_start + in->csum_offset + 2 <= len) {
		size_t at = (size_t)in->csum_start + in->csum_offset;

		/* The field holds the pseudo-header sum: summed with the rest. */
		*sum = vnet_csum(iov, iovcnt, in->csum_start, len - in->csum_start);
		*sum = (uint16_t)(*sum << 8 | *sum >> 8); /* network order in memory */
		vnet_src_range(n->rx_src, cnt, iov, iovcnt, 0, at);
		n->rx_src[(*cnt)++] = (struct iovec){ sum, 2 };
		vnet_src_range(n->rx_src, cnt, iov, iovcnt, at + 2, len);
		n->stats.rx_csum_done++;
		return 0;
	}
	vnet_src_range(n->rx_src, cnt, iov, iovcnt, 0, len);
	return 0;
}

/* Copy up to max bytes of the source stream from *pos into c's writable
 * part; returns what was copied. */
static uint32_t vnet_rx_fill(const struct vq_chain *c, const struct iovec *src, int cnt,
			     size_t *pos, size_t max)
{
	size_t skip = *pos, done = 0;

	for (int i = 0; i < cnt && done < max; i++) {
		size_t l = src[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		l -= skip;
		if (l > max - done)
			l = max - done;
		done += vq_chain_write(c, done, (const uint8_t *)src[i].iov_base + skip, l);
		skip = 0;
	}
	*pos += done;
	return (uint32_t)done;
}

/* Take buffers until need bytes fit; returns how many (their heads and
 * lengths in rx_head/rx_len, filled), 0 when the frame is to be dropped
 * (buffers given back), -EPROTO when the driver broke the rules. */
static int vnet_rx_take(struct vnet *n, struct vq *q, const struct iovec *src, int cnt,
			size_t need)
{
	bool mrg = vnet_has(n, VIRTIO_NET_F_MRG_RXBUF);
	size_t pos = 0;
	int nb = 0;

	while (pos < need) {
		/* Each buffer holds at least a header, and no more than num are
		 * available: rx_head (VQ_MAX_SIZE) cannot overflow. */
		struct vq_chain *c = n->rxc[nb ? 1 : 0];
		int rc = vq_pop(q, c);

		if (rc == 0) {
			vq_unpop(q, (uint16_t)nb);
			return 0;
		}
		if (rc < 0)
			return -EPROTO;
		/* Device-writable only, and at least the header (5.1.6.3.1):
		 * num_buffers lives in the first buffer. */
		if (c->n_out || c->in_bytes < VNET_HDR_LEN)
			return -EPROTO;
		if (!mrg && c->in_bytes < need) {
			/* Too small for this frame: the buffer stays for a smaller one. */
			vq_unpop(q, (uint16_t)(nb + 1));
			return 0;
		}
		n->rx_head[nb] = c->head;
		n->rx_len[nb] = vnet_rx_fill(c, src, cnt, &pos, c->in_bytes);
		nb++;
	}
	return nb;
}

int vnet_deliver(struct vswitch_port *p, void *opaque, const struct virtio_net_hdr_v1 *hdr,
		 const struct iovec *iov, int iovcnt, size_t len)
{
	struct vnet *n = opaque;
	struct vq *q = &n->t->vq[VNET_RXQ];
	struct virtio_net_hdr_v1 h;
	uint16_t sum, nb16;
	int cnt, nb;

	if (!n->running || n->broken || iovcnt < 0 || iovcnt > VQ_MAX_SEGS || len > VNET_FRAME_MAX) {
		n->stats.rx_no_buffers += n->running && !n->broken;
		return -ENOBUFS;
	}
	if (vnet_rx_prepare(n, hdr, iov, iovcnt, len, &h, &sum, &cnt)) {
		n->stats.rx_offload++;
		return -ENOBUFS;
	}
	pthread_mutex_lock(&n->t->vq_lock[VNET_RXQ]);
	nb = vnet_rx_take(n, q, n->rx_src, cnt, VNET_HDR_LEN + len);
	if (nb > 0) {
		/* The first buffer's header says how many the frame took;
		 * written before vq_push, whose barrier publishes it. */
		nb16 = (uint16_t)nb;
		vq_chain_write(n->rxc[0], offsetof(struct virtio_net_hdr_v1, num_buffers), &nb16,
			       sizeof(nb16));
		for (int i = 0; i < nb; i++)
			vq_push(q, n->rx_head[i], n->rx_len[i]);
	}
	pthread_mutex_unlock(&n->t->vq_lock[VNET_RXQ]);
	if (nb < 0) {
		n->stats.rx_bad_chain++;
		vnet_broken(n, "malformed RX buffer");
		return -ENOBUFS;
	}
	if (!nb) {
		n->stats.rx_no_buffers++;
		return -ENOBUFS;
	}
	vnet_used(n, VNET_RXQ);
	return 0;
}
