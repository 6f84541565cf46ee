/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-console (virtio 1.2, 5.3) with one port, port 0, which is the
 * guest's console (Linux: /dev/hvc0). Layouts and numbers come from
 * <linux/virtio_console.h>.
 *
 * Offered: SIZE (80x24 in the config space) and MULTIPORT (max_nr_ports
 * 1). Queues: 0 receiveq and 1 transmitq of port 0, then, with MULTIPORT,
 * 2 control receiveq (device to driver) and 3 control transmitq. With
 * MULTIPORT Linux announces DEVICE_READY, we answer PORT_ADD 0, it answers
 * PORT_READY, we answer CONSOLE_PORT, RESIZE and PORT_OPEN, and it opens
 * the port (PORT_OPEN 1) once hvc0 exists. Without it, port 0 is the
 * console from DRIVER_OK on.
 *
 * Output: a transmitq kick takes every chain there is and hands each
 * readable segment to io->write in one call (Linux's hvc writes one chain
 * per put_chars and spins until it is used, so used entries go back in the
 * same kick). Input: vcons_input (bytes wait in the host) reads from
 * io->read into a staging buffer and copies into receiveq buffers; what
 * finds no buffer waits there for the driver's next receiveq kick. Input
 * before the guest opened the port would be thrown away by Linux, so it
 * waits in the host until then.
 *
 * Loop thread only (the transport's calls and vcons_input); no I/O of its
 * own, so reset never waits.
 */
#ifndef KEELD_VIRTIO_CONSOLE_H
#define KEELD_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "virtio/transport.h"

#define VCONS_QUEUE_MAX 128  /* QueueNumMax of every queue */
#define VCONS_COLS 80
#define VCONS_ROWS 24

struct vcons;

/* Where the console's bytes go and come from (the VM's /dev/hvc<id>). */
struct vcons_io {
	/* Bytes the guest printed. */
	void (*write)(void *opaque, const void *buf, size_t len);
	/* Bytes typed for the guest: how many (<= len), or -EAGAIN: none. */
	int (*read)(void *opaque, void *buf, size_t len);
	void *opaque;
};

struct vcons_stats {
	uint64_t out_bytes, out_chains;
	uint64_t in_bytes, in_chains;
	uint64_t ctrl_in, ctrl_out;  /* control messages sent, received */
	uint64_t bad;                /* malformed chains or control messages */
};

extern const struct virtio_dev_ops vcons_ops;

/* The device for transport t (initialise t afterwards with
 * virtio_mmio_init(t, &vcons_ops, *out, ...)). -ENOMEM. */
int vcons_create(struct vcons **out, struct virtio_mmio *t, const struct vcons_io *io);
/* Call virtio_mmio_destroy(t) first. */
void vcons_destroy(struct vcons *c);
/* The host has bytes for the guest: move what the receiveq takes. */
void vcons_input(struct vcons *c);
void vcons_get_stats(const struct vcons *c, struct vcons_stats *out);
/* The model's part of a keeld restart (after the transport's restore). */
json_t *vcons_save(const struct vcons *c);
void vcons_restore(struct vcons *c, const json_t *state);

#endif
