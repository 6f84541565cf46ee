// SPDX-License-Identifier: GPL-2.0
/* Host tests: a guest's scanout placed on VM0's screen (centred, scaled
 * down with its aspect kept) and damaged rectangles copied alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/virtio_gpu.h>

#include "display/compose.h"

static void test_place(void **state)
{
	struct vgpu_rect p;

	disp_place(1024, 768, 1280, 800, &p);   /* fits: centred, 1:1 */
	assert_int_equal(p.x, 128);
	assert_int_equal(p.y, 16);
	assert_int_equal(p.w, 1024);
	assert_int_equal(p.h, 768);
	disp_place(1920, 1080, 1280, 800, &p);  /* wider: fills the width */
	assert_int_equal(p.w, 1280);
	assert_int_equal(p.h, 720);
	assert_int_equal(p.x, 0);
	assert_int_equal(p.y, 40);
	disp_place(800, 1600, 1280, 800, &p);   /* taller: fills the height */
	assert_int_equal(p.w, 400);
	assert_int_equal(p.h, 800);
	assert_int_equal(p.x, 440);
	disp_place(4095, 1, 64, 64, &p);        /* never 0 wide or high */
	assert_int_equal(p.h, 1);
}

/* Guest pixel x, y in B8G8R8X8 memory order. */
static void gpix(uint8_t *p, unsigned x, unsigned y)
{
	p[0] = (uint8_t)(x ^ y);   /* blue */
	p[1] = (uint8_t)y;         /* green */
	p[2] = (uint8_t)x;         /* red */
	p[3] = 0xff;
}

static uint32_t want(unsigned x, unsigned y)
{
	return (uint32_t)(uint8_t)x << 16 | (uint32_t)(uint8_t)y << 8 | (uint8_t)(x ^ y);
}

static void test_blit_damage(void **state)
{
	enum { GW = 40, GH = 30, SW = 64, SH = 48 };
	uint8_t g[GH][GW * 4];
	uint32_t *s = calloc(SW * SH, 4);
	struct vgpu_image img = { GW, GH, GW * 4, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, &g[0][0] };
	struct disp_fb fb = { SW, SH, SW * 4, (uint8_t *)s };
	struct vgpu_rect p, r = { 5, 6, 10, 4 }, done;

	for (unsigned y = 0; y < GH; y++)
		for (unsigned x = 0; x < GW; x++)
			gpix(&g[y][x * 4], x, y);
	disp_place(GW, GH, SW, SH, &p);
	assert_int_equal(disp_blit(&img, &r, &p, &fb, &done), 10 * 4 * 4);
	assert_int_equal(done.x, p.x + 5);
	assert_int_equal(done.y, p.y + 6);
	for (unsigned y = 0; y < SH; y++)
		for (unsigned x = 0; x < SW; x++) {
			bool in = x >= p.x + 5 && x < p.x + 15 && y >= p.y + 6 && y < p.y + 10;

			assert_int_equal(s[y * SW + x], in ? want(x - p.x, y - p.y) : 0);
		}
	/* All of it, then cleared. */
	r = (struct vgpu_rect){ 0, 0, GW, GH };
	assert_int_equal(disp_blit(&img, &r, &p, &fb, &done), GW * GH * 4);
	assert_int_equal(s[(p.y + GH - 1) * SW + p.x + GW - 1], want(GW - 1, GH - 1));
	disp_clear(&fb);
	for (unsigned i = 0; i < SW * SH; i++)
		assert_int_equal(s[i], 0);
	free(s);
}

static void test_blit_scaled(void **state)
{
	enum { GW = 128, GH = 64, SW = 64, SH = 64 };
	uint8_t *g = malloc(GW * GH * 4);
	uint32_t *s = calloc(SW * SH, 4);
	struct vgpu_image img = { GW, GH, GW * 4, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, g };
	struct disp_fb fb = { SW, SH, SW * 4, (uint8_t *)s };
	struct vgpu_rect p, r = { 0, 0, GW, GH }, done;

	for (unsigned y = 0; y < GH; y++)
		for (unsigned x = 0; x < GW; x++)
			gpix(g + (y * GW + x) * 4, x, y);
	disp_place(GW, GH, SW, SH, &p);
	assert_int_equal(p.w, 64);
	assert_int_equal(p.h, 32);
	assert_int_equal(disp_blit(&img, &r, &p, &fb, &done), 64 * 32 * 4);
	/* Every other guest pixel, in both directions. */
	for (unsigned y = 0; y < 32; y++)
		for (unsigned x = 0; x < 64; x++)
			assert_int_equal(s[(p.y + y) * SW + x], want(2 * x, 2 * y));
	assert_int_equal(s[0], 0);  /* the band above stays black */
	/* A one-pixel damage still reaches the screen pixel it maps to. */
	memset(s, 0, SW * SH * 4);
	r = (struct vgpu_rect){ 3, 3, 1, 1 };
	assert_true(disp_blit(&img, &r, &p, &fb, &done) > 0);
	assert_int_equal(done.w, 1);
	free(g);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place),
		cmocka_unit_test(test_blit_damage),
		cmocka_unit_test(test_blit_scaled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
