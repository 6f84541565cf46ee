// SPDX-License-Identifier: GPL-2.0
/* Host tests: virtio-net through the real virtio-mmio transport and split
 * rings, driven like Linux's virtio_net driver over a fake guest RAM, as a
 * port of a recording switch (vswitch.h's contract: the test is the other
 * side of it, taking what the device sends and delivering frames to it).
 * Synchronous mode for the frame rules, a libuv loop for the TX budget and
 * interrupt coalescing. */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>

#include "devices/virtio_net.h"

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE (8ULL << 20)
#define QNUM	 256
#define BUF_GPA	 (RAM_BASE + 0x100000) /* driver buffers from here */
#define MTU	 1500

static const uint8_t MAC[6] = { 0x02, 0x4b, 1, 2, 3, 4 };
static const uint8_t PEER[6] = { 0x02, 0x4b, 9, 9, 9, 9 };

/* ---- the switch's side (vswitch.h), recording ---- */

struct vswitch {
	int refs;
};

struct vswitch_port {
	const struct vswitch_port_ops *ops;
	void *opaque;
	uint8_t mac[6];
	struct vswitch_port_stats st;
};

static struct vswitch sw;
static struct vswitch_port *port; /* the device's */
static unsigned inputs;
static struct virtio_net_hdr_v1 in_hdr;
static uint8_t in_frame[VNET_FRAME_MAX];
static size_t in_len;

struct vswitch *vswitch_get(uv_loop_t *l, const char *name, char *e, size_t elen)
{
	sw.refs++;
	return &sw;
}

void vswitch_put(struct vswitch *s)
{
	s->refs--;
}

unsigned vswitch_mtu(const struct vswitch *s)
{
	return MTU;
}

struct vswitch_port *vswitch_port_add(struct vswitch *s, const char *name, const uint8_t mac[6],
				      const struct vswitch_port_ops *ops, void *opaque)
{
	assert_null(port);
	port = calloc(1, sizeof(*port));
	port->ops = ops;
	port->opaque = opaque;
	memcpy(port->mac, mac, 6);
	return port;
}

void vswitch_port_del(struct vswitch_port *p)
{
	assert_ptr_equal(p, port);
	free(port);
	port = NULL;
}

/* Copies the frame out, as the contract says a receiver must. */
int vswitch_input(struct vswitch_port *p, const struct virtio_net_hdr_v1 *hdr,
		  const struct iovec *iov, int iovcnt, size_t len)
{
	size_t off = 0;

	assert_ptr_equal(p, port);
	inputs++;
	in_hdr = *hdr;
	for (int i = 0; i < iovcnt; i++) {
		assert_true(off + iov[i].iov_len <= sizeof(in_frame));
		memcpy(in_frame + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	assert_int_equal(off, len);
	in_len = len;
	p->st.rx_frames++;
	return 1;
}

const struct vswitch_port_stats *vswitch_port_stats(const struct vswitch_port *p)
{
	return &p->st;
}

json_t *vswitch_port_json(const struct vswitch_port *p)
{
	return json_pack("{s:I}", "rx_frames", (json_int_t)p->st.rx_frames);
}

/* ---- the driver's side ---- */

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool w;
};

struct drvq {
	uint64_t desc, avail, used;
	uint16_t avail_idx, used_seen, next_desc;
};

static uint8_t *ram;
static struct guest_mem gm;
static struct virtio_mmio t;
static struct vnet *n;
static struct drvq dq[2];
static unsigned irqs;
static uint64_t buf_next;
static uv_loop_t loop;
static char err[256];

static void *gp(uint64_t gpa)
{
	assert_true(gpa >= RAM_BASE && gpa < RAM_BASE + RAM_SIZE);
	return ram + (gpa - RAM_BASE);
}

static uint64_t alloc_buf(uint32_t len)
{
	uint64_t g = buf_next;

	buf_next += (len + 63) & ~63U;
	assert_true(buf_next <= RAM_BASE + RAM_SIZE);
	return g;
}

static void mmio_w(uint64_t off, uint32_t v)
{
	virtio_mmio_ops.write(&t, off, 4, v);
}

static uint32_t mmio_r(uint64_t off)
{
	return (uint32_t)virtio_mmio_ops.read(&t, off, 4);
}

static void on_irq(void *opaque)
{
	irqs++;
}

static uint64_t dev_features(void)
{
	mmio_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t f = mmio_r(VIRTIO_MMIO_DEVICE_FEATURES);

	mmio_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	return f | (uint64_t)mmio_r(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

/* 3.1.1 up to DRIVER_OK, accepting every offered feature but drop. */
static void driver_init(uint64_t drop)
{
	uint64_t f = dev_features() & ~drop;
	uint32_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	memset(ram, 0, 0x100000);
	buf_next = BUF_GPA;
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	mmio_w(VIRTIO_MMIO_STATUS, st);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	mmio_w(VIRTIO_MMIO_STATUS, st);
	assert_int_equal(mmio_r(VIRTIO_MMIO_STATUS), st);
	for (unsigned q = 0; q < 2; q++) {
		struct drvq *d = &dq[q];

		*d = (struct drvq){ RAM_BASE + q * 0x10000, RAM_BASE + q * 0x10000 + 0x4000,
				    RAM_BASE + q * 0x10000 + 0x8000, 0, 0, 0 };
		mmio_w(VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(mmio_r(VIRTIO_MMIO_QUEUE_NUM_MAX), VNET_QUEUE_MAX);
		mmio_w(VIRTIO_MMIO_QUEUE_NUM, QNUM);
		mmio_w(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d->desc);
		mmio_w(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
		mmio_w(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)d->avail);
		mmio_w(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
		mmio_w(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)d->used);
		mmio_w(VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
		mmio_w(VIRTIO_MMIO_QUEUE_READY, 1);
		assert_int_equal(mmio_r(VIRTIO_MMIO_QUEUE_READY), 1);
	}
	mmio_w(VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
	irqs = 0;
}

static void device_up(bool async)
{
	ram = aligned_alloc(4096, RAM_SIZE);
	assert_non_null(ram);
	memset(ram, 0, RAM_SIZE);
	gm.n = 1;
	gm.r[0].ipa = RAM_BASE;
	gm.r[0].size = RAM_SIZE;
	gm.r[0].host = ram;
	inputs = 0;
	if (async)
		assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(vnet_create(&n, async ? &loop : NULL, &t, &sw, "vm1.0", MAC, err,
				     sizeof(err)),
			 0);
	assert_non_null(port);
	virtio_mmio_init(&t, &vnet_ops, n, &gm, on_irq, NULL);
	driver_init(0);
}

static void device_down(bool async)
{
	virtio_mmio_destroy(&t);
	vnet_destroy(n, NULL, NULL);
	n = NULL;
	assert_null(port);
	if (async) {
		uv_run(&loop, UV_RUN_DEFAULT);
		assert_int_equal(uv_loop_close(&loop), 0);
	}
	free(ram);
}

static int up(void **state)
{
	device_up(false);
	return 0;
}

static int down(void **state)
{
	device_down(false);
	return 0;
}

static int up_async(void **state)
{
	device_up(true);
	return 0;
}

static int down_async(void **state)
{
	device_down(true);
	return 0;
}

/* Put a chain on queue q (no kick); returns its head. */
static uint16_t post(unsigned q, const struct seg *s, unsigned cnt)
{
	struct drvq *d = &dq[q];
	struct vring_desc *desc = gp(d->desc);
	struct vring_avail *av = gp(d->avail);
	uint16_t head = d->next_desc;

	for (unsigned i = 0; i < cnt; i++) {
		struct vring_desc *e = &desc[(head + i) % QNUM];

		e->addr = s[i].gpa;
		e->len = s[i].len;
		e->flags = (s[i].w ? VRING_DESC_F_WRITE : 0) | (i + 1 < cnt ? VRING_DESC_F_NEXT : 0);
		e->next = (head + i + 1) % QNUM;
	}
	d->next_desc = (head + cnt) % QNUM;
	av->ring[d->avail_idx % QNUM] = head;
	__atomic_store_n(&av->idx, ++d->avail_idx, __ATOMIC_RELEASE);
	return head;
}

static unsigned used_pending(unsigned q)
{
	struct vring_used *u = gp(dq[q].used);

	return (uint16_t)(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) - dq[q].used_seen);
}

static struct vring_used_elem take_used(unsigned q)
{
	struct vring_used *u = gp(dq[q].used);

	struct vring_avail *av = gp(dq[q].avail);
	struct vring_used_elem e;

	assert_true(used_pending(q));
	e = u->ring[dq[q].used_seen++ % QNUM];
	/* Linux's virtqueue_enable_cb with EVENT_IDX: interrupt me for the next one. */
	av->ring[QNUM] = dq[q].used_seen;
	return e;
}

static bool needs_reset(void)
{
	return mmio_r(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

static struct vnet_stats stats(void)
{
	struct vnet_stats s;

	vnet_get_stats(n, &s);
	return s;
}

/* An Ethernet frame of len bytes from src to dst, payload a pattern. */
static void make_frame(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5; /* local experimental ethertype */
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(i * 13 + len);
}

/* The guest sends hdr + frame in one buffer (Linux's layout with
 * any-layout), or split after the header; kicks TX. Returns the head. */
static uint16_t guest_send(const struct virtio_net_hdr_v1 *h, const uint8_t *f, size_t len,
			   bool split)
{
	uint64_t g = alloc_buf((uint32_t)(VNET_HDR_LEN + len));
	uint16_t head;

	memcpy(gp(g), h, VNET_HDR_LEN);
	memcpy(gp(g + VNET_HDR_LEN), f, len);
	if (split) {
		struct seg s[2] = { { g, VNET_HDR_LEN, false }, { g + VNET_HDR_LEN, (uint32_t)len, false } };

		head = post(VNET_TXQ, s, 2);
	} else {
		struct seg s = { g, (uint32_t)(VNET_HDR_LEN + len), false };

		head = post(VNET_TXQ, &s, 1);
	}
	virtio_mmio_kick(&t, VNET_TXQ);
	return head;
}

/* The guest posts an RX buffer of len bytes; its guest address. */
static uint64_t guest_rx_buf(uint32_t len)
{
	uint64_t g = alloc_buf(len);
	struct seg s = { g, len, true };

	post(VNET_RXQ, &s, 1);
	return g;
}

static int deliver(const struct virtio_net_hdr_v1 *h, const uint8_t *f, size_t len)
{
	/* Two pieces, split at an odd offset, as a sender's iovecs may be. */
	struct iovec iov[2] = { { (void *)f, len / 2 | 1 }, { (void *)(f + (len / 2 | 1)),
							       len - (len / 2 | 1) } };

	return port->ops->deliver(port, port->opaque, h, iov, 2, len);
}

static void test_config(void **state)
{
	uint64_t f = dev_features();
	struct virtio_net_config c;

	assert_int_equal(mmio_r(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
	for (unsigned b = 0; b < sizeof(c); b++)
		((uint8_t *)&c)[b] = (uint8_t)virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + b, 1);
	assert_memory_equal(c.mac, MAC, 6);
	assert_int_equal(le16toh(c.status), VIRTIO_NET_S_LINK_UP);
	assert_int_equal(le16toh(c.mtu), MTU);
	static const unsigned want[] = { VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS, VIRTIO_NET_F_MTU,
					 VIRTIO_NET_F_MRG_RXBUF, VIRTIO_NET_F_CSUM,
					 VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_HOST_TSO4,
					 VIRTIO_NET_F_HOST_TSO6, VIRTIO_NET_F_GUEST_TSO4,
					 VIRTIO_NET_F_GUEST_TSO6, VIRTIO_RING_F_EVENT_IDX,
					 VIRTIO_F_VERSION_1 };
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_true(f >> want[i] & 1);
	/* No control queue: the driver must not expect one. */
	assert_false(f >> VIRTIO_NET_F_CTRL_VQ & 1);
	assert_false(f >> VIRTIO_NET_F_MQ & 1);
}

/* A frame the guest sends reaches the switch whole, header and all,
 * whether the header shares the buffer or not; the chain comes back empty
 * with one interrupt. */
static void test_tx(void **state)
{
	static uint8_t f[1514];
	struct virtio_net_hdr_v1 h = { 0 };
	struct vring_used_elem e;
	uint16_t head;

	for (int split = 0; split < 2; split++) {
		make_frame(f, sizeof(f), PEER, MAC);
		inputs = 0;
		irqs = 0;
		head = guest_send(&h, f, sizeof(f), split);
		assert_int_equal(inputs, 1);
		assert_int_equal(in_len, sizeof(f));
		assert_memory_equal(in_frame, f, sizeof(f));
		e = take_used(VNET_TXQ);
		assert_int_equal(e.id, head);
		assert_int_equal(e.len, 0);
		assert_int_equal(irqs, 1);
	}
	/* A TSO frame with a partial checksum passes with its header. */
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = 34;
	h.csum_offset = 16;
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 1448;
	h.hdr_len = 66;
	guest_send(&h, f, sizeof(f), false);
	assert_int_equal(inputs, 2);
	assert_int_equal(in_hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(in_hdr.gso_size, 1448);
	assert_int_equal(in_hdr.csum_start, 34);
	assert_int_equal(in_hdr.csum_offset, 16);
	take_used(VNET_TXQ);
	assert_false(needs_reset());
}

/* Headers a guest may not send: dropped, counted, the chain returned, the
 * device goes on. */
static void test_tx_bad_header(void **state)
{
	static uint8_t f[200];
	static const struct virtio_net_hdr_v1 bad[] = {
		{ .flags = VIRTIO_NET_HDR_F_DATA_VALID },
		{ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 190, .csum_offset = 16 },
		{ .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 100 }, /* no NEEDS_CSUM */
		{ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 16,
		  .gso_type = VIRTIO_NET_HDR_GSO_TCPV4 }, /* no gso_size */
		{ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6,
		  .gso_type = VIRTIO_NET_HDR_GSO_UDP, .gso_size = 100 },
		{ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 16,
		  .gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, .gso_size = 100 },
	};
	struct virtio_net_hdr_v1 ok = { 0 };

	make_frame(f, sizeof(f), PEER, MAC);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		guest_send(&bad[i], f, sizeof(f), i & 1);
		assert_int_equal(take_used(VNET_TXQ).len, 0);
		assert_int_equal(stats().tx_bad_header, i + 1);
	}
	assert_int_equal(inputs, 0);
	guest_send(&ok, f, sizeof(f), false);
	assert_int_equal(inputs, 1);
	assert_false(needs_reset());
}

/* Offloads the guest did not negotiate are refused on TX. */
static void test_tx_unnegotiated(void **state)
{
	static uint8_t f[200];
	struct virtio_net_hdr_v1 h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34,
				       .csum_offset = 16, .gso_type = VIRTIO_NET_HDR_GSO_TCPV6,
				       .gso_size = 1000 };

	driver_init(1ULL << VIRTIO_NET_F_HOST_TSO6);
	make_frame(f, sizeof(f), PEER, MAC);
	guest_send(&h, f, sizeof(f), false);
	assert_int_equal(inputs, 0);
	driver_init(1ULL << VIRTIO_NET_F_CSUM | 1ULL << VIRTIO_NET_F_HOST_TSO4 |
		    1ULL << VIRTIO_NET_F_HOST_TSO6);
	h.gso_type = 0;
	guest_send(&h, f, sizeof(f), false);
	assert_int_equal(inputs, 0);
	assert_int_equal(stats().tx_bad_header, 2);
}

/* Chains that are no frame: a device-writable part, shorter than a header,
 * a descriptor loop. Each is one lost frame, not a broken device. */
static void test_tx_bad_chain(void **state)
{
	uint64_t g = alloc_buf(4096);
	struct seg w[2] = { { g, 100, false }, { g + 100, 100, true } };
	struct seg shorty = { g, VNET_HDR_LEN - 1, false };
	struct vring_desc *desc = gp(dq[VNET_TXQ].desc);
	static uint8_t f[100];
	struct virtio_net_hdr_v1 h = { 0 };
	uint16_t head;

	post(VNET_TXQ, w, 2);
	post(VNET_TXQ, &shorty, 1);
	virtio_mmio_kick(&t, VNET_TXQ);
	assert_int_equal(used_pending(VNET_TXQ), 2);
	assert_int_equal(stats().tx_bad_chain, 2);
	take_used(VNET_TXQ);
	take_used(VNET_TXQ);
	/* A loop: the chain's descriptor names itself. */
	head = post(VNET_TXQ, &shorty, 1);
	desc[head].flags |= VRING_DESC_F_NEXT;
	desc[head].next = head;
	virtio_mmio_kick(&t, VNET_TXQ);
	assert_int_equal(take_used(VNET_TXQ).id, head);
	assert_int_equal(stats().tx_bad_chain, 3);
	assert_false(needs_reset());
	make_frame(f, sizeof(f), PEER, MAC);
	guest_send(&h, f, sizeof(f), false);
	assert_int_equal(inputs, 1);
}

/* Mergeable buffers: a frame over three 1526-byte buffers, num_buffers
 * in the first, the bytes where they belong. */
static void test_rx_mergeable(void **state)
{
	static uint8_t f[4000], got[4000 + VNET_HDR_LEN];
	struct virtio_net_hdr_v1 h = { 0 }, *gh;
	uint64_t b[4];
	size_t off = 0;

	for (unsigned i = 0; i < 4; i++)
		b[i] = guest_rx_buf(1526);
	make_frame(f, sizeof(f), MAC, PEER);
	assert_int_equal(deliver(&h, f, sizeof(f)), 0);
	assert_int_equal(used_pending(VNET_RXQ), 3);
	assert_int_equal(irqs, 1);
	for (unsigned i = 0; i < 3; i++) {
		struct vring_used_elem e = take_used(VNET_RXQ);

		assert_int_equal(e.len, i < 2 ? 1526 : sizeof(got) - 2 * 1526);
		memcpy(got + off, gp(b[i]), e.len);
		off += e.len;
	}
	gh = (struct virtio_net_hdr_v1 *)got;
	assert_int_equal(le16toh(gh->num_buffers), 3);
	assert_int_equal(gh->flags, 0);
	assert_int_equal(gh->gso_type, 0);
	assert_memory_equal(got + VNET_HDR_LEN, f, sizeof(f));
	/* The fourth is still there for the next frame. */
	assert_int_equal(deliver(&h, f, 100), 0);
	assert_int_equal(take_used(VNET_RXQ).len, 100 + VNET_HDR_LEN);
	assert_int_equal(le16toh(((struct virtio_net_hdr_v1 *)gp(b[3]))->num_buffers), 1);
}

/* No buffers: the frame is dropped at once (nobody waits). Too few for
 * this frame: dropped, and the buffers stay for a smaller one. */
static void test_rx_no_buffers(void **state)
{
	static uint8_t f[3000];
	struct virtio_net_hdr_v1 h = { 0 };

	make_frame(f, sizeof(f), MAC, PEER);
	assert_int_equal(deliver(&h, f, sizeof(f)), -ENOBUFS);
	assert_int_equal(stats().rx_no_buffers, 1);
	guest_rx_buf(1526);
	assert_int_equal(deliver(&h, f, sizeof(f)), -ENOBUFS);
	assert_int_equal(stats().rx_no_buffers, 2);
	assert_int_equal(used_pending(VNET_RXQ), 0);
	assert_int_equal(irqs, 0);
	assert_int_equal(deliver(&h, f, 1000), 0);
	assert_int_equal(take_used(VNET_RXQ).len, 1000 + VNET_HDR_LEN);
	assert_false(needs_reset());
}

/* Without MRG_RXBUF a frame needs one buffer for itself: a buffer too small
 * for it stays posted. */
static void test_rx_big_buffers(void **state)
{
	static uint8_t f[3000];
	struct virtio_net_hdr_v1 h = { 0 };
	uint64_t g;

	driver_init(1ULL << VIRTIO_NET_F_MRG_RXBUF);
	make_frame(f, sizeof(f), MAC, PEER);
	guest_rx_buf(1526);
	assert_int_equal(deliver(&h, f, sizeof(f)), -ENOBUFS);
	assert_int_equal(deliver(&h, f, 1000), 0);
	assert_int_equal(take_used(VNET_RXQ).len, 1000 + VNET_HDR_LEN);
	g = guest_rx_buf(4096);
	assert_int_equal(deliver(&h, f, sizeof(f)), 0);
	assert_int_equal(take_used(VNET_RXQ).len, sizeof(f) + VNET_HDR_LEN);
	assert_memory_equal(gp(g + VNET_HDR_LEN), f, sizeof(f));
	assert_int_equal(le16toh(((struct virtio_net_hdr_v1 *)gp(g))->num_buffers), 1);
}

/* RFC 1071 over a flat buffer and a pseudo-header's sum, for checking. */
static uint16_t csum(const uint8_t *p, size_t len, uint16_t pseudo)
{
	uint32_t s = pseudo;

	for (size_t i = 0; i < len; i++)
		s += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A partial checksum for a guest that took GUEST_CSUM is passed on as it
 * is; for one that did not, it is completed in the copy (the sender's
 * bytes untouched). */
static void test_rx_csum(void **state)
{
	static uint8_t f[1001], orig[1001];
	struct virtio_net_hdr_v1 h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34,
				       .csum_offset = 6 };
	struct virtio_net_hdr_v1 *gh;
	uint64_t g;

	make_frame(f, sizeof(f), MAC, PEER);
	f[40] = 0x12; /* the "pseudo-header sum" the sender left in the field */
	f[41] = 0x34;
	memcpy(orig, f, sizeof(f));
	g = guest_rx_buf(2048);
	assert_int_equal(deliver(&h, f, sizeof(f)), 0);
	take_used(VNET_RXQ);
	gh = gp(g);
	assert_int_equal(gh->flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(gh->csum_start, 34);
	assert_int_equal(gh->csum_offset, 6);
	assert_memory_equal(gp(g + VNET_HDR_LEN), f, sizeof(f));

	driver_init(1ULL << VIRTIO_NET_F_GUEST_CSUM | 1ULL << VIRTIO_NET_F_GUEST_TSO4 |
		    1ULL << VIRTIO_NET_F_GUEST_TSO6);
	g = guest_rx_buf(2048);
	assert_int_equal(deliver(&h, f, sizeof(f)), 0);
	take_used(VNET_RXQ);
	gh = gp(g);
	assert_int_equal(gh->flags, 0);
	/* The summed range with the pseudo-header now checks out, as a
	 * receiver verifies it; the rest is as sent. */
	assert_int_equal(csum(gp(g + VNET_HDR_LEN + 34), sizeof(f) - 34, 0x1234), 0);
	assert_memory_equal(gp(g + VNET_HDR_LEN), f, 40);
	assert_memory_equal(gp(g + VNET_HDR_LEN + 42), f + 42, sizeof(f) - 42);
	assert_memory_equal(f, orig, sizeof(f));
	assert_int_equal(stats().rx_csum_done, 1);
}

/* A GSO frame for a guest without that GUEST_TSO: refused and counted. */
static void test_rx_gso_refused(void **state)
{
	static uint8_t f[3000];
	struct virtio_net_hdr_v1 h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34,
				       .csum_offset = 16, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				       .gso_size = 1448, .hdr_len = 66 };

	driver_init(1ULL << VIRTIO_NET_F_GUEST_TSO4);
	make_frame(f, sizeof(f), MAC, PEER);
	guest_rx_buf(4096);
	assert_int_equal(deliver(&h, f, sizeof(f)), -ENOBUFS);
	assert_int_equal(stats().rx_offload, 1);
	/* TCPv6 it took. */
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	assert_int_equal(deliver(&h, f, sizeof(f)), 0);
	take_used(VNET_RXQ);
}

/* RX buffers against the rules (a device-readable part; smaller than the
 * header): NEEDS_RESET, nothing more is delivered until the driver resets. */
static void test_rx_malformed(void **state)
{
	static uint8_t f[100];
	struct virtio_net_hdr_v1 h = { 0 };
	uint64_t g = alloc_buf(256);
	struct seg s[2] = { { g, 64, false }, { g + 64, 128, true } };

	make_frame(f, sizeof(f), MAC, PEER);
	post(VNET_RXQ, s, 2);
	assert_int_equal(deliver(&h, f, sizeof(f)), -ENOBUFS);
	assert_true(needs_reset());
	assert_int_equal(stats().rx_bad_chain, 1);
	guest_rx_buf(2048);
	assert_int_equal(deliver(&h, f, sizeof(f)), -ENOBUFS);

	driver_init(0);
	assert_false(needs_reset());
	s[0] = (struct seg){ g, VNET_HDR_LEN - 2, true };
	post(VNET_RXQ, s, 1);
	assert_int_equal(deliver(&h, f, sizeof(f)), -ENOBUFS);
	assert_true(needs_reset());
}

/* With a loop: at most VSWITCH_BUDGET frames per loop iteration, the
 * rest on the next; one TX interrupt per iteration; RX deliveries of one
 * iteration share one interrupt. */
static void test_budget_and_coalescing(void **state)
{
	static uint8_t f[100];
	struct virtio_net_hdr_v1 h = { 0 };
	const unsigned total = VSWITCH_BUDGET * 2 + 10;

	make_frame(f, sizeof(f), PEER, MAC);
	for (unsigned i = 0; i < total; i++) {
		uint64_t g = alloc_buf(VNET_HDR_LEN + sizeof(f));
		struct seg s = { g, VNET_HDR_LEN + sizeof(f), false };

		memcpy(gp(g), &h, VNET_HDR_LEN);
		memcpy(gp(g + VNET_HDR_LEN), f, sizeof(f));
		post(VNET_TXQ, &s, 1);
	}
	virtio_mmio_kick(&t, VNET_TXQ);
	assert_int_equal(inputs, VSWITCH_BUDGET);
	assert_int_equal(irqs, 0);
	/* Further kicks while a continuation is due do not jump the budget. */
	virtio_mmio_kick(&t, VNET_TXQ);
	assert_int_equal(inputs, VSWITCH_BUDGET);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(inputs, 2 * VSWITCH_BUDGET);
	uv_run(&loop, UV_RUN_NOWAIT);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(inputs, total);
	assert_int_equal(used_pending(VNET_TXQ), total);
	assert_true(irqs >= 1 && irqs <= 3);

	irqs = 0;
	for (unsigned i = 0; i < 5; i++)
		guest_rx_buf(2048);
	make_frame(f, sizeof(f), MAC, PEER);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(deliver(&h, f, sizeof(f)), 0);
	assert_int_equal(irqs, 0);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(irqs, 1);
	assert_int_equal(used_pending(VNET_RXQ), 5);
}

/* A reset (status 0) stops deliveries; a stopped device takes nothing. */
static void test_reset(void **state)
{
	static uint8_t f[100];
	struct virtio_net_hdr_v1 h = { 0 };

	guest_rx_buf(2048);
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	make_frame(f, sizeof(f), MAC, PEER);
	assert_int_equal(deliver(&h, f, sizeof(f)), -ENOBUFS);
	driver_init(0);
	guest_rx_buf(2048);
	assert_int_equal(deliver(&h, f, sizeof(f)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, up, down),
		cmocka_unit_test_setup_teardown(test_tx, up, down),
		cmocka_unit_test_setup_teardown(test_tx_bad_header, up, down),
		cmocka_unit_test_setup_teardown(test_tx_unnegotiated, up, down),
		cmocka_unit_test_setup_teardown(test_tx_bad_chain, up, down),
		cmocka_unit_test_setup_teardown(test_rx_mergeable, up, down),
		cmocka_unit_test_setup_teardown(test_rx_no_buffers, up, down),
		cmocka_unit_test_setup_teardown(test_rx_big_buffers, up, down),
		cmocka_unit_test_setup_teardown(test_rx_csum, up, down),
		cmocka_unit_test_setup_teardown(test_rx_gso_refused, up, down),
		cmocka_unit_test_setup_teardown(test_rx_malformed, up, down),
		cmocka_unit_test_setup_teardown(test_budget_and_coalescing, up_async, down_async),
		cmocka_unit_test_setup_teardown(test_reset, up, down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
