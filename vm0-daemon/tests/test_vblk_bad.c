// SPDX-License-Identifier: GPL-2.0
/* Host tests: virtio-blk through the real virtio-mmio transport and split
 * ring, driven like a guest driver would over a fake guest RAM, with a
 * temporary file as the disk (vblk_harness.h). Synchronous mode: what a
 * misbehaving driver sends, answered with a status or NEEDS_RESET. */
#include "vblk_harness.h"

/* Requests the device answers with a status: the ring stays usable. */
static void test_bad_requests(void **state)
{
	struct seg d512 = {DATA_GPA, 512, true}, d100 = {DATA_GPA, 100, true};
	struct seg w513 = {DATA_GPA, 513, false}, dwz = {DWZ_GPA, 16, false};
	uint32_t len;
	uint8_t before[1024], after[1024];

	file_read(0, before, sizeof(before));

	/* Header shorter than 16 bytes. */
	struct seg shorth[2] = {{HDR_GPA, 8, false}, {STATUS_GPA, 1, true}};
	set_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 0);
	assert_int_equal(run_chain(shorth, 2, STATUS_GPA, &len), VIRTIO_BLK_S_IOERR);
	assert_int_equal(len, 1);
	/* Header in a device-writable descriptor. */
	struct seg wh[2] = {{HDR_GPA, 16, true}, {STATUS_GPA, 1, true}};
	set_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 0);
	assert_int_equal(run_chain(wh, 2, STATUS_GPA, &len), VIRTIO_BLK_S_IOERR);
	/* Data not a multiple of 512. */
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, 0, &d100, 1, &len), VIRTIO_BLK_S_IOERR);
	assert_int_equal(len, 1);
	assert_int_equal(do_req(VIRTIO_BLK_T_OUT, 0, &w513, 1, &len), VIRTIO_BLK_S_IOERR);
	/* Beyond the capacity, straddling it, and wrapping 64 bits. */
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, DISK_SECTORS, &d512, 1, &len), VIRTIO_BLK_S_IOERR);
	d512.len = 1024;
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, &d512, 1, &len),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, UINT64_MAX, &d512, 1, &len), VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, UINT64_MAX / 512 + 1, &d512, 1, &len),
			 VIRTIO_BLK_S_IOERR);
	d512.w = false;
	assert_int_equal(do_req(VIRTIO_BLK_T_OUT, UINT64_MAX - 1, &d512, 1, &len),
			 VIRTIO_BLK_S_IOERR);
	/* Unknown types, including legacy ones and the barrier flag. */
	assert_int_equal(do_req(VIRTIO_BLK_T_SCSI_CMD, 0, NULL, 0, &len), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(do_req(3, 0, NULL, 0, &len), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(do_req(VIRTIO_BLK_T_SECURE_ERASE, 0, NULL, 0, &len), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(do_req(VIRTIO_BLK_T_OUT | VIRTIO_BLK_T_BARRIER, 0, &d512, 1, &len),
			 VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(do_req(0xffffffff, 0, NULL, 0, &len), VIRTIO_BLK_S_UNSUPP);

	/* Discard / write-zeroes ranges. */
	put_range(0, DISK_SECTORS - 1, 2, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, &dwz, 1, &len), VIRTIO_BLK_S_IOERR);
	put_range(0, UINT64_MAX, 1, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &dwz, 1, &len), VIRTIO_BLK_S_IOERR);
	put_range(0, 0, VBLK_MAX_DISCARD_SECTORS + 1, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, &dwz, 1, &len), VIRTIO_BLK_S_IOERR);
	put_range(0, 0, 1, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, &dwz, 1, &len), VIRTIO_BLK_S_UNSUPP);
	put_range(0, 0, 1, 2);
	assert_int_equal(do_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &dwz, 1, &len), VIRTIO_BLK_S_UNSUPP);
	put_range(0, 0, 1, 0);
	dwz.len = 15;
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, &dwz, 1, &len), VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, NULL, 0, &len), VIRTIO_BLK_S_IOERR);
	dwz.len = 32; /* write-zeroes takes one range */
	put_range(1, 1, 1, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &dwz, 1, &len), VIRTIO_BLK_S_IOERR);
	dwz.len = 16 * (VBLK_MAX_DISCARD_SEG + 1);
	for (unsigned i = 0; i <= VBLK_MAX_DISCARD_SEG; i++)
		put_range(i, i, 1, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, &dwz, 1, &len), VIRTIO_BLK_S_IOERR);

	file_read(0, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
	assert_int_equal(stats().errors, 16);
	assert_int_equal(stats().unsupported, 7);
	assert_int_equal(stats().bad_chains, 0);
	check_needs_reset(false);
	/* Still serving. */
	d512.w = true;
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, 0, &d512, 1, &len), VIRTIO_BLK_S_OK);
}

/* Chains without a place for the status: returned with 0 bytes and the
 * device asks for a reset; a reset brings it back. */
static void no_status(const struct seg *s, unsigned n)
{
	uint32_t len;
	struct seg d = {DATA_GPA, 512, true};

	set_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 0);
	assert_int_equal(run_chain(s, n, STATUS_GPA, &len), 0xee);
	assert_int_equal(len, 0);
	check_needs_reset(true);
	assert_int_equal(stats().bad_chains, 1);
	/* Nothing more is taken until the reset. */
	set_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 0);
	post((struct seg[]){{HDR_GPA, 16, false}, {STATUS_GPA, 1, true}}, 2);
	virtio_mmio_kick(&t, 0);
	assert_false(used_ready());

	driver_init(0);
	check_needs_reset(false);
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, 0, &d, 1, &len), VIRTIO_BLK_S_OK);
}

static void test_status_readonly(void **state)
{
	no_status((struct seg[]){{HDR_GPA, 16, false}, {STATUS_GPA, 1, false}}, 2);
}

static void test_status_empty(void **state)
{
	no_status(
	    (struct seg[]){{HDR_GPA, 16, false}, {DATA_GPA, 512, true}, {STATUS_GPA, 0, true}}, 3);
}

static void test_header_only(void **state)
{
	no_status((struct seg[]){{HDR_GPA, 16, false}}, 1);
}

static void test_malformed_chain(void **state)
{
	struct vring_desc *desc = gp(DESC_GPA);
	uint32_t len;
	uint16_t head;

	/* A next index past the table. */
	head = post((struct seg[]){{HDR_GPA, 16, false}, {STATUS_GPA, 1, true}}, 2);
	desc[head].next = QNUM + 5;
	virtio_mmio_kick(&t, 0);
	struct vring_used_elem e = take_used();

	assert_int_equal(e.id, head);
	assert_int_equal(e.len, 0);
	check_needs_reset(true);
	driver_init(0);
	assert_int_equal(do_req(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, &len), VIRTIO_BLK_S_OK);
}

/* Found by the fuzzer: a driver whose used->flags is its own avail->idx.
 * Our NO_NOTIFY write makes a chain appear, re-enabling kicks makes it
 * vanish again; kick() must give up instead of spinning. */
static void test_overlapping_rings(void **state)
{
	/* used->flags over avail->idx: our own kick-disable writes would
	 * fake requests. Refused when the queue is enabled: NEEDS_RESET,
	 * and nothing is ever taken from it. */
	avail_gpa = AVAIL_GPA + 2;
	used_gpa = AVAIL_GPA + 4;
	driver_setup_q(1ULL << VIRTIO_RING_F_EVENT_IDX, false);
	assert_true(vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	virtio_mmio_kick(&t, 0);
	assert_int_equal(stats().flushes, 0);
	assert_int_equal(stats().requests, 0);
}

/* seg_max and size_max are what keeld advertises and what it serves:
 * one more segment, or one byte more in a segment, is an IOERR with
 * nothing read or written, even when every segment names the same page. */
static void test_seg_limits(void **state)
{
	static struct seg s[VBLK_SEG_MAX + 3];
	uint32_t len;
	unsigned n;

	for (int type = VIRTIO_BLK_T_IN; type <= VIRTIO_BLK_T_OUT; type++) {
		bool in = type == VIRTIO_BLK_T_IN;

		set_hdr(HDR_GPA, type, 0);
		/* The limit itself is served: seg_max segments of one page. */
		n = 0;
		s[n++] = (struct seg){HDR_GPA, sizeof(struct virtio_blk_outhdr), false};
		for (unsigned i = 0; i < VBLK_SEG_MAX; i++)
			s[n++] = (struct seg){DATA_GPA, 512, in};
		s[n++] = (struct seg){STATUS_GPA, 1, true};
		assert_int_equal(run_chain(s, n, STATUS_GPA, &len), VIRTIO_BLK_S_OK);
		/* One segment more. */
		n = 0;
		s[n++] = (struct seg){HDR_GPA, sizeof(struct virtio_blk_outhdr), false};
		for (unsigned i = 0; i < VBLK_SEG_MAX + 1; i++)
			s[n++] = (struct seg){DATA_GPA, 512, in};
		s[n++] = (struct seg){STATUS_GPA, 1, true};
		assert_int_equal(run_chain(s, n, STATUS_GPA, &len), VIRTIO_BLK_S_IOERR);
		assert_int_equal(len, 1);
		/* One segment of size_max is fine, one of size_max + 512 is not. */
		assert_int_equal(do_req(type, 0, (struct seg[]){{DATA_GPA, VBLK_SIZE_MAX, in}}, 1, &len),
				 VIRTIO_BLK_S_OK);
		assert_int_equal(do_req(type, 0,
					(struct seg[]){{DATA_GPA, VBLK_SIZE_MAX + 512, in}}, 1, &len),
				 VIRTIO_BLK_S_IOERR);
		assert_int_equal(len, 1);
	}
	/* A flush with too many descriptors is refused too (the chain bound). */
	n = 0;
	set_hdr(HDR_GPA, VIRTIO_BLK_T_FLUSH, 0);
	s[n++] = (struct seg){HDR_GPA, sizeof(struct virtio_blk_outhdr), false};
	for (unsigned i = 0; i < VBLK_SEG_MAX + 1; i++)
		s[n++] = (struct seg){DATA_GPA, 512, true};
	s[n++] = (struct seg){STATUS_GPA, 1, true};
	assert_int_equal(run_chain(s, n, STATUS_GPA, &len), VIRTIO_BLK_S_IOERR);
	check_needs_reset(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_requests, up_rw, down),
		cmocka_unit_test_setup_teardown(test_status_readonly, up_rw, down),
		cmocka_unit_test_setup_teardown(test_status_empty, up_rw, down),
		cmocka_unit_test_setup_teardown(test_header_only, up_rw, down),
		cmocka_unit_test_setup_teardown(test_malformed_chain, up_rw, down),
		cmocka_unit_test_setup_teardown(test_overlapping_rings, up_rw, down),
		cmocka_unit_test_setup_teardown(test_seg_limits, up_rw, down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
