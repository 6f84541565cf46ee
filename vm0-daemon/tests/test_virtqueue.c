// SPDX-License-Identifier: GPL-2.0
/* Host tests: the split-virtqueue core against a fake guest RAM of two
 * regions that are adjacent in IPA space but not in keeld's memory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtio/virtqueue.h"

#define R0  0x40000000ULL
#define R1  0x40010000ULL
#define RSZ 0x10000ULL

#define DESC  (R0 + 0x0000)
#define AVAIL (R0 + 0x1000)
#define USED  (R0 + 0x2000)
#define DATA  (R0 + 0x4000)
#define TABLE (R0 + 0x8000)

#define NUM 8

static struct guest_mem gm;
static uint8_t *ram0, *ram1;
static struct vq q;
static struct vq_chain c;
static uint16_t drv_avail; /* the fake driver's avail->idx */

static uint8_t *gp(uint64_t ipa)
{
	return ipa >= R1 ? ram1 + (ipa - R1) : ram0 + (ipa - R0);
}

static struct vring_desc *desc_at(uint64_t table, unsigned i)
{
	return (struct vring_desc *)gp(table) + i;
}

static void set_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	struct vring_desc *d = desc_at(table, i);

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

static struct vring_avail *avail(void)
{
	return (struct vring_avail *)gp(AVAIL);
}

static struct vring_used *used(void)
{
	return (struct vring_used *)gp(USED);
}

static uint16_t *used_event(void)
{
	return &avail()->ring[NUM];
}

static uint16_t *avail_event(void)
{
	return (uint16_t *)&used()->ring[NUM];
}

static void offer(uint16_t head)
{
	avail()->ring[drv_avail % NUM] = head;
	avail()->idx = ++drv_avail;
}

static int setup(void **state)
{
	ram0 = aligned_alloc(4096, RSZ);
	ram1 = aligned_alloc(4096, RSZ);
	memset(ram0, 0, RSZ);
	memset(ram1, 0, RSZ);
	memset(&gm, 0, sizeof(gm));
	gm.n = 2;
	gm.r[0] = (struct guest_region){.ipa = R0, .size = RSZ, .host = ram0};
	gm.r[1] = (struct guest_region){.ipa = R1, .size = RSZ, .host = ram1};
	vq_reset(&q);
	q.num = NUM;
	q.desc_gpa = DESC;
	q.avail_gpa = AVAIL;
	q.used_gpa = USED;
	drv_avail = 0;
	memset(&c, 0, sizeof(c));
	return vq_start(&q, &gm);
}

static int teardown(void **state)
{
	free(ram0);
	free(ram1);
	return 0;
}

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

static void test_write_before_read(void **state)
{
	set_desc(DESC, 0, DATA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(DESC, 1, DATA + 8, 8, 0, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);

	/* The same inside an indirect table. */
	set_desc(TABLE, 0, DATA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(TABLE, 1, DATA + 8, 8, 0, 0);
	set_desc(DESC, 2, TABLE, 32, VRING_DESC_F_INDIRECT, 0);
	offer(2);
	assert_int_equal(vq_pop(&q, &c), -EBADMSG);
}

static void test_avail_jump(void **state)
{
	/* num outstanding chains is the most there can be. */
	for (unsigned i = 0; i < NUM; i++) {
		set_desc(DESC, i, DATA, 8, 0, 0);
		offer((uint16_t)i);
	}
	for (unsigned i = 0; i < NUM; i++)
		assert_int_equal(vq_pop(&q, &c), 1);
	assert_int_equal(vq_pop(&q, &c), 0);

	avail()->idx = (uint16_t)(drv_avail + NUM + 1);
	assert_int_equal(vq_pop(&q, &c), -EPROTO);
	assert_true(q.broken);
	assert_int_equal(q.last_avail, NUM);
	avail()->idx = drv_avail; /* no way back but a reset */
	assert_int_equal(vq_pop(&q, &c), -EPROTO);
}

static void test_avail_wraps(void **state)
{
	/* The driver's index is free-running: start just below 2^16. */
	drv_avail = 0xfffe;
	avail()->idx = drv_avail;
	q.last_avail = 0xfffe;
	for (unsigned i = 0; i < 3; i++) {
		set_desc(DESC, i, DATA, 8, 0, 0);
		offer((uint16_t)i);
	}
	assert_int_equal(avail()->idx, 1);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(vq_pop(&q, &c), 1);
		assert_int_equal(c.head, i);
	}
	assert_int_equal(vq_pop(&q, &c), 0);
	assert_int_equal(q.last_avail, 1);
}

static void push_n(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		vq_push(&q, 0, 0);
}

static void test_interrupt_flags(void **state)
{
	assert_false(vq_should_interrupt(&q)); /* nothing pushed yet */
	push_n(1);
	assert_true(vq_should_interrupt(&q));
	assert_false(vq_should_interrupt(&q)); /* nothing new */
	avail()->flags = VRING_AVAIL_F_NO_INTERRUPT;
	push_n(2);
	assert_false(vq_should_interrupt(&q));
	avail()->flags = 0;
	push_n(1);
	assert_true(vq_should_interrupt(&q));
	assert_int_equal(q.signalled_used, 4);
}

static void test_event_idx_interrupt(void **state)
{
	q.event_idx = true;
	avail()->flags = VRING_AVAIL_F_NO_INTERRUPT; /* ignored with EVENT_IDX */
	*used_event() = 0;
	push_n(1); /* 0 -> 1 crosses 0 */
	assert_true(vq_should_interrupt(&q));
	*used_event() = 2;
	push_n(1); /* 1 -> 2: entry 2 not used yet */
	assert_false(vq_should_interrupt(&q));
	push_n(1); /* 2 -> 3 */
	assert_true(vq_should_interrupt(&q));
	*used_event() = 4;
	push_n(3); /* 3 -> 6 passes 4 in a batch */
	assert_true(vq_should_interrupt(&q));
	*used_event() = 10;
	push_n(2); /* 6 -> 8 */
	assert_false(vq_should_interrupt(&q));
	assert_int_equal(q.signalled_used, 8);
}

static void test_event_idx_wrap(void **state)
{
	q.event_idx = true;
	/* As if 0xfffe entries had been completed and signalled already. */
	q.used_idx = 0xfffe;
	q.signalled_used = 0xfffe;
	q.signalled_valid = true;

	*used_event() = 0xffff;
	push_n(1); /* -> 0xffff: not past it */
	assert_false(vq_should_interrupt(&q));
	assert_int_equal(used()->idx, 0xffff);
	vq_push(&q, 5, 9); /* -> 0x0000: passes 0xffff */
	assert_true(vq_should_interrupt(&q));
	assert_int_equal(used()->idx, 0);
	assert_int_equal(used()->ring[0xffff % NUM].id, 5);
	assert_int_equal(used()->ring[0xffff % NUM].len, 9);

	*used_event() = 0xfffe; /* stale: far behind */
	push_n(1);
	assert_false(vq_should_interrupt(&q));
	*used_event() = 0x0001;
	push_n(2); /* 1 -> 3 passes 1 */
	assert_true(vq_should_interrupt(&q));
	*used_event() = 0xfff0; /* a batch passing the event */
	q.used_idx = 0xffee;
	q.signalled_used = 0xffee;
	push_n(4); /* 0xffee -> 0xfff2 passes 0xfff0 */
	assert_true(vq_should_interrupt(&q));
}

static void test_enable_kicks_event_idx(void **state)
{
	q.event_idx = true;
	set_desc(DESC, 0, DATA, 8, 0, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), 1);
	assert_false(vq_enable_kicks(&q));
	assert_int_equal(*avail_event(), 1);
	assert_int_equal(used()->flags, 0);

	/* The driver's side of the same math: it kicks when it moves avail
	 * idx across our avail_event. */
	assert_true(vring_need_event(*avail_event(), 2, 1));
	offer(0);
	assert_true(vq_enable_kicks(&q)); /* we would have missed it */

	vq_disable_kicks(&q); /* no-op with EVENT_IDX */
	assert_int_equal(used()->flags, 0);

	/* Wraparound: we stand at 0xffff. */
	q.last_avail = 0xffff;
	drv_avail = 0xffff;
	avail()->idx = drv_avail;
	assert_false(vq_enable_kicks(&q));
	assert_int_equal(*avail_event(), 0xffff);
	assert_true(vring_need_event(*avail_event(), 0x0000, 0xffff));
	/* Once past it, further additions are not kicked until re-armed. */
	assert_false(vring_need_event(*avail_event(), 0x0001, 0x0000));
	offer(0);
	assert_true(vq_enable_kicks(&q));
}

static void test_enable_kicks_flags(void **state)
{
	vq_disable_kicks(&q);
	assert_int_equal(used()->flags, VRING_USED_F_NO_NOTIFY);
	assert_false(vq_enable_kicks(&q));
	assert_int_equal(used()->flags, 0);
	assert_int_equal(*avail_event(), 0); /* untouched without EVENT_IDX */

	vq_disable_kicks(&q);
	set_desc(DESC, 0, DATA, 8, 0, 0);
	offer(0);
	assert_true(vq_enable_kicks(&q));
	assert_int_equal(used()->flags, 0);
}

static void test_chain_copy(void **state)
{
	uint8_t buf[16];

	memcpy(gp(DATA), "abcd", 4);
	memcpy(gp(DATA + 0x10), "efgh", 4);
	set_desc(DESC, 0, DATA, 4, VRING_DESC_F_NEXT, 1);
	set_desc(DESC, 1, DATA + 0x10, 4, VRING_DESC_F_NEXT, 2);
	set_desc(DESC, 2, DATA + 0x20, 3, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
	set_desc(DESC, 3, DATA + 0x30, 5, VRING_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(vq_pop(&q, &c), 1);

	memset(buf, 0, sizeof(buf));
	assert_int_equal(vq_chain_read(&c, 2, buf, 4), 4);
	assert_memory_equal(buf, "cdef", 4);
	assert_int_equal(vq_chain_read(&c, 6, buf, 16), 2); /* short at the end */
	assert_memory_equal(buf, "gh", 2);
	assert_int_equal(vq_chain_read(&c, 8, buf, 1), 0);

	assert_int_equal(vq_chain_write(&c, 1, "123456", 6), 6);
	assert_memory_equal(gp(DATA + 0x20),
			    "\0"
			    "12",
			    3);
	assert_memory_equal(gp(DATA + 0x30), "3456", 4);
	assert_int_equal(vq_chain_write(&c, 6, "xyz", 3), 2); /* short at the end */
	assert_memory_equal(gp(DATA + 0x33), "xy", 2);
	assert_int_equal(gp(DATA + 0x35)[0], 0);
}

static void test_reset_and_not_ready(void **state)
{
	set_desc(DESC, 0, DATA, 8, 0, 0);
	offer(0);
	vq_reset(&q);
	assert_false(q.ready);
	assert_int_equal(q.num, 0);
	assert_int_equal(vq_pop(&q, &c), 0);
	vq_push(&q, 0, 1);
	assert_int_equal(used()->idx, 0);
	assert_false(vq_should_interrupt(&q));
	assert_false(vq_enable_kicks(&q));
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
	    T(test_write_before_read),
	    T(test_avail_jump),
	    T(test_avail_wraps),
	    T(test_interrupt_flags),
	    T(test_event_idx_interrupt),
	    T(test_event_idx_wrap),
	    T(test_enable_kicks_event_idx),
	    T(test_enable_kicks_flags),
	    T(test_chain_copy),
	    T(test_reset_and_not_ready),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
