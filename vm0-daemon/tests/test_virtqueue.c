// SPDX-License-Identifier: GPL-2.0
/* Host tests: the split-virtqueue core against a fake guest RAM of two
 * regions that are adjacent in IPA space but not in keeld's memory
 * (virtqueue_harness.h). Starting a queue and walking chains:
 * direct, indirect, and every way a guest can make them wrong. */
#include "virtqueue_harness.h"

static void test_start_checks(void **state)
{
	static const uint16_t bad_num[] = {0, 3, 12, VQ_MAX_SIZE * 2};
	struct vq t;

	for (unsigned i = 0; i < sizeof(bad_num) / sizeof(bad_num[0]); i++) {
		t = q;
		t.num = bad_num[i];
		assert_int_equal(vq_start(&t, &gm), -EINVAL);
	}
	t = q;
	t.desc_gpa = DESC + 8; /* 16-byte alignment */
	assert_int_equal(vq_start(&t, &gm), -EINVAL);
	t = q;
	t.avail_gpa = AVAIL + 1; /* 2-byte alignment */
	assert_int_equal(vq_start(&t, &gm), -EINVAL);
	t = q;
	t.used_gpa = USED + 2; /* 4-byte alignment */
	assert_int_equal(vq_start(&t, &gm), -EINVAL);
	t = q;
	t.desc_gpa = 0x10000000; /* no RAM there */
	assert_int_equal(vq_start(&t, &gm), -EINVAL);
	t = q;
	t.used_gpa = R0 + RSZ - 8; /* 6 + 8 * num bytes straddle into R1 */
	assert_int_equal(vq_start(&t, &gm), -EINVAL);
	t = q;
	t.avail_gpa = R0 + RSZ - 6 - 2 * NUM; /* exactly fits, used_event included */
	assert_int_equal(vq_start(&t, &gm), 0);
	t.avail_gpa = R0 + RSZ - 4 - 2 * NUM; /* misses used_event by 2 bytes */
	assert_int_equal(vq_start(&t, &gm), -EINVAL);

	/* Areas laid over one another: each pair. */
	t = q;
	t.avail_gpa = DESC + 16 * NUM - 2;
	assert_int_equal(vq_start(&t, &gm), -EINVAL);
	t = q;
	t.used_gpa = DESC + 16 * NUM - 4;
	assert_int_equal(vq_start(&t, &gm), -EINVAL);
	t = q;
	t.used_gpa = AVAIL + 4;
	assert_int_equal(vq_start(&t, &gm), -EINVAL);
	/* 1024 entries: 16 KiB of descriptors would run over AVAIL. */
	t = q;
	t.num = VQ_MAX_SIZE;
	assert_int_equal(vq_start(&t, &gm), -EINVAL);
	t.avail_gpa = DESC + 0x4000;
	t.used_gpa = DESC + 0x5000;
	assert_int_equal(vq_start(&t, &gm), 0);
	assert_true(t.ready);
	assert_ptr_equal(t.desc, gp(DESC));
	assert_ptr_equal(t.avail, gp(DESC + 0x4000));
	assert_ptr_equal(t.used, gp(DESC + 0x5000));
}

static void test_pop_empty(void **state)
{
	assert_int_equal(vq_pop(&q, &c), 0);
	assert_int_equal(q.last_avail, 0);
}

static void test_pop_simple(void **state)
{
	set_desc(DESC, 3, DATA, 16, VRING_DESC_F_NEXT, 5);
	set_desc(DESC, 5, DATA + 0x100, 32, VRING_DESC_F_WRITE, 0);
	offer(3);

	assert_int_equal(vq_pop(&q, &c), 1);
	assert_int_equal(c.head, 3);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.n_out, 1);
	assert_int_equal(c.out_bytes, 16);
	assert_int_equal(c.in_bytes, 32);
	assert_ptr_equal(c.seg[0].host, gp(DATA));
	assert_int_equal(c.seg[0].gpa, DATA);
	assert_false(c.seg[0].writable);
	assert_ptr_equal(c.seg[1].host, gp(DATA + 0x100));
	assert_int_equal(c.seg[1].len, 32);
	assert_true(c.seg[1].writable);
	assert_int_equal(q.last_avail, 1);
	assert_int_equal(vq_pop(&q, &c), 0);
}

static void test_push_used(void **state)
{
	set_desc(DESC, 2, DATA, 8, VRING_DESC_F_WRITE, 0);
	offer(2);
	assert_int_equal(vq_pop(&q, &c), 1);
	vq_push(&q, c.head, 7);
	assert_int_equal(used()->idx, 1);
	assert_int_equal(used()->ring[0].id, 2);
	assert_int_equal(used()->ring[0].len, 7);

	vq_push(&q, NUM, 1); /* a head that cannot exist is dropped */
	assert_int_equal(used()->idx, 1);
	assert_int_equal(q.used_idx, 1);
}

static void test_head_out_of_range(void **state)
{
	offer(NUM);
	assert_int_equal(vq_pop(&q, &c), -EPROTO);
	assert_true(q.broken);
	/* Even a good chain behind it is not taken any more. */
	set_desc(DESC, 0, DATA, 8, 0, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EPROTO);
}

static void test_next_out_of_range(void **state)
{
	set_desc(DESC, 0, DATA, 8, VRING_DESC_F_NEXT, NUM);
	set_desc(DESC, NUM, DATA, 8, 0, 0); /* a fine descriptor just past the table */
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	assert_int_equal(c.head, 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(q.bad_chains, 1);
	assert_int_equal(q.last_avail, 1); /* consumed */
	assert_false(q.broken);

	/* One bad chain does not poison the queue. */
	set_desc(DESC, 2, DATA, 8, 0, 0);
	offer(2);
	assert_int_equal(vq_pop(&q, &c), 1);
	assert_int_equal(c.head, 2);
}

static void test_loop(void **state)
{
	set_desc(DESC, 0, DATA, 8, VRING_DESC_F_NEXT, 1);
	set_desc(DESC, 1, DATA, 8, VRING_DESC_F_NEXT, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);

	set_desc(DESC, 4, DATA, 8, VRING_DESC_F_NEXT, 4); /* itself */
	offer(4);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	assert_int_equal(q.bad_chains, 2);
}

static void test_chain_of_num(void **state)
{
	/* Exactly num descriptors is the longest legal direct chain. */
	for (unsigned i = 0; i < NUM; i++)
		set_desc(DESC, i, DATA + i, 1, i + 1 < NUM ? VRING_DESC_F_NEXT : 0, i + 1);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), 1);
	assert_int_equal(c.n, NUM);
	assert_int_equal(c.out_bytes, NUM);

	/* Longer than num cannot be anything but a loop back into it. */
	set_desc(DESC, NUM - 1, DATA, 1, VRING_DESC_F_NEXT, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
}

static void test_indirect_ok(void **state)
{
	set_desc(TABLE, 0, DATA, 10, VRING_DESC_F_NEXT, 2);
	set_desc(TABLE, 2, DATA + 0x10, 20, VRING_DESC_F_NEXT, 1);
	set_desc(TABLE, 1, DATA + 0x40, 30, VRING_DESC_F_WRITE, 0);
	/* The WRITE flag on the indirect descriptor itself is ignored (2.7.5.3.2). */
	set_desc(DESC, 6, TABLE, 48, VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	offer(6);
	assert_int_equal(vq_pop(&q, &c), 1);
	assert_int_equal(c.head, 6);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.n_out, 2);
	assert_int_equal(c.out_bytes, 30);
	assert_int_equal(c.in_bytes, 30);
	assert_ptr_equal(c.seg[1].host, gp(DATA + 0x10));
	assert_ptr_equal(c.seg[2].host, gp(DATA + 0x40));
	assert_true(c.seg[2].writable);

	/* Direct descriptors may lead into the table. */
	set_desc(DESC, 1, DATA + 0x80, 5, VRING_DESC_F_NEXT, 7);
	set_desc(DESC, 7, TABLE, 48, VRING_DESC_F_INDIRECT, 0);
	offer(1);
	assert_int_equal(vq_pop(&q, &c), 1);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.n_out, 3);
	assert_int_equal(c.out_bytes, 35);
}

static void test_indirect_bad_len(void **state)
{
	set_desc(TABLE, 0, DATA, 8, 0, 0);
	set_desc(DESC, 0, TABLE, 20, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	set_desc(DESC, 0, TABLE, 0, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	set_desc(DESC, 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), 1);
}

static void test_indirect_nested(void **state)
{
	set_desc(TABLE + 0x100, 0, DATA, 8, 0, 0);
	set_desc(TABLE, 0, TABLE + 0x100, 16, VRING_DESC_F_INDIRECT, 0);
	set_desc(DESC, 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	assert_int_equal(q.bad_chains, 1);
}

static void test_indirect_with_next(void **state)
{
	set_desc(TABLE, 0, DATA, 8, 0, 0);
	set_desc(DESC, 1, DATA, 8, 0, 0);
	set_desc(DESC, 0, TABLE, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
}

static void test_indirect_outside_ram(void **state)
{
	set_desc(DESC, 0, 0x80000000ULL, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	/* A table running off the end of R0 into R1. */
	set_desc(DESC, 0, R1 - 16, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	assert_int_equal(q.bad_chains, 2);
}

static void test_indirect_next_out_of_range(void **state)
{
	set_desc(TABLE, 0, DATA, 8, VRING_DESC_F_NEXT, 1);
	set_desc(TABLE, 1, DATA, 8, VRING_DESC_F_NEXT, 2); /* table has 2 */
	set_desc(TABLE, 2, DATA, 8, 0, 0);		   /* fine, but not in it */
	set_desc(DESC, 0, TABLE, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);

	set_desc(TABLE, 1, DATA, 8, VRING_DESC_F_NEXT, 0); /* loop in the table */
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
}

static void build_long_table(unsigned entries)
{
	for (unsigned i = 0; i < entries; i++)
		set_desc(R1, i, DATA + (i & 0xff), 1, i + 1 < entries ? VRING_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	set_desc(DESC, 0, R1, entries * 16, VRING_DESC_F_INDIRECT, 0);
	offer(0);
}

static void test_too_many_segs(void **state)
{
	build_long_table(VQ_MAX_SEGS);
	assert_int_equal(vq_pop(&q, &c), 1);
	assert_int_equal(c.n, VQ_MAX_SEGS);

	build_long_table(VQ_MAX_SEGS + 1);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	assert_int_equal(c.n, 0);
}

static void test_desc_outside_ram(void **state)
{
	set_desc(DESC, 0, 0x1000, 8, 0, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	set_desc(DESC, 0, R1 + RSZ - 4, 8, 0, 0); /* runs off the end of RAM */
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	set_desc(DESC, 0, DATA, 0xffffffff, 0, 0); /* huge length */
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	set_desc(DESC, 0, 0xfffffffffffffff0ULL, 0x20, 0, 0); /* wraps the address space */
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	assert_int_equal(q.bad_chains, 4);
}

static void test_desc_straddles_regions(void **state)
{
	/* R0 and R1 are adjacent IPAs but separate host mappings. */
	set_desc(DESC, 0, R1 - 0x10, 0x20, VRING_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
	set_desc(DESC, 0, R1 - 0x10, 0x10, VRING_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), 1);
	assert_ptr_equal(c.seg[0].host, ram0 + RSZ - 0x10);
}


int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_start_checks),
	    T(test_pop_empty),
	    T(test_pop_simple),
	    T(test_push_used),
	    T(test_head_out_of_range),
	    T(test_next_out_of_range),
	    T(test_loop),
	    T(test_chain_of_num),
	    T(test_indirect_ok),
	    T(test_indirect_bad_len),
	    T(test_indirect_nested),
	    T(test_indirect_with_next),
	    T(test_indirect_outside_ram),
	    T(test_indirect_next_out_of_range),
	    T(test_too_many_segs),
	    T(test_desc_outside_ram),
	    T(test_desc_straddles_regions),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
