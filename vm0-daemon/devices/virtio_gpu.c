// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-gpu's queues: commands copied out of each chain, dispatched by
 * type through one table, answered in the chain's writable part; the
 * display information, the EDID and the cursor. virtio_gpu.h says what is
 * offered and guaranteed; resources are in virtio_gpu_res.c.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_ids.h>

#include "devices/virtio_gpu_priv.h"
#include "log.h"
#include "virtio/serve.h"

enum { VGPU_CTRLQ, VGPU_CURSORQ, VGPU_NR_QUEUES };

#define VGPU_SCANOUTS 1

static uint32_t vgpu_display_info(struct vgpu *g, const union vgpu_req *q,
				  const struct vq_chain *ch, union vgpu_resp *resp, uint32_t *len)
{
	struct virtio_gpu_display_one *m = &resp->info.pmodes[0];

	memset(resp->info.pmodes, 0, sizeof(resp->info.pmodes));
	m->r.width = htole32(g->p.width);
	m->r.height = htole32(g->p.height);
	m->enabled = htole32(1);
	*len = sizeof(resp->info);
	return VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
}

static uint32_t vgpu_get_edid(struct vgpu *g, const union vgpu_req *q, const struct vq_chain *ch,
			      union vgpu_resp *resp, uint32_t *len)
{
	if (le32toh(q->edid.scanout) >= VGPU_SCANOUTS)
		return VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
	memset(resp->edid.edid, 0, sizeof(resp->edid.edid));
	vgpu_edid(resp->edid.edid, g->p.width, g->p.height);
	resp->edid.size = htole32(128);
	resp->edid.padding = 0;
	*len = sizeof(resp->edid);
	return VIRTIO_GPU_RESP_OK_EDID;
}

static uint32_t vgpu_cursor_cmd(struct vgpu *g, const union vgpu_req *q, const struct vq_chain *ch,
				union vgpu_resp *resp, uint32_t *len)
{
	const struct virtio_gpu_update_cursor *c = &q->cursor;

	if (le32toh(c->pos.scanout_id) >= VGPU_SCANOUTS)
		return VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
	if (le32toh(c->hdr.type) == VIRTIO_GPU_CMD_UPDATE_CURSOR) {
		uint32_t id = le32toh(c->resource_id);

		if (id && !vgpu_res_find(g, id))
			return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
		g->cursor.res_id = id;
		g->cursor.hot_x = le32toh(c->hot_x);
		g->cursor.hot_y = le32toh(c->hot_y);
		/* Only a new image is worth a save: moves come with every
		 * step of the mouse, and a restart may lose the last one. */
		vgpu_changed(g);
	}
	g->cursor.x = le32toh(c->pos.x);
	g->cursor.y = le32toh(c->pos.y);
	return VIRTIO_GPU_RESP_OK_NODATA;
}

void vgpu_changed(struct vgpu *g)
{
	if (g->t->changed)
		g->t->changed(g->t->changed_opaque);
}

/* Commands by type: the request's size, the handler, and whether its
 * success changes what vgpu_save returns (resources, backing, scanout). */
static const struct vgpu_cmd {
	uint32_t type;
	uint32_t req_len;
	vgpu_cmd_fn *fn;
	bool changes;
} vgpu_cmds[] = {
	{ VIRTIO_GPU_CMD_GET_DISPLAY_INFO, sizeof(struct virtio_gpu_ctrl_hdr),
	  vgpu_display_info, false },
	{ VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, sizeof(struct virtio_gpu_resource_create_2d),
	  vgpu_res_create, true },
	{ VIRTIO_GPU_CMD_RESOURCE_UNREF, sizeof(struct virtio_gpu_resource_unref),
	  vgpu_res_unref, true },
	{ VIRTIO_GPU_CMD_SET_SCANOUT, sizeof(struct virtio_gpu_set_scanout),
	  vgpu_set_scanout, true },
	{ VIRTIO_GPU_CMD_RESOURCE_FLUSH, sizeof(struct virtio_gpu_resource_flush),
	  vgpu_res_flush, false },
	{ VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, sizeof(struct virtio_gpu_transfer_to_host_2d),
	  vgpu_transfer, false },
	{ VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, sizeof(struct virtio_gpu_resource_attach_backing),
	  vgpu_attach, true },
	{ VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, sizeof(struct virtio_gpu_resource_detach_backing),
	  vgpu_detach, true },
	{ VIRTIO_GPU_CMD_GET_EDID, sizeof(struct virtio_gpu_cmd_get_edid),
	  vgpu_get_edid, false },
	{ VIRTIO_GPU_CMD_UPDATE_CURSOR, sizeof(struct virtio_gpu_update_cursor),
	  vgpu_cursor_cmd, false },
	{ VIRTIO_GPU_CMD_MOVE_CURSOR, sizeof(struct virtio_gpu_update_cursor),
	  vgpu_cursor_cmd, false },
};

static const struct vgpu_cmd *vgpu_cmd_find(uint32_t type)
{
	for (size_t i = 0; i < sizeof(vgpu_cmds) / sizeof(vgpu_cmds[0]); i++)
		if (vgpu_cmds[i].type == type)
			return &vgpu_cmds[i];
	return NULL;
}

/* One chain of queue qi: the bytes of the response written into it. */
static uint32_t vgpu_serve(void *dev, unsigned qi, const struct vq_chain *ch)
{
	struct vgpu *g = dev;
	union vgpu_req q;
	union vgpu_resp resp;
	const struct vgpu_cmd *c;
	uint32_t type, len = sizeof(resp.hdr);
	bool cursor;

	memset(&q, 0, sizeof(q));
	if (vq_chain_read(ch, 0, &q, sizeof(q)) < sizeof(q.hdr)) {
		g->stats.bad++;
		return 0;
	}
	type = le32toh(q.hdr.type);
	c = vgpu_cmd_find(type);
	cursor = type == VIRTIO_GPU_CMD_UPDATE_CURSOR || type == VIRTIO_GPU_CMD_MOVE_CURSOR;
	if (qi == VGPU_CURSORQ) {
		g->stats.cursor_cmds++;
		/* Linux queues cursor commands with no room for an answer. */
		if (!cursor || ch->out_bytes < c->req_len)
			g->stats.bad++;
		else if (vgpu_cursor_cmd(g, &q, ch, &resp, &len) != VIRTIO_GPU_RESP_OK_NODATA)
			g->stats.errors++;
		return 0;
	}
	g->stats.cmds++;
	memset(&resp.hdr, 0, sizeof(resp.hdr));
	if (!c || cursor)
		type = VIRTIO_GPU_RESP_ERR_UNSPEC;
	else if (ch->out_bytes < c->req_len)
		type = VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	else
		type = c->fn(g, &q, ch, &resp, &len);
	if (type >= VIRTIO_GPU_RESP_ERR_UNSPEC) {
		g->stats.errors++;
		len = sizeof(resp.hdr);
	} else if (c->changes) {
		vgpu_changed(g);
	}
	resp.hdr.type = htole32(type);
	/* Every command is done by now: its fence with it. */
	if (le32toh(q.hdr.flags) & VIRTIO_GPU_FLAG_FENCE) {
		resp.hdr.flags = htole32(VIRTIO_GPU_FLAG_FENCE |
					 (le32toh(q.hdr.flags) & VIRTIO_GPU_FLAG_INFO_RING_IDX));
		resp.hdr.fence_id = q.hdr.fence_id;
		resp.hdr.ctx_id = q.hdr.ctx_id;
		resp.hdr.ring_idx = q.hdr.ring_idx;
	}
	if (ch->in_bytes < len)
		g->stats.bad++;
	return (uint32_t)vq_chain_write(ch, 0, &resp, len);
}

/* ---- virtio_dev_ops ---- */

static void vgpu_kick(void *dev, unsigned q)
{
	struct vgpu *g = dev;

	if (g->running && q < VGPU_NR_QUEUES)
		virtio_serve_avail(&(const struct virtio_server){ .t = g->t, .chain = g->chain,
								  .bad = &g->stats.bad, .dev = g },
				   q, vgpu_serve);
}

static void vgpu_start(void *dev)
{
	((struct vgpu *)dev)->running = true;
}

/* A reset forgets every resource: the driver creates them anew. */
static void vgpu_reset(void *dev)
{
	struct vgpu *g = dev;

	g->running = false;
	vgpu_res_release_all(g);
	g->cfg.events_read = 0;
}

static uint64_t vgpu_features(void *dev)
{
	return 1ULL << VIRTIO_GPU_F_EDID;
}

static uint32_t vgpu_config_size(void *dev)
{
	return sizeof(struct virtio_gpu_config);
}

static void vgpu_config_read(void *dev, uint32_t off, void *buf, unsigned len)
{
	memcpy(buf, (const uint8_t *)&((struct vgpu *)dev)->cfg + off, len);
}

/* Only events_clear is writable: its bits clear events_read. */
static void vgpu_config_write(void *dev, uint32_t off, const void *buf, unsigned len)
{
	struct vgpu *g = dev;
	const uint32_t at = offsetof(struct virtio_gpu_config, events_clear);
	uint32_t v = 0;

	if (off != at || len != sizeof(v))
		return;
	memcpy(&v, buf, sizeof(v));
	g->cfg.events_read &= ~v;
}

const struct virtio_dev_ops vgpu_ops = {
	.name = "virtio-gpu",
	.device_id = VIRTIO_ID_GPU,
	.nr_queues = VGPU_NR_QUEUES,
	.queue_max = VGPU_QUEUE_MAX,
	.features = vgpu_features,
	.config_size = vgpu_config_size,
	.config_read = vgpu_config_read,
	.config_write = vgpu_config_write,
	.start = vgpu_start,
	.kick = vgpu_kick,
	.reset = vgpu_reset,
};

int vgpu_create(struct vgpu **out, struct virtio_mmio *t, const struct vgpu_params *p,
		const struct vgpu_io *io)
{
	struct vgpu *g;

	*out = NULL;
	if (!p->width || !p->height || p->width > VGPU_DIM_MAX || p->height > VGPU_DIM_MAX)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g || !(g->chain = malloc(sizeof(*g->chain)))) {
		free(g);
		return -ENOMEM;
	}
	g->t = t;
	g->p = *p;
	if (io)
		g->io = *io;
	g->cfg.num_scanouts = htole32(VGPU_SCANOUTS);
	*out = g;
	return 0;
}

void vgpu_destroy(struct vgpu *g)
{
	if (!g)
		return;
	vgpu_res_release_all(g);
	free(g->chain);
	free(g);
}

void vgpu_get_stats(const struct vgpu *g, struct vgpu_stats *out)
{
	*out = g->stats;
}

int vgpu_scanout(const struct vgpu *g, struct vgpu_image *img)
{
	const struct vgpu_scanout *s = &g->scanout;

	if (!s->res)
		return -ENODATA;
	*img = (struct vgpu_image){
		.w = s->r.w,
		.h = s->r.h,
		.stride = s->res->stride,
		.format = s->res->format,
		.pixels = s->res->pixels + (uint64_t)s->r.y * s->res->stride +
			  (uint64_t)s->r.x * VGPU_BPP,
	};
	return 0;
}
