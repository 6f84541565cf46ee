// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a hostile guest driving virtio-gpu's control and
 * cursor queues through the real virtio-mmio transport and split-ring core
 * over a fake guest RAM, the screen a hook that reads every pixel it is
 * told changed.
 *
 * The input is a program: opcodes and their operands (missing bytes read
 * as 0): raw register accesses, RAM writes and descriptors, a driver
 * bring-up, and well-formed commands whose fields come from the input
 * (a command type from the served ones or any, a request, then room for
 * the answer), backing lists whose entries point into RAM, across its end
 * or outside it, cursor commands, resets. A 256 KiB memory bound makes
 * ERR_OUT_OF_MEMORY reachable.
 *
 * Guest RAM is two separately allocated regions, adjacent in IPA space
 * but not in our memory: ASan reports any access by the device outside
 * them.
 *
 * At the end, a keeld restart: save, a fresh model, restore (restart()).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_gpu.h>
#include <linux/virtio_mmio.h>

#include "devices/virtio_gpu.h"
#include "input.h"
#include "tests/virtio_driver.h"
#include "virtio_guest.h"

#define RAM0_IPA  0x40000000ULL
#define RAM0_SIZE 0x40000ULL
#define RAM1_IPA  (RAM0_IPA + RAM0_SIZE)
#define RAM1_SIZE 0x1000ULL
#define NQ	  2
#define REQ_OFF	  0x30000ULL   /* requests and answers (inside RAM0) */
#define RESP_OFF  0x38000ULL

static uint8_t *ram0, *ram1;
static struct guest_mem gm;
static struct virtio_mmio t;
static struct vgpu *g;
static uint16_t drv_avail[NQ], next_desc[NQ];
static uint64_t seen;

static void on_irq(void *opaque)
{
}

/* Read every pixel of the changed part, as a screen would: ASan checks the
 * device pointed us at its own live memory. */
static void on_update(void *opaque, const struct vgpu_rect *r)
{
	struct vgpu_image img;

	if (vgpu_scanout(g, &img))
		return;
	if ((uint64_t)r->x + r->w > img.w || (uint64_t)r->y + r->h > img.h)
		abort();
	for (uint32_t y = r->y; y < r->y + r->h; y++)
		for (uint32_t x = r->x; x < r->x + r->w; x++)
			seen += img.pixels[(uint64_t)y * img.stride + x * 4];
}


static void op_driver_init(struct input *in)
{
	uint32_t num = 1U << (take(in, 1) % 9);
	uint32_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	vd_w(&t, VIRTIO_MMIO_STATUS, 0);
	vd_w(&t, VIRTIO_MMIO_STATUS, st);
	/* Any of the low features, whether offered or not; VERSION_1. */
	vd_driver_features(&t, take(in, 1) | 1ULL << VIRTIO_F_VERSION_1);
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	vd_w(&t, VIRTIO_MMIO_STATUS, st);
	for (uint32_t q = 0; q < NQ; q++) {
		uint64_t base = RAM0_IPA + q * 0x8000ULL;

		vd_queue(&t, q, num, base, base + 0x1000, base + 0x2000);
		drv_avail[q] = next_desc[q] = 0;
	}
	vd_w(&t, VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* A chain of n descriptors on queue q, published and kicked. */
static void post(unsigned q, const struct vring_desc *chain, unsigned n)
{
	const struct vq *v = &t.vq[q];
	struct vring_avail *a;
	uint16_t head, idx;

	if (!v->ready || !v->num || !(a = fg_gpa(v->avail_gpa, 4 + 2ULL * v->num)))
		return;
	head = idx = next_desc[q] % v->num;
	for (unsigned i = 0; i < n; i++) {
		struct vring_desc *d = fg_gpa(v->desc_gpa + 16ULL * idx, 16);
		uint16_t nxt = (uint16_t)((idx + 1) % v->num);

		if (!d)
			return;
		*d = chain[i];
		if (i + 1 < n) {
			d->flags |= VRING_DESC_F_NEXT;
			d->next = nxt;
		}
		idx = nxt;
	}
	next_desc[q] = idx;
	a->ring[drv_avail[q] % v->num] = head;
	a->idx = ++drv_avail[q];
	virtio_mmio_kick(&t, q);
}

static void op_chain(struct input *in)
{
	struct vring_desc d = {
		.addr = RAM0_IPA + take(in, 3) % (RAM0_SIZE + RAM1_SIZE + 0x1000),
		.len = (uint32_t)take(in, 2),
		.flags = (uint16_t)take(in, 1),
		.next = (uint16_t)take(in, 2),
	};

	post((unsigned)take(in, 1) % NQ, &d, 1);
}

static const uint32_t served[] = {
	VIRTIO_GPU_CMD_GET_DISPLAY_INFO, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D,
	VIRTIO_GPU_CMD_RESOURCE_UNREF, VIRTIO_GPU_CMD_SET_SCANOUT,
	VIRTIO_GPU_CMD_RESOURCE_FLUSH, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D,
	VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING,
	VIRTIO_GPU_CMD_GET_EDID, VIRTIO_GPU_CMD_UPDATE_CURSOR, VIRTIO_GPU_CMD_MOVE_CURSOR,
	VIRTIO_GPU_CMD_CTX_CREATE,
};

/* A command: header type (served or any), then up to 48 bytes of body
 * from the input, optionally extra readable bytes, then room for the
 * answer (of a size from the input) on queue 0 or 1. */
static void op_command(struct input *in)
{
	uint8_t sel = (uint8_t)take(in, 1), len = (uint8_t)(take(in, 1) % 49);
	uint8_t *req = ram0 + REQ_OFF;
	struct virtio_gpu_ctrl_hdr h = { 0 };
	struct vring_desc d[3];
	unsigned n = 0;

	h.type = sel & 0x80 ? (uint32_t)take(in, 4) :
			      served[sel % (sizeof(served) / sizeof(served[0]))];
	h.flags = (uint32_t)take(in, 1);
	memcpy(req, &h, sizeof(h));
	for (unsigned i = 0; i < len; i++)
		req[sizeof(h) + i] = (uint8_t)take(in, 1);
	d[n++] = (struct vring_desc){ RAM0_IPA + REQ_OFF, (uint32_t)(sizeof(h) + len), 0, 0 };
	if (sel & 0x40) /* a backing list after the request */
		d[n++] = (struct vring_desc){ RAM0_IPA + REQ_OFF + 0x1000,
					      (uint32_t)take(in, 2) % 0x2000, 0, 0 };
	if (!(sel & 0x20))
		d[n++] = (struct vring_desc){ RAM0_IPA + RESP_OFF, (uint32_t)take(in, 2) % 0x2000,
					      VRING_DESC_F_WRITE, 0 };
	post(sel & 0x10 ? 1 : 0, d, n);
}

/* Backing-list entries at REQ_OFF + 0x1000 (what op_command's 0x40 sends):
 * inside RAM0, inside RAM1, across RAM's end, far outside. */
static void op_entries(struct input *in)
{
	struct virtio_gpu_mem_entry *e = (void *)(ram0 + REQ_OFF + 0x1000);
	unsigned n = (unsigned)take(in, 1) % 32;

	for (unsigned i = 0; i < n; i++) {
		uint8_t kind = (uint8_t)take(in, 1);
		uint64_t base[4] = { RAM0_IPA, RAM1_IPA, RAM1_IPA + RAM1_SIZE - 0x800,
				     0xfffffffffffff000ULL };

		e[i].addr = base[kind & 3] + (kind & 3 ? 0 : take(in, 2) * 4);
		e[i].length = (uint32_t)take(in, 2) * 4;
		e[i].padding = 0;
	}
}

static void (*const ops[])(struct input *in) = {
	fg_mmio_write, fg_mmio_read, fg_ram_write, fg_kick, fg_reset, op_driver_init,
	op_chain, op_command, op_entries,
};

/* Whatever state the guest reached survives a keeld restart: saved, it
 * restores into a fresh model (same checks as the commands, so it must
 * pass), with the same memory charged, and saves the same again. */
static void restart(const struct vgpu_params *p, const struct vgpu_io *io)
{
	struct vgpu_stats before, after;
	json_t *s = vgpu_save(g), *again;
	char err[160];

	if (!s)
		abort();
	vgpu_get_stats(g, &before);
	virtio_mmio_destroy(&t);
	vgpu_destroy(g);
	if (vgpu_create(&g, &t, p, io))
		abort();
	virtio_mmio_init(&t, &vgpu_ops, g, &gm, on_irq, NULL);
	if (vgpu_restore(g, s, err, sizeof(err))) {
		fprintf(stderr, "restore refused a saved state: %s\n", err);
		abort();
	}
	vgpu_get_stats(g, &after);
	if (!(again = vgpu_save(g)) || !json_equal(s, again) ||
	    after.resources != before.resources || after.res_bytes != before.res_bytes)
		abort();
	json_decref(again);
	json_decref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	const struct vgpu_params p = { 1024, 768, 256 << 10 };
	const struct vgpu_io io = { on_update, NULL };

	ram0 = calloc(1, RAM0_SIZE);
	ram1 = calloc(1, RAM1_SIZE);
	if (!ram0 || !ram1 || vgpu_create(&g, &t, &p, &io))
		abort();
	gm.n = 2;
	gm.r[0] = (struct guest_region){ RAM0_IPA, RAM0_SIZE, ram0 };
	/* virtio_guest.h's moves: t over ram0. */
	/* virtio_guest.h's guest: t over ram0. */
	fg = (struct fuzz_guest){ &t, &gm, ram0, RAM0_SIZE, 3 };
	gm.r[1] = (struct guest_region){ RAM1_IPA, RAM1_SIZE, ram1 };
	memset(drv_avail, 0, sizeof(drv_avail));
	memset(next_desc, 0, sizeof(next_desc));
	virtio_mmio_init(&t, &vgpu_ops, g, &gm, on_irq, NULL);
	while (in.n)
		ops[take(&in, 1) % (sizeof(ops) / sizeof(ops[0]))](&in);
	restart(&p, &io);
	virtio_mmio_destroy(&t);
	vgpu_destroy(g);
	free(ram0);
	free(ram1);
	return 0;
}
