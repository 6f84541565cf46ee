// SPDX-License-Identifier: GPL-2.0
/*
 * A switch's uplink: a TAP in VM0 named like the switch. keeld attaches
 * to the interface when VM0's network set-up made it (persistent, with
 * its address, DHCP server and NAT: /etc/keel/network), else the kernel
 * makes a bare one that lives as long as keeld holds it.
 *
 * The TAP speaks IFF_VNET_HDR: each frame is preceded by the same 12-byte
 * virtio_net_hdr_v1 guests use, so checksum and segmentation offloads
 * cross between guests and VM0 untouched (TUNSETOFFLOAD says keeld takes
 * partial checksums and TSO frames; guests' NICs take them too).
 *
 * Reading is budgeted: at most VSWITCH_BUDGET frames per loop iteration.
 * The poll is level-triggered, so a TAP with more waiting is read again
 * on the next iteration, after every other handle had its turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "vswitch_priv.h"

#define TAP_HDR_LEN sizeof(struct virtio_net_hdr_v1)
/* Chains longer than this go through the bounce buffer (never from the
 * Linux driver, whose frames are a header and up to MAX_SKB_FRAGS + 1). */
#define TAP_IOV_MAX 64

_Static_assert(sizeof(struct virtio_net_hdr_v1) == 12, "TUNSETVNETHDRSZ below says 12");

struct tap {
	uv_poll_t poll; /* first: tap_free gets the handle */
	struct vswitch_port *port;
	int fd;
	bool broken; /* a read failed for good: no more polling */
	uint8_t buf[TAP_HDR_LEN + VSWITCH_GSO_MAX];
};

static void tap_free(uv_handle_t *h)
{
	free(h); /* the struct tap it starts */
}

static void tap_readable(uv_poll_t *h, int status, int events)
{
	struct tap *t = h->data;

	for (int i = 0; i < VSWITCH_BUDGET; i++) {
		struct virtio_net_hdr_v1 hdr;
		struct iovec iov;
		ssize_t n = read(t->fd, t->buf, sizeof(t->buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno == EAGAIN)
				return;
			/* The interface was deleted under us (EBADFD) or worse:
			 * stop, rather than spin on a descriptor that stays
			 * readable. Deliveries to it then count as drops. */
			klog("switch %s: uplink %s: read: %s; no longer reading it",
			     t->port->sw->name, t->port->name, strerror(errno));
			t->broken = true;
			uv_poll_stop(&t->poll);
			return;
		}
		if ((size_t)n < TAP_HDR_LEN) {
			t->port->st.drops[VSWITCH_DROP_SHORT]++;
			continue;
		}
		memcpy(&hdr, t->buf, TAP_HDR_LEN);
		iov.iov_base = t->buf + TAP_HDR_LEN;
		iov.iov_len = (size_t)n - TAP_HDR_LEN;
		vswitch_input(t->port, &hdr, &iov, 1, iov.iov_len);
	}
}

static int tap_deliver(struct vswitch_port *p, void *opaque, const struct virtio_net_hdr_v1 *hdr,
		       const struct iovec *iov, int iovcnt, size_t len)
{
	struct tap *t = opaque;
	struct iovec v[TAP_IOV_MAX + 1];
	struct virtio_net_hdr_v1 h = *hdr;
	ssize_t n;
	int cnt;

	if (t->broken)
		return -EIO;
	h.num_buffers = 0; /* a receive-side field: zero on transmit */
	v[0].iov_base = &h;
	v[0].iov_len = TAP_HDR_LEN;
	if (iovcnt <= TAP_IOV_MAX) {
		memcpy(v + 1, iov, (size_t)iovcnt * sizeof(*iov));
		cnt = iovcnt + 1;
	} else {
		size_t off = 0;

		for (int i = 0; i < iovcnt && off < len; i++) {
			size_t k = iov[i].iov_len < len - off ? iov[i].iov_len : len - off;

			memcpy(t->buf + off, iov[i].iov_base, k);
			off += k;
		}
		v[1].iov_base = t->buf;
		v[1].iov_len = len;
		cnt = 2;
	}
	/* The iov may hold more than the frame (a guest's whole buffer): the
	 * TAP takes one frame per write, so cut it at len. */
	{
		size_t left = len;

		for (int i = 1; i < cnt; i++) {
			if (v[i].iov_len > left)
				v[i].iov_len = left;
			left -= v[i].iov_len;
		}
	}
	do
		n = writev(t->fd, v, cnt);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == ENOBUFS ? -ENOBUFS : -errno;
	return 0;
}

static const struct vswitch_port_ops tap_ops = {
    .deliver = tap_deliver,
};

int tap_uplink_attach(struct vswitch *sw, int fd, const char *ifname, const uint8_t mac[6],
		      char *err, size_t errlen)
{
	struct tap *t = calloc(1, sizeof(*t));
	int r;

	if (!t) {
		snprintf(err, errlen, "switch %s: out of memory", sw->name);
		return -ENOMEM;
	}
	t->fd = fd;
	t->port = vswitch_port_new(sw, ifname, mac, true, &tap_ops, t);
	if (!t->port) {
		free(t);
		snprintf(err, errlen, "switch %s: out of memory", sw->name);
		return -ENOMEM;
	}
	r = uv_poll_init(sw->loop, &t->poll, fd);
	if (!r) {
		t->poll.data = t;
		r = uv_poll_start(&t->poll, UV_READABLE, tap_readable);
	}
	if (r) {
		vswitch_port_del(t->port);
		if (t->poll.data) /* initialised: the loop knows it */
			uv_close((uv_handle_t *)&t->poll, tap_free);
		else
			free(t);
		snprintf(err, errlen, "switch %s: uplink %s: uv_poll: %s", sw->name, ifname,
			 uv_strerror(r));
		return r;
	}
	sw->uplink = t->port;
	sw->uplink_priv = t;
	return 0;
}

/* Opens (or makes) TAP name with the offload header; the fd, or -errno. */
static int tap_open(const char *name, uint8_t mac[6], bool *existed, char *err, size_t errlen)
{
	struct ifreq ifr;
	/* Not TUN_F_TSO_ECN: a guest NIC takes TSO frames without the ECN
	 * bit only, so VM0's kernel segments those few itself. */
	unsigned offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	int hdrsz = TAP_HDR_LEN;
	int fd, e;
	const char *what, *hint;

	*existed = if_nametoindex(name) != 0;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "uplink %s: /dev/net/tun: %s%s", name, strerror(e),
			 e == ENOENT ? " (is the tun module loaded?)" : "");
		return -e;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, name, strlen(name)); /* name_ok: shorter than IFNAMSIZ */
	what = "TUNSETIFF";
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	what = "TUNSETVNETHDRSZ";
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdrsz) < 0)
		goto fail;
	what = "TUNSETOFFLOAD";
	if (ioctl(fd, TUNSETOFFLOAD, offloads) < 0)
		goto fail;
	what = "SIOCGIFHWADDR";
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		goto fail;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return fd;
fail:
	e = errno;
	hint = "";
	if (!strcmp(what, "TUNSETIFF") && e == EINVAL)
		hint = " (an interface of that name exists and is not a single-queue TAP)";
	else if (!strcmp(what, "TUNSETIFF") && e == EBUSY)
		hint = " (another program holds the TAP: a second keeld?)";
	snprintf(err, errlen, "uplink %s: %s: %s%s", name, what, strerror(e), hint);
	close(fd);
	return -e;
}

static int tap_uplink_open(struct vswitch *sw, char *err, size_t errlen)
{
	uint8_t mac[6];
	bool existed;
	int fd = tap_open(sw->name, mac, &existed, err, errlen), r;

	if (fd < 0)
		return fd;
	r = tap_uplink_attach(sw, fd, sw->name, mac, err, errlen);
	if (r) {
		close(fd);
		return r;
	}
	if (!existed)
		klog("switch %s: made TAP %s; VM0 has not configured it (see /etc/keel/network)",
		     sw->name, sw->name);
	return 0;
}

static void tap_uplink_close(struct vswitch *sw)
{
	struct tap *t = sw->uplink_priv;

	if (!t)
		return;
	uv_poll_stop(&t->poll);
	close(t->fd);
	vswitch_port_del(t->port);
	sw->uplink_priv = NULL;
	/* The handle goes when the loop says so; the buffer with it. */
	uv_close((uv_handle_t *)&t->poll, tap_free);
}

const struct vswitch_uplink_ops vswitch_tap_uplink = {
    .open = tap_uplink_open,
    .close = tap_uplink_close,
};
