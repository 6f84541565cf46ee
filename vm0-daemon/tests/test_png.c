// SPDX-License-Identifier: GPL-2.0
/* Host tests: a scanout's PNG read back chunk by chunk (CRCs checked, the
 * IDAT inflated by zlib), in each byte order the guest may use. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include <linux/virtio_gpu.h>

#include "display/png.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decode png (as png_encode writes it) into w x h RGB triplets. */
static void decode(const uint8_t *png, size_t len, uint32_t *w, uint32_t *h, uint8_t **rgb)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	size_t at = 8;
	uint8_t *idat = NULL, *raw;
	size_t nidat = 0;
	uLongf rawlen;
	bool end = false;

	assert_memory_equal(png, sig, 8);
	while (at < len) {
		uint32_t n = get32(png + at);
		const uint8_t *type = png + at + 4, *data = png + at + 8;

		assert_true(at + 12 + n <= len);
		assert_int_equal(get32(data + n), (uint32_t)crc32(0, type, n + 4));
		if (!memcmp(type, "IHDR", 4)) {
			assert_int_equal(n, 13);
			*w = get32(data);
			*h = get32(data + 4);
			assert_int_equal(data[8], 8);
			assert_int_equal(data[9], 2);
			assert_int_equal(data[12], 0);
		} else if (!memcmp(type, "IDAT", 4)) {
			idat = realloc(idat, nidat + n);
			memcpy(idat + nidat, data, n);
			nidat += n;
		} else if (!memcmp(type, "IEND", 4)) {
			end = true;
		}
		at += 12 + n;
	}
	assert_true(end);
	assert_int_equal(at, len);
	rawlen = (uLongf)(*h) * (1 + *w * 3);
	raw = malloc(rawlen);
	assert_int_equal(uncompress(raw, &rawlen, idat, nidat), Z_OK);
	assert_int_equal(rawlen, (uLongf)(*h) * (1 + *w * 3));
	*rgb = malloc((size_t)*w * *h * 3);
	for (uint32_t y = 0; y < *h; y++) {
		assert_int_equal(raw[y * (1 + *w * 3)], 0);
		memcpy(*rgb + (size_t)y * *w * 3, raw + y * (1 + *w * 3) + 1, (size_t)*w * 3);
	}
	free(raw);
	free(idat);
}

static void test_formats(void **state)
{
	static const struct {
		uint32_t format;
		uint8_t px[4];    /* in memory, for red 0x11, green 0x22, blue 0x33 */
	} cases[] = {
		{ VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, { 0x33, 0x22, 0x11, 0xff } },
		{ VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, { 0x33, 0x22, 0x11, 0x00 } },
		{ VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM, { 0xff, 0x11, 0x22, 0x33 } },
		{ VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM, { 0x11, 0x22, 0x33, 0xff } },
		{ VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM, { 0xff, 0x33, 0x22, 0x11 } },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		/* 3 x 2 shown out of rows of 5 pixels (a stride wider than w). */
		uint8_t pix[2 * 5 * 4];
		struct vgpu_image img = { 3, 2, 5 * 4, cases[c].format, pix };
		uint8_t *png, *rgb;
		size_t len;
		uint32_t w, h;

		for (unsigned i = 0; i < 10; i++)
			memcpy(pix + i * 4, cases[c].px, 4);
		pix[4 * 5 + 4 + 1] ^= 0xff;  /* row 1, pixel 1: a colour byte in every format */
		assert_int_equal(png_encode(&img, &png, &len), 0);
		decode(png, len, &w, &h, &rgb);
		assert_int_equal(w, 3);
		assert_int_equal(h, 2);
		for (unsigned i = 0; i < 6; i++) {
			if (i == 4)
				continue;
			assert_int_equal(rgb[i * 3 + 0], 0x11);
			assert_int_equal(rgb[i * 3 + 1], 0x22);
			assert_int_equal(rgb[i * 3 + 2], 0x33);
		}
		assert_int_not_equal(memcmp(rgb + 12, "\x11\x22\x33", 3), 0);
		free(rgb);
		free(png);
	}
}

static void test_large_and_bad(void **state)
{
	const uint32_t W = 1024, H = 768;
	uint8_t *pix = malloc((size_t)W * H * 4), *png, *rgb;
	struct vgpu_image img = { W, H, W * 4, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, pix };
	size_t len;
	uint32_t w, h;

	for (size_t i = 0; i < (size_t)W * H * 4; i++)
		pix[i] = (uint8_t)(i * 2654435761u >> 13);
	assert_int_equal(png_encode(&img, &png, &len), 0);
	decode(png, len, &w, &h, &rgb);
	for (size_t i = 0; i < (size_t)W * H; i++)
		if (rgb[i * 3] != pix[i * 4 + 2] || rgb[i * 3 + 2] != pix[i * 4])
			fail_msg("pixel %zu", i);
	free(rgb);
	free(png);
	img.format = 12345;
	assert_int_equal(png_encode(&img, &png, &len), -EINVAL);
	img.format = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM;
	img.w = 0;
	assert_int_equal(png_encode(&img, &png, &len), -EINVAL);
	free(pix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_large_and_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
