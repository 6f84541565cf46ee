// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: virtio-gpu's saved state from a keeld restart
 * (devices/virtio_gpu_state.c) as hostile input. The input is the JSON
 * text of the model's state; it is restored into a fresh model over a fake
 * guest RAM with a 256 KiB memory bound. Refused or not, nothing may crash,
 * leak or read outside RAM; accepted, the memory charged stays within the
 * bound, the screen (a hook) reads every pixel of the scanout, and the
 * state saved again restores again into another model, the same.
 *
 * Guest RAM is two separately allocated regions, adjacent in IPA space
 * but not in our memory: ASan reports any read outside them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "devices/virtio_gpu.h"

#define RAM0_IPA  0x40000000ULL
#define RAM0_SIZE 0x40000ULL
#define RAM1_IPA  (RAM0_IPA + RAM0_SIZE)
#define RAM1_SIZE 0x1000ULL
#define MEM_MAX	  (256ULL << 10)

static uint8_t *ram0, *ram1;
static struct guest_mem gm;
static struct virtio_mmio t;
static struct vgpu *g;
static uint64_t seen;

static void on_irq(void *opaque)
{
}

/* Read every pixel shown, as a screen would. */
static void on_update(void *opaque, const struct vgpu_rect *r)
{
	struct vgpu_image img;

	if (vgpu_scanout(g, &img))
		return;
	for (uint32_t y = 0; y < img.h; y++)
		for (uint32_t x = 0; x < img.w * 4; x++)
			seen += img.pixels[(uint64_t)y * img.stride + x];
}

/* A fresh model restoring s: 0 or its error. */
static int restore(const struct vgpu_params *p, const struct vgpu_io *io, const json_t *s)
{
	char err[160];

	if (vgpu_create(&g, &t, p, io))
		abort();
	virtio_mmio_init(&t, &vgpu_ops, g, &gm, on_irq, NULL);
	return vgpu_restore(g, s, err, sizeof(err));
}

static void destroy(void)
{
	virtio_mmio_destroy(&t);
	vgpu_destroy(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vgpu_params p = { 1024, 768, MEM_MAX };
	const struct vgpu_io io = { on_update, NULL };
	json_t *s = json_loadb((const char *)data, size, 0, NULL), *again;
	struct vgpu_stats st;

	if (!s)
		return 0;
	ram0 = calloc(1, RAM0_SIZE);
	ram1 = calloc(1, RAM1_SIZE);
	if (!ram0 || !ram1)
		abort();
	for (uint64_t i = 0; i < RAM0_SIZE; i++)
		ram0[i] = (uint8_t)(i * 7);
	gm.n = 2;
	gm.r[0] = (struct guest_region){ RAM0_IPA, RAM0_SIZE, ram0 };
	gm.r[1] = (struct guest_region){ RAM1_IPA, RAM1_SIZE, ram1 };
	if (!restore(&p, &io, s)) {
		vgpu_get_stats(g, &st);
		if (st.res_bytes > MEM_MAX || !(again = vgpu_save(g)))
			abort();
		destroy();
		if (restore(&p, &io, again)) {
			fprintf(stderr, "a saved state did not restore again\n");
			abort();
		}
		json_decref(again);
	}
	destroy();
	json_decref(s);
	free(ram0);
	free(ram1);
	return 0;
}
