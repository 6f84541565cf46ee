// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: two hostile guests driving virtio-net devices through
 * the real virtio-mmio transport and split rings, joined by keeld's real
 * switch (vswitch/), in synchronous mode. What guest 0 sends reaches guest
 * 1's RX rings and the other way round; an uplink port that reads every
 * byte it is given stands in for the TAP, and frames "from outside" (any
 * offload header) are fed to either guest as the uplink would.
 *
 * The input is a program: operations, each an opcode byte, a guest byte
 * and its operands (missing bytes read as 0). Besides raw register
 * accesses, RAM writes and descriptors there are macros for the driver's
 * bring-up, for TX frames and for posting RX buffers, so the fuzzer
 * reaches the data paths quickly and mutates from there.
 *
 * Each guest's RAM is its own allocation: ASan reports any access by a
 * device outside it, and the copy between guests never overlaps.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "devices/virtio_net.h"
#include "tests/virtio_driver.h"
#include "vswitch/vswitch_priv.h"

#define RAM_IPA	 0x40000000ULL
#define RAM_SIZE 0x40000ULL
/* Where the frame and buffer macros put their bytes (inside RAM). */
#define SCRATCH_OFF 0x10000ULL

struct input {
	const uint8_t *p;
	size_t n;
};

struct guest {
	uint8_t *ram;
	struct guest_mem gm;
	struct virtio_mmio t;
	struct vnet *net;
	uint16_t avail[2];   /* the fake driver's avail->idx per queue */
	uint64_t scratch;    /* next free byte of the scratch area */
};

static struct guest g[2];
static struct vswitch *sw;
static uint64_t uplink_sum;

static uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

static void on_irq(void *opaque)
{
}

/* The uplink reads every byte, so ASan sees any iovec outside guest RAM. */
static int uplink_deliver(struct vswitch_port *p, void *opaque, const struct virtio_net_hdr_v1 *hdr,
			  const struct iovec *iov, int iovcnt, size_t len)
{
	size_t total = 0;

	for (int i = 0; i < iovcnt; i++) {
		for (size_t k = 0; k < iov[i].iov_len; k++)
			uplink_sum += ((const uint8_t *)iov[i].iov_base)[k];
		total += iov[i].iov_len;
	}
	assert(total == len);
	return 0;
}

static const struct vswitch_port_ops uplink_ops = { uplink_deliver };

static int sink_open(struct vswitch *sw, char *err, size_t errlen)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0xfe };

	sw->uplink = vswitch_port_new(sw, "up", mac, true, &uplink_ops, NULL);
	return sw->uplink ? 0 : -ENOMEM;
}

static void sink_close(struct vswitch *sw)
{
	vswitch_port_del(sw->uplink);
	sw->uplink = NULL;
}

static const struct vswitch_uplink_ops sink_uplink = { sink_open, sink_close };

static struct guest *pick(struct input *in)
{
	return &g[take(in, 1) & 1];
}

static void *gpa(struct guest *x, uint64_t ipa, uint64_t len)
{
	return guest_ptr(&x->gm, ipa, len);
}

static void op_mmio_write(struct input *in)
{
	struct guest *x = pick(in);
	uint64_t off = take(in, 2) % VIRTIO_MMIO_SIZE;
	unsigned size = 1U << (take(in, 1) & 3);

	virtio_mmio_ops.write(&x->t, off, size, take(in, 8));
}

static void op_mmio_read(struct input *in)
{
	struct guest *x = pick(in);
	uint64_t off = take(in, 2) % VIRTIO_MMIO_SIZE;
	unsigned size = 1U << (take(in, 1) & 3);

	(void)virtio_mmio_ops.read(&x->t, off, size);
}

static void op_ram_write(struct input *in)
{
	struct guest *x = pick(in);
	uint64_t off = take(in, 3) % RAM_SIZE;
	uint64_t len = take(in, 1);

	if (len > in->n)
		len = in->n;
	if (len > RAM_SIZE - off)
		len = RAM_SIZE - off;
	memcpy(x->ram + off, in->p, len);
	in->p += len;
	in->n -= len;
}

static void op_kick(struct input *in)
{
	struct guest *x = pick(in);

	virtio_mmio_kick(&x->t, (uint32_t)take(in, 1));
}

static void op_kick_all(struct input *in)
{
	virtio_mmio_kick_all(&pick(in)->t);
}

static void op_reset(struct input *in)
{
	vd_w(&pick(in)->t, VIRTIO_MMIO_STATUS, 0);
}

/* An IPA in or just around guest RAM, aligned as asked. */
static uint64_t some_ipa(struct input *in, uint64_t align)
{
	uint64_t off = take(in, 3) % (RAM_SIZE + 0x1000);

	return (RAM_IPA + off) & ~(align - 1);
}

/* 3.1.1 with fuzzer-chosen features and both queues' layout. */
static void op_driver_init(struct input *in)
{
	struct guest *x = pick(in);
	uint64_t drop = take(in, 8);
	uint32_t st = vd_negotiate(&x->t, ~drop);

	for (unsigned q = 0; q < 2; q++) {
		uint32_t num = 1U << (take(in, 1) % 9);
		uint64_t desc = some_ipa(in, 16), avail = some_ipa(in, 2), used = some_ipa(in, 4);

		vd_queue(&x->t, q, num, desc, avail, used);
		x->avail[q] = 0;
	}
	vd_w(&x->t, VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
	x->scratch = 0;
}

/* Publish head on queue q's avail ring, as the driver would. */
static void offer(struct guest *x, unsigned q, uint16_t head)
{
	const struct vq *v = &x->t.vq[q];
	struct vring_avail *a;

	if (!v->ready || !(a = gpa(x, v->avail_gpa, 4 + 2ULL * v->num)))
		return;
	a->ring[x->avail[q] % v->num] = head;
	a->idx = ++x->avail[q];
}

static void set_desc(struct guest *x, unsigned q, uint16_t i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	const struct vq *v = &x->t.vq[q];
	struct vring_desc *d;

	if (!v->ready || !(d = gpa(x, v->desc_gpa + 16ULL * (i % v->num), 16)))
		return;
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* Raw descriptors on either queue: any address, length, flags and next. */
static void op_chain(struct input *in)
{
	struct guest *x = pick(in);
	unsigned q = take(in, 1) & 1, n = take(in, 1) % 8 + 1;
	uint16_t head = (uint16_t)take(in, 2);

	for (unsigned i = 0; i < n; i++) {
		uint64_t addr = some_ipa(in, 1);
		uint32_t len = (uint32_t)take(in, 3);
		uint16_t flags = (uint16_t)take(in, 1);
		uint16_t next = (uint16_t)take(in, 2);

		set_desc(x, q, (uint16_t)(head + i), addr, len, flags, next);
	}
	offer(x, q, head);
	virtio_mmio_kick(&x->t, q);
}

/* Bytes of the scratch area (wrapping): their IPA. */
static uint64_t scratch(struct guest *x, uint32_t len)
{
	uint64_t off;

	len = (len + 15) & ~15U;
	if (x->scratch + len > RAM_SIZE - SCRATCH_OFF)
		x->scratch = 0;
	off = SCRATCH_OFF + x->scratch;
	x->scratch += len;
	return RAM_IPA + off;
}

/* A frame to send: the 12-byte header from the input, an Ethernet header
 * to the other guest (or broadcast) from this guest's MAC or another,
 * then filler; in one or two descriptors. */
static void op_send(struct input *in)
{
	struct guest *x = pick(in), *peer = x == &g[0] ? &g[1] : &g[0];
	uint8_t sel = (uint8_t)take(in, 1);
	uint32_t len = (uint32_t)(sel & 0x80 ? take(in, 3) % 70000 : take(in, 2) % 1600);
	uint16_t num = x->t.vq[VNET_TXQ].num ? x->t.vq[VNET_TXQ].num : 1;
	uint16_t head = (uint16_t)(take(in, 2) % num);
	uint64_t at = scratch(x, VNET_HDR_LEN + len);
	uint8_t *p = gpa(x, at, VNET_HDR_LEN + len);

	if (!p)
		return;
	for (unsigned i = 0; i < VNET_HDR_LEN; i++)
		p[i] = (uint8_t)take(in, 1);
	if (len >= 12) {
		memcpy(p + VNET_HDR_LEN, sel & 1 ? (const uint8_t *)"\xff\xff\xff\xff\xff\xff"
						 : (const uint8_t *)"\x02\x4b\0\0\0\0", 6);
		p[VNET_HDR_LEN + 5] = (uint8_t)(peer - g);
		memcpy(p + VNET_HDR_LEN + 6, "\x02\x4b\0\0\0\0", 6);
		p[VNET_HDR_LEN + 11] = sel & 2 ? 0x77 : (uint8_t)(x - g); /* 0x77: spoofed */
	}
	if (sel & 4) {
		set_desc(x, VNET_TXQ, head, at, VNET_HDR_LEN, VRING_DESC_F_NEXT, (uint16_t)((head + 1) % num));
		set_desc(x, VNET_TXQ, (uint16_t)((head + 1) % num), at + VNET_HDR_LEN, len, 0, 0);
	} else {
		set_desc(x, VNET_TXQ, head, at, VNET_HDR_LEN + len, 0, 0);
	}
	offer(x, VNET_TXQ, head);
	virtio_mmio_kick(&x->t, VNET_TXQ);
}

/* n RX buffers of one size, each in one descriptor. */
static void op_rx_bufs(struct input *in)
{
	struct guest *x = pick(in);
	unsigned n = take(in, 1) % 16 + 1;
	uint32_t len = (uint32_t)take(in, 2) % 5000;
	uint16_t num = x->t.vq[VNET_RXQ].num ? x->t.vq[VNET_RXQ].num : 1;
	uint16_t head = (uint16_t)(take(in, 2) % num);

	for (unsigned i = 0; i < n; i++) {
		uint16_t d = (uint16_t)((head + i) % num);

		set_desc(x, VNET_RXQ, d, scratch(x, len), len, VRING_DESC_F_WRITE, 0);
		offer(x, VNET_RXQ, d);
	}
}

/* A frame "from outside" with any header, to one guest's MAC, into the
 * switch through the uplink port (as uplink.c feeds what the TAP gives). */
static void op_from_uplink(struct input *in)
{
	static uint8_t frame[VNET_FRAME_MAX];
	struct guest *x = pick(in);
	struct virtio_net_hdr_v1 h;
	uint32_t len = (uint32_t)take(in, 3) % (VNET_FRAME_MAX + 1);
	uint32_t cut = len ? (uint32_t)take(in, 2) % len : 0;
	struct iovec iov[2] = { { frame, cut }, { frame + cut, len - cut } };

	for (unsigned i = 0; i < sizeof(h); i++)
		((uint8_t *)&h)[i] = (uint8_t)take(in, 1);
	for (uint32_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(i * 31 + len);
	if (len >= 6) {
		memcpy(frame, "\x02\x4b\0\0\0", 5);
		frame[5] = (uint8_t)(x - g);
	}
	vswitch_input(sw->uplink, &h, iov, 2, len);
}

static void (*const ops[])(struct input *in) = {
	op_mmio_write, op_mmio_read, op_ram_write, op_kick, op_kick_all, op_reset,
	op_driver_init, op_chain, op_send, op_rx_bufs, op_from_uplink,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	char err[256];

	vswitch_uplink_backend = &sink_uplink;
	sw = vswitch_get(NULL, "fz", err, sizeof(err));
	assert(sw);
	for (unsigned i = 0; i < 2; i++) {
		struct guest *x = &g[i];
		uint8_t mac[6] = { 2, 0x4b, 0, 0, 0, (uint8_t)i };
		char name[16];

		memset(x, 0, sizeof(*x));
		/* Fresh allocations every run so ASan's redzones sit right at
		 * the ends of guest RAM. */
		x->ram = calloc(1, RAM_SIZE);
		assert(x->ram);
		x->gm.n = 1;
		x->gm.r[0] = (struct guest_region){ RAM_IPA, RAM_SIZE, x->ram };
		snprintf(name, sizeof(name), "g%u", i);
		if (vnet_create(&x->net, NULL, &x->t, sw, name, mac, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			abort();
		}
		virtio_mmio_init(&x->t, &vnet_ops, x->net, &x->gm, on_irq, NULL);
	}
	while (in.n) {
		uint8_t op = (uint8_t)take(&in, 1);

		ops[op % (sizeof(ops) / sizeof(ops[0]))](&in);
	}
	for (unsigned i = 0; i < 2; i++) {
		json_decref(vnet_json(g[i].net));
		virtio_mmio_destroy(&g[i].t);
		vnet_destroy(g[i].net, NULL, NULL);
		free(g[i].ram);
	}
	vswitch_put(sw);
	return 0;
}
