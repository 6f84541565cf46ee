// SPDX-License-Identifier: GPL-2.0
/*
 * The vswitch: switches by name, their ports, and forwarding. A frame is
 * checked once, at input (every field of it came from a guest or from
 * VM0's network stack), then handed to the ports it goes to. Nothing here
 * copies a frame: a port's deliver() copies it out, once.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "vswitch_priv.h"

static struct vswitch *switches;

const struct vswitch_uplink_ops *vswitch_uplink_backend = &vswitch_tap_uplink;

static uint64_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t (*now_fn)(void) = clock_ms;

void vswitch_set_clock(uint64_t (*now_ms)(void))
{
	now_fn = now_ms ? now_ms : clock_ms;
}

uint64_t vswitch_now(void)
{
	return now_fn();
}

/* A switch's name may become a network interface's: what Linux accepts
 * there and a shell needs no quoting for. */
static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= VSWITCH_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return strcmp(name, ".") && strcmp(name, "..");
}

struct vswitch *vswitch_get(uv_loop_t *loop, const char *name, char *err, size_t errlen)
{
	struct vswitch *sw;
	int r;

	for (sw = switches; sw; sw = sw->next)
		if (!strcmp(sw->name, name)) {
			sw->refs++;
			return sw;
		}
	if (!name_ok(name)) {
		snprintf(err, errlen, "switch \"%s\": a name is 1 to %d of A-Z a-z 0-9 - _ .", name,
			 VSWITCH_NAME_MAX - 1);
		return NULL;
	}
	sw = calloc(1, sizeof(*sw));
	if (!sw) {
		snprintf(err, errlen, "switch %s: out of memory", name);
		return NULL;
	}
	strcpy(sw->name, name);
	sw->refs = 1;
	sw->mtu = VSWITCH_MTU;
	sw->loop = loop;
	mactable_init(&sw->macs, VSWITCH_AGE_MS);
	r = vswitch_uplink_backend->open(sw, err, errlen);
	if (r) {
		free(sw);
		return NULL;
	}
	sw->next = switches;
	switches = sw;
	klog("switch %s: up, uplink %s", sw->name, sw->uplink ? sw->uplink->name : "none");
	return sw;
}

void vswitch_put(struct vswitch *sw)
{
	struct vswitch **pp;

	if (!sw || --sw->refs)
		return;
	vswitch_uplink_backend->close(sw);
	/* Owners delete their ports before their last reference goes. */
	while (sw->ports) {
		klog("switch %s: port %s still there at the end", sw->name, sw->ports->name);
		vswitch_port_del(sw->ports);
	}
	for (pp = &switches; *pp; pp = &(*pp)->next)
		if (*pp == sw) {
			*pp = sw->next;
			break;
		}
	klog("switch %s: down", sw->name);
	free(sw);
}

unsigned vswitch_mtu(const struct vswitch *sw)
{
	return sw->mtu;
}

struct vswitch_port *vswitch_port_new(struct vswitch *sw, const char *name, const uint8_t mac[6],
				      bool uplink, const struct vswitch_port_ops *ops, void *opaque)
{
	struct vswitch_port *p = calloc(1, sizeof(*p)), **pp;

	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->sw = sw;
	snprintf(p->name, sizeof(p->name), "%s", name);
	memcpy(p->mac, mac, 6);
	p->uplink = uplink;
	p->ops = ops;
	p->opaque = opaque;
	/* At the tail: listings show ports in the order they came. */
	for (pp = &sw->ports; *pp; pp = &(*pp)->next)
		;
	*pp = p;
	return p;
}

/* NULL with errno: EINVAL for a multicast or zero MAC, EEXIST when another
 * port of the switch has it, ENOMEM. */
struct vswitch_port *vswitch_port_add(struct vswitch *sw, const char *name, const uint8_t mac[6],
				      const struct vswitch_port_ops *ops, void *opaque)
{
	static const uint8_t zero[6];
	struct vswitch_port *p;

	if (mac_is_multicast(mac) || !memcmp(mac, zero, 6)) {
		errno = EINVAL;
		return NULL;
	}
	for (p = sw->ports; p; p = p->next)
		if (!p->uplink && !memcmp(p->mac, mac, 6)) {
			errno = EEXIST;
			return NULL;
		}
	p = vswitch_port_new(sw, name, mac, false, ops, opaque);
	/* Known from the start: frames to it never flood, and nobody else
	 * can take its address. */
	if (p && !mactable_learn(&sw->macs, mac, p, true, vswitch_now()))
		klog("switch %s: %s: address taken", sw->name, name);
	return p;
}

void vswitch_port_del(struct vswitch_port *p)
{
	struct vswitch_port **pp;

	if (!p)
		return;
	for (pp = &p->sw->ports; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (p->sw->uplink == p)
		p->sw->uplink = NULL;
	mactable_forget_port(&p->sw->macs, p);
	free(p);
}

/* The first 14 bytes of the frame, wherever the iov splits them; false
 * when the iov holds fewer than len bytes. */
static bool frame_head(const struct iovec *iov, int iovcnt, size_t len, uint8_t head[14])
{
	size_t have = 0, total = 0;

	for (int i = 0; i < iovcnt; i++) {
		if (have < VSWITCH_ETH_HLEN) {
			size_t n = iov[i].iov_len < VSWITCH_ETH_HLEN - have
				       ? iov[i].iov_len
				       : VSWITCH_ETH_HLEN - have;

			memcpy(head + have, iov[i].iov_base, n);
			have += n;
		}
		total += iov[i].iov_len;
	}
	return total >= len;
}

/* The offload header, as TAP and the Linux virtio-net driver write it. */
static bool hdr_ok(const struct virtio_net_hdr_v1 *h, size_t len)
{
	unsigned gso = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

	if (h->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID))
		return false;
	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (size_t)le16toh(h->csum_start) + le16toh(h->csum_offset) + 2 > len)
		return false;
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return !(h->gso_type & VIRTIO_NET_HDR_GSO_ECN);
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		/* Segmenting needs the checksum left open and a size. */
		return (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && le16toh(h->gso_size) != 0;
	default:
		return false; /* UFO, USO (Linux 6.2+) and unknown: never offered */
	}
}

static int drop(struct vswitch_port *p, enum vswitch_drop why, int err)
{
	p->st.drops[why]++;
	return err;
}

/* Why a frame may not enter through p, or VSWITCH_DROP_NR when it may. */
static enum vswitch_drop input_check(struct vswitch_port *p, const struct virtio_net_hdr_v1 *hdr,
				     const uint8_t *head, size_t len)
{
	bool gso = hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE;
	size_t max = p->sw->mtu + VSWITCH_ETH_HLEN;

	if (len < VSWITCH_ETH_HLEN)
		return VSWITCH_DROP_SHORT;
	if (head[12] == 0x81 && head[13] == 0x00)
		max += 4; /* an 802.1Q tag sits outside the MTU */
	if (len > (gso ? VSWITCH_GSO_MAX : max))
		return VSWITCH_DROP_LONG;
	if (!hdr_ok(hdr, len))
		return VSWITCH_DROP_BAD;
	if (!p->uplink && memcmp(head + 6, p->mac, 6))
		return VSWITCH_DROP_SPOOF;
	if (mac_is_multicast(head + 6))
		return VSWITCH_DROP_BAD;
	return VSWITCH_DROP_NR;
}

static int deliver(struct vswitch_port *to, const struct virtio_net_hdr_v1 *hdr,
		   const struct iovec *iov, int iovcnt, size_t len)
{
	int r = to->ops->deliver(to, to->opaque, hdr, iov, iovcnt, len);

	/* Any failure is the destination's: -ENOBUFS (no room) is the usual
	 * one, a TAP that is down the other; counted the same. */
	if (r < 0)
		return drop(to, VSWITCH_DROP_NOBUFS, 0);
	to->st.tx_frames++;
	to->st.tx_bytes += len;
	return 1;
}

int vswitch_input(struct vswitch_port *p, const struct virtio_net_hdr_v1 *hdr,
		  const struct iovec *iov, int iovcnt, size_t len)
{
	static const struct virtio_net_hdr_v1 plain;
	struct vswitch *sw = p->sw;
	struct vswitch_port *to;
	enum vswitch_drop why;
	uint8_t head[VSWITCH_ETH_HLEN] = {0};
	uint64_t now;
	int n = 0;

	if (!hdr)
		hdr = &plain;
	if (iovcnt < 0 || !frame_head(iov, iovcnt, len, head))
		return drop(p, VSWITCH_DROP_BAD, -EINVAL);
	why = input_check(p, hdr, head, len);
	if (why != VSWITCH_DROP_NR)
		return drop(p, why, why == VSWITCH_DROP_SPOOF ? -EPERM : -EINVAL);
	now = vswitch_now();
	/* VM0 sending from a guest's own address is a spoof too. */
	if (!mactable_learn(&sw->macs, head + 6, p, false, now))
		return drop(p, VSWITCH_DROP_SPOOF, -EPERM);
	p->st.rx_frames++;
	p->st.rx_bytes += len;

	to = mac_is_multicast(head) ? NULL : mactable_lookup(&sw->macs, head, now);
	if (to) /* a learned unicast; to itself: filtered, as on a real switch */
		return to == p ? 0 : deliver(to, hdr, iov, iovcnt, len);
	for (to = sw->ports; to; to = to->next)
		if (to != p)
			n += deliver(to, hdr, iov, iovcnt, len);
	return n;
}

const struct vswitch_port_stats *vswitch_port_stats(const struct vswitch_port *p)
{
	return &p->st;
}

json_t *vswitch_port_json(const struct vswitch_port *p)
{
	static const char *const why[VSWITCH_DROP_NR] = {
	    [VSWITCH_DROP_SHORT] = "short", [VSWITCH_DROP_LONG] = "long",
	    [VSWITCH_DROP_SPOOF] = "spoof", [VSWITCH_DROP_NOBUFS] = "nobufs",
	    [VSWITCH_DROP_BAD] = "bad",
	};
	json_t *drops = json_object();
	char mac[18];

	for (int i = 0; i < VSWITCH_DROP_NR; i++)
		json_object_set_new(drops, why[i], json_integer((json_int_t)p->st.drops[i]));
	mac_format(mac, p->mac);
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o}", "name", p->name, "mac",
			 mac, "switch", p->sw->name, "kind", p->uplink ? "uplink" : "guest",
			 "rx_frames", (json_int_t)p->st.rx_frames, "rx_bytes",
			 (json_int_t)p->st.rx_bytes, "tx_frames", (json_int_t)p->st.tx_frames,
			 "tx_bytes", (json_int_t)p->st.tx_bytes, "drops", drops);
}

json_t *vswitch_all_json(void)
{
	json_t *list = json_array();
	uint64_t now = vswitch_now();

	for (struct vswitch *sw = switches; sw; sw = sw->next) {
		json_t *ports = json_array();

		for (struct vswitch_port *p = sw->ports; p; p = p->next)
			json_array_append_new(ports, vswitch_port_json(p));
		json_array_append_new(
		    list, json_pack("{s:s, s:s?, s:i, s:o, s:o}", "name", sw->name, "uplink",
				    sw->uplink ? sw->uplink->name : NULL, "mtu", (int)sw->mtu,
				    "ports", ports, "macs", mactable_json(&sw->macs, now)));
	}
	return json_pack("{s:o}", "switches", list);
}
