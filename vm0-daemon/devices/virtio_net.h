/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net (virtio 1.2, 5.1) as a port of keeld's vswitch
 * (vswitch/vswitch.h): queue 0 receives, queue 1 transmits; no control
 * queue, no multiqueue. Layouts and feature bits come from
 * <linux/virtio_net.h>; with VERSION_1 every buffer starts with a
 * struct virtio_net_hdr_v1 (12 bytes), num_buffers included.
 *
 * Offered: MAC, STATUS (link always up), MTU (the switch's), MRG_RXBUF,
 * CSUM and GUEST_CSUM, HOST_TSO4/6 and GUEST_TSO4/6; the transport adds
 * EVENT_IDX and INDIRECT_DESC.
 *
 * TX (the guest sends): a kick drains the TX queue on the loop thread, at
 * most VSWITCH_BUDGET frames per loop iteration (the rest on the next one,
 * kicks left off meanwhile). Each chain's header is copied and checked
 * (flags, checksum window, GSO type against what was negotiated); the
 * frame itself is handed to vswitch_input() as iovecs pointing into guest
 * RAM, not copied. Bad chains and headers are completed empty and counted.
 *
 * RX (a frame for the guest): deliver() copies the header and the frame
 * into posted RX buffers, over several with MRG_RXBUF; no buffers means the
 * frame is dropped (-ENOBUFS) at once, nothing is queued. Offloads the
 * guest did not negotiate are resolved here: a partial checksum is
 * completed in the copy; a GSO frame for a guest without the matching
 * GUEST_TSO is refused (counted). RX kicks are not wanted (nothing waits
 * for buffers) and stay disabled.
 *
 * Interrupts: at most one per queue per loop iteration (an idle handle
 * collects the iteration's used buffers), subject to EVENT_IDX /
 * NO_INTERRUPT. Without a loop (unit tests, fuzzer) each kick or delivery
 * raises its own.
 *
 * Malformed RX buffers (device-readable parts, shorter than the header) or
 * corrupt rings: NEEDS_RESET, as virtio-blk does.
 * Everything runs on the loop thread.
 */
#ifndef KEELD_VIRTIO_NET_H
#define KEELD_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "virtio/transport.h"
#include "vswitch/vswitch.h"

#define VNET_QUEUE_MAX 256             /* QueueNumMax of both queues */
#define VNET_RXQ 0
#define VNET_TXQ 1
#define VNET_HDR_LEN 12                /* struct virtio_net_hdr_v1 */
/* Largest frame either way: a 64 KiB GSO packet plus an Ethernet and a
 * VLAN header. */
#define VNET_FRAME_MAX (65536 + 18)

struct vnet;

/* Counters since creation of what the device itself refused; the switch
 * counts frames, bytes and its own drops on the port (vswitch_port_stats). */
struct vnet_stats {
	uint64_t tx_bad_chain;    /* TX chain with device-writable parts, no header, over VNET_FRAME_MAX */
	uint64_t tx_bad_header;   /* flags, checksum window or GSO the guest may not use */
	uint64_t rx_no_buffers;   /* no (or too few) RX buffers posted: frame dropped */
	uint64_t rx_offload;      /* GSO frame for a guest without that GUEST_TSO */
	uint64_t rx_bad_chain;    /* malformed RX buffer: NEEDS_RESET */
	uint64_t rx_csum_done;    /* partial checksums completed for the guest */
};

extern const struct virtio_dev_ops vnet_ops;

/**
 * Create the device for transport t (only the pointer is kept: initialise
 * it afterwards with virtio_mmio_init(t, &vnet_ops, *out, ...)) as a port
 * named port_name of switch sw, sending from mac. loop: keeld's loop, or
 * NULL (interrupts at once). -ENOMEM, or what vswitch_port_add failed with,
 * and a message in err.
 */
int vnet_create(struct vnet **out, uv_loop_t *loop, struct virtio_mmio *t, struct vswitch *sw,
		const char *port_name, const uint8_t mac[6], char *err, size_t errlen);
/**
 * Leave the switch and free the device; call virtio_mmio_destroy(t) first.
 * With a loop the memory goes once the idle handle has closed: release
 * (may be NULL) is called then, so the owner of t frees it there.
 */
void vnet_destroy(struct vnet *n, void (*release)(void *opaque), void *opaque);
void vnet_get_stats(const struct vnet *n, struct vnet_stats *out);
/* The switch's counters of this port, and the device's own: a new reference. */
json_t *vnet_json(const struct vnet *n);

#endif
