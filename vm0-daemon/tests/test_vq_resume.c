// SPDX-License-Identifier: GPL-2.0
/* Host tests: a queue taken over by a new keeld (vq_resume) from the live
 * page a dead one kept (struct vq_live) and the rings in guest RAM:
 * exactly the chains popped and not completed come back, once, whatever
 * order the dead keeld completed them in and wherever it was cut off. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtio/virtqueue.h"

#define R0    0x40000000ULL
#define RSZ   0x10000ULL
#define DESC  (R0 + 0x0000)
#define AVAIL (R0 + 0x1000)
#define USED  (R0 + 0x2000)
#define DATA  (R0 + 0x4000)
#define NUM   8

static struct guest_mem gm;
static uint8_t *ram;
static struct vq_live live;
static struct vq q;               /* the keeld that dies */
static struct vq_chain c;
static uint16_t drv_avail;

static struct vring_avail *avail(void)
{
	return (struct vring_avail *)(ram + (AVAIL - R0));
}

static struct vring_used *used(void)
{
	return (struct vring_used *)(ram + (USED - R0));
}

/* The driver offers head h: one 512-byte buffer of its own. */
static void offer(uint16_t h)
{
	struct vring_desc *d = (struct vring_desc *)(ram + (DESC - R0)) + h;

	*d = (struct vring_desc){ .addr = DATA + 512ULL * h, .len = 512, .flags = 0 };
	avail()->ring[drv_avail % NUM] = h;
	avail()->idx = ++drv_avail;
}

/* A fresh keeld's queue, as the transport makes it: zeroed, then bound
 * to the live page without clearing it (virtio_mmio_persist). */
static void init_vq(struct vq *v)
{
	memset(v, 0, sizeof(*v));
	v->live = &live;
	v->num = NUM;
	v->desc_gpa = DESC;
	v->avail_gpa = AVAIL;
	v->used_gpa = USED;
}

static int setup(void **state)
{
	ram = aligned_alloc(4096, RSZ);
	memset(ram, 0, RSZ);
	memset(&live, 0xa5, sizeof(live));  /* vq_start must clear a stale page */
	gm = (struct guest_mem){ .n = 1 };
	gm.r[0] = (struct guest_region){ .ipa = R0, .size = RSZ, .host = ram };
	drv_avail = 0;
	init_vq(&q);
	return vq_start(&q, &gm);
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

/* What a new keeld finds: the heads vq_pop hands out again, in order. */
static unsigned resume(struct vq *v, uint16_t *heads)
{
	unsigned n = 0;

	init_vq(v);
	assert_int_equal(vq_resume(v, &gm), 0);
	while (n < NUM && vq_pop(v, &c) == 1)
		heads[n++] = c.head;
	return n;
}

static void pop_n(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(vq_pop(&q, &c), 1);
}

static void test_out_of_order(void **state)
{
	struct vq v;
	uint16_t h[NUM];

	for (uint16_t i = 0; i < 5; i++)
		offer(i);
	pop_n(4);                 /* 0..3 popped, 4 not yet */
	vq_push(&q, 2, 512);      /* completed out of order */
	vq_push(&q, 0, 512);
	/* keeld dies: 1 and 3 were in flight, 4 still in the ring. */
	assert_int_equal(resume(&v, h), 3);
	assert_int_equal(h[0], 1);
	assert_int_equal(h[1], 3);
	assert_int_equal(h[2], 4);
	assert_int_equal(v.used_idx, 2);
	/* Completing them is what the driver waits for; then nothing is left. */
	vq_push(&v, 1, 0);
	vq_push(&v, 3, 0);
	vq_push(&v, 4, 0);
	assert_int_equal(used()->idx, 5);
	assert_int_equal(vq_pop(&v, &c), 0);
}

static void test_cut_push(void **state)
{
	struct vq v;
	uint16_t h[NUM];

	offer(0);
	offer(1);
	pop_n(2);
	/* A push cut after its index store, before it cleared its mark. */
	live.push_head = 1;
	live.push_pos = q.used_idx;
	live.push_valid = 1;
	used()->ring[0] = (struct vring_used_elem){ .id = 1, .len = 512 };
	used()->idx = 1;
	assert_int_equal(resume(&v, h), 1);
	assert_int_equal(h[0], 0);
}

static void test_cut_push_before_index(void **state)
{
	struct vq v;
	uint16_t h[NUM];

	offer(0);
	pop_n(1);
	/* Cut before the index store: the driver was never told. */
	live.push_head = 0;
	live.push_pos = 0;
	live.push_valid = 1;
	used()->ring[0] = (struct vring_used_elem){ .id = 0, .len = 512 };
	assert_int_equal(resume(&v, h), 1);
	assert_int_equal(h[0], 0);
}

static void test_cut_pop(void **state)
{
	struct vq v;
	uint16_t h[NUM];

	offer(5);
	offer(6);
	/* A pop cut after marking head 5, before last_avail moved. */
	live.inflight[0] |= 1ULL << 5;
	assert_int_equal(resume(&v, h), 2);
	assert_int_equal(h[0], 5);
	assert_int_equal(h[1], 6);
	assert_int_equal(v.last_avail, 2);
}

static void test_unpop_replay(void **state)
{
	struct vq v;
	uint16_t h[NUM];

	for (uint16_t i = 0; i < 3; i++)
		offer(i);
	pop_n(2);
	init_vq(&v);
	assert_int_equal(vq_resume(&v, &gm), 0);
	/* A device that takes the replayed chains and a new one, then gives
	 * them all back (virtio-net RX short of buffers). */
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(vq_pop(&v, &c), 1);
	vq_unpop(&v, 3);
	assert_int_equal(v.last_avail, 2);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(vq_pop(&v, &c), 1);
		h[i] = c.head;
	}
	assert_int_equal(h[0], 0);
	assert_int_equal(h[1], 1);
	assert_int_equal(h[2], 2);
	/* The page still says 0..2 are in flight: a second death replays them. */
	assert_int_equal(resume(&q, h), 3);
}

static void test_inconsistent(void **state)
{
	struct vq v;

	offer(0);
	pop_n(1);
	live.inflight[0] = 0;     /* last_avail says one popped, nothing in flight */
	init_vq(&v);
	assert_int_equal(vq_resume(&v, &gm), -EPROTO);
}

static void test_reset_clears(void **state)
{
	/* A device reset (status 0) forgets the queue's progress. */
	offer(0);
	pop_n(1);
	vq_reset(&q);
	assert_ptr_equal(q.live, &live);
	assert_int_equal(live.last_avail, 0);
	assert_int_equal(live.inflight[0], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_push, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_push_before_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_pop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpop_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inconsistent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_clears, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
