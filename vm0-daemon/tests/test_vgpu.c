// SPDX-License-Identifier: GPL-2.0
/* Host tests: virtio-gpu through the real virtio-mmio transport and split
 * rings over a fake guest RAM, driven as Linux's virtio-gpu driver drives
 * it (a resource backed by scattered pages, transfers, a scanout, flushes).
 * test_vgpu_bad.c: what Linux never sends; test_vgpu_state.c: a restart. */
#include "vgpu_harness.h"

static void test_config(void **state)
{
	struct virtio_gpu_config c;
	uint64_t f;

	assert_int_equal(vd_r(&t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_GPU);
	vd_w(&t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = vd_r(&t, VIRTIO_MMIO_DEVICE_FEATURES);
	assert_true(f & 1U << VIRTIO_GPU_F_EDID);
	assert_false(f & 1U << VIRTIO_GPU_F_VIRGL);
	for (unsigned i = 0; i < sizeof(c) / 4; i++)
		((uint32_t *)&c)[i] = vd_r(&t, VIRTIO_MMIO_CONFIG + 4 * i);
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
	vd_w(&t, VIRTIO_MMIO_STATUS, 0);
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
		cmocka_unit_test_setup_teardown(test_cursor_and_reset, up, down),
		cmocka_unit_test_setup_teardown(test_formats_and_params, up, down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
