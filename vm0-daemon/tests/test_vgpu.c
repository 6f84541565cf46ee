// SPDX-License-Identifier: GPL-2.0
/* Host tests: virtio-gpu through the real virtio-mmio transport and split
 * rings over a fake guest RAM, driven as Linux's virtio-gpu driver drives
 * it (a resource backed by scattered pages, transfers, a scanout, flushes),
 * then by a guest that sends what Linux never would. */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_gpu.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>

#include "devices/virtio_gpu.h"

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE (8ULL << 20)
#define QNUM	 16
#define NQ	 2
#define RING_GPA(q) (RAM_BASE + (uint64_t)(q) * 0x10000)
#define REQ_GPA	 (RAM_BASE + 0x40000)   /* request, extra, response pages */
#define FB_GPA	 (RAM_BASE + 0x100000)  /* backing pages from here */
#define MEM_MAX	 (1ULL << 20)
#define W 64
#define H 48

enum { CTRLQ, CURSORQ };

static uint8_t *ram;
static struct guest_mem gm;
static struct virtio_mmio t;
static struct vgpu *g;
static uint16_t avail_idx[NQ], used_seen[NQ];
static struct vgpu_rect updated;
static unsigned updates;

static void *gp(uint64_t gpa)
{
	assert_true(gpa >= RAM_BASE && gpa < RAM_BASE + RAM_SIZE);
	return ram + (gpa - RAM_BASE);
}

static void mmio_w(uint64_t off, uint32_t v)
{
	virtio_mmio_ops.write(&t, off, 4, v);
}

static uint32_t mmio_r(uint64_t off)
{
	return (uint32_t)virtio_mmio_ops.read(&t, off, 4);
}

static void on_irq(void *opaque)
{
}

static void on_update(void *opaque, const struct vgpu_rect *r)
{
	updated = *r;
	updates++;
}

static void driver_init(void)
{
	uint32_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	mmio_w(VIRTIO_MMIO_STATUS, 0);
	mmio_w(VIRTIO_MMIO_STATUS, st);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES, 1U << VIRTIO_GPU_F_EDID);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES, 1U << (VIRTIO_F_VERSION_1 - 32));
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	mmio_w(VIRTIO_MMIO_STATUS, st);
	assert_int_equal(mmio_r(VIRTIO_MMIO_STATUS), st);
	for (unsigned q = 0; q < NQ; q++) {
		memset(gp(RING_GPA(q)), 0, 0x3000);
		avail_idx[q] = used_seen[q] = 0;
		mmio_w(VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(mmio_r(VIRTIO_MMIO_QUEUE_NUM_MAX), VGPU_QUEUE_MAX);
		mmio_w(VIRTIO_MMIO_QUEUE_NUM, QNUM);
		mmio_w(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)RING_GPA(q));
		mmio_w(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(RING_GPA(q) + 0x1000));
		mmio_w(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(RING_GPA(q) + 0x2000));
		mmio_w(VIRTIO_MMIO_QUEUE_READY, 1);
	}
	mmio_w(VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* A chain on queue q: the request, optionally extra readable bytes, and a
 * response buffer of resp_len (0: none), as Linux queues them. Returns
 * the used length; the response is copied to resp. */
static uint32_t submit(unsigned q, const void *req, size_t len, const void *extra, size_t xlen,
		       void *resp, size_t resp_len)
{
	struct vring_desc *d = gp(RING_GPA(q));
	struct vring_avail *a = gp(RING_GPA(q) + 0x1000);
	struct vring_used *u = gp(RING_GPA(q) + 0x2000);
	uint64_t at[3] = { REQ_GPA, REQ_GPA + 0x1000, REQ_GPA + 0x10000 };
	unsigned n = 0;
	struct vring_used_elem e;

	memcpy(gp(at[0]), req, len);
	d[n++] = (struct vring_desc){ at[0], (uint32_t)len, 0, 0 };
	if (xlen) {
		memcpy(gp(at[1]), extra, xlen);
		d[n++] = (struct vring_desc){ at[1], (uint32_t)xlen, 0, 0 };
	}
	if (resp_len) {
		memset(gp(at[2]), 0xee, resp_len);
		d[n++] = (struct vring_desc){ at[2], (uint32_t)resp_len, VRING_DESC_F_WRITE, 0 };
	}
	for (unsigned i = 0; i + 1 < n; i++) {
		d[i].flags |= VRING_DESC_F_NEXT;
		d[i].next = (uint16_t)(i + 1);
	}
	a->ring[avail_idx[q] % QNUM] = 0;
	__atomic_store_n(&a->idx, ++avail_idx[q], __ATOMIC_RELEASE);
	virtio_mmio_kick(&t, q);
	assert_int_not_equal(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE), used_seen[q]);
	e = u->ring[used_seen[q]++ % QNUM];
	assert_int_equal(e.id, 0);
	if (resp_len)
		memcpy(resp, gp(at[2]), resp_len);
	return e.len;
}

/* A control command answered with a bare header: its type. */
static uint32_t ctrl(const void *req, size_t len, const void *extra, size_t xlen)
{
	struct virtio_gpu_ctrl_hdr r;

	assert_int_equal(submit(CTRLQ, req, len, extra, xlen, &r, sizeof(r)), sizeof(r));
	return le32toh(r.type);
}

static struct virtio_gpu_ctrl_hdr hdr(uint32_t type)
{
	return (struct virtio_gpu_ctrl_hdr){ .type = htole32(type) };
}

static uint32_t create(uint32_t id, uint32_t fmt, uint32_t w, uint32_t h)
{
	struct virtio_gpu_resource_create_2d c = { hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D), htole32(id),
						   htole32(fmt), htole32(w), htole32(h) };

	return ctrl(&c, sizeof(c), NULL, 0);
}

static uint32_t attach(uint32_t id, const struct virtio_gpu_mem_entry *e, uint32_t n)
{
	struct virtio_gpu_resource_attach_backing a = {
		hdr(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING), htole32(id), htole32(n) };

	return ctrl(&a, sizeof(a), e, n * sizeof(*e));
}

static uint32_t rect_cmd(uint32_t type, uint32_t id, uint32_t x, uint32_t y, uint32_t w,
			 uint32_t h, uint64_t off_or_scanout)
{
	struct virtio_gpu_rect r = { htole32(x), htole32(y), htole32(w), htole32(h) };

	if (type == VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D) {
		struct virtio_gpu_transfer_to_host_2d c = { hdr(type), r, htole64(off_or_scanout),
							    htole32(id), 0 };
		return ctrl(&c, sizeof(c), NULL, 0);
	}
	if (type == VIRTIO_GPU_CMD_SET_SCANOUT) {
		struct virtio_gpu_set_scanout c = { hdr(type), r, htole32((uint32_t)off_or_scanout),
						    htole32(id) };
		return ctrl(&c, sizeof(c), NULL, 0);
	}
	struct virtio_gpu_resource_flush c = { hdr(type), r, htole32(id), 0 };
	return ctrl(&c, sizeof(c), NULL, 0);
}

static uint32_t unref(uint32_t id)
{
	struct virtio_gpu_resource_unref c = { hdr(VIRTIO_GPU_CMD_RESOURCE_UNREF), htole32(id), 0 };

	return ctrl(&c, sizeof(c), NULL, 0);
}

static struct vgpu_stats stats(void)
{
	struct vgpu_stats s;

	vgpu_get_stats(g, &s);
	return s;
}

static int up(void **state)
{
	const struct vgpu_params p = { 1024, 768, MEM_MAX };
	const struct vgpu_io io = { on_update, NULL };

	ram = aligned_alloc(4096, RAM_SIZE);
	assert_non_null(ram);
	memset(ram, 0, RAM_SIZE);
	gm.n = 1;
	gm.r[0] = (struct guest_region){ .ipa = RAM_BASE, .size = RAM_SIZE, .host = ram };
	updates = 0;
	assert_int_equal(vgpu_create(&g, &t, &p, &io), 0);
	virtio_mmio_init(&t, &vgpu_ops, g, &gm, on_irq, NULL);
	driver_init();
	return 0;
}

static int down(void **state)
{
	virtio_mmio_destroy(&t);
	vgpu_destroy(g);
	free(ram);
	return 0;
}

/* The W x H image's byte i of pixel (x, y), as the guest draws it. */
static uint8_t pattern(unsigned x, unsigned y, unsigned i)
{
	return (uint8_t)(x * 3 + y * 7 + i * 61 + (x ^ y));
}

/* The backing: the W x H image's 12 KiB in three pages of 4 KiB, given in
 * the list in the order 2, 0, 1 of where they sit in RAM. */
static void backing(struct virtio_gpu_mem_entry e[3])
{
	static const unsigned where[3] = { 2, 0, 1 };
	uint8_t img[W * H * 4];

	for (unsigned y = 0; y < H; y++)
		for (unsigned x = 0; x < W; x++)
			for (unsigned i = 0; i < 4; i++)
				img[(y * W + x) * 4 + i] = pattern(x, y, i);
	for (unsigned k = 0; k < 3; k++) {
		uint64_t gpa = FB_GPA + where[k] * 0x2000;

		memcpy(gp(gpa), img + k * 4096, 4096);
		e[k] = (struct virtio_gpu_mem_entry){ htole64(gpa), htole32(4096), 0 };
	}
}

static void test_config(void **state)
{
	struct virtio_gpu_config c;
	uint64_t f;

	assert_int_equal(mmio_r(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_GPU);
	mmio_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = mmio_r(VIRTIO_MMIO_DEVICE_FEATURES);
	assert_true(f & 1U << VIRTIO_GPU_F_EDID);
	assert_false(f & 1U << VIRTIO_GPU_F_VIRGL);
	for (unsigned i = 0; i < sizeof(c) / 4; i++)
		((uint32_t *)&c)[i] = mmio_r(VIRTIO_MMIO_CONFIG + 4 * i);
	assert_int_equal(le32toh(c.num_scanouts), 1);
	assert_int_equal(le32toh(c.num_capsets), 0);
	assert_int_equal(le32toh(c.events_read), 0);
}

static void test_display_info_edid(void **state)
{
	struct virtio_gpu_ctrl_hdr q = hdr(VIRTIO_GPU_CMD_GET_DISPLAY_INFO);
	struct virtio_gpu_resp_display_info info;
	struct virtio_gpu_cmd_get_edid eq = { hdr(VIRTIO_GPU_CMD_GET_EDID), 0, 0 };
	struct virtio_gpu_resp_edid edid;
	static const uint8_t head[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	const uint8_t *e = edid.edid, *dtd = edid.edid + 54;
	uint8_t sum = 0;

	assert_int_equal(submit(CTRLQ, &q, sizeof(q), NULL, 0, &info, sizeof(info)), sizeof(info));
	assert_int_equal(le32toh(info.hdr.type), VIRTIO_GPU_RESP_OK_DISPLAY_INFO);
	assert_int_equal(le32toh(info.pmodes[0].r.width), 1024);
	assert_int_equal(le32toh(info.pmodes[0].r.height), 768);
	assert_int_equal(le32toh(info.pmodes[0].enabled), 1);
	assert_int_equal(le32toh(info.pmodes[1].enabled), 0);

	assert_int_equal(submit(CTRLQ, &eq, sizeof(eq), NULL, 0, &edid, sizeof(edid)), sizeof(edid));
	assert_int_equal(le32toh(edid.hdr.type), VIRTIO_GPU_RESP_OK_EDID);
	assert_int_equal(le32toh(edid.size), 128);
	assert_memory_equal(e, head, 8);
	assert_int_equal(e[18], 1);
	assert_int_equal(e[19], 3);
	for (int i = 0; i < 128; i++)
		sum += e[i];
	assert_int_equal(sum, 0);
	/* The preferred mode: 1024 x 768 at 60 Hz. */
	assert_int_equal(dtd[2] | (dtd[4] >> 4) << 8, 1024);
	assert_int_equal(dtd[5] | (dtd[7] >> 4) << 8, 768);
	{
		uint32_t clk = (dtd[0] | dtd[1] << 8) * 10000U;
		uint32_t ht = 1024 + (dtd[3] | (dtd[4] & 0xf) << 8);
		uint32_t vt = 768 + (dtd[6] | (dtd[7] & 0xf) << 8);

		assert_in_range(clk / (ht * vt), 59, 60);
	}
	/* The monitor's name. */
	assert_int_equal(e[93], 0xfc);
	assert_memory_equal(e + 95, "Keel\n", 5);

	eq.scanout = htole32(1);
	assert_int_equal(submit(CTRLQ, &eq, sizeof(eq), NULL, 0, &edid, sizeof(edid)),
			 sizeof(edid.hdr));
	assert_int_equal(le32toh(edid.hdr.type), VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID);
}

static void check_image(const struct vgpu_image *img, unsigned x0, unsigned y0, unsigned x1,
			unsigned y1)
{
	for (unsigned y = 0; y < H; y++)
		for (unsigned x = 0; x < W; x++)
			for (unsigned i = 0; i < 4; i++) {
				bool in = x >= x0 && x < x1 && y >= y0 && y < y1;
				uint8_t want = in ? pattern(x, y, i) : 0;

				if (img->pixels[y * img->stride + x * 4 + i] != want)
					fail_msg("pixel %u,%u byte %u: %u, want %u", x, y, i,
						 img->pixels[y * img->stride + x * 4 + i], want);
			}
}

static void test_draw(void **state)
{
	struct virtio_gpu_mem_entry e[3];
	struct vgpu_image img;
	unsigned rgb[3];

	backing(e);
	assert_int_equal(vgpu_scanout(g, &img), -ENODATA);
	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, W, H), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(attach(1, e, 3), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 1, 0, 0, W, H, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(vgpu_scanout(g, &img), 0);
	assert_int_equal(img.w, W);
	assert_int_equal(img.h, H);
	assert_true(vgpu_format_rgb(img.format, rgb));
	assert_int_equal(rgb[0], 2);  /* XRGB8888 in memory: B G R X */
	check_image(&img, 0, 0, 0, 0);

	/* A part, as Linux sends it: offset = y * stride + x * 4. */
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 5, 7, 20, 30,
				  7 * W * 4 + 5 * 4),
			 VIRTIO_GPU_RESP_OK_NODATA);
	check_image(&img, 5, 7, 25, 37);
	updates = 0;
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_RESOURCE_FLUSH, 1, 5, 7, 20, 30, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(updates, 1);
	assert_int_equal(updated.x, 5);
	assert_int_equal(updated.y, 7);
	assert_int_equal(updated.w, 20);
	assert_int_equal(updated.h, 30);
	/* All of it, in one run across the three scattered pages. */
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 0, 0, W, H, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	check_image(&img, 0, 0, W, H);
	assert_int_equal(stats().transfers, 2);
	assert_int_equal(stats().transfer_bytes, (20 * 30 + W * H) * 4);

	/* A scanout of a part: flushes are clipped to it, in its coordinates. */
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 1, 10, 10, 32, 16, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(vgpu_scanout(g, &img), 0);
	assert_int_equal(img.w, 32);
	assert_int_equal(img.pixels[0], pattern(10, 10, 0));
	updates = 0;
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_RESOURCE_FLUSH, 1, 0, 0, 20, 20, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(updates, 1);
	assert_int_equal(updated.x, 0);
	assert_int_equal(updated.y, 0);
	assert_int_equal(updated.w, 10);
	assert_int_equal(updated.h, 10);

	/* Unref of what is shown: the scanout goes dark, memory comes back. */
	assert_int_equal(unref(1), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(vgpu_scanout(g, &img), -ENODATA);
	assert_int_equal(stats().resources, 0);
	assert_int_equal(stats().res_bytes, 0);
	assert_int_equal(stats().created, 1);
	assert_int_equal(stats().released, 1);
	assert_int_equal(stats().errors, 0);
}

static void test_fence(void **state)
{
	struct virtio_gpu_resource_create_2d c = { hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D), htole32(3),
						   htole32(VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM),
						   htole32(16), htole32(16) };
	struct virtio_gpu_ctrl_hdr r;

	c.hdr.flags = htole32(VIRTIO_GPU_FLAG_FENCE);
	c.hdr.fence_id = htole64(0x1234567890ULL);
	assert_int_equal(submit(CTRLQ, &c, sizeof(c), NULL, 0, &r, sizeof(r)), sizeof(r));
	assert_int_equal(le32toh(r.type), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(le32toh(r.flags), VIRTIO_GPU_FLAG_FENCE);
	assert_int_equal(le64toh(r.fence_id), 0x1234567890ULL);
}

/* Everything Linux never sends gets an error and changes nothing. */
static void test_bad_input(void **state)
{
	struct virtio_gpu_mem_entry e[3], bad;
	struct vgpu_image img;
	struct virtio_gpu_ctrl_hdr q;
	uint8_t junk[8] = { 0 };

	backing(e);
	/* Absurd or unknown sizes and formats, taken ids. */
	assert_int_equal(create(0, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, W, H),
			 VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 0, H),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 0xffffffff, 0xffffffff),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(create(1, 999, W, H), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	/* Within the size limits but beyond the guest's memory bound. */
	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 16384, 16384),
			 VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 512, 512),
			 VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
	assert_int_equal(stats().res_bytes, 0);
	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, W, H), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, W, H),
			 VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	/* The bound holds across resources: 1 MiB is 64 of 16 KiB, minus
	 * what is taken already. */
	{
		unsigned n = 0;

		while (create(100 + n, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 64, 64) ==
		       VIRTIO_GPU_RESP_OK_NODATA)
			n++;
		assert_in_range(n, 55, 63);
		assert_true(stats().res_bytes <= MEM_MAX);
		while (n--)
			assert_int_equal(unref(100 + n), VIRTIO_GPU_RESP_OK_NODATA);
	}

	/* Backing outside RAM, straddling its end, empty, too few entries. */
	bad = (struct virtio_gpu_mem_entry){ htole64(0x1000), htole32(4096), 0 };
	assert_int_equal(attach(1, &bad, 1), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	bad.addr = htole64(RAM_BASE + RAM_SIZE - 4096);
	bad.length = htole32(8192);
	assert_int_equal(attach(1, &bad, 1), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	bad.addr = htole64(0xfffffffffffff000ULL);
	assert_int_equal(attach(1, &bad, 1), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	bad.addr = htole64(FB_GPA);
	bad.length = 0;
	assert_int_equal(attach(1, &bad, 1), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	{
		struct virtio_gpu_resource_attach_backing a = {
			hdr(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING), htole32(1), htole32(1000) };

		assert_int_equal(ctrl(&a, sizeof(a), e, sizeof(e)),
				 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
		a.nr_entries = htole32(0xffffffff);
		assert_int_equal(ctrl(&a, sizeof(a), e, sizeof(e)),
				 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	}
	assert_int_equal(attach(2, e, 3), VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	/* No backing yet: nothing to transfer from. */
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 0, 0, W, H, 0),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	/* Overlapping entries are only read: accepted. */
	{
		struct virtio_gpu_mem_entry o[3] = { e[0], e[0], e[0] };

		assert_int_equal(attach(1, o, 3), VIRTIO_GPU_RESP_OK_NODATA);
		assert_int_equal(attach(1, o, 3), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
		struct virtio_gpu_resource_detach_backing dq = {
			hdr(VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING), htole32(1), 0 };
		assert_int_equal(ctrl(&dq, sizeof(dq), NULL, 0), VIRTIO_GPU_RESP_OK_NODATA);
		assert_int_equal(ctrl(&dq, sizeof(dq), NULL, 0), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	}
	assert_int_equal(attach(1, e, 3), VIRTIO_GPU_RESP_OK_NODATA);

	/* Scanouts of unknown resources or scanouts, or beyond the resource. */
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 7, 0, 0, W, H, 0),
			 VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 1, 0, 0, W, H, 1),
			 VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 1, 1, 0, W, H, 0),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(vgpu_scanout(g, &img), -ENODATA);

	/* Transfers outside the resource or past the end of the backing,
	 * flushes outside the resource. */
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, W - 1, 0, 2, 1, 0),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 0xfffffff0, 0, 0x20, 1, 0),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 0, 0, W, H, 4),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 0, 0, 1, 1, ~0ULL),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 9, 0, 0, 1, 1, 0),
			 VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_RESOURCE_FLUSH, 1, 0, 0, W + 1, 1, 0),
			 VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(stats().transfers, 0);

	/* Unknown and 3D commands, short requests, a header cut short. */
	q = hdr(VIRTIO_GPU_CMD_CTX_CREATE);
	assert_int_equal(ctrl(&q, sizeof(q), NULL, 0), VIRTIO_GPU_RESP_ERR_UNSPEC);
	q = hdr(0xdeadbeef);
	assert_int_equal(ctrl(&q, sizeof(q), NULL, 0), VIRTIO_GPU_RESP_ERR_UNSPEC);
	q = hdr(VIRTIO_GPU_CMD_UPDATE_CURSOR);   /* belongs on the cursorq */
	assert_int_equal(ctrl(&q, sizeof(q), NULL, 0), VIRTIO_GPU_RESP_ERR_UNSPEC);
	q = hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D);
	assert_int_equal(ctrl(&q, sizeof(q), NULL, 0), VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER);
	assert_int_equal(submit(CTRLQ, junk, sizeof(junk), NULL, 0, &q, sizeof(q)), 0);
	/* No room for the answer: nothing written, the chain comes back. */
	q = hdr(VIRTIO_GPU_CMD_GET_DISPLAY_INFO);
	assert_int_equal(submit(CTRLQ, &q, sizeof(q), NULL, 0, NULL, 0), 0);

	/* After all that, it still draws. */
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, 1, 0, 0, W, H, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 1, 0, 0, W, H, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(vgpu_scanout(g, &img), 0);
	check_image(&img, 0, 0, W, H);
	assert_true(stats().bad >= 2);
}

static void test_cursor_and_reset(void **state)
{
	struct virtio_gpu_update_cursor c = { .hdr = hdr(VIRTIO_GPU_CMD_UPDATE_CURSOR) };
	struct virtio_gpu_mem_entry e[3];
	struct vgpu_image img;
	uint64_t err0;

	backing(e);
	assert_int_equal(create(5, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, 64, 64), VIRTIO_GPU_RESP_OK_NODATA);
	c.resource_id = htole32(5);
	c.pos.x = htole32(100);
	assert_int_equal(submit(CURSORQ, &c, sizeof(c), NULL, 0, NULL, 0), 0);
	c.hdr = hdr(VIRTIO_GPU_CMD_MOVE_CURSOR);
	assert_int_equal(submit(CURSORQ, &c, sizeof(c), NULL, 0, NULL, 0), 0);
	assert_int_equal(stats().cursor_cmds, 2);
	assert_int_equal(stats().errors, 0);
	/* An unknown resource, a control command on the cursorq. */
	err0 = stats().errors;
	c.hdr = hdr(VIRTIO_GPU_CMD_UPDATE_CURSOR);
	c.resource_id = htole32(77);
	assert_int_equal(submit(CURSORQ, &c, sizeof(c), NULL, 0, NULL, 0), 0);
	assert_int_equal(stats().errors, err0 + 1);
	c.hdr = hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D);
	assert_int_equal(submit(CURSORQ, &c, sizeof(c), NULL, 0, NULL, 0), 0);
	assert_int_equal(stats().resources, 1);

	/* A device reset (the guest rebooting) releases everything. */
	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, W, H), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(attach(1, e, 3), VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(rect_cmd(VIRTIO_GPU_CMD_SET_SCANOUT, 1, 0, 0, W, H, 0),
			 VIRTIO_GPU_RESP_OK_NODATA);
	assert_int_equal(stats().resources, 2);
	assert_true(stats().res_bytes > 0);
	updates = 0;
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(stats().resources, 0);
	assert_int_equal(stats().res_bytes, 0);
	assert_int_equal(stats().released, 2);
	assert_int_equal(vgpu_scanout(g, &img), -ENODATA);
	assert_int_equal(updates, 1);  /* the screen learnt it went dark */
	driver_init();
	assert_int_equal(create(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, W, H), VIRTIO_GPU_RESP_OK_NODATA);
}

static void test_formats_and_params(void **state)
{
	const struct vgpu_params bad = { 0, 768, MEM_MAX };
	struct vgpu *x;
	unsigned rgb[3];
	uint8_t e[128];

	assert_int_equal(vgpu_create(&x, &t, &bad, NULL), -EINVAL);
	assert_true(vgpu_format_rgb(VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM, rgb));
	assert_int_equal(rgb[0], 1);
	assert_int_equal(rgb[2], 3);
	assert_true(vgpu_format_rgb(VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, rgb));
	assert_int_equal(rgb[0], 0);
	assert_true(vgpu_format_rgb(VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM, rgb));
	assert_int_equal(rgb[0], 3);
	assert_false(vgpu_format_rgb(0, rgb));
	/* The largest mode the config allows still has a valid EDID. */
	vgpu_edid(e, 4095, 4095);
	assert_int_equal(e[54 + 2] | (e[54 + 4] >> 4) << 8, 4095);
	assert_int_equal(e[54 + 5] | (e[54 + 7] >> 4) << 8, 4095);
	{
		uint8_t sum = 0;

		for (int i = 0; i < 128; i++)
			sum += e[i];
		assert_int_equal(sum, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, up, down),
		cmocka_unit_test_setup_teardown(test_display_info_edid, up, down),
		cmocka_unit_test_setup_teardown(test_draw, up, down),
		cmocka_unit_test_setup_teardown(test_fence, up, down),
		cmocka_unit_test_setup_teardown(test_bad_input, up, down),
		cmocka_unit_test_setup_teardown(test_cursor_and_reset, up, down),
		cmocka_unit_test_setup_teardown(test_formats_and_params, up, down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
