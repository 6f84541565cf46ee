/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-gpu, 2D only (virtio 1.2, 5.7). Layouts and numbers come from
 * <linux/virtio_gpu.h>.
 *
 * Offered: VIRTIO_GPU_F_EDID; one scanout of the configured size. Queues:
 * 0 controlq, 1 cursorq. Served on the controlq: GET_DISPLAY_INFO,
 * GET_EDID, RESOURCE_CREATE_2D, RESOURCE_UNREF, SET_SCANOUT,
 * RESOURCE_FLUSH, TRANSFER_TO_HOST_2D, RESOURCE_ATTACH_BACKING,
 * RESOURCE_DETACH_BACKING; on the cursorq UPDATE_CURSOR and MOVE_CURSOR.
 * Everything else (3D, blobs, capsets) is ERR_UNSPEC.
 *
 * A resource is a host copy of the guest's image (what TRANSFER_TO_HOST_2D
 * defines its content to be): 4 bytes a pixel, in one of the formats
 * Linux uses (vgpu_format_rgb). Its backing is a scatter list in guest RAM,
 * each entry checked to lie wholly inside one RAM region when attached
 * (overlapping entries are harmless: the device only reads them). Host
 * memory of one device's resources (pixels and backing lists) is bounded
 * by params.mem_max: a create or attach beyond it gets ERR_OUT_OF_MEMORY.
 *
 * Requests are copied out of the guest's buffers before they are looked
 * at; every command runs to its end in the kick (no I/O of its own), so a
 * fence is complete when its response is used.
 *
 * Loop thread only.
 */
#ifndef KEELD_VIRTIO_GPU_H
#define KEELD_VIRTIO_GPU_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "virtio/transport.h"

#define VGPU_QUEUE_MAX 256         /* QueueNumMax of both queues */
#define VGPU_DIM_MAX 16384         /* a resource's or a scanout's width and height */
#define VGPU_RES_MAX 1024          /* resources one guest may hold */
#define VGPU_BACKING_MAX 65536     /* entries of one backing list */
#define VGPU_MEM_DEFAULT (64ULL << 20)
#define VGPU_BPP 4

struct vgpu;

struct vgpu_params {
	uint32_t width, height;    /* the scanout's mode (<= VGPU_DIM_MAX) */
	uint64_t mem_max;          /* bytes of host memory for resources */
};

struct vgpu_rect {
	uint32_t x, y, w, h;
};

/* What a display (VM0's screen) hears; every hook may be NULL. */
struct vgpu_io {
	/* Scanout 0 shows new pixels in r: a RESOURCE_FLUSH, clipped to the
	 * scanout, in its coordinates (inside vgpu_scanout's w x h); a new
	 * resource or size (r is all of it); or nothing any more
	 * (vgpu_scanout gives -ENODATA). */
	void (*update)(void *opaque, const struct vgpu_rect *r);
	void *opaque;
};

/* The picture a scanout shows: rows of w pixels, stride bytes apart, in a
 * format vgpu_format_rgb knows. Valid until the next command or reset. */
struct vgpu_image {
	uint32_t w, h, stride, format;
	const uint8_t *pixels;
};

struct vgpu_stats {
	uint64_t cmds, cursor_cmds;
	uint64_t errors;           /* commands answered with an ERR_* */
	uint64_t bad;              /* malformed chains */
	uint64_t transfers, transfer_bytes;
	uint64_t flushes;
	uint64_t resources;        /* held now */
	uint64_t res_bytes;        /* host memory they take now */
	uint64_t created, released;
};

extern const struct virtio_dev_ops vgpu_ops;

/* The device for transport t. -ENOMEM, -EINVAL (a size out of range). */
int vgpu_create(struct vgpu **out, struct virtio_mmio *t, const struct vgpu_params *p,
		const struct vgpu_io *io);
/* Call virtio_mmio_destroy(t) first. */
void vgpu_destroy(struct vgpu *g);
void vgpu_get_stats(const struct vgpu *g, struct vgpu_stats *out);
/* Scanout 0's picture: 0, or -ENODATA when the guest shows nothing. */
int vgpu_scanout(const struct vgpu *g, struct vgpu_image *img);
/* A keeld restart (virtio_gpu_state.c): the model's state, NULL when out
 * of memory; and back into a model just created over the restored guest
 * RAM. A state that does not validate as the commands would: -EINVAL or
 * -ENOMEM with the reason in err, and the model holds nothing. */
json_t *vgpu_save(const struct vgpu *g);
int vgpu_restore(struct vgpu *g, const json_t *state, char *err, size_t errlen);
/* Byte offsets of red, green and blue in a pixel of a VIRTIO_GPU_FORMAT_*
 * (the names give memory order); false: not a format served here. */
bool vgpu_format_rgb(uint32_t format, unsigned rgb[3]);
/* The EDID 1.3 base block (128 bytes) of a width x height 60 Hz monitor. */
void vgpu_edid(uint8_t edid[128], uint32_t width, uint32_t height);

#endif
