// SPDX-License-Identifier: GPL-2.0
/* The virtio-net tests' harness (vnet_harness.h): a recording switch on
 * one side of the device, a driver over fake guest RAM on the other. */
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
#include <linux/virtio_mmio.h>

#include "vnet_harness.h"

const uint8_t MAC[6] = { 0x02, 0x4b, 1, 2, 3, 4 };
const uint8_t PEER[6] = { 0x02, 0x4b, 9, 9, 9, 9 };

/* ---- the switch's side (vswitch.h), recording ---- */

struct vswitch sw;
struct vswitch_port *port; /* the device's */
unsigned inputs;
struct virtio_net_hdr_v1 in_hdr;
uint8_t in_frame[VNET_FRAME_MAX];
size_t in_len;

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

static uint8_t *ram;
static struct guest_mem gm;
struct virtio_mmio t;
struct vnet *n;
struct drvq dq[2];
unsigned irqs;
static uint64_t buf_next;
uv_loop_t loop;
static char err[256];

void *gp(uint64_t gpa)
{
	assert_true(gpa >= RAM_BASE && gpa < RAM_BASE + RAM_SIZE);
	return ram + (gpa - RAM_BASE);
}

uint64_t alloc_buf(uint32_t len)
{
	uint64_t g = buf_next;

	buf_next += (len + 63) & ~63U;
	assert_true(buf_next <= RAM_BASE + RAM_SIZE);
	return g;
}

static void on_irq(void *opaque)
{
	irqs++;
}

/* 3.1.1 up to DRIVER_OK, accepting every offered feature but drop. */
void driver_init(uint64_t drop)
{
	uint32_t st;

	memset(ram, 0, 0x100000);
	buf_next = BUF_GPA;
	st = vd_negotiate(&t, ~drop);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS), st);
	for (unsigned q = 0; q < 2; q++) {
		struct drvq *d = &dq[q];

		*d = (struct drvq){ RAM_BASE + q * 0x10000, RAM_BASE + q * 0x10000 + 0x4000,
				    RAM_BASE + q * 0x10000 + 0x8000, 0, 0, 0 };
		vd_w(&t, VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_NUM_MAX), VNET_QUEUE_MAX);
		vd_queue(&t, q, QNUM, d->desc, d->avail, d->used);
		assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_READY), 1);
	}
	vd_w(&t, VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
	irqs = 0;
}

static void device_up(bool async)
{
	ram = vd_ram_map(&gm, RAM_BASE, RAM_SIZE);
	assert_non_null(ram);
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

int up(void **state)
{
	device_up(false);
	return 0;
}

int down(void **state)
{
	device_down(false);
	return 0;
}

int up_async(void **state)
{
	device_up(true);
	return 0;
}

int down_async(void **state)
{
	device_down(true);
	return 0;
}

/* Put a chain on queue q (no kick); returns its head. */
uint16_t post(unsigned q, const struct seg *s, unsigned cnt)
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

unsigned used_pending(unsigned q)
{
	struct vring_used *u = gp(dq[q].used);

	return (uint16_t)(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) - dq[q].used_seen);
}

struct vring_used_elem take_used(unsigned q)
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

bool needs_reset(void)
{
	return vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

struct vnet_stats stats(void)
{
	struct vnet_stats s;

	vnet_get_stats(n, &s);
	return s;
}

/* An Ethernet frame of len bytes from src to dst, payload a pattern. */
void make_frame(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src)
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
uint16_t guest_send(const struct virtio_net_hdr_v1 *h, const uint8_t *f, size_t len,
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
uint64_t guest_rx_buf(uint32_t len)
{
	uint64_t g = alloc_buf(len);
	struct seg s = { g, len, true };

	post(VNET_RXQ, &s, 1);
	return g;
}

int deliver(const struct virtio_net_hdr_v1 *h, const uint8_t *f, size_t len)
{
	/* Two pieces, split at an odd offset, as a sender's iovecs may be. */
	struct iovec iov[2] = { { (void *)f, len / 2 | 1 }, { (void *)(f + (len / 2 | 1)),
							       len - (len / 2 | 1) } };

	return port->ops->deliver(port, port->opaque, h, iov, 2, len);
}
