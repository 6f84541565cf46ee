// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-gpu across a keeld restart: the model's part of the saved state
 * (the transport's is virtio/transport_state.c). Saved: each resource (id,
 * format, size, its backing as the guest gave it: addresses and lengths),
 * the scanout, the cursor and the counters. Not saved: the pixels. The new
 * keeld refills each host copy from its backing in guest RAM, so the guest's
 * picture is redrawn as it last drew it there.
 *
 * A saved state is as untrusted as a command (the file outlives keeld): it
 * goes through the commands' own checks and charges (vgpu_res_new,
 * vgpu_backing_alloc/entry, vgpu_scanout_set), so it gets no resource, no
 * byte of host memory and no guest address a guest could not have had.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "devices/virtio_gpu_priv.h"

/* The counters that carry on (resources and res_bytes are recounted). */
static const struct {
	const char *name;
	size_t off;
} vgpu_counters[] = {
#define C(f) { #f, offsetof(struct vgpu_stats, f) }
	C(cmds), C(cursor_cmds), C(errors), C(bad), C(transfers), C(transfer_bytes),
	C(flushes), C(created), C(released),
#undef C
};

/* A backing entry in the saved state: the guest's address and length, as
 * hex of their little-endian bytes (24 characters: less than the 32 bytes
 * the entry is charged, so a state stays under the memory bound too). */
#define ENTRY_HEX 24

static void hex_put(char *p, uint64_t v, unsigned bytes)
{
	static const char digit[] = "0123456789abcdef";

	for (unsigned i = 0; i < bytes; i++, v >>= 8) {
		p[2 * i] = digit[(v >> 4) & 0xf];
		p[2 * i + 1] = digit[v & 0xf];
	}
}

static bool hex_get(const char *p, unsigned bytes, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned i = bytes; i-- > 0;)
		for (unsigned k = 0; k < 2; k++) {
			char c = p[2 * i + k];
			unsigned d;

			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else
				return false;
			v = v << 4 | d;
		}
	*out = v;
	return true;
}

static json_t *res_save(const struct vgpu_res *r)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I}", "id", (json_int_t)r->id, "format",
			      (json_int_t)r->format, "width", (json_int_t)r->w, "height",
			      (json_int_t)r->h);
	char *hex;

	if (!o || !r->seg)
		return o;
	if (!(hex = malloc((size_t)r->nseg * ENTRY_HEX))) {
		json_decref(o);
		return NULL;
	}
	for (uint32_t i = 0; i < r->nseg; i++) {
		hex_put(hex + (size_t)i * ENTRY_HEX, r->seg[i].gpa, 8);
		hex_put(hex + (size_t)i * ENTRY_HEX + 16, r->seg[i].len, 4);
	}
	if (json_object_set_new(o, "backing",
				json_stringn_nocheck(hex, (size_t)r->nseg * ENTRY_HEX))) {
		json_decref(o);
		o = NULL;
	}
	free(hex);
	return o;
}

json_t *vgpu_save(const struct vgpu *g)
{
	const struct vgpu_cursor *c = &g->cursor;
	/* A disabled scanout's rectangle is nothing (restore leaves it 0). */
	const struct vgpu_scanout *s = g->scanout.res ? &g->scanout : &(struct vgpu_scanout){ 0 };
	json_t *o, *res, *st;

	o = json_pack("{s:o, s:{s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I}, s:o}",
		      "resources", json_array(), "scanout", "resource",
		      (json_int_t)(s->res ? s->res->id : 0), "x", (json_int_t)s->r.x, "y",
		      (json_int_t)s->r.y, "width", (json_int_t)s->r.w, "height", (json_int_t)s->r.h,
		      "cursor", "resource", (json_int_t)c->res_id, "x", (json_int_t)c->x, "y",
		      (json_int_t)c->y, "hot_x", (json_int_t)c->hot_x, "hot_y",
		      (json_int_t)c->hot_y, "stats", json_object());
	if (!o)
		return NULL;
	res = json_object_get(o, "resources");
	st = json_object_get(o, "stats");
	for (const struct vgpu_res *r = g->res; r; r = r->next)
		if (json_array_append_new(res, res_save(r)))
			goto fail;
	for (size_t i = 0; i < sizeof(vgpu_counters) / sizeof(vgpu_counters[0]); i++) {
		uint64_t v = *(const uint64_t *)((const uint8_t *)&g->stats + vgpu_counters[i].off);

		if (json_object_set_new(st, vgpu_counters[i].name, json_integer((json_int_t)v)))
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* o's key as a uint32_t: false when missing or out of range. */
static bool get_u32(const json_t *o, const char *key, uint32_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > (json_int_t)UINT32_MAX)
		return false;
	*out = (uint32_t)json_integer_value(v);
	return true;
}

static int restore_backing(struct vgpu *g, struct vgpu_res *r, const json_t *b, char *err,
			   size_t errlen)
{
	const char *hex = json_string_value(b);
	size_t len = json_string_length(b), n = len / ENTRY_HEX;
	uint32_t rc;

	if (!hex || len % ENTRY_HEX || n > VGPU_BACKING_MAX) {
		snprintf(err, errlen, "resource %u: bad backing list", r->id);
		return -EINVAL;
	}
	if ((rc = vgpu_backing_alloc(g, r, (uint32_t)n)) != VIRTIO_GPU_RESP_OK_NODATA) {
		snprintf(err, errlen, "resource %u: backing of %zu entries: %s", r->id, n,
			 rc == VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY ? "over the memory bound" :
								   "invalid");
		return rc == VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t addr, l;

		/* A bad digit leaves the list to vgpu_res_release_all. */
		if (!hex_get(hex + i * ENTRY_HEX, 8, &addr) ||
		    !hex_get(hex + i * ENTRY_HEX + 16, 4, &l) ||
		    !vgpu_backing_entry(g, r, (uint32_t)i, addr, (uint32_t)l)) {
			snprintf(err, errlen, "resource %u: backing entry %zu is not in guest RAM",
				 r->id, i);
			return -EINVAL;
		}
	}
	vgpu_res_refill(r);
	return 0;
}

static int restore_res(struct vgpu *g, const json_t *j, char *err, size_t errlen)
{
	uint32_t id, fmt, w, h, rc;
	const json_t *b = json_object_get(j, "backing");

	if (!get_u32(j, "id", &id) || !get_u32(j, "format", &fmt) || !get_u32(j, "width", &w) ||
	    !get_u32(j, "height", &h)) {
		snprintf(err, errlen, "a resource without id, format or size");
		return -EINVAL;
	}
	rc = vgpu_res_new(g, id, fmt, w, h);
	if (rc != VIRTIO_GPU_RESP_OK_NODATA) {
		snprintf(err, errlen, "resource %u (%ux%u, format %u): %s", id, w, h, fmt,
			 rc == VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY ? "over the memory bound" :
								   "invalid");
		return rc == VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
	}
	return b ? restore_backing(g, vgpu_res_find(g, id), b, err, errlen) : 0;
}

static int restore_views(struct vgpu *g, const json_t *s, const json_t *c, char *err,
			 size_t errlen)
{
	uint32_t id, x, y, w, h;
	struct virtio_gpu_rect r;

	if (!get_u32(s, "resource", &id) || !get_u32(s, "x", &x) || !get_u32(s, "y", &y) ||
	    !get_u32(s, "width", &w) || !get_u32(s, "height", &h)) {
		snprintf(err, errlen, "bad scanout");
		return -EINVAL;
	}
	r = (struct virtio_gpu_rect){ htole32(x), htole32(y), htole32(w), htole32(h) };
	if (vgpu_scanout_set(g, 0, id, &r) != VIRTIO_GPU_RESP_OK_NODATA) {
		snprintf(err, errlen, "scanout: resource %u, %ux%u at %u,%u: invalid", id, w, h,
			 x, y);
		return -EINVAL;
	}
	if (!get_u32(c, "resource", &id) || !get_u32(c, "x", &g->cursor.x) ||
	    !get_u32(c, "y", &g->cursor.y) || !get_u32(c, "hot_x", &g->cursor.hot_x) ||
	    !get_u32(c, "hot_y", &g->cursor.hot_y) || (id && !vgpu_res_find(g, id))) {
		snprintf(err, errlen, "bad cursor");
		return -EINVAL;
	}
	g->cursor.res_id = id;
	return 0;
}

int vgpu_restore(struct vgpu *g, const json_t *state, char *err, size_t errlen)
{
	const json_t *res = json_object_get(state, "resources");
	const json_t *st = json_object_get(state, "stats");
	struct vgpu_stats keep;
	int r = 0;

	vgpu_res_release_all(g);
	if (!json_is_array(res) || json_array_size(res) > VGPU_RES_MAX || !json_is_object(st)) {
		snprintf(err, errlen, "not a saved virtio-gpu");
		return -EINVAL;
	}
	/* Oldest first: the list comes back in the order it was saved. */
	for (size_t i = json_array_size(res); !r && i-- > 0;)
		r = restore_res(g, json_array_get(res, i), err, errlen);
	if (!r)
		r = restore_views(g, json_object_get(state, "scanout"),
				  json_object_get(state, "cursor"), err, errlen);
	if (r) {
		vgpu_res_release_all(g);
		g->stats = (struct vgpu_stats){ 0 };
		return r;
	}
	keep = g->stats;
	for (size_t i = 0; i < sizeof(vgpu_counters) / sizeof(vgpu_counters[0]); i++) {
		const json_t *v = json_object_get(st, vgpu_counters[i].name);

		*(uint64_t *)((uint8_t *)&keep + vgpu_counters[i].off) =
			json_is_integer(v) && json_integer_value(v) > 0 ?
				(uint64_t)json_integer_value(v) :
				0;
	}
	g->stats = keep;
	return 0;
}
