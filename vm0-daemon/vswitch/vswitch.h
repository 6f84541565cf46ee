/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keeld's vswitch: an L2 learning switch joining guest NICs (virtio-net
 * devices, devices/virtio_net*.c) and one uplink TAP in VM0 per switch.
 *
 * The contract between a port's owner and the switch:
 *  - A frame enters the switch with vswitch_input(): the switch checks it
 *    (14 bytes .. mtu + 14; a guest port may send only from its own MAC),
 *    learns the source, and hands it to each destination port's deliver()
 *    (one port for a learned unicast, every other port for broadcast,
 *    multicast and unknown unicast).
 *  - deliver() copies the frame out before it returns (into guest RX
 *    buffers, or writev() to the TAP): the iov points into the sender's
 *    guest RAM or keeld's buffer and is not valid afterwards. So a frame
 *    between two guests is copied once, from one guest's RAM to the other's.
 *  - Offloads travel in a struct virtio_net_hdr_v1 beside the frame (the
 *    layout IFF_VNET_HDR TAPs use): csum_start/offset for a partial
 *    checksum, gso_type/size for a segmented frame. num_buffers is the
 *    receiver's business and is ignored on input.
 *  - A port that cannot take a frame (no RX buffers, TAP full) returns
 *    -ENOBUFS; the switch drops it and counts it on that port. Nobody waits
 *    for a slow port.
 *  - A port's owner bounds how many frames it feeds per loop iteration
 *    (VSWITCH_BUDGET) so one flooding guest cannot starve the others.
 *
 * Everything runs on keeld's loop thread.
 */
#ifndef KEELD_VSWITCH_H
#define KEELD_VSWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <jansson.h>
#include <linux/virtio_net.h>
#include <uv.h>

#define VSWITCH_NAME_MAX 16     /* IFNAMSIZ: a switch's uplink TAP may carry its name */
#define VSWITCH_BUDGET 64       /* frames a port feeds per loop iteration */
#define VSWITCH_ETH_HLEN 14
#define VSWITCH_DEFAULT "keel0"  /* the switch (and uplink TAP) a NIC joins unless told */

struct vswitch;
struct vswitch_port;

/* Why a frame was dropped; counted per port (the port it came from for
 * input checks, the port it was going to for ENOBUFS). */
enum vswitch_drop {
	VSWITCH_DROP_SHORT,     /* under 14 bytes */
	VSWITCH_DROP_LONG,      /* over the switch's MTU + 14 (and not GSO) */
	VSWITCH_DROP_SPOOF,     /* source MAC not the port's own */
	VSWITCH_DROP_NOBUFS,    /* the destination had no room */
	VSWITCH_DROP_BAD,       /* malformed offload header or chain */
	VSWITCH_DROP_NR,
};

struct vswitch_port_stats {
	uint64_t rx_frames, rx_bytes;   /* into the switch from this port */
	uint64_t tx_frames, tx_bytes;   /* out of the switch to this port */
	uint64_t drops[VSWITCH_DROP_NR];
};

struct vswitch_port_ops {
	/* Take one frame now (copy it out); -ENOBUFS: no room. */
	int (*deliver)(struct vswitch_port *p, void *opaque, const struct virtio_net_hdr_v1 *hdr,
		       const struct iovec *iov, int iovcnt, size_t len);
};

/* The switch named name (created, with its uplink TAP, on first use);
 * NULL with err set when the uplink cannot be made. Reference-counted. */
struct vswitch *vswitch_get(uv_loop_t *loop, const char *name, char *err, size_t errlen);
void vswitch_put(struct vswitch *sw);
unsigned vswitch_mtu(const struct vswitch *sw);

/* A guest port: mac is its own and the only source it may send from. The
 * port is forgotten (and its learned MACs with it) by vswitch_port_del. */
struct vswitch_port *vswitch_port_add(struct vswitch *sw, const char *name, const uint8_t mac[6],
				      const struct vswitch_port_ops *ops, void *opaque);
void vswitch_port_del(struct vswitch_port *p);

/* A frame from p into the switch. Returns how many ports took it, or a
 * negative errno when it was dropped at input (and counted on p). */
int vswitch_input(struct vswitch_port *p, const struct virtio_net_hdr_v1 *hdr,
		  const struct iovec *iov, int iovcnt, size_t len);

const struct vswitch_port_stats *vswitch_port_stats(const struct vswitch_port *p);
/* {"name", "mac", "rx_frames", ..., "drops": {"short": n, ...}} */
json_t *vswitch_port_json(const struct vswitch_port *p);
/* Every switch: {"switches": [{"name", "uplink", "mtu", "ports": [...],
 * "macs": [{"mac", "port", "age_s"}]}]} for `keel net`. */
json_t *vswitch_all_json(void);

#endif
