// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-gpu's resources: create, back with guest RAM, fill from it
 * (TRANSFER_TO_HOST_2D), show (SET_SCANOUT, RESOURCE_FLUSH), release.
 * Every value here came from the guest: sizes, rectangles and offsets are
 * checked in 64-bit arithmetic before any of them indexes memory.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio_gpu_priv.h"

/* Entries of a backing list read from the chain at a time. */
#define VGPU_ENTRY_BATCH 64

bool vgpu_format_rgb(uint32_t format, unsigned rgb[3])
{
	static const struct {
		uint32_t format;
		unsigned rgb[3];
	} fmts[] = {
		{ VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, { 2, 1, 0 } },
		{ VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, { 2, 1, 0 } },
		{ VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM, { 1, 2, 3 } },
		{ VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM, { 1, 2, 3 } },
		{ VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, { 0, 1, 2 } },
		{ VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM, { 0, 1, 2 } },
		{ VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM, { 3, 2, 1 } },
		{ VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM, { 3, 2, 1 } },
	};

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
		if (fmts[i].format == format) {
			memcpy(rgb, fmts[i].rgb, sizeof(fmts[i].rgb));
			return true;
		}
	return false;
}

struct vgpu_res *vgpu_res_find(const struct vgpu *g, uint32_t id)
{
	for (struct vgpu_res *r = g->res; r; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

/* rect (guest values) lies inside a w x h area, and is not empty. */
static bool rect_inside(const struct virtio_gpu_rect *gr, uint32_t w, uint32_t h,
			struct vgpu_rect *out)
{
	struct vgpu_rect r = { le32toh(gr->x), le32toh(gr->y), le32toh(gr->width),
			       le32toh(gr->height) };

	if (!r.w || !r.h || (uint64_t)r.x + r.w > w || (uint64_t)r.y + r.h > h)
		return false;
	*out = r;
	return true;
}

static void vgpu_update(struct vgpu *g, const struct vgpu_rect *r)
{
	if (g->io.update)
		g->io.update(g->io.opaque, r);
}

static void scanout_disable(struct vgpu *g)
{
	struct vgpu_rect all = { 0, 0, g->p.width, g->p.height };

	if (!g->scanout.res)
		return;
	g->scanout.res = NULL;
	vgpu_update(g, &all);
}

static void backing_free(struct vgpu *g, struct vgpu_res *r)
{
	uint64_t b = (uint64_t)r->nseg * sizeof(*r->seg);

	free(r->seg);
	r->seg = NULL;
	r->nseg = 0;
	r->backing_len = 0;
	r->bytes -= b;
	g->mem_used -= b;
	g->stats.res_bytes = g->mem_used;
}

static void res_free(struct vgpu *g, struct vgpu_res *r)
{
	struct vgpu_res **p;

	if (g->scanout.res == r)
		scanout_disable(g);
	if (g->cursor.res_id == r->id)
		g->cursor.res_id = 0;
	for (p = &g->res; *p != r; p = &(*p)->next)
		;
	*p = r->next;
	backing_free(g, r);
	g->mem_used -= r->bytes;
	g->stats.res_bytes = g->mem_used;
	g->stats.resources--;
	g->stats.released++;
	free(r->pixels);
	free(r);
}

void vgpu_res_release_all(struct vgpu *g)
{
	while (g->res)
		res_free(g, g->res);
	g->scanout = (struct vgpu_scanout){ 0 };
	g->cursor = (struct vgpu_cursor){ 0 };
}

/* Can the device take bytes more of host memory? */
static bool mem_fits(const struct vgpu *g, uint64_t bytes)
{
	return bytes <= g->p.mem_max && g->mem_used <= g->p.mem_max - bytes;
}

uint32_t vgpu_res_new(struct vgpu *g, uint32_t id, uint32_t fmt, uint32_t w, uint32_t h)
{
	unsigned rgb[3];
	struct vgpu_res *r;
	uint64_t bytes;

	if (!id || vgpu_res_find(g, id))
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!vgpu_format_rgb(fmt, rgb) || !w || !h || w > VGPU_DIM_MAX || h > VGPU_DIM_MAX)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	bytes = (uint64_t)w * h * VGPU_BPP + sizeof(*r);
	if (g->stats.resources >= VGPU_RES_MAX || !mem_fits(g, bytes))
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	r = calloc(1, sizeof(*r));
	/* calloc: pages the guest never transfers into cost nothing yet,
	 * and read as black. */
	if (!r || !(r->pixels = calloc((size_t)h, (size_t)w * VGPU_BPP))) {
		free(r);
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	}
	*r = (struct vgpu_res){ .id = id, .format = fmt, .w = w, .h = h, .stride = w * VGPU_BPP,
				.pixels = r->pixels, .bytes = bytes, .next = g->res };
	g->res = r;
	g->mem_used += bytes;
	g->stats.res_bytes = g->mem_used;
	g->stats.resources++;
	g->stats.created++;
	return VIRTIO_GPU_RESP_OK_NODATA;
}

uint32_t vgpu_res_create(struct vgpu *g, const union vgpu_req *q, const struct vq_chain *ch,
			 union vgpu_resp *resp, uint32_t *len)
{
	return vgpu_res_new(g, le32toh(q->create.resource_id), le32toh(q->create.format),
			    le32toh(q->create.width), le32toh(q->create.height));
}

uint32_t vgpu_res_unref(struct vgpu *g, const union vgpu_req *q, const struct vq_chain *ch,
			union vgpu_resp *resp, uint32_t *len)
{
	struct vgpu_res *r = vgpu_res_find(g, le32toh(q->unref.resource_id));

	if (!r)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	res_free(g, r);
	return VIRTIO_GPU_RESP_OK_NODATA;
}

uint32_t vgpu_scanout_set(struct vgpu *g, uint32_t scanout_id, uint32_t id,
			  const struct virtio_gpu_rect *gr)
{
	struct vgpu_rect all, r;
	struct vgpu_res *res;

	if (scanout_id != 0)
		return VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
	if (!id) {
		scanout_disable(g);
		return VIRTIO_GPU_RESP_OK_NODATA;
	}
	if (!(res = vgpu_res_find(g, id)))
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!rect_inside(gr, res->w, res->h, &r))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	g->scanout.res = res;
	g->scanout.r = r;
	all = (struct vgpu_rect){ 0, 0, r.w, r.h };
	vgpu_update(g, &all);
	return VIRTIO_GPU_RESP_OK_NODATA;
}

uint32_t vgpu_set_scanout(struct vgpu *g, const union vgpu_req *q, const struct vq_chain *ch,
			  union vgpu_resp *resp, uint32_t *len)
{
	return vgpu_scanout_set(g, le32toh(q->scanout.scanout_id), le32toh(q->scanout.resource_id),
				&q->scanout.r);
}

uint32_t vgpu_res_flush(struct vgpu *g, const union vgpu_req *q, const struct vq_chain *ch,
			union vgpu_resp *resp, uint32_t *len)
{
	struct vgpu_res *res = vgpu_res_find(g, le32toh(q->flush.resource_id));
	const struct vgpu_scanout *s = &g->scanout;
	struct vgpu_rect r;
	uint64_t x0, y0, x1, y1;

	if (!res)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!rect_inside(&q->flush.r, res->w, res->h, &r))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	g->stats.flushes++;
	if (s->res != res)
		return VIRTIO_GPU_RESP_OK_NODATA;
	/* The flushed part of what the scanout shows, in its coordinates. */
	x0 = r.x > s->r.x ? r.x : s->r.x;
	y0 = r.y > s->r.y ? r.y : s->r.y;
	x1 = (uint64_t)r.x + r.w < (uint64_t)s->r.x + s->r.w ? (uint64_t)r.x + r.w :
							      (uint64_t)s->r.x + s->r.w;
	y1 = (uint64_t)r.y + r.h < (uint64_t)s->r.y + s->r.h ? (uint64_t)r.y + r.h :
							      (uint64_t)s->r.y + s->r.h;
	if (x0 < x1 && y0 < y1) {
		struct vgpu_rect d = { (uint32_t)(x0 - s->r.x), (uint32_t)(y0 - s->r.y),
				       (uint32_t)(x1 - x0), (uint32_t)(y1 - y0) };

		vgpu_update(g, &d);
	}
	return VIRTIO_GPU_RESP_OK_NODATA;
}

/* len bytes of r's backing from byte off into dst (the caller checked
 * off + len <= backing_len). */
static void backing_read(const struct vgpu_res *r, uint64_t off, uint8_t *dst, uint64_t len)
{
	uint32_t lo = 0, hi = r->nseg;

	/* The last entry that starts at or before off. */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->seg[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	for (uint32_t i = lo; len && i < r->nseg; i++) {
		uint64_t in = off - r->seg[i].off, n = r->seg[i].len - in;

		if (n > len)
			n = len;
		/* The guest may write its pages meanwhile: it gets what it
		 * wrote, torn at worst, never another guest's bytes. */
		memcpy(dst, r->seg[i].host + in, n);
		dst += n;
		off += n;
		len -= n;
	}
}

void vgpu_res_refill(struct vgpu_res *r)
{
	uint64_t all = (uint64_t)r->stride * r->h;

	/* Offset 0 with the resource's stride: the guest's whole image. */
	backing_read(r, 0, r->pixels, r->backing_len < all ? r->backing_len : all);
}

uint32_t vgpu_transfer(struct vgpu *g, const union vgpu_req *q, const struct vq_chain *ch,
		       union vgpu_resp *resp, uint32_t *len)
{
	struct vgpu_res *res = vgpu_res_find(g, le32toh(q->xfer.resource_id));
	uint64_t off = le64toh(q->xfer.offset), row, need;
	struct vgpu_rect r;

	if (!res)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!res->seg || !rect_inside(&q->xfer.r, res->w, res->h, &r))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	/* Row i comes from off + i * stride (the guest's image has the
	 * resource's stride, as in QEMU): all of it inside the backing. */
	row = (uint64_t)r.w * VGPU_BPP;
	need = (uint64_t)res->stride * (r.h - 1) + row;
	if (off > res->backing_len || res->backing_len - off < need)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	if (r.x == 0 && r.w == res->w) {
		/* Whole rows: one run on both sides. */
		backing_read(res, off, res->pixels + (uint64_t)r.y * res->stride, need);
	} else {
		for (uint32_t i = 0; i < r.h; i++)
			backing_read(res, off + (uint64_t)i * res->stride,
				     res->pixels + (uint64_t)(r.y + i) * res->stride +
					     (uint64_t)r.x * VGPU_BPP,
				     row);
	}
	g->stats.transfers++;
	g->stats.transfer_bytes += row * r.h;
	return VIRTIO_GPU_RESP_OK_NODATA;
}

uint32_t vgpu_backing_alloc(struct vgpu *g, struct vgpu_res *res, uint32_t n)
{
	uint64_t bytes;

	if (res->seg || !n || n > VGPU_BACKING_MAX)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	bytes = (uint64_t)n * sizeof(*res->seg);
	if (!mem_fits(g, bytes) || !(res->seg = malloc(bytes)))
		return VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
	/* Charged now, so backing_free can undo a half-read list too. */
	res->nseg = n;
	res->backing_len = 0;
	res->bytes += bytes;
	g->mem_used += bytes;
	g->stats.res_bytes = g->mem_used;
	return VIRTIO_GPU_RESP_OK_NODATA;
}

bool vgpu_backing_entry(struct vgpu *g, struct vgpu_res *res, uint32_t i, uint64_t addr,
			uint32_t len)
{
	res->seg[i] = (struct vgpu_seg){ .host = len ? guest_ptr(g->t->gm, addr, len) : NULL,
					 .gpa = addr, .off = res->backing_len, .len = len };
	if (!res->seg[i].host) {
		backing_free(g, res);
		return false;
	}
	res->backing_len += len;
	return true;
}

uint32_t vgpu_attach(struct vgpu *g, const union vgpu_req *q, const struct vq_chain *ch,
		     union vgpu_resp *resp, uint32_t *len)
{
	struct vgpu_res *res = vgpu_res_find(g, le32toh(q->attach.resource_id));
	uint32_t n = le32toh(q->attach.nr_entries), rc;
	struct virtio_gpu_mem_entry e[VGPU_ENTRY_BATCH];
	uint64_t at = sizeof(q->attach);

	if (!res)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (ch->out_bytes < sizeof(q->attach) + (uint64_t)n * sizeof(e[0]))
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	if ((rc = vgpu_backing_alloc(g, res, n)) != VIRTIO_GPU_RESP_OK_NODATA)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		const struct virtio_gpu_mem_entry *me = &e[i % VGPU_ENTRY_BATCH];

		if (i % VGPU_ENTRY_BATCH == 0) {
			uint32_t k = n - i < VGPU_ENTRY_BATCH ? n - i : VGPU_ENTRY_BATCH;

			vq_chain_read(ch, at, e, (uint64_t)k * sizeof(e[0]));
			at += (uint64_t)k * sizeof(e[0]);
		}
		if (!vgpu_backing_entry(g, res, i, le64toh(me->addr), le32toh(me->length)))
			return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	}
	return VIRTIO_GPU_RESP_OK_NODATA;
}

uint32_t vgpu_detach(struct vgpu *g, const union vgpu_req *q, const struct vq_chain *ch,
		     union vgpu_resp *resp, uint32_t *len)
{
	struct vgpu_res *res = vgpu_res_find(g, le32toh(q->detach.resource_id));

	if (!res)
		return VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (!res->seg)
		return VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
	backing_free(g, res);
	return VIRTIO_GPU_RESP_OK_NODATA;
}
