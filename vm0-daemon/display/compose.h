/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Putting a guest's scanout on VM0's screen: where it goes (centred, scaled
 * down keeping its aspect when it is larger than the screen) and copying
 * only a damaged rectangle into the screen's buffer (XRGB8888, nearest
 * neighbour when scaled). Pure: no DRM, tested on the host.
 */
#ifndef KEELD_DISPLAY_COMPOSE_H
#define KEELD_DISPLAY_COMPOSE_H

#include <stdint.h>

#include "devices/virtio_gpu.h"

/* VM0's scanout buffer: 32-bit XRGB8888 pixels, stride bytes a row. */
struct disp_fb {
	uint32_t w, h, stride;
	uint8_t *pixels;
};

/* Where a gw x gh picture lands on a screen: x, y, w, h in screen pixels. */
void disp_place(uint32_t gw, uint32_t gh, uint32_t sw, uint32_t sh, struct vgpu_rect *out);

/* Copy the guest's damaged rectangle r (inside img, in its coordinates)
 * to where place puts it in fb; *done is the part of fb written. Returns
 * the bytes written into fb (0 for a format vgpu_format_rgb refuses). */
uint64_t disp_blit(const struct vgpu_image *img, const struct vgpu_rect *r,
		   const struct vgpu_rect *place, struct disp_fb *fb, struct vgpu_rect *done);

/* Black the whole buffer. */
void disp_clear(struct disp_fb *fb);

#endif
