// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net: features, config space, the transport's ops, interrupts,
 * creation and teardown. The data paths are in virtio_net_tx.c and
 * virtio_net_rx.c; virtio_net.h says what is guaranteed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_ids.h>

#include "devices/virtio_net_priv.h"
#include "log.h"

#define F(x) (1ULL << VIRTIO_NET_F_##x)

/* Offloads both ways: the switch carries the header beside the frame, so
 * a TSO frame from one guest reaches another (or VM0's TAP) whole. ECN and
 * UFO are not offered: a receiver without them could not be served. */
static const uint64_t vnet_offered = F(MAC) | F(STATUS) | F(MTU) | F(MRG_RXBUF) | F(CSUM) |
				     F(GUEST_CSUM) | F(HOST_TSO4) | F(HOST_TSO6) |
				     F(GUEST_TSO4) | F(GUEST_TSO6);

void vnet_broken(struct vnet *n, const char *why)
{
	if (n->broken)
		return;
	n->broken = true;
	klog("virtio-net %02x:%02x:%02x:%02x:%02x:%02x: %s: device needs reset", n->mac[0],
	     n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], why);
	virtio_mmio_needs_reset(n->t, why);
}

static void vnet_idle(uv_idle_t *h)
{
	struct vnet *n = h->data;

	uv_idle_stop(h);
	if (!n->running)
		return;
	/* Continue a TX drain the budget cut short, after every other
	 * handle of this iteration had its turn. */
	if (n->tx_more) {
		n->tx_more = false;
		vnet_tx(n);
	}
	for (unsigned q = 0; q < 2; q++) {
		if (n->irq_pending[q]) {
			n->irq_pending[q] = false;
			virtio_mmio_used(n->t, q);
		}
	}
}

void vnet_used(struct vnet *n, unsigned q)
{
	if (!n->loop) {
		virtio_mmio_used(n->t, q);
		return;
	}
	n->irq_pending[q] = true;
	if (!uv_is_active((uv_handle_t *)&n->idle))
		uv_idle_start(&n->idle, vnet_idle);
}

static void vnet_kick(void *dev, unsigned q)
{
	struct vnet *n = dev;

	if (!n->running || n->broken)
		return;
	if (q == VNET_TXQ) {
		/* A continuation is already due: it drains in order. */
		if (!n->tx_more)
			vnet_tx(n);
		return;
	}
	/* RX: buffers are taken when a frame comes; nothing waits for them,
	 * so the guest need not tell us (DRIVER_OK's kick lands here too). */
	pthread_mutex_lock(&n->t->vq_lock[VNET_RXQ]);
	vq_disable_kicks(&n->t->vq[VNET_RXQ]);
	pthread_mutex_unlock(&n->t->vq_lock[VNET_RXQ]);
}

static void vnet_reset(void *dev)
{
	struct vnet *n = dev;

	n->running = false;
	n->broken = false;
	n->tx_more = false;
	n->irq_pending[0] = n->irq_pending[1] = false;
	n->features = 0;
	if (n->loop && !n->dying)
		uv_idle_stop(&n->idle);
}

static void vnet_start(void *dev)
{
	struct vnet *n = dev;

	n->features = virtio_mmio_features(n->t);
	n->running = true;
	n->broken = false;
}

static uint64_t vnet_features(void *dev)
{
	return vnet_offered;
}

static uint32_t vnet_config_size(void *dev)
{
	return sizeof(struct virtio_net_config);
}

static void vnet_config_read(void *dev, uint32_t off, void *buf, unsigned len)
{
	memcpy(buf, (const uint8_t *)&((struct vnet *)dev)->cfg + off, len);
}

const struct virtio_dev_ops vnet_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.nr_queues = 2,
	.queue_max = VNET_QUEUE_MAX,
	.features = vnet_features,
	.config_size = vnet_config_size,
	.config_read = vnet_config_read,
	.config_write = NULL, /* the MAC is the switch's to know: not writable */
	.start = vnet_start,
	.kick = vnet_kick,
	.reset = vnet_reset,
};

static const struct vswitch_port_ops vnet_port_ops = {
	.deliver = vnet_deliver,
};

static void vnet_free(struct vnet *n)
{
	void (*release)(void *) = n->release;
	void *opaque = n->release_opaque;

	free(n->txc);
	free(n->tx_iov);
	free(n->rxc[0]);
	free(n->rxc[1]);
	free(n->rx_src);
	free(n->rx_head);
	free(n->rx_len);
	free(n);
	if (release)
		release(opaque);
}

int vnet_create(struct vnet **out, uv_loop_t *loop, struct virtio_mmio *t, struct vswitch *sw,
		const char *port_name, const uint8_t mac[6], char *err, size_t errlen)
{
	struct vnet *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (!n) {
		snprintf(err, errlen, "virtio-net: out of memory");
		return -ENOMEM;
	}
	n->txc = malloc(sizeof(*n->txc));
	n->tx_iov = calloc(VQ_MAX_SEGS, sizeof(*n->tx_iov));
	n->rxc[0] = malloc(sizeof(*n->rxc[0]));
	n->rxc[1] = malloc(sizeof(*n->rxc[1]));
	n->rx_src = calloc(VNET_RX_SRC_MAX, sizeof(*n->rx_src));
	n->rx_head = calloc(VQ_MAX_SIZE, sizeof(*n->rx_head));
	n->rx_len = calloc(VQ_MAX_SIZE, sizeof(*n->rx_len));
	if (!n->txc || !n->tx_iov || !n->rxc[0] || !n->rxc[1] || !n->rx_src || !n->rx_head ||
	    !n->rx_len) {
		vnet_free(n);
		snprintf(err, errlen, "virtio-net: out of memory");
		return -ENOMEM;
	}
	n->t = t;
	n->loop = loop;
	memcpy(n->mac, mac, 6);
	memcpy(n->cfg.mac, mac, 6);
	n->cfg.status = VIRTIO_NET_S_LINK_UP; /* little-endian: both keeld targets are */
	n->cfg.mtu = (uint16_t)vswitch_mtu(sw);
	n->port = vswitch_port_add(sw, port_name, mac, &vnet_port_ops, n);
	if (!n->port) {
		vnet_free(n);
		snprintf(err, errlen, "virtio-net: cannot join the switch as %s", port_name);
		return -ENOMEM;
	}
	if (loop) {
		uv_idle_init(loop, &n->idle);
		n->idle.data = n;
	}
	*out = n;
	return 0;
}

static void vnet_idle_closed(uv_handle_t *h)
{
	vnet_free(h->data);
}

void vnet_destroy(struct vnet *n, void (*release)(void *opaque), void *opaque)
{
	if (!n)
		return;
	vnet_reset(n);
	n->dying = true;
	n->release = release;
	n->release_opaque = opaque;
	/* No delivery reaches n after this: the switch forgets the port. */
	vswitch_port_del(n->port);
	n->port = NULL;
	if (n->loop)
		uv_close((uv_handle_t *)&n->idle, vnet_idle_closed);
	else
		vnet_free(n);
}

void vnet_get_stats(const struct vnet *n, struct vnet_stats *out)
{
	*out = n->stats;
}

json_t *vnet_json(const struct vnet *n)
{
	const struct vnet_stats *s = &n->stats;
	json_t *o = n->port ? vswitch_port_json(n->port) : json_object();
	json_t *dev = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "tx_bad_chain",
				(json_int_t)s->tx_bad_chain, "tx_bad_header",
				(json_int_t)s->tx_bad_header, "rx_no_buffers",
				(json_int_t)s->rx_no_buffers, "rx_offload",
				(json_int_t)s->rx_offload, "rx_bad_chain",
				(json_int_t)s->rx_bad_chain, "rx_csum_done",
				(json_int_t)s->rx_csum_done, "kicks",
				(json_int_t)__atomic_load_n(&n->t->kicks, __ATOMIC_RELAXED),
				"interrupts",
				(json_int_t)__atomic_load_n(&n->t->interrupts, __ATOMIC_RELAXED),
				"features", (json_int_t)n->features);

	if (!o)
		o = json_object();
	json_object_set_new(o, "device", dev);
	return o;
}
