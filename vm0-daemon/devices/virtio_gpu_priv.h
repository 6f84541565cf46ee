/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside virtio-gpu: the device's state and the command handlers'
 * signature, shared by virtio_gpu.c (queues, dispatch, display info,
 * cursor) and virtio_gpu_res.c (resources and scanouts).
 */
#ifndef KEELD_VIRTIO_GPU_PRIV_H
#define KEELD_VIRTIO_GPU_PRIV_H

#include <linux/virtio_gpu.h>

#include "devices/virtio_gpu.h"

/* One entry of a backing list, resolved: off is where it starts in the
 * backing's byte stream (entries are in the guest's order). */
struct vgpu_seg {
	const uint8_t *host;
	uint64_t gpa;                  /* where the guest said (a restart's state) */
	uint64_t off;
	uint32_t len;
};

struct vgpu_res {
	uint32_t id, format, w, h, stride;
	uint8_t *pixels;               /* stride * h bytes, the host copy */
	struct vgpu_seg *seg;          /* backing, NULL: none attached */
	uint32_t nseg;
	uint64_t backing_len;          /* sum of the entries' lengths */
	uint64_t bytes;                /* host memory charged (pixels + seg) */
	struct vgpu_res *next;
};

struct vgpu_scanout {
	struct vgpu_res *res;          /* NULL: disabled */
	struct vgpu_rect r;            /* the part of res shown */
};

struct vgpu_cursor {
	uint32_t res_id, x, y, hot_x, hot_y;
};

struct vgpu {
	struct virtio_mmio *t;
	struct vgpu_params p;
	struct vgpu_io io;
	struct virtio_gpu_config cfg;  /* little-endian, as the guest reads it */
	bool running;
	struct vgpu_res *res;          /* every resource, newest first */
	uint64_t mem_used;
	struct vgpu_scanout scanout;
	struct vgpu_cursor cursor;
	struct vq_chain *chain;        /* vq_pop scratch: too big for the stack */
	struct vgpu_stats stats;
};

/* A command's request, copied out of the chain (the largest fixed part). */
union vgpu_req {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_resource_create_2d create;
	struct virtio_gpu_resource_unref unref;
	struct virtio_gpu_set_scanout scanout;
	struct virtio_gpu_resource_flush flush;
	struct virtio_gpu_transfer_to_host_2d xfer;
	struct virtio_gpu_resource_attach_backing attach;
	struct virtio_gpu_resource_detach_backing detach;
	struct virtio_gpu_cmd_get_edid edid;
	struct virtio_gpu_update_cursor cursor;
};

/* A response: the header and what follows it. */
union vgpu_resp {
	struct virtio_gpu_ctrl_hdr hdr;
	struct virtio_gpu_resp_display_info info;
	struct virtio_gpu_resp_edid edid;
};

/* A handler answers with a VIRTIO_GPU_RESP_* type; OK_NODATA needs nothing
 * more, the OK_* with data fill resp past the header and set *len. ch is
 * the whole chain (attach reads its entries after the request). */
typedef uint32_t vgpu_cmd_fn(struct vgpu *g, const union vgpu_req *q, const struct vq_chain *ch,
			     union vgpu_resp *resp, uint32_t *len);

/* virtio_gpu.c: what vgpu_save returns changed (the transport's hook). */
void vgpu_changed(struct vgpu *g);

/* virtio_gpu_res.c */
vgpu_cmd_fn vgpu_res_create, vgpu_res_unref, vgpu_set_scanout, vgpu_res_flush,
	vgpu_transfer, vgpu_attach, vgpu_detach;
struct vgpu_res *vgpu_res_find(const struct vgpu *g, uint32_t id);
/* The checks and charges of the commands, shared with a restart's restore
 * (virtio_gpu_state.c), whose values are as untrusted as the guest's:
 * a VIRTIO_GPU_RESP_* each. */
uint32_t vgpu_res_new(struct vgpu *g, uint32_t id, uint32_t fmt, uint32_t w, uint32_t h);
uint32_t vgpu_scanout_set(struct vgpu *g, uint32_t scanout_id, uint32_t id,
			  const struct virtio_gpu_rect *gr);
/* A backing list of n entries for res (none attached), then each entry i
 * in order: false (and no backing any more) when it is not all in RAM. */
uint32_t vgpu_backing_alloc(struct vgpu *g, struct vgpu_res *res, uint32_t n);
bool vgpu_backing_entry(struct vgpu *g, struct vgpu_res *res, uint32_t i, uint64_t addr,
			uint32_t len);
/* The host copy refilled from all of its backing (offset 0, a full
 * transfer as the guest last asked for them). */
void vgpu_res_refill(struct vgpu_res *r);
/* Every resource goes, scanout and cursor with them (reset, destroy). */
void vgpu_res_release_all(struct vgpu *g);

#endif
