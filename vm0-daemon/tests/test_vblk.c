// SPDX-License-Identifier: GPL-2.0
/* Host tests: virtio-blk through the real virtio-mmio transport and split
 * ring, driven like a guest driver would over a fake guest RAM, with a
 * temporary file as the disk (vblk_harness.h). Synchronous mode: the requests
 * a well-behaved driver makes, the configuration and the read-only disk. */
#include "vblk_harness.h"

static void test_config(void **state)
{
	uint64_t f = vd_device_features(&t);

	assert_int_equal(vd_r(&t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	assert_true(f & 1ULL << VIRTIO_F_VERSION_1);
	assert_true(f & 1ULL << VIRTIO_BLK_F_SEG_MAX);
	assert_true(f & 1ULL << VIRTIO_BLK_F_BLK_SIZE);
	assert_true(f & 1ULL << VIRTIO_BLK_F_FLUSH);
	assert_true(f & 1ULL << VIRTIO_BLK_F_DISCARD);
	assert_true(f & 1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
	assert_false(f & 1ULL << VIRTIO_BLK_F_RO);
	assert_false(f & 1ULL << VIRTIO_BLK_F_MQ);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, capacity), 8), DISK_SECTORS);
	assert_true(f & 1ULL << VIRTIO_BLK_F_SIZE_MAX);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, seg_max), 4), VBLK_SEG_MAX);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, size_max), 4), VBLK_SIZE_MAX);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, blk_size), 4), 512);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, max_discard_sectors), 4),
			 VBLK_MAX_DISCARD_SECTORS);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, max_discard_seg), 4),
			 VBLK_MAX_DISCARD_SEG);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, discard_sector_alignment), 4),
			 1);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, max_write_zeroes_sectors), 4),
			 VBLK_MAX_WRITE_ZEROES_SECTORS);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, max_write_zeroes_seg), 4), 1);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, write_zeroes_may_unmap), 1),
			 1);
	/* Past the end of the config space: 0, no crash. */
	assert_int_equal(cfg_read(sizeof(struct virtio_blk_config), 4), 0);
}

static void test_read_write(void **state)
{
	uint8_t want[2048], got[2048];
	uint32_t len;
	/* 3 KiB of data in three uneven segments. */
	struct seg w[3] = {{DATA_GPA, 1000, false},
			   {DATA_GPA + 1000, 1048, false},
			   {DATA_GPA + 2048, 1024, false}};
	struct seg r[2] = {{DATA_GPA + 0x10000, 3000, true}, {DATA_GPA + 0x10000 + 3000, 72, true}};

	for (unsigned i = 0; i < 3072; i++)
		((uint8_t *)gp(DATA_GPA))[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(do_req(VIRTIO_BLK_T_OUT, 10, w, 3, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);
	file_read(10 * 512, got, 2048);
	memcpy(want, gp(DATA_GPA), 2048);
	assert_memory_equal(got, want, 2048);

	assert_int_equal(do_req(VIRTIO_BLK_T_IN, 10, r, 2, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 3072 + 1);
	assert_memory_equal(gp(DATA_GPA + 0x10000), gp(DATA_GPA), 3072);

	/* Untouched sectors keep the file's pattern. */
	r[0].len = 512;
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, 9, r, 1, &len), VIRTIO_BLK_S_OK);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(((uint8_t *)gp(DATA_GPA + 0x10000))[i], pattern(9 * 512 + i));
	/* The last sector, and an empty read. */
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, r, 1, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, DISK_SECTORS, NULL, 0, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);

	assert_int_equal(stats().writes, 1);
	assert_int_equal(stats().reads, 4);
	assert_int_equal(stats().write_bytes, 3072);
	assert_int_equal(stats().read_bytes, 3072 + 1024);
	assert_int_equal(stats().errors, 0);
	assert_true(irqs >= 1);
	check_needs_reset(false);
}

/* Framing is the driver's choice (VERSION_1): a header split over two
 * descriptors, data and status in one writable descriptor. */
static void test_any_layout(void **state)
{
	struct seg s[3] = {{HDR_GPA, 6, false}, {HDR_GPA + 6, 10, false}, {DATA_GPA, 1025, true}};
	uint32_t len;

	set_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 4);
	assert_int_equal(run_chain(s, 3, DATA_GPA + 1024, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1025);
	for (unsigned i = 0; i < 1024; i++)
		assert_int_equal(((uint8_t *)gp(DATA_GPA))[i], pattern(4 * 512 + i));

	/* A write whose data follows the header in the same descriptor. */
	set_hdr(HDR_GPA, VIRTIO_BLK_T_OUT, 0);
	memset(gp(HDR_GPA + 16), 0x77, 512);
	s[0] = (struct seg){HDR_GPA, 16 + 512, false};
	s[1] = (struct seg){STATUS_GPA, 1, true};
	assert_int_equal(run_chain(s, 2, STATUS_GPA, &len), VIRTIO_BLK_S_OK);
	uint8_t got[512];

	file_read(0, got, 512);
	assert_memory_equal(got, gp(HDR_GPA + 16), 512);
}

static void test_flush_get_id(void **state)
{
	struct seg id = {DATA_GPA, VIRTIO_BLK_ID_BYTES, true};
	uint8_t want[VIRTIO_BLK_ID_BYTES] = "keel-test-serial";
	uint32_t len;

	assert_int_equal(do_req(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);
	assert_int_equal(stats().flushes, 1);

	memset(gp(DATA_GPA), 0xff, 64);
	assert_int_equal(do_req(VIRTIO_BLK_T_GET_ID, 0, &id, 1, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, VIRTIO_BLK_ID_BYTES + 1);
	assert_memory_equal(gp(DATA_GPA), want, VIRTIO_BLK_ID_BYTES);
	assert_int_equal(((uint8_t *)gp(DATA_GPA))[VIRTIO_BLK_ID_BYTES], 0xff);
	/* A smaller buffer gets what fits and nothing more. */
	memset(gp(DATA_GPA), 0xff, 64);
	id.len = 4;
	assert_int_equal(do_req(VIRTIO_BLK_T_GET_ID, 0, &id, 1, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(gp(DATA_GPA), "keel", 4);
	assert_int_equal(((uint8_t *)gp(DATA_GPA))[4], 0xff);
	assert_int_equal(stats().get_ids, 2);
}

static void test_discard_write_zeroes(void **state)
{
	struct seg s = {DWZ_GPA, 16, false};
	uint32_t len;

	put_range(0, 16, 4, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, &s, 1, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);
	check_zero(15, 1, false);
	check_zero(16, 4, true);
	check_zero(20, 1, false);

	/* Several ranges in one request. */
	put_range(0, 40, 1, 0);
	put_range(1, 50, 2, 0);
	put_range(2, 60, 0, 0);
	s.len = 48;
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, &s, 1, &len), VIRTIO_BLK_S_OK);
	check_zero(40, 1, true);
	check_zero(41, 1, false);
	check_zero(50, 2, true);
	check_zero(60, 1, false);

	s.len = 16;
	put_range(0, 100, 3, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &s, 1, &len), VIRTIO_BLK_S_OK);
	check_zero(99, 1, false);
	check_zero(100, 3, true);
	check_zero(103, 1, false);
	put_range(0, 200, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	assert_int_equal(do_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &s, 1, &len), VIRTIO_BLK_S_OK);
	check_zero(200, 8, true);
	check_zero(208, 1, false);
	/* Up to the last sector. */
	put_range(0, DISK_SECTORS - 2, 2, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &s, 1, &len), VIRTIO_BLK_S_OK);
	check_zero(DISK_SECTORS - 2, 2, true);

	assert_int_equal(stats().discards, 2);
	assert_int_equal(stats().write_zeroes, 3);
}

static void test_readonly_disk(void **state)
{
	struct seg d = {DATA_GPA, 512, false}, dwz = {DWZ_GPA, 16, false};
	struct seg id = {DATA_GPA, VIRTIO_BLK_ID_BYTES, true};
	uint64_t f = vd_device_features(&t);
	uint8_t before[512], after[512];
	uint32_t len;

	assert_true(f & 1ULL << VIRTIO_BLK_F_RO);
	assert_false(f & 1ULL << VIRTIO_BLK_F_DISCARD);
	assert_false(f & 1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
	file_read(0, before, sizeof(before));
	memset(gp(DATA_GPA), 0x33, 512);
	assert_int_equal(do_req(VIRTIO_BLK_T_OUT, 0, &d, 1, &len), VIRTIO_BLK_S_IOERR);
	put_range(0, 0, 1, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, &dwz, 1, &len), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(do_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &dwz, 1, &len), VIRTIO_BLK_S_UNSUPP);
	file_read(0, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
	d.w = true;
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, 0, &d, 1, &len), VIRTIO_BLK_S_OK);
	assert_memory_equal(gp(DATA_GPA), before, 512);
	assert_int_equal(do_req(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, &len), VIRTIO_BLK_S_OK);
	/* The default serial: the file name's last 20 bytes. */
	assert_int_equal(do_req(VIRTIO_BLK_T_GET_ID, 0, &id, 1, &len), VIRTIO_BLK_S_OK);
	assert_memory_equal(gp(DATA_GPA), strrchr(dpath, '/') + 1, strlen(strrchr(dpath, '/') + 1));
}

/* Many chains, one kick: one interrupt (no EVENT_IDX, NO_INTERRUPT clear). */
static void test_batch_one_irq(void **state)
{
	for (unsigned i = 0; i < 32; i++) {
		set_hdr(HDR_GPA + i * 16, VIRTIO_BLK_T_IN, i);
		post((struct seg[]){{HDR_GPA + i * 16, 16, false},
				    {DATA_GPA + i * 512, 512, true},
				    {STATUS_GPA + i, 1, true}},
		     3);
	}
	irqs = 0;
	virtio_mmio_kick(&t, 0);
	assert_int_equal(irqs, 1);
	for (unsigned i = 0; i < 32; i++) {
		assert_int_equal(take_used().len, 513);
		assert_int_equal(*(uint8_t *)gp(STATUS_GPA + i), VIRTIO_BLK_S_OK);
	}
	for (unsigned i = 0; i < 32 * 512; i++)
		assert_int_equal(((uint8_t *)gp(DATA_GPA))[i], pattern(i));
	/* A spurious kick is harmless. */
	virtio_mmio_kick(&t, 0);
	assert_int_equal(irqs, 1);
}

static void test_create_errors(void **state)
{
	struct vblk *x;

	assert_int_equal(
	    vblk_create(&x, NULL, &t, &disk, NULL, "012345678901234567890", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is longer than 20 bytes"));
	assert_int_equal(vblk_create(&x, NULL, &t, &disk, NULL, "bad\nserial", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(vblk_create(&x, NULL, &t, &disk, NULL, "01234567890123456789", err, sizeof(err)),
			 0);
	vblk_destroy(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, up_rw, down),
		cmocka_unit_test_setup_teardown(test_read_write, up_rw, down),
		cmocka_unit_test_setup_teardown(test_any_layout, up_rw, down),
		cmocka_unit_test_setup_teardown(test_flush_get_id, up_rw, down),
		cmocka_unit_test_setup_teardown(test_discard_write_zeroes, up_rw, down),
		cmocka_unit_test_setup_teardown(test_readonly_disk, up_ro, down),
		cmocka_unit_test_setup_teardown(test_batch_one_irq, up_rw, down),
		cmocka_unit_test_setup_teardown(test_create_errors, up_rw, down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
