// SPDX-License-Identifier: GPL-2.0
/* PNG (ISO/IEC 15948) from a scanout: signature, IHDR, one IDAT, IEND. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "display/png.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A chunk whose data is already at p + 8 (len bytes): length, type, CRC
 * over type and data. Returns the chunk's size. */
static size_t chunk(uint8_t *p, const char type[4], uint32_t len)
{
	put32(p, len);
	memcpy(p + 4, type, 4);
	put32(p + 8 + len, (uint32_t)crc32(crc32(0, NULL, 0), p + 4, len + 4));
	return 12 + (size_t)len;
}

int png_encode(const struct vgpu_image *img, uint8_t **out, size_t *len)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	const size_t row = 1 + (size_t)img->w * 3;
	const size_t raw_len = row * img->h;
	unsigned rgb[3];
	uint8_t *raw, *png, *p;
	uLongf zlen;
	size_t cap;

	*out = NULL;
	if (!vgpu_format_rgb(img->format, rgb) || !img->w || !img->h)
		return -EINVAL;
	raw = malloc(raw_len);
	if (!raw)
		return -ENOMEM;
	for (uint32_t y = 0; y < img->h; y++) {
		const uint8_t *s = img->pixels + (size_t)y * img->stride;
		uint8_t *d = raw + y * row;

		*d++ = 0;  /* filter: none */
		for (uint32_t x = 0; x < img->w; x++, s += VGPU_BPP) {
			*d++ = s[rgb[0]];
			*d++ = s[rgb[1]];
			*d++ = s[rgb[2]];
		}
	}
	zlen = compressBound(raw_len);
	cap = sizeof(sig) + 25 + 12 + zlen + 12;
	png = malloc(cap);
	if (!png) {
		free(raw);
		return -ENOMEM;
	}
	p = png;
	memcpy(p, sig, sizeof(sig));
	p += sizeof(sig);
	put32(p + 8, img->w);
	put32(p + 12, img->h);
	p[16] = 8;   /* bits per channel */
	p[17] = 2;   /* colour type: RGB */
	p[18] = p[19] = p[20] = 0;  /* deflate, adaptive filtering, no interlace */
	p += chunk(p, "IHDR", 13);
	/* Speed over size: this runs on keeld's loop. */
	if (compress2(p + 8, &zlen, raw, raw_len, Z_BEST_SPEED) != Z_OK) {
		free(raw);
		free(png);
		return -ENOMEM;
	}
	free(raw);
	p += chunk(p, "IDAT", (uint32_t)zlen);
	p += chunk(p, "IEND", 0);
	*out = png;
	*len = (size_t)(p - png);
	return 0;
}
