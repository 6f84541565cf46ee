// SPDX-License-Identifier: GPL-2.0
/* Host tests: virtio-console through the real virtio-mmio transport and
 * split rings, driven as Linux's virtio_console driver drives it (with and
 * without MULTIPORT) over a fake guest RAM, with the host's console a pair
 * of buffers. */
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
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>

#include "devices/virtio_console.h"
#include "virtio_driver.h"

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE (2ULL << 20)
#define QNUM	 16
#define NQ	 4
#define RING_GPA(q) (RAM_BASE + (uint64_t)(q) * 0x10000)
#define BUF_GPA(q, i) (RAM_BASE + 0x100000 + (uint64_t)(q) * 0x10000 + (uint64_t)(i) * 0x1000)

enum { RXQ, TXQ, CRXQ, CTXQ };

struct ring {
	uint16_t avail_idx, used_seen, next_desc;
};

static uint8_t *ram;
static struct guest_mem gm;
static struct virtio_mmio t;
static struct vcons *c;
static struct ring ring[NQ];
static unsigned irqs;
/* The host's console: what the guest printed, what is typed for it. */
static char out[8192];
static size_t nout, writes;
static char typed[8192];
static size_t ntyped, typed_off;

static void *gp(uint64_t gpa)
{
	assert_true(gpa >= RAM_BASE && gpa < RAM_BASE + RAM_SIZE);
	return ram + (gpa - RAM_BASE);
}

static struct vring_desc *desc(unsigned q)
{
	return gp(RING_GPA(q));
}

static struct vring_avail *avail(unsigned q)
{
	return gp(RING_GPA(q) + 0x1000);
}

static struct vring_used *used(unsigned q)
{
	return gp(RING_GPA(q) + 0x2000);
}

static void on_irq(void *opaque)
{
	irqs++;
}

static void host_write(void *opaque, const void *buf, size_t len)
{
	assert_true(nout + len <= sizeof(out));
	memcpy(out + nout, buf, len);
	nout += len;
	writes++;
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

static void type_in(const char *s)
{
	memcpy(typed + ntyped, s, strlen(s));
	ntyped += strlen(s);
}

/* 3.1.1 up to DRIVER_OK with nq queues, accepting all offered but drop. */
static void driver_init(uint64_t drop, unsigned nq)
{
	uint32_t st = vd_negotiate(&t, ~drop);

	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS), st);
	for (unsigned q = 0; q < nq; q++) {
		memset(gp(RING_GPA(q)), 0, 0x3000);
		ring[q] = (struct ring){ 0 };
		vd_w(&t, VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_NUM_MAX), VCONS_QUEUE_MAX);
		vd_queue(&t, q, QNUM, RING_GPA(q), RING_GPA(q) + 0x1000, RING_GPA(q) + 0x2000);
	}
	vd_w(&t, VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
	irqs = 0;
}

/* One buffer (gpa, len) on queue q, device-writable or not. */
static uint16_t post(unsigned q, uint64_t gpa, uint32_t len, bool w)
{
	struct ring *r = &ring[q];
	uint16_t head = r->next_desc;
	struct vring_desc *d = &desc(q)[head];

	d->addr = gpa;
	d->len = len;
	d->flags = w ? VRING_DESC_F_WRITE : 0;
	r->next_desc = (head + 1) % QNUM;
	avail(q)->ring[r->avail_idx % QNUM] = head;
	__atomic_store_n(&avail(q)->idx, ++r->avail_idx, __ATOMIC_RELEASE);
	return head;
}

static bool used_ready(unsigned q)
{
	return __atomic_load_n(&used(q)->idx, __ATOMIC_ACQUIRE) != ring[q].used_seen;
}

static struct vring_used_elem take_used(unsigned q)
{
	assert_true(used_ready(q));
	return used(q)->ring[ring[q].used_seen++ % QNUM];
}

/* The driver's side of a control message, sent and used at once (Linux
 * spins for it). */
static void ctrl_send(uint32_t id, uint16_t event, uint16_t value)
{
	struct virtio_console_control m = { htole32(id), htole16(event), htole16(value) };
	uint64_t gpa = BUF_GPA(CTXQ, ring[CTXQ].next_desc);

	memcpy(gp(gpa), &m, sizeof(m));
	post(CTXQ, gpa, sizeof(m), false);
	virtio_mmio_kick(&t, CTXQ);
	take_used(CTXQ);
}

/* The next control message the device sent: its event, value, length. */
static uint16_t ctrl_recv(uint16_t *value, uint32_t *len, void *extra)
{
	struct vring_used_elem e = take_used(CRXQ);
	struct virtio_console_control m;

	memcpy(&m, gp(desc(CRXQ)[e.id].addr), sizeof(m));
	assert_int_equal(le32toh(m.id), 0);
	*value = le16toh(m.value);
	*len = e.len;
	if (extra)
		memcpy(extra, (uint8_t *)gp(desc(CRXQ)[e.id].addr) + sizeof(m), 4);
	return le16toh(m.event);
}

static int up(void **state)
{
	ram = vd_ram_map(&gm, RAM_BASE, RAM_SIZE);
	assert_non_null(ram);
	nout = writes = ntyped = typed_off = 0;
	const struct vcons_io io = { host_write, host_read, NULL };

	assert_int_equal(vcons_create(&c, &t, &io), 0);
	virtio_mmio_init(&t, &vcons_ops, c, &gm, on_irq, NULL);
	return 0;
}

static int down(void **state)
{
	virtio_mmio_destroy(&t);
	vcons_destroy(c);
	free(ram);
	return 0;
}

static struct vcons_stats stats(void)
{
	struct vcons_stats s;

	vcons_get_stats(c, &s);
	return s;
}

static void test_config(void **state)
{
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
	assert_true(vd_device_features(&t) & (1ULL << VIRTIO_CONSOLE_F_SIZE));
	assert_true(vd_device_features(&t) & (1ULL << VIRTIO_CONSOLE_F_MULTIPORT));
	assert_false(vd_device_features(&t) & (1ULL << VIRTIO_CONSOLE_F_EMERG_WRITE));
	assert_true(vd_device_features(&t) & (1ULL << VIRTIO_F_VERSION_1));
	assert_int_equal(virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + 0, 2), VCONS_COLS);
	assert_int_equal(virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + 2, 2), VCONS_ROWS);
	assert_int_equal(virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + 4, 4), 1);
}

/* Without MULTIPORT: port 0 is the console at DRIVER_OK. Output is one
 * host write per segment and one interrupt per kick, however many chains. */
static void test_output(void **state)
{
	driver_init(1ULL << VIRTIO_CONSOLE_F_MULTIPORT, 2);
	memcpy(gp(BUF_GPA(TXQ, 0)), "hello ", 6);
	memcpy(gp(BUF_GPA(TXQ, 1)), "world\n", 6);
	post(TXQ, BUF_GPA(TXQ, 0), 6, false);
	post(TXQ, BUF_GPA(TXQ, 1), 6, false);
	virtio_mmio_kick(&t, TXQ);
	assert_int_equal(nout, 12);
	assert_memory_equal(out, "hello world\n", 12);
	assert_int_equal(writes, 2);
	assert_int_equal(take_used(TXQ).len, 0);
	assert_int_equal(take_used(TXQ).len, 0);
	assert_int_equal(irqs, 1);
	assert_int_equal(stats().out_bytes, 12);
	assert_int_equal(stats().out_chains, 2);
}

/* Input goes into receive buffers as they come: typed before there is a
 * buffer, it waits (staged) for the driver's next receiveq kick. */
static void test_input(void **state)
{
	struct vring_used_elem e;

	driver_init(1ULL << VIRTIO_CONSOLE_F_MULTIPORT, 2);
	type_in("ls\n");
	vcons_input(c);
	assert_false(used_ready(RXQ));
	post(RXQ, BUF_GPA(RXQ, 0), 4096, true);
	virtio_mmio_kick(&t, RXQ);
	e = take_used(RXQ);
	assert_int_equal(e.len, 3);
	assert_memory_equal(gp(BUF_GPA(RXQ, 0)), "ls\n", 3);
	assert_int_equal(irqs, 1);

	/* Longer than a buffer: split over the two the driver has. */
	post(RXQ, BUF_GPA(RXQ, 1), 2, true);
	post(RXQ, BUF_GPA(RXQ, 2), 16, true);
	type_in("abcdef");
	vcons_input(c);
	assert_int_equal(take_used(RXQ).len, 2);
	e = take_used(RXQ);
	assert_int_equal(e.len, 4);
	assert_memory_equal(gp(BUF_GPA(RXQ, 1)), "ab", 2);
	assert_memory_equal(gp(BUF_GPA(RXQ, 2)), "cdef", 4);
	assert_int_equal(stats().in_bytes, 9);
}

/* Linux's MULTIPORT handshake, and no input before the guest opened the
 * port (Linux would throw it away). */
static void test_multiport(void **state)
{
	uint16_t value, size[2];
	uint32_t len;

	driver_init(0, NQ);
	for (unsigned i = 0; i < 4; i++)
		post(CRXQ, BUF_GPA(CRXQ, i), 64, true);
	post(RXQ, BUF_GPA(RXQ, 0), 4096, true);
	virtio_mmio_kick(&t, RXQ);
	type_in("early");
	vcons_input(c);
	assert_false(used_ready(RXQ));

	ctrl_send(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
	assert_int_equal(ctrl_recv(&value, &len, NULL), VIRTIO_CONSOLE_PORT_ADD);
	assert_int_equal(len, 8);
	assert_false(used_ready(CRXQ));
	ctrl_send(0, VIRTIO_CONSOLE_PORT_READY, 1);
	assert_int_equal(ctrl_recv(&value, &len, NULL), VIRTIO_CONSOLE_CONSOLE_PORT);
	assert_int_equal(value, 1);
	assert_int_equal(ctrl_recv(&value, &len, size), VIRTIO_CONSOLE_RESIZE);
	assert_int_equal(len, 12);
	assert_int_equal(le16toh(size[0]), VCONS_COLS);  /* the spec's order */
	assert_int_equal(le16toh(size[1]), VCONS_ROWS);
	assert_int_equal(ctrl_recv(&value, &len, NULL), VIRTIO_CONSOLE_PORT_OPEN);
	assert_int_equal(value, 1);
	assert_false(used_ready(RXQ));

	/* hvc0 is up: the guest opens the port and gets what was typed. */
	ctrl_send(0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	assert_int_equal(take_used(RXQ).len, 5);
	assert_memory_equal(gp(BUF_GPA(RXQ, 0)), "early", 5);

	/* A message waits for a control buffer; the driver's kick sends it. */
	ctrl_send(0, VIRTIO_CONSOLE_PORT_READY, 1);
	assert_false(used_ready(CRXQ));
	post(CRXQ, BUF_GPA(CRXQ, 4), 64, true);
	post(CRXQ, BUF_GPA(CRXQ, 5), 64, true);
	post(CRXQ, BUF_GPA(CRXQ, 6), 64, true);
	virtio_mmio_kick(&t, CRXQ);
	assert_int_equal(ctrl_recv(&value, &len, NULL), VIRTIO_CONSOLE_CONSOLE_PORT);
	assert_int_equal(stats().bad, 0);
}

/* What a broken or hostile driver can do: short control messages, events
 * only a device sends, a control buffer too small, a corrupt ring. */
static void test_bad_driver(void **state)
{
	uint64_t gpa = BUF_GPA(CTXQ, 0);
	uint16_t value;
	uint32_t len;

	driver_init(0, NQ);
	post(CTXQ, gpa, 4, false);  /* half a header */
	virtio_mmio_kick(&t, CTXQ);
	assert_int_equal(take_used(CTXQ).len, 0);
	assert_int_equal(stats().bad, 1);
	ctrl_send(0, VIRTIO_CONSOLE_PORT_NAME, 1);
	ctrl_send(7, VIRTIO_CONSOLE_PORT_READY, 1);  /* no port 7 */
	assert_int_equal(stats().bad, 2);
	assert_false(used_ready(CRXQ));

	/* Too small for a RESIZE: handed back empty, the rest still go. */
	post(CRXQ, BUF_GPA(CRXQ, 0), 64, true);
	post(CRXQ, BUF_GPA(CRXQ, 1), 8, true);
	post(CRXQ, BUF_GPA(CRXQ, 2), 64, true);
	ctrl_send(0, VIRTIO_CONSOLE_PORT_READY, 1);
	assert_int_equal(ctrl_recv(&value, &len, NULL), VIRTIO_CONSOLE_CONSOLE_PORT);
	assert_int_equal(take_used(CRXQ).len, 0);
	assert_int_equal(ctrl_recv(&value, &len, NULL), VIRTIO_CONSOLE_PORT_OPEN);

	/* A transmit chain whose head is out of range: the device needs a reset
	 * and prints nothing more. */
	avail(TXQ)->ring[ring[TXQ].avail_idx % QNUM] = QNUM + 3;
	__atomic_store_n(&avail(TXQ)->idx, ++ring[TXQ].avail_idx, __ATOMIC_RELEASE);
	virtio_mmio_kick(&t, TXQ);
	assert_true(vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	memcpy(gp(BUF_GPA(TXQ, 1)), "x", 1);
	post(TXQ, BUF_GPA(TXQ, 1), 1, false);
	virtio_mmio_kick(&t, TXQ);
	assert_int_equal(nout, 0);

	/* A reset brings it back. */
	driver_init(1ULL << VIRTIO_CONSOLE_F_MULTIPORT, 2);
	memcpy(gp(BUF_GPA(TXQ, 0)), "ok", 2);
	post(TXQ, BUF_GPA(TXQ, 0), 2, false);
	virtio_mmio_kick(&t, TXQ);
	assert_int_equal(nout, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, up, down),
		cmocka_unit_test_setup_teardown(test_output, up, down),
		cmocka_unit_test_setup_teardown(test_input, up, down),
		cmocka_unit_test_setup_teardown(test_multiport, up, down),
		cmocka_unit_test_setup_teardown(test_bad_driver, up, down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
