// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: keeld's vswitch (vswitch/) with up to four guest ports
 * and uplink.c's real TAP code on a SOCK_SEQPACKET pair. The input is a
 * program of one-byte opcodes with operands (tests/fuzz/input.h: missing
 * bytes read as zero):
 *
 *   0 ADD i mac[6]          a guest port i (0..3) with that MAC
 *   1 DEL i                 remove port i
 *   2 SEND i hdr[12] len[2] cut[2] bytes...
 *                           port i sends a frame of len bytes (its header
 *                           first, then the bytes from the input) in two
 *                           iov pieces cut at cut
 *   3 TAP hdr[12] len[2] bytes...
 *                           VM0 writes a frame into the uplink; the loop runs
 *   4 TICK ms[4]            the clock moves on
 *   5 FULL i                port i's deliver() alternates -ENOBUFS and success
 *   6 JSON                  every switch, port and MAC as JSON
 *
 * Checked beyond the sanitizers: no frame goes back to its sender, every
 * delivery has the length sent and a header the switch's own rules accept,
 * vswitch_input never reports more deliveries than ports, and a removed
 * port is never named again.
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "input.h"
#include "vswitch/vswitch_priv.h"

#define NPORT  4
#define MAXLEN 9100

struct port {
	struct vswitch_port *p;
	bool full, flip;
};

static struct port ports[NPORT];
static struct vswitch_port *sending;
static int peer = -1;
static uint64_t now;

static uint64_t fuzz_clock(void)
{
	return now;
}

static int pair_open(struct vswitch *sw, char *err, size_t errlen)
{
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
	int fds[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fds))
		return -errno;
	if (tap_uplink_attach(sw, fds[0], "up0", mac, err, errlen)) {
		close(fds[0]);
		close(fds[1]);
		return -EIO;
	}
	peer = fds[1];
	return 0;
}

static void pair_close(struct vswitch *sw)
{
	vswitch_tap_uplink.close(sw);
	close(peer);
	peer = -1;
}

static const struct vswitch_uplink_ops pair_uplink = {pair_open, pair_close};

static int deliver(struct vswitch_port *p, void *opaque, const struct virtio_net_hdr_v1 *hdr,
		   const struct iovec *iov, int iovcnt, size_t len)
{
	struct port *pt = opaque;
	size_t total = 0;
	uint8_t sum = 0;

	assert(p != sending);
	assert(len >= VSWITCH_ETH_HLEN && len <= VSWITCH_GSO_MAX);
	assert(!(hdr->gso_type & 0x7f) || (hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM));
	for (int i = 0; i < iovcnt; i++) {
		/* Touch every byte: ASan sees a read past the sender's buffer. */
		for (size_t k = 0; k < iov[i].iov_len && total + k < len; k++)
			sum ^= ((const uint8_t *)iov[i].iov_base)[k];
		total += iov[i].iov_len;
	}
	assert(total >= len);
	(void)sum;
	if (pt->full && (pt->flip = !pt->flip))
		return -ENOBUFS;
	return 0;
}

static const struct vswitch_port_ops ops = {deliver};

static size_t take_frame(struct input *in, uint8_t *buf, size_t len)
{
	size_t n = len < in->n ? len : in->n;

	memcpy(buf, in->p, n);
	memset(buf + n, 0, len - n);
	in->p += n;
	in->n -= n;
	return len;
}

static void take_hdr(struct input *in, struct virtio_net_hdr_v1 *h)
{
	uint8_t raw[12];

	take_frame(in, raw, sizeof(raw));
	memcpy(h, raw, sizeof(*h));
}

static unsigned nports(const struct vswitch *sw)
{
	unsigned n = 0;

	for (const struct vswitch_port *p = sw->ports; p; p = p->next)
		n++;
	return n;
}

static void op_send(struct input *in, struct vswitch *sw)
{
	static uint8_t buf[MAXLEN];
	struct port *pt = &ports[take(in, 1) % NPORT];
	struct virtio_net_hdr_v1 h;
	size_t len, cut;
	struct iovec iov[2];
	int r;

	take_hdr(in, &h);
	len = take(in, 2) % MAXLEN;
	cut = take(in, 2) % (len + 1);
	take_frame(in, buf, len);
	if (!pt->p)
		return;
	iov[0] = (struct iovec){buf, cut};
	iov[1] = (struct iovec){buf + cut, len - cut};
	sending = pt->p;
	r = vswitch_input(pt->p, &h, iov, 2, len);
	sending = NULL;
	assert(r < 0 ? r == -EINVAL || r == -EPERM : (unsigned)r < nports(sw));
}

static void op_tap(struct input *in, uv_loop_t *loop)
{
	static uint8_t buf[12 + MAXLEN];
	size_t len = take(in, 2) % MAXLEN;

	take_frame(in, buf, 12 + len);
	if (write(peer, buf, 12 + len) < 0)
		return; /* the pair is full: VM0's frame is lost, as on a TAP */
	uv_run(loop, UV_RUN_NOWAIT);
	/* Drain what the switch wrote towards VM0. */
	while (read(peer, buf, sizeof(buf)) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uv_loop_t loop;
	struct vswitch *sw;
	char err[256];
	uint8_t drain[12 + MAXLEN];

	now = 0;
	vswitch_set_clock(fuzz_clock);
	vswitch_uplink_backend = &pair_uplink;
	memset(ports, 0, sizeof(ports));
	if (uv_loop_init(&loop))
		return 0;
	sw = vswitch_get(&loop, "fz0", err, sizeof(err));
	assert(sw);
	while (in.n) {
		unsigned op = (unsigned)take(&in, 1) % 7, i;
		uint8_t mac[6];

		switch (op) {
		case 0:
			i = take(&in, 1) % NPORT;
			take_frame(&in, mac, 6);
			if (!ports[i].p)
				ports[i].p = vswitch_port_add(sw, "g", mac, &ops, &ports[i]);
			break;
		case 1:
			i = take(&in, 1) % NPORT;
			vswitch_port_del(ports[i].p);
			ports[i].p = NULL;
			break;
		case 2:
			op_send(&in, sw);
			while (read(peer, drain, sizeof(drain)) > 0)
				;
			break;
		case 3:
			op_tap(&in, &loop);
			break;
		case 4:
			now += take(&in, 4);
			break;
		case 5:
			ports[take(&in, 1) % NPORT].full = true;
			break;
		case 6: {
			json_t *all = vswitch_all_json();
			char *s = json_dumps(all, 0);

			assert(s);
			free(s);
			json_decref(all);
			break;
		}
		}
	}
	for (int k = 0; k < NPORT; k++)
		vswitch_port_del(ports[k].p);
	vswitch_put(sw);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert(uv_loop_close(&loop) == 0);
	return 0;
}
