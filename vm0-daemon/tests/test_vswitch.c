// SPDX-License-Identifier: GPL-2.0
/*
 * The vswitch (vswitch/): three guest ports that record what they get,
 * and uplink.c's real reading and writing on a SOCK_SEQPACKET socketpair
 * standing in for the TAP (each message one frame with its 12-byte
 * header, as a TAP reads and writes them). Unicast to a guest's own MAC
 * goes to it alone, broadcast and unknown unicast flood, MACs learned
 * from the uplink are used and age out, a deleted port is forgotten at
 * once, short/long/spoofed/malformed frames are dropped and counted where
 * they came from, a full destination counts on itself, and the uplink is
 * read at most VSWITCH_BUDGET frames per loop iteration.
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "vswitch/vswitch_priv.h"

#define NPORT 3

struct rec {
	unsigned frames;
	int answer; /* deliver() returns this */
	size_t len;
	uint8_t frame[9216];
	struct virtio_net_hdr_v1 hdr;
};

static struct rec rec[NPORT];
static struct vswitch_port *port[NPORT];
static const uint8_t mac[NPORT][6] = {
    {0x52, 0x54, 0x00, 0, 0, 1},
    {0x52, 0x54, 0x00, 0, 0, 2},
    {0x52, 0x54, 0x00, 0, 0, 3},
};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t far[6] = {0x02, 0, 0, 0, 0, 0x99}; /* behind the uplink */
static const uint8_t up_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
static uv_loop_t loop;
static struct vswitch *sw;
static int tap_peer = -1; /* the "VM0 side" of the uplink */
static uint64_t now_ms;

static uint64_t test_clock(void)
{
	return now_ms;
}

static int pair_open(struct vswitch *s, char *err, size_t errlen)
{
	int fds[2], r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fds))
		return -errno;
	r = tap_uplink_attach(s, fds[0], "up0", up_mac, err, errlen);
	if (r) {
		close(fds[0]);
		close(fds[1]);
		return r;
	}
	tap_peer = fds[1];
	return 0;
}

static void pair_close(struct vswitch *s)
{
	vswitch_tap_uplink.close(s);
	close(tap_peer);
	tap_peer = -1;
}

static const struct vswitch_uplink_ops pair_uplink = {pair_open, pair_close};

static int rec_deliver(struct vswitch_port *p, void *opaque, const struct virtio_net_hdr_v1 *hdr,
		       const struct iovec *iov, int iovcnt, size_t len)
{
	struct rec *r = opaque;
	size_t off = 0;

	if (r->answer)
		return r->answer;
	for (int i = 0; i < iovcnt && off < len; i++) {
		size_t k = iov[i].iov_len < len - off ? iov[i].iov_len : len - off;

		assert_true(off + k <= sizeof(r->frame));
		memcpy(r->frame + off, iov[i].iov_base, k);
		off += k;
	}
	assert_int_equal(off, len);
	r->len = len;
	r->hdr = *hdr;
	r->frames++;
	return 0;
}

static const struct vswitch_port_ops rec_ops = {rec_deliver};

static int setup(void **state)
{
	char err[256];

	memset(rec, 0, sizeof(rec));
	now_ms = 1000;
	vswitch_set_clock(test_clock);
	vswitch_uplink_backend = &pair_uplink;
	assert_int_equal(uv_loop_init(&loop), 0);
	sw = vswitch_get(&loop, "t0", err, sizeof(err));
	assert_non_null(sw);
	for (int i = 0; i < NPORT; i++) {
		char name[16];

		snprintf(name, sizeof(name), "vm%d.net0", i + 1);
		port[i] = vswitch_port_add(sw, name, mac[i], &rec_ops, &rec[i]);
		assert_non_null(port[i]);
	}
	return 0;
}

static int teardown(void **state)
{
	for (int i = 0; i < NPORT; i++)
		vswitch_port_del(port[i]);
	vswitch_put(sw);
	uv_run(&loop, UV_RUN_NOWAIT); /* the uplink's poll handle closes */
	assert_int_equal(uv_loop_close(&loop), 0);
	vswitch_set_clock(NULL);
	return 0;
}

/* An Ethernet frame of len bytes: dst, src, IPv4 type, a counting payload. */
static uint8_t *frame(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], size_t len)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = 0x08;
	buf[13] = 0x00;
	for (size_t i = 14; i < len; i++)
		buf[i] = (uint8_t)i;
	return buf;
}

static int send_from(int p, const uint8_t dst[6], const uint8_t src[6], size_t len)
{
	static uint8_t buf[VSWITCH_GSO_MAX + 16];
	struct virtio_net_hdr_v1 hdr = {0};
	struct iovec iov = {frame(buf, dst, src, len), len};

	return vswitch_input(port[p], &hdr, &iov, 1, len);
}

/* A frame VM0 sends into the uplink TAP, read by the loop. */
static void tap_send(const uint8_t dst[6], const uint8_t src[6], size_t len)
{
	uint8_t buf[12 + 2048] = {0};

	frame(buf + 12, dst, src, len);
	assert_int_equal(write(tap_peer, buf, 12 + len), (ssize_t)(12 + len));
}

/* What the switch wrote to the uplink TAP: its length, or -1 for none. */
static ssize_t tap_recv(uint8_t *buf, size_t n)
{
	ssize_t r = read(tap_peer, buf, n);

	return r < 0 && errno == EAGAIN ? -1 : r;
}

static unsigned frames(int p)
{
	return rec[p].frames;
}

static void test_unicast_and_flood(void **state)
{
	uint8_t buf[2048];
	static const uint8_t unknown[6] = {0x02, 0, 0, 0, 0, 0x42};

	/* A guest's own MAC is known before it ever sends. */
	assert_int_equal(send_from(0, mac[1], mac[0], 100), 1);
	assert_int_equal(frames(1), 1);
	assert_int_equal(frames(2), 0);
	assert_int_equal(tap_recv(buf, sizeof(buf)), -1);
	assert_int_equal(rec[1].len, 100);
	assert_memory_equal(rec[1].frame + 6, mac[0], 6);

	/* Broadcast and unknown unicast: every port but the sender's. */
	assert_int_equal(send_from(0, bcast, mac[0], 60), 3);
	assert_int_equal(send_from(0, unknown, mac[0], 60), 3);
	assert_int_equal(frames(0), 0);
	assert_int_equal(frames(1), 3);
	assert_int_equal(frames(2), 2);
	assert_int_equal(tap_recv(buf, sizeof(buf)), 12 + 60);
	assert_memory_equal(buf + 12, bcast, 6);
	assert_int_equal(tap_recv(buf, sizeof(buf)), 12 + 60);
	assert_memory_equal(buf + 12, unknown, 6);

	/* Counters on both ends. */
	assert_int_equal(vswitch_port_stats(port[0])->rx_frames, 3);
	assert_int_equal(vswitch_port_stats(port[0])->rx_bytes, 220);
	assert_int_equal(vswitch_port_stats(port[1])->tx_frames, 3);
	assert_int_equal(vswitch_port_stats(port[1])->tx_bytes, 220);
	assert_int_equal(vswitch_port_stats(sw->uplink)->tx_frames, 2);
}

static void test_learn_and_age(void **state)
{
	uint8_t buf[2048];

	/* VM0 talks from far: the switch learns it is behind the uplink. */
	tap_send(mac[2], far, 80);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(frames(2), 1);
	assert_int_equal(frames(0) + frames(1), 0);
	assert_int_equal(vswitch_port_stats(sw->uplink)->rx_frames, 1);

	/* The answer goes to the uplink alone, until the entry ages out. */
	now_ms += VSWITCH_AGE_MS - 1;
	assert_int_equal(send_from(2, far, mac[2], 70), 1);
	assert_int_equal(tap_recv(buf, sizeof(buf)), 12 + 70);
	assert_int_equal(frames(0) + frames(1), 0);
	now_ms += 2;
	assert_int_equal(send_from(2, far, mac[2], 70), 3);
	assert_int_equal(frames(0), 1);
	assert_int_equal(frames(1), 1);
	assert_int_equal(tap_recv(buf, sizeof(buf)), 12 + 70);

	/* Guests' own entries never age. */
	now_ms += 10 * VSWITCH_AGE_MS;
	assert_int_equal(send_from(2, mac[0], mac[2], 70), 1);
	assert_int_equal(frames(0), 2);
}

static void test_port_del(void **state)
{
	json_t *all, *macs;

	/* Once port 0 is gone its MAC is unknown: frames to it flood. */
	vswitch_port_del(port[0]);
	port[0] = NULL;
	assert_null(mactable_lookup(&sw->macs, mac[0], now_ms));
	assert_int_equal(send_from(1, mac[0], mac[1], 60), 2);
	assert_int_equal(frames(2), 1);

	/* A learned entry goes with its port too. */
	assert_true(mactable_learn(&sw->macs, far, port[1], false, now_ms));
	assert_ptr_equal(mactable_lookup(&sw->macs, far, now_ms), port[1]);
	vswitch_port_del(port[1]);
	port[1] = NULL;
	assert_null(mactable_lookup(&sw->macs, far, now_ms));

	all = vswitch_all_json();
	macs = json_object_get(json_array_get(json_object_get(all, "switches"), 0), "macs");
	assert_int_equal(json_array_size(macs), 1); /* port 2's own */
	assert_string_equal(json_string_value(json_object_get(json_array_get(macs, 0), "port")),
			    "vm3.net0");
	json_decref(all);
}

static void test_drops(void **state)
{
	static uint8_t big[VSWITCH_GSO_MAX + 16];
	struct virtio_net_hdr_v1 tso = {
	    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
	    .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
	    .gso_size = htole16(1448),
	    .csum_start = htole16(34),
	    .csum_offset = htole16(16),
	};
	struct virtio_net_hdr_v1 bad = tso;
	struct iovec iov = {big, 9000};
	const struct vswitch_port_stats *st = vswitch_port_stats(port[0]);
	uint8_t buf[2048];

	assert_int_equal(send_from(0, mac[1], mac[0], 13), -EINVAL);
	assert_int_equal(st->drops[VSWITCH_DROP_SHORT], 1);
	assert_int_equal(send_from(0, mac[1], mac[0], 1515), -EINVAL);
	assert_int_equal(st->drops[VSWITCH_DROP_LONG], 1);
	assert_int_equal(send_from(0, mac[1], mac[0], 1514), 1);
	assert_int_equal(send_from(0, mac[1], mac[1], 60), -EPERM); /* another's MAC */
	assert_int_equal(send_from(0, mac[1], bcast, 60), -EPERM);
	assert_int_equal(st->drops[VSWITCH_DROP_SPOOF], 2);
	assert_int_equal(frames(1), 1);

	/* A TSO frame may exceed the MTU; its header passes through. */
	frame(big, mac[1], mac[0], 9000);
	assert_int_equal(vswitch_input(port[0], &tso, &iov, 1, 9000), 1);
	assert_int_equal(frames(1), 2);
	assert_int_equal(rec[1].hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(le16toh(rec[1].hdr.csum_offset), 16);
	iov.iov_len = VSWITCH_GSO_MAX + 1;
	assert_int_equal(vswitch_input(port[0], &tso, &iov, 1, VSWITCH_GSO_MAX + 1), -EINVAL);
	assert_int_equal(st->drops[VSWITCH_DROP_LONG], 2);

	/* Malformed offload headers. */
	iov.iov_len = 9000;
	bad.flags = 0; /* TSO without a partial checksum */
	assert_int_equal(vswitch_input(port[0], &bad, &iov, 1, 9000), -EINVAL);
	bad = tso;
	bad.csum_start = htole16(8990); /* checksum past the end */
	assert_int_equal(vswitch_input(port[0], &bad, &iov, 1, 9000), -EINVAL);
	bad = tso;
	bad.gso_type = VIRTIO_NET_HDR_GSO_UDP; /* UFO: never offered */
	assert_int_equal(vswitch_input(port[0], &bad, &iov, 1, 9000), -EINVAL);
	bad = tso;
	bad.gso_size = 0;
	assert_int_equal(vswitch_input(port[0], &bad, &iov, 1, 9000), -EINVAL);
	assert_int_equal(vswitch_input(port[0], &tso, &iov, 1, 9001), -EINVAL); /* iov short */
	assert_int_equal(st->drops[VSWITCH_DROP_BAD], 5);
	assert_int_equal(frames(1), 2);

	/* A full destination: counted on it, the others still served. */
	rec[1].answer = -ENOBUFS;
	assert_int_equal(send_from(0, bcast, mac[0], 60), 2);
	assert_int_equal(vswitch_port_stats(port[1])->drops[VSWITCH_DROP_NOBUFS], 1);
	assert_int_equal(frames(2), 1);
	assert_int_equal(tap_recv(buf, sizeof(buf)), 12 + 60);

	/* VM0 may not send from a guest's address, nor short frames. */
	tap_send(mac[2], mac[1], 60);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(vswitch_port_stats(sw->uplink)->drops[VSWITCH_DROP_SPOOF], 1);
	assert_int_equal(write(tap_peer, buf, 8), 8);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(vswitch_port_stats(sw->uplink)->drops[VSWITCH_DROP_SHORT], 1);
	assert_int_equal(frames(2), 1);
}

static void test_vlan_and_split_iov(void **state)
{
	uint8_t buf[1600];
	struct iovec iov[4];
	struct virtio_net_hdr_v1 hdr = {0};

	/* A tagged frame may be 4 bytes longer. */
	frame(buf, mac[1], mac[0], 1518);
	buf[12] = 0x81;
	buf[13] = 0x00;
	iov[0] = (struct iovec){buf, 3}; /* the header split three ways */
	iov[1] = (struct iovec){buf + 3, 5};
	iov[2] = (struct iovec){buf + 8, 100};
	iov[3] = (struct iovec){buf + 108, 1600 - 108}; /* more than the frame */
	assert_int_equal(vswitch_input(port[0], &hdr, iov, 4, 1518), 1);
	assert_int_equal(rec[1].len, 1518);
	assert_memory_equal(rec[1].frame, buf, 1518);
	assert_int_equal(vswitch_input(port[0], &hdr, iov, 4, 1519), -EINVAL);
}

static void test_uplink_offloads(void **state)
{
	uint8_t buf[2048];
	struct virtio_net_hdr_v1 csum =
				     {
					 .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
					 .csum_start = htole16(34),
					 .csum_offset = htole16(6),
					 .num_buffers = htole16(7),
				     },
				 got;
	struct iovec iov = {frame(buf, far, mac[0], 200), 200};
	uint8_t out[2048];

	assert_int_equal(vswitch_input(port[0], &csum, &iov, 1, 200), 3);
	assert_int_equal(tap_recv(out, sizeof(out)), 12 + 200);
	memcpy(&got, out, 12);
	assert_int_equal(got.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(le16toh(got.csum_start), 34);
	assert_int_equal(le16toh(got.csum_offset), 6);
	assert_int_equal(got.num_buffers, 0);
	assert_memory_equal(out + 12, buf, 200);

	/* From VM0: the header reaches the guest. */
	memcpy(out, &csum, 12);
	frame(out + 12, mac[1], far, 300);
	assert_int_equal(write(tap_peer, out, 12 + 300), 12 + 300);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(frames(1), 2);
	assert_int_equal(rec[1].len, 300);
	assert_int_equal(le16toh(rec[1].hdr.csum_start), 34);
}

static void test_budget(void **state)
{
	/* VM0 floods 100 frames: one loop iteration takes VSWITCH_BUDGET. */
	for (int i = 0; i < 100; i++)
		tap_send(mac[0], far, 60);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(frames(0), VSWITCH_BUDGET);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(frames(0), 100);
}

static void test_names_and_refs(void **state)
{
	char err[256];
	static const uint8_t group[6] = {0x01, 0, 0x5e, 0, 0, 1};
	json_t *all, *s0, *p;

	assert_ptr_equal(vswitch_get(&loop, "t0", err, sizeof(err)), sw);
	vswitch_put(sw); /* back to one reference */
	assert_null(vswitch_get(&loop, "bad name", err, sizeof(err)));
	assert_non_null(strstr(err, "bad name"));
	assert_null(vswitch_get(&loop, "0123456789abcdef", err, sizeof(err)));
	assert_null(vswitch_get(&loop, "", err, sizeof(err)));
	assert_int_equal(vswitch_mtu(sw), 1500);

	errno = 0;
	assert_null(vswitch_port_add(sw, "dup", mac[1], &rec_ops, &rec[0]));
	assert_int_equal(errno, EEXIST);
	assert_null(vswitch_port_add(sw, "mc", group, &rec_ops, &rec[0]));
	assert_int_equal(errno, EINVAL);

	assert_int_equal(send_from(0, mac[1], mac[0], 13), -EINVAL);
	all = vswitch_all_json();
	s0 = json_array_get(json_object_get(all, "switches"), 0);
	assert_string_equal(json_string_value(json_object_get(s0, "name")), "t0");
	assert_string_equal(json_string_value(json_object_get(s0, "uplink")), "up0");
	assert_int_equal(json_array_size(json_object_get(s0, "ports")), NPORT + 1);
	assert_int_equal(json_array_size(json_object_get(s0, "macs")), NPORT);
	p = json_array_get(json_object_get(s0, "ports"), 1); /* after the uplink */
	assert_string_equal(json_string_value(json_object_get(p, "name")), "vm1.net0");
	assert_string_equal(json_string_value(json_object_get(p, "mac")), "52:54:00:00:00:01");
	assert_string_equal(json_string_value(json_object_get(p, "kind")), "guest");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(p, "drops"), "short")),
			 1);
	json_decref(all);
}

static void test_table_full(void **state)
{
	struct mactable *t = malloc(sizeof(*t));
	uint8_t m[6] = {0x02, 0, 0, 0, 0, 0};
	unsigned found = 0;

	/* Far more sources than entries: the table keeps its size, statics stay. */
	mactable_init(t, VSWITCH_AGE_MS);
	assert_true(mactable_learn(t, mac[0], port[0], true, 0));
	for (unsigned i = 0; i < 4 * VSWITCH_MAC_SETS * VSWITCH_MAC_WAYS; i++) {
		m[4] = (uint8_t)(i >> 8);
		m[5] = (uint8_t)i;
		assert_true(mactable_learn(t, m, port[1], false, i));
	}
	assert_ptr_equal(mactable_lookup(t, mac[0], 1 << 20), port[0]);
	assert_false(mactable_learn(t, mac[0], port[1], false, 5));
	for (unsigned i = 0; i < 4 * VSWITCH_MAC_SETS * VSWITCH_MAC_WAYS; i++) {
		m[4] = (uint8_t)(i >> 8);
		m[5] = (uint8_t)i;
		found += mactable_lookup(t, m, 4 * VSWITCH_MAC_SETS * VSWITCH_MAC_WAYS) != NULL;
	}
	assert_true(found > VSWITCH_MAC_SETS * VSWITCH_MAC_WAYS / 2);
	assert_true(found < VSWITCH_MAC_SETS * VSWITCH_MAC_WAYS);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_unicast_and_flood, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_learn_and_age, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_port_del, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drops, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vlan_and_split_iov, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uplink_offloads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_budget, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_names_and_refs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_table_full, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
