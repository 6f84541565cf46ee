// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a hostile guest driving virtio-console through the
 * real virtio-mmio transport and split-ring core over a fake guest RAM,
 * with the host's console a sink and a source of typed bytes.
 *
 * The input is a program: opcodes and their operands (missing bytes read
 * as 0): raw register accesses and RAM writes, a driver bring-up of all
 * four queues, raw descriptors on any queue, well-formed output, receive
 * buffers and control messages (so the MULTIPORT handshake is reached at
 * once), typed input, resets.
 *
 * Guest RAM is two separately allocated regions, adjacent in IPA space
 * but not in our memory: ASan reports any access by the device outside
 * them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_console.h>
#include <linux/virtio_mmio.h>

#include "devices/virtio_console.h"
#include "input.h"
#include "tests/virtio_driver.h"
#include "virtio_guest.h"

#define RAM0_IPA  0x40000000ULL
#define RAM0_SIZE 0x20000ULL
#define RAM1_IPA  (RAM0_IPA + RAM0_SIZE)
#define RAM1_SIZE 0x1000ULL
#define NQ	  4
/* Where the well-formed macros put their buffers (inside RAM0). */
#define SCRATCH_OFF 0x18000ULL

static uint8_t *ram0, *ram1;
static struct guest_mem gm;
static struct virtio_mmio t;
static struct vcons *c;
static uint16_t drv_avail[NQ], next_desc[NQ];
static uint8_t typed[256];
static size_t ntyped, typed_off;
static uint64_t printed;

static void on_irq(void *opaque)
{
}

static void host_write(void *opaque, const void *buf, size_t len)
{
	/* Touch every byte: ASan checks the device handed us guest RAM. */
	for (size_t i = 0; i < len; i++)
		printed += ((const volatile uint8_t *)buf)[i];
}

static int host_read(void *opaque, void *buf, size_t len)
{
	size_t n = ntyped - typed_off;

	if (!n)
		return -EAGAIN;
	if (n > len)
		n = len;
	memcpy(buf, typed + typed_off, n);
	typed_off += n;
	return (int)n;
}


/* 3.1.1 with fuzzer-chosen features; queue q's rings at q * 0x4000 unless
 * the input moves them. */
static void op_driver_init(struct input *in)
{
	uint64_t drop = take(in, 8);
	uint8_t nq = (uint8_t)(take(in, 1) % (NQ + 1));
	uint32_t num = 1U << (take(in, 1) % 8);
	uint32_t st = vd_negotiate(&t, ~drop);

	for (uint32_t q = 0; q < nq; q++) {
		uint64_t base = RAM0_IPA + q * 0x4000ULL + (take(in, 1) & 0x3) * 0x1000;

		vd_queue(&t, q, num, base, base + 0x800, base + 0xc00);
		drv_avail[q] = next_desc[q] = 0;
	}
	vd_w(&t, VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* One descriptor on queue q, published and kicked as the driver would. */
static void post(unsigned q, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	const struct vq *v = &t.vq[q];
	struct vring_desc *d;
	struct vring_avail *a;
	uint16_t head;

	if (!v->ready || !(a = fg_gpa(v->avail_gpa, 4 + 2ULL * v->num)))
		return;
	head = next_desc[q]++ % v->num;
	if (!(d = fg_gpa(v->desc_gpa + 16ULL * head, 16)))
		return;
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
	a->ring[drv_avail[q] % v->num] = head;
	a->idx = ++drv_avail[q];
	virtio_mmio_kick(&t, q);
}

/* A raw descriptor: any queue, address, length, flags and next. */
static void op_chain(struct input *in)
{
	unsigned q = (unsigned)take(in, 1) % NQ;
	uint64_t addr = RAM0_IPA + take(in, 3) % (RAM0_SIZE + RAM1_SIZE + 0x1000);
	uint32_t len = (uint32_t)take(in, 2);
	uint16_t flags = (uint16_t)take(in, 1);

	post(q, addr, len, flags, (uint16_t)take(in, 2));
}

/* Output: bytes from the input in one transmit buffer. */
static void op_print(struct input *in)
{
	uint64_t at = RAM0_IPA + SCRATCH_OFF + (take(in, 1) % 8) * 0x200;
	uint32_t len = (uint32_t)take(in, 1);

	post(1, at, len, 0, 0);
}

/* A receive buffer (q 0) or control receive buffer (q 2). */
static void op_rx_buffer(struct input *in)
{
	uint8_t sel = (uint8_t)take(in, 1);
	uint64_t at = RAM0_IPA + SCRATCH_OFF + 0x1000 + (sel & 7) * 0x200;

	post(sel & 0x80 ? 2 : 0, at, (uint32_t)take(in, 2) % 0x400, VRING_DESC_F_WRITE, 0);
}

/* A control message from the driver: the handshake's events, or any. */
static void op_control(struct input *in)
{
	uint64_t at = RAM0_IPA + SCRATCH_OFF + 0x2000 + (take(in, 1) % 8) * 0x10;
	struct virtio_console_control *m = fg_gpa(at, sizeof(*m));

	m->id = (uint32_t)take(in, 1);
	m->event = (uint16_t)(take(in, 1) % 9);
	m->value = (uint16_t)take(in, 1);
	post(3, at, (uint32_t)(take(in, 1) % 12), 0, 0);
}

static void op_type(struct input *in)
{
	size_t n = take(in, 1);

	if (n > sizeof(typed) - ntyped)
		n = sizeof(typed) - ntyped;
	if (n > in->n)
		n = in->n;
	memcpy(typed + ntyped, in->p, n);
	ntyped += n;
	in->p += n;
	in->n -= n;
	vcons_input(c);
}

static void (*const ops[])(struct input *in) = {
	fg_mmio_write, fg_mmio_read, fg_ram_write, fg_kick, fg_reset, op_driver_init,
	op_chain, op_print, op_rx_buffer, op_control, op_type,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	const struct vcons_io io = { host_write, host_read, NULL };

	/* Fresh allocations every run so ASan's redzones sit right at the
	 * ends of guest RAM. */
	ram0 = calloc(1, RAM0_SIZE);
	ram1 = calloc(1, RAM1_SIZE);
	if (!ram0 || !ram1 || vcons_create(&c, &t, &io))
		abort();
	gm.n = 2;
	gm.r[0] = (struct guest_region){ RAM0_IPA, RAM0_SIZE, ram0 };
	/* virtio_guest.h's moves: t over ram0. */
	/* virtio_guest.h's guest: t over ram0. */
	fg = (struct fuzz_guest){ &t, &gm, ram0, RAM0_SIZE, 3 };
	gm.r[1] = (struct guest_region){ RAM1_IPA, RAM1_SIZE, ram1 };
	ntyped = typed_off = 0;
	memset(drv_avail, 0, sizeof(drv_avail));
	memset(next_desc, 0, sizeof(next_desc));
	virtio_mmio_init(&t, &vcons_ops, c, &gm, on_irq, NULL);
	while (in.n)
		ops[take(&in, 1) % (sizeof(ops) / sizeof(ops[0]))](&in);
	virtio_mmio_destroy(&t);
	vcons_destroy(c);
	free(ram0);
	free(ram1);
	return 0;
}
