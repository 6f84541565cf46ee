// SPDX-License-Identifier: GPL-2.0
/*
 * Keel's "display": {"width": W, "height": H, "memory": SIZE}, every key
 * optional ({} is a 1024x768 display): a virtio-gpu in virtio-mmio slot
 * KEEL_GUEST_GPU_SLOT. Rust-Shyper's schema has no display device.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "priv.h"

static int display_dim(struct pctx *p, json_t *o, const char *key, uint32_t *out)
{
	json_t *v = json_object_get(o, key);
	char field[32];
	uint64_t n;
	int r;

	if (!v)
		return 0;
	snprintf(field, sizeof(field), "display.%s", key);
	if ((r = cfg_get_u64(p, field, v, &n)))
		return r;
	if (n < CFG_DISPLAY_MIN || n > CFG_DISPLAY_MAX)
		return cfg_fail(p, EINVAL, field, v, "is not between %d and %d pixels",
				CFG_DISPLAY_MIN, CFG_DISPLAY_MAX);
	*out = (uint32_t)n;
	return 0;
}

int cfg_parse_display(struct pctx *p, json_t *v)
{
	static const char *const keys[] = { "width", "height", "memory", NULL };
	struct cfg_display *d = &p->cfg->display;
	const char *key;
	json_t *e;
	int r;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return cfg_fail(p, EINVAL, "display", v,
				"is not an object ({\"width\": 1024, \"height\": 768})");
	json_object_foreach(v, key, e) {
		const char *const *k;
		char field[80];

		for (k = keys; *k && strcmp(*k, key); k++)
			;
		if (!*k) {
			snprintf(field, sizeof(field), "display.%.48s", key);
			return cfg_fail(p, EINVAL, field, NULL, "unknown field");
		}
	}
	*d = (struct cfg_display){
		.on = true,
		.width = CFG_DISPLAY_WIDTH,
		.height = CFG_DISPLAY_HEIGHT,
		.memory = CFG_DISPLAY_MEMORY,
		.base = KEEL_GUEST_VIRTIO_BASE + KEEL_GUEST_GPU_SLOT * KEEL_GUEST_VIRTIO_STRIDE,
		.spi = KEEL_GUEST_VIRTIO_SPI + KEEL_GUEST_GPU_SLOT,
	};
	if ((r = display_dim(p, v, "width", &d->width)) ||
	    (r = display_dim(p, v, "height", &d->height)))
		return r;
	if ((e = json_object_get(v, "memory"))) {
		if ((r = cfg_get_size(p, "display.memory", e, &d->memory)))
			return r;
		/* At least one full-screen buffer, at most what VM0 can spare. */
		if (d->memory < (uint64_t)d->width * d->height * 4 || d->memory > CFG_DISPLAY_MEMORY_MAX)
			return cfg_fail(p, EINVAL, "display.memory", e,
					"is not between one %ux%u frame (%llu bytes) and 1G",
					d->width, d->height,
					(unsigned long long)d->width * d->height * 4);
	}
	return 0;
}
