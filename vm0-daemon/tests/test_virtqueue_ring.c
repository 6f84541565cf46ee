// SPDX-License-Identifier: GPL-2.0
/* Host tests: the split-virtqueue core against a fake guest RAM of two
 * regions that are adjacent in IPA space but not in keeld's memory
 * (virtqueue_harness.h). The rings' indices: the avail
 * index as the guest moves it, interrupt suppression with and without
 * EVENT_IDX, copies of chains, reset. */
#include "virtqueue_harness.h"

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
