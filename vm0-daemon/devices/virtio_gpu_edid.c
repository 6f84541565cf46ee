// SPDX-License-Identifier: GPL-2.0
/*
 * The EDID (VESA E-EDID 1.3 base block) GET_EDID answers with: a digital
 * monitor whose preferred mode, in the first detailed timing, is the
 * scanout's size. Linux reads its modes from here (drm_add_edid_modes)
 * and takes the preferred one for fbcon.
 */
#include <stdint.h>
#include <string.h>

#include "devices/virtio_gpu.h"

#define EDID_HBLANK 160     /* CVT reduced blanking's horizontal numbers */
#define EDID_HSYNC_OFF 48
#define EDID_HSYNC 32
#define EDID_VBLANK 30
#define EDID_VSYNC_OFF 3
#define EDID_VSYNC 5
#define EDID_DPI 96

/* Detailed timing descriptor (EDID 1.3, 3.10.2) of w x h at 60 Hz, or as
 * fast as its 16-bit pixel clock (10 kHz units) allows. */
static void edid_dtd(uint8_t *d, uint32_t w, uint32_t h)
{
	uint64_t clk = ((uint64_t)w + EDID_HBLANK) * (h + EDID_VBLANK) * 60 / 10000;
	uint32_t wmm = w * 254 / (EDID_DPI * 10), hmm = h * 254 / (EDID_DPI * 10);

	if (clk > 0xffff)
		clk = 0xffff;
	d[0] = (uint8_t)clk;
	d[1] = (uint8_t)(clk >> 8);
	d[2] = (uint8_t)w;
	d[3] = (uint8_t)EDID_HBLANK;
	d[4] = (uint8_t)((w >> 8 & 0xf) << 4 | (EDID_HBLANK >> 8 & 0xf));
	d[5] = (uint8_t)h;
	d[6] = (uint8_t)EDID_VBLANK;
	d[7] = (uint8_t)((h >> 8 & 0xf) << 4 | (EDID_VBLANK >> 8 & 0xf));
	d[8] = (uint8_t)EDID_HSYNC_OFF;
	d[9] = (uint8_t)EDID_HSYNC;
	d[10] = (uint8_t)((EDID_VSYNC_OFF & 0xf) << 4 | (EDID_VSYNC & 0xf));
	d[11] = (uint8_t)((EDID_HSYNC_OFF >> 8 & 3) << 6 | (EDID_HSYNC >> 8 & 3) << 4 |
			  (EDID_VSYNC_OFF >> 4 & 3) << 2 | (EDID_VSYNC >> 4 & 3));
	d[12] = (uint8_t)wmm;
	d[13] = (uint8_t)hmm;
	d[14] = (uint8_t)((wmm >> 8 & 0xf) << 4 | (hmm >> 8 & 0xf));
	d[17] = 0x1e;  /* digital separate sync, +hsync, +vsync */
}

/* A display descriptor (3.10.3): tag, then 13 bytes. */
static void edid_text(uint8_t *d, uint8_t tag, const char *s)
{
	size_t n = strlen(s);

	d[3] = tag;
	memset(d + 5, ' ', 13);
	memcpy(d + 5, s, n);
	d[5 + n] = '\n';
}

void vgpu_edid(uint8_t e[128], uint32_t width, uint32_t height)
{
	static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	/* sRGB's primaries and white point, as monitors encode them. */
	static const uint8_t chroma[10] = { 0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99, 0x26, 0x0f, 0x50, 0x54 };
	/* "KEL": three 5-bit letters, 'A' = 1, big-endian. */
	const uint16_t mfg = ('K' - '@') << 10 | ('E' - '@') << 5 | ('L' - '@');
	uint8_t sum = 0;

	memset(e, 0, 128);
	memcpy(e, header, sizeof(header));
	e[8] = (uint8_t)(mfg >> 8);
	e[9] = (uint8_t)mfg;
	e[10] = 1;                      /* product code */
	e[16] = 1;                      /* week 1 of */
	e[17] = 2026 - 1990;
	e[18] = 1;                      /* EDID 1.3 */
	e[19] = 3;
	e[20] = 0x80;                   /* digital input */
	e[21] = (uint8_t)(width * 254 / (EDID_DPI * 100));  /* cm */
	e[22] = (uint8_t)(height * 254 / (EDID_DPI * 100));
	e[23] = 120;                    /* gamma 2.2 */
	e[24] = 0x0e;                   /* RGB colour, sRGB, preferred timing in DTD 1 */
	memcpy(e + 25, chroma, sizeof(chroma));
	e[35] = 0x21;                   /* 640x480@60, 800x600@60 */
	e[36] = 0x08;                   /* 1024x768@60 */
	memset(e + 38, 0x01, 16);       /* no standard timings */
	edid_dtd(e + 54, width, height);
	/* Range limits: 24-75 Hz, 30-255 kHz, 660 MHz, no secondary timing. */
	e[72 + 3] = 0xfd;
	e[72 + 5] = 24;
	e[72 + 6] = 75;
	e[72 + 7] = 30;
	e[72 + 8] = 255;
	e[72 + 9] = 66;
	e[72 + 11] = 0x0a;
	memset(e + 72 + 12, ' ', 6);
	edid_text(e + 90, 0xfc, "Keel");  /* monitor name */
	e[108 + 3] = 0x10;              /* dummy descriptor */
	for (int i = 0; i < 127; i++)
		sum += e[i];
	e[127] = (uint8_t)-sum;
}
