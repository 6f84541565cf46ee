// SPDX-License-Identifier: GPL-2.0
/* A guest's scanout into VM0's screen buffer: compose.h. */
#include <string.h>

#include "display/compose.h"

void disp_place(uint32_t gw, uint32_t gh, uint32_t sw, uint32_t sh, struct vgpu_rect *out)
{
	uint64_t w = gw, h = gh;

	/* Larger than the screen: the largest size of the same aspect that
	 * fits (never scaled up: pixels stay pixels). */
	if (w > sw || h > sh) {
		if ((uint64_t)gw * sh > (uint64_t)gh * sw) {
			w = sw;
			h = (uint64_t)gh * sw / gw;
		} else {
			h = sh;
			w = (uint64_t)gw * sh / gh;
		}
		w = w ? w : 1;
		h = h ? h : 1;
	}
	*out = (struct vgpu_rect){ (uint32_t)((sw - w) / 2), (uint32_t)((sh - h) / 2), (uint32_t)w,
				   (uint32_t)h };
}

void disp_clear(struct disp_fb *fb)
{
	for (uint32_t y = 0; y < fb->h; y++)
		memset(fb->pixels + (uint64_t)y * fb->stride, 0, (uint64_t)fb->w * 4);
}

uint64_t disp_blit(const struct vgpu_image *img, const struct vgpu_rect *r,
		   const struct vgpu_rect *place, struct disp_fb *fb, struct vgpu_rect *done)
{
	unsigned rgb[3];
	uint32_t x0, y0, x1, y1;

	*done = (struct vgpu_rect){ 0 };
	if (!vgpu_format_rgb(img->format, rgb) || !img->w || !img->h)
		return 0;
	/* The screen pixels whose source lies in r: [x0, x1) x [y0, y1). */
	x0 = (uint32_t)((uint64_t)r->x * place->w / img->w);
	y0 = (uint32_t)((uint64_t)r->y * place->h / img->h);
	x1 = (uint32_t)(((uint64_t)(r->x + r->w) * place->w + img->w - 1) / img->w);
	y1 = (uint32_t)(((uint64_t)(r->y + r->h) * place->h + img->h - 1) / img->h);
	if (x1 > place->w)
		x1 = place->w;
	if (y1 > place->h)
		y1 = place->h;
	for (uint32_t y = y0; y < y1; y++) {
		const uint8_t *src = img->pixels + (uint64_t)y * img->h / place->h * img->stride;
		uint32_t *dst = (uint32_t *)(fb->pixels + (uint64_t)(place->y + y) * fb->stride) +
				place->x;

		for (uint32_t x = x0; x < x1; x++) {
			const uint8_t *p = src + (uint64_t)x * img->w / place->w * VGPU_BPP;

			dst[x] = (uint32_t)p[rgb[0]] << 16 | (uint32_t)p[rgb[1]] << 8 | p[rgb[2]];
		}
	}
	if (x0 >= x1 || y0 >= y1)
		return 0;
	*done = (struct vgpu_rect){ place->x + x0, place->y + y0, x1 - x0, y1 - y0 };
	return (uint64_t)(x1 - x0) * (y1 - y0) * 4;
}
