// SPDX-License-Identifier: GPL-2.0
/* The virtio-gpu tests' guest: vgpu_harness.h. */
#include "vgpu_harness.h"

uint8_t *ram;
struct guest_mem gm;
struct virtio_mmio t;
struct vgpu *g;
uint16_t avail_idx[NQ], used_seen[NQ];
struct vgpu_rect updated;
unsigned updates;
struct virtio_live live;
unsigned changes;

void *gp(uint64_t gpa)
{
	assert_true(gpa >= RAM_BASE && gpa < RAM_BASE + RAM_SIZE);
	return ram + (gpa - RAM_BASE);
}

void on_irq(void *opaque)
{
}

void on_changed(void *opaque)
{
	changes++;
}

void on_update(void *opaque, const struct vgpu_rect *r)
{
	updated = *r;
	updates++;
}

void driver_init(void)
{
	uint32_t st = vd_negotiate(&t, 1ULL << VIRTIO_GPU_F_EDID | 1ULL << VIRTIO_F_VERSION_1);

	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS), st);
	for (unsigned q = 0; q < NQ; q++) {
		memset(gp(RING_GPA(q)), 0, 0x3000);
		avail_idx[q] = used_seen[q] = 0;
		vd_w(&t, VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_NUM_MAX), VGPU_QUEUE_MAX);
		vd_queue(&t, q, QNUM, RING_GPA(q), RING_GPA(q) + 0x1000, RING_GPA(q) + 0x2000);
	}
	vd_w(&t, VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
}

/* A chain on queue q: the request, optionally extra readable bytes, and a
 * response buffer of resp_len (0: none), as Linux queues them. Returns
 * the used length; the response is copied to resp. */
uint32_t submit(unsigned q, const void *req, size_t len, const void *extra, size_t xlen,
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
uint32_t ctrl(const void *req, size_t len, const void *extra, size_t xlen)
{
	struct virtio_gpu_ctrl_hdr r;

	assert_int_equal(submit(CTRLQ, req, len, extra, xlen, &r, sizeof(r)), sizeof(r));
	return le32toh(r.type);
}

struct virtio_gpu_ctrl_hdr hdr(uint32_t type)
{
	return (struct virtio_gpu_ctrl_hdr){ .type = htole32(type) };
}

uint32_t create(uint32_t id, uint32_t fmt, uint32_t w, uint32_t h)
{
	struct virtio_gpu_resource_create_2d c = { hdr(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D), htole32(id),
						   htole32(fmt), htole32(w), htole32(h) };

	return ctrl(&c, sizeof(c), NULL, 0);
}

uint32_t attach(uint32_t id, const struct virtio_gpu_mem_entry *e, uint32_t n)
{
	struct virtio_gpu_resource_attach_backing a = {
		hdr(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING), htole32(id), htole32(n) };

	return ctrl(&a, sizeof(a), e, n * sizeof(*e));
}

uint32_t rect_cmd(uint32_t type, uint32_t id, uint32_t x, uint32_t y, uint32_t w,
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

uint32_t unref(uint32_t id)
{
	struct virtio_gpu_resource_unref c = { hdr(VIRTIO_GPU_CMD_RESOURCE_UNREF), htole32(id), 0 };

	return ctrl(&c, sizeof(c), NULL, 0);
}

struct vgpu_stats stats(void)
{
	struct vgpu_stats s;

	vgpu_get_stats(g, &s);
	return s;
}

int up(void **state)
{
	const struct vgpu_params p = { 1024, 768, MEM_MAX };
	const struct vgpu_io io = { on_update, NULL };

	ram = vd_ram_map(&gm, RAM_BASE, RAM_SIZE);
	assert_non_null(ram);
	updates = 0;
	assert_int_equal(vgpu_create(&g, &t, &p, &io), 0);
	virtio_mmio_init(&t, &vgpu_ops, g, &gm, on_irq, NULL);
	virtio_mmio_persist(&t, &live, false, on_changed, NULL);
	changes = 0;
	driver_init();
	return 0;
}

int down(void **state)
{
	virtio_mmio_destroy(&t);
	vgpu_destroy(g);
	free(ram);
	return 0;
}

/* The W x H image's byte i of pixel (x, y), as the guest draws it. */
uint8_t pattern(unsigned x, unsigned y, unsigned i)
{
	return (uint8_t)(x * 3 + y * 7 + i * 61 + (x ^ y));
}

/* The backing: the W x H image's 12 KiB in three pages of 4 KiB, given in
 * the list in the order 2, 0, 1 of where they sit in RAM. */
void backing(struct virtio_gpu_mem_entry e[3])
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

void check_image(const struct vgpu_image *img, unsigned x0, unsigned y0, unsigned x1,
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
