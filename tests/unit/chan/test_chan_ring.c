// SPDX-License-Identifier: GPL-2.0
/* Host tests of the channel rings (kchan/kchan_ring.h): layout, wrap,
 * full and empty, the want-space handshake, a hostile peer's indices, and
 * two threads streaming through one region with a checksum. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/types.h>

#define kchan_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define kchan_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define kchan_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define KCHAN_READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define KCHAN_WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#include "kchan_ring.h"

#define REGION (64 * 1024)

static _Alignas(4096) uint8_t region[REGION];

static void two_ends(struct kchan_ring *a, struct kchan_ring *b)
{
	memset(region, 0, sizeof(region));
	assert_int_equal(kchan_ring_init(a, region, REGION, 0), 0);
	assert_int_equal(kchan_ring_init(b, region, REGION, 1), 0);
}

static void test_layout(void **state)
{
	struct kchan_ring a, b;

	two_ends(&a, &b);
	/* 60 KiB after the header page: two 16 KiB rings (powers of two). */
	assert_int_equal(a.size, 16384);
	assert_ptr_equal(a.txd, region + 4096);
	assert_ptr_equal(a.rxd, region + 4096 + 16384);
	assert_ptr_equal(b.txd, a.rxd);
	assert_ptr_equal(b.rxd, a.txd);
	assert_int_equal(KEEL_CHAN_RING_BYTES(KEEL_CHAN_MIN_SIZE), 2048);
	assert_int_equal(KEEL_CHAN_RING_BYTES(KEEL_CHAN_MAX_SIZE), 4 << 20);
	/* The largest ring ends inside the largest region. */
	assert_true(KEEL_CHAN_RING_OFF(KEEL_CHAN_MAX_SIZE, 1) + KEEL_CHAN_RING_BYTES(KEEL_CHAN_MAX_SIZE) <=
		    KEEL_CHAN_MAX_SIZE);
	assert_int_equal(((struct keel_chan_hdr *)region)->magic[0], KEEL_CHAN_HDR_MAGIC);
	assert_int_equal(((struct keel_chan_hdr *)region)->magic[1], KEEL_CHAN_HDR_MAGIC);
	assert_int_equal(kchan_ring_init(&a, region, 4096, 0), -EINVAL);
	assert_int_equal(kchan_ring_init(&a, region, REGION, 2), -EINVAL);
}

static void test_wrap_full_empty(void **state)
{
	struct kchan_ring a, b;
	static uint8_t in[20000], out[20000];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	two_ends(&a, &b);
	assert_int_equal(kchan_ring_read(&b, out, 10), 0);      /* empty */
	assert_int_equal(kchan_ring_write(&a, in, 20000), 16384); /* what fits */
	assert_int_equal(kchan_ring_write(&a, in, 1), 0);         /* full */
	assert_int_equal(kchan_ring_space(&a), 0);
	assert_int_equal(kchan_ring_read(&b, out, 10000), 10000);
	assert_memory_equal(out, in, 10000);
	/* The next write wraps around the ring's end. */
	assert_int_equal(kchan_ring_write(&a, in + 16384, 3616), 3616);
	assert_int_equal(kchan_ring_avail(&b), 16384 - 10000 + 3616);
	assert_int_equal(kchan_ring_read(&b, out + 10000, 20000), 10000);
	assert_memory_equal(out, in, 20000);
	/* Indices survive a re-init (a reloaded driver picks up the stream). */
	assert_int_equal(kchan_ring_init(&a, region, REGION, 0), 0);
	assert_int_equal(a.head, 20000);
}

static void test_want_space(void **state)
{
	struct kchan_ring a, b;
	static uint8_t buf[16384];

	two_ends(&a, &b);
	assert_int_equal(kchan_ring_write(&a, buf, sizeof(buf)), 16384);
	/* No request yet: consuming asks for no kick. */
	assert_int_equal(kchan_ring_read(&b, buf, 1), 1);
	assert_int_equal(kchan_ring_consumed(&b), 0);
	assert_int_equal(kchan_ring_write(&a, buf, 1), 1);
	/* Full: the request finds no space... */
	assert_int_equal(kchan_ring_want_space(&a), 0);
	/* ...the consumer's next read answers it once. */
	assert_int_equal(kchan_ring_read(&b, buf, 100), 100);
	assert_int_equal(kchan_ring_consumed(&b), 1);
	assert_int_equal(kchan_ring_consumed(&b), 0);
	/* Space freed before the request: the request itself sees it. */
	assert_int_equal(kchan_ring_want_space(&a), 100);
}

static void test_hostile_peer(void **state)
{
	struct kchan_ring a, b;
	struct keel_chan_hdr *h = (struct keel_chan_hdr *)region;
	static uint8_t buf[64];

	two_ends(&a, &b);
	/* A head more than a ring ahead of our tail: refused, not read. */
	h->dir[0].head = 16385;
	assert_int_equal(kchan_ring_avail(&b), -EIO);
	assert_int_equal(kchan_ring_read(&b, buf, sizeof(buf)), -EIO);
	/* A head behind our tail (wraps to a huge fill): refused too. */
	b.tail = 100;
	h->dir[0].head = 50;
	assert_int_equal(kchan_ring_read(&b, buf, sizeof(buf)), -EIO);
	/* A tail ahead of our head: refused for writing. */
	h->dir[0].tail = 10;
	assert_int_equal(kchan_ring_write(&a, buf, sizeof(buf)), -EIO);
	/* Indices near 2^32 wrap and stay in bounds: offsets are masked. */
	two_ends(&a, &b);
	a.head = b.tail = 0xfffffff0u;
	h->dir[0].head = h->dir[0].tail = 0xfffffff0u;
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(kchan_ring_write(&a, buf, 64), 64);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(kchan_ring_read(&b, buf, 64), 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(buf[i], 0x5a);
}

/* ---- two threads, one region: each sums what it wrote and what it read ---- */

#define STREAM (8u << 20)

struct side {
	struct kchan_ring r;
	uint64_t sum_tx, sum_rx;
};

static uint64_t mix(uint64_t h, uint8_t c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

static void *run(void *arg)
{
	struct side *s = arg;
	uint8_t buf[3000];
	uint32_t sent = 0, got = 0, seed = (uint32_t)(uintptr_t)&s->r;

	while (sent < STREAM || got < STREAM) {
		if (sent < STREAM) {
			uint32_t n = STREAM - sent < sizeof(buf) ? STREAM - sent : sizeof(buf);
			long w;

			for (uint32_t i = 0; i < n; i++)
				buf[i] = (uint8_t)((seed = seed * 1103515245 + 12345) >> 16);
			w = kchan_ring_write(&s->r, buf, n);
			assert_true(w >= 0);
			for (long i = 0; i < w; i++)
				s->sum_tx = mix(s->sum_tx, buf[i]);
			sent += (uint32_t)w;
		}
		if (got < STREAM) {
			long r = kchan_ring_read(&s->r, buf, sizeof(buf));

			assert_true(r >= 0);
			for (long i = 0; i < r; i++)
				s->sum_rx = mix(s->sum_rx, buf[i]);
			got += (uint32_t)r;
		}
	}
	return NULL;
}

static void test_two_threads(void **state)
{
	struct side s[2] = { 0 };
	pthread_t t[2];

	memset(region, 0, sizeof(region));
	assert_int_equal(kchan_ring_init(&s[0].r, region, REGION, 0), 0);
	assert_int_equal(kchan_ring_init(&s[1].r, region, REGION, 1), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, run, &s[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_true(s[0].sum_tx == s[1].sum_rx);
	assert_true(s[1].sum_tx == s[0].sum_rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_wrap_full_empty),
		cmocka_unit_test(test_want_space),
		cmocka_unit_test(test_hostile_peer),
		cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
