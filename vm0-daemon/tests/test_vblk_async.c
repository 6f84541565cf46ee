// SPDX-License-Identifier: GPL-2.0
/* Host tests: virtio-blk through the real virtio-mmio transport and split
 * ring, driven like a guest driver would over a fake guest RAM, with a
 * temporary file as the disk (vblk_harness.h). Asynchronous mode, once per
 * backend (the libuv threadpool, io_uring): batching, reset and destroy
 * with requests in flight. */
#include "vblk_harness.h"

static void run_until(bool (*done)(void))
{
	for (int i = 0; i < 100000 && !done(); i++)
		uv_run(&loop, UV_RUN_ONCE);
	assert_true(done());
	/* The interrupt comes from the idle handle, one iteration later. */
	uv_run(&loop, UV_RUN_NOWAIT);
}

static unsigned async_n;

static bool all_used(void)
{
	return __atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) == avail_idx;
}

static bool all_dropped(void)
{
	return stats().dropped == async_n;
}

static void post_io(unsigned n, uint32_t type)
{
	for (unsigned i = 0; i < n; i++) {
		set_hdr(HDR_GPA + i * 16, type, i * 8);
		post((struct seg[]){{HDR_GPA + i * 16, 16, false},
				    {DATA_GPA + i * 4096, 4096, type == VIRTIO_BLK_T_IN},
				    {STATUS_GPA + i, 1, true}},
		     3);
	}
	async_n = n;
}

/* Requests that wait for the device (here flushes) go to the threadpool;
 * reads and writes run inline on the loop. */
static void post_flushes(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		set_hdr(HDR_GPA + i * 16, VIRTIO_BLK_T_FLUSH, 0);
		post((struct seg[]){{HDR_GPA + i * 16, 16, false}, {STATUS_GPA + i, 1, true}}, 2);
	}
	async_n = n;
}

static void test_async(void **state)
{
	const unsigned n = 80; /* inline on the loop in one kick; 3 descriptors each <= QNUM */
	uint8_t got[4096];

	device_up(false, NULL, true);
	assert_string_equal(vblk_io(b)->ops->name, backend);
	for (unsigned i = 0; i < n * 4096; i++)
		((uint8_t *)gp(DATA_GPA))[i] = (uint8_t)(i * 13 + i / 4096);
	post_io(n, VIRTIO_BLK_T_OUT);
	virtio_mmio_kick(&t, 0);
	run_until(all_used);
	for (unsigned i = 0; i < n; i++) {
		struct vring_used_elem e = take_used();

		assert_int_equal(e.len, 1);
		assert_int_equal(*(uint8_t *)gp(STATUS_GPA + i), VIRTIO_BLK_S_OK);
	}
	assert_true(irqs >= 1 && irqs < n);
	for (unsigned i = 0; i < n; i += 37) {
		file_read(i * 4096, got, sizeof(got));
		assert_memory_equal(got, gp(DATA_GPA + i * 4096), sizeof(got));
	}
	assert_int_equal(stats().writes, n);
	assert_int_equal(stats().write_bytes, n * 4096);

	/* Read it back through the device into zeroed buffers. */
	memset(gp(DATA_GPA), 0, n * 4096);
	post_io(n, VIRTIO_BLK_T_IN);
	virtio_mmio_kick(&t, 0);
	run_until(all_used);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(take_used().len, 4097);
	for (unsigned i = 0; i < n * 4096; i++)
		if (((uint8_t *)gp(DATA_GPA))[i] != (uint8_t)(i * 13 + i / 4096))
			fail_msg("byte %u", i);
	device_down(true);
}

/* A reset with requests on the threadpool: when it returns nothing runs
 * anymore, and their completions are dropped, never pushed. */
static void test_async_reset(void **state)
{
	device_up(false, NULL, true);
	post_flushes(80);
	virtio_mmio_kick(&t, 0);
	vd_w(&t, VIRTIO_MMIO_STATUS, 0);
	memset(gp(USED_GPA), 0x5c, 0x1000);
	/* Only VBLK_MAX_INFLIGHT were taken: the loop has not run since. */
	async_n = VBLK_MAX_INFLIGHT;
	run_until(all_dropped);
	assert_int_equal(stats().requests, 0);
	/* Nothing was written into the (reset) used ring. */
	for (unsigned i = 0; i < 0x1000; i++)
		assert_int_equal(((uint8_t *)gp(USED_GPA))[i], 0x5c);

	/* And the device works after re-initialisation. */
	driver_init(0);
	post_io(3, VIRTIO_BLK_T_IN);
	virtio_mmio_kick(&t, 0);
	run_until(all_used);
	assert_int_equal(stats().requests, 3);
	device_down(true);
}

/* Destroyed with requests in flight: freed once libuv is done with them. */
static void test_async_destroy(void **state)
{
	device_up(false, NULL, true);
	post_flushes(100);
	virtio_mmio_kick(&t, 0);
	device_down(true);
}

/* The async tests once per backend: the model must not see a difference. */
static int on_threadpool(void **state)
{
	backend = "threadpool";
	return 0;
}

static int on_uring(void **state)
{
	backend = "uring";
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_async, on_threadpool),
		cmocka_unit_test_setup(test_async_reset, on_threadpool),
		cmocka_unit_test_setup(test_async_destroy, on_threadpool),
		cmocka_unit_test_setup(test_async, on_uring),
		cmocka_unit_test_setup(test_async_reset, on_uring),
		cmocka_unit_test_setup(test_async_destroy, on_uring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
