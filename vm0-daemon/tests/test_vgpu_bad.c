// SPDX-License-Identifier: GPL-2.0
/* Host tests: virtio-gpu driven by a guest that sends what Linux never
 * would (vgpu_harness.h is the guest). */
#include "vgpu_harness.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_input, up, down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
