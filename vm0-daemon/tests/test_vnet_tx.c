// SPDX-License-Identifier: GPL-2.0
/* Host tests: virtio-net's features and config space, and what the guest
 * sends (TX), driven like Linux's virtio_net driver against a recording
 * switch (vnet_harness.h): frames whole with their offload headers, bad
 * headers and chains refused and counted, the per-iteration budget and
 * interrupt coalescing on a libuv loop. */
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

static void test_config(void **state)
{
	uint64_t f = vd_device_features(&t);
	struct virtio_net_config c;

	assert_int_equal(vd_r(&t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, up, down),
		cmocka_unit_test_setup_teardown(test_tx, up, down),
		cmocka_unit_test_setup_teardown(test_tx_bad_header, up, down),
		cmocka_unit_test_setup_teardown(test_tx_unnegotiated, up, down),
		cmocka_unit_test_setup_teardown(test_tx_bad_chain, up, down),
		cmocka_unit_test_setup_teardown(test_budget_and_coalescing, up_async, down_async),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
