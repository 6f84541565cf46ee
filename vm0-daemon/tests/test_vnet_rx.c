// SPDX-License-Identifier: GPL-2.0
/* Host tests: frames the switch delivers to virtio-net (RX), driven like
 * Linux's virtio_net driver (vnet_harness.h): mergeable and big buffers,
 * no buffers, checksums completed for a guest without GUEST_CSUM, GSO
 * refused to a guest without GUEST_TSO, malformed buffers, reset. */
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

#include "vnet_harness.h"

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

/* A reset (status 0) stops deliveries; a stopped device takes nothing. */
static void test_reset(void **state)
{
	static uint8_t f[100];
	struct virtio_net_hdr_v1 h = { 0 };

	guest_rx_buf(2048);
	vd_w(&t, VIRTIO_MMIO_STATUS, 0);
	make_frame(f, sizeof(f), MAC, PEER);
	assert_int_equal(deliver(&h, f, sizeof(f)), -ENOBUFS);
	driver_init(0);
	guest_rx_buf(2048);
	assert_int_equal(deliver(&h, f, sizeof(f)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rx_mergeable, up, down),
		cmocka_unit_test_setup_teardown(test_rx_no_buffers, up, down),
		cmocka_unit_test_setup_teardown(test_rx_big_buffers, up, down),
		cmocka_unit_test_setup_teardown(test_rx_csum, up, down),
		cmocka_unit_test_setup_teardown(test_rx_gso_refused, up, down),
		cmocka_unit_test_setup_teardown(test_rx_malformed, up, down),
		cmocka_unit_test_setup_teardown(test_reset, up, down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
