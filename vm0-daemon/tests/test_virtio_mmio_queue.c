// SPDX-License-Identifier: GPL-2.0
/* Host tests: the virtio-mmio v2 transport driven the way Linux's
 * virtio_mmio.c drives it, with a fake device model behind it
 * (virtio_mmio_harness.h). Queues refused at QueueReady,
 * interrupts, kicks, NEEDS_RESET and reset. */
#include "virtio_mmio_harness.h"

static void test_queue_ready_misaligned(void **state)
{
	to_features_ok();
	vd_queue_regs(&t, 0, 8, q_desc(0) + 8, q_avail(0), q_used(0));
	vd_w(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	expect_needs_reset();
	/* A second failure is neither logged nor signalled again. */
	vd_w(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(fd.irqs, 1);
}

static void test_queue_ready_outside_ram(void **state)
{
	to_features_ok();
	vd_queue_regs(&t, 0, 8, q_desc(0), q_avail(0), RAM + RAM_SIZE - 16);
	vd_w(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	expect_needs_reset();
}

static void test_queue_ready_bad_num(void **state)
{
	to_features_ok();
	vd_queue_regs(&t, 0, 3, q_desc(0), q_avail(0), q_used(0));
	vd_w(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	expect_needs_reset();
}

static void test_queue_num_too_large(void **state)
{
	to_features_ok();
	/* 0x10008 would truncate to a valid 8; above QueueNumMax anyway. */
	vd_queue_regs(&t, 0, 0x10008, q_desc(0), q_avail(0), q_used(0));
	assert_int_equal(t.vq[0].num, 0);
	vd_w(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	expect_needs_reset();
}

static void test_queue_ready_before_features_ok(void **state)
{
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vd_queue_regs(&t, 0, 8, q_desc(0), q_avail(0), q_used(0));
	vd_w(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	expect_needs_reset();
}

static void test_interrupt_status_ack(void **state)
{
	struct vring_avail *a = (struct vring_avail *)(ram + (q_avail(0) - RAM));

	linux_init(F_V1, 1);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	driver_offer(0, 3);
	complete_one(0);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	assert_int_equal(fd.irqs, 1);
	assert_int_equal(t.interrupts, 1);

	virtio_mmio_config_changed(&t);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	vd_w(&t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	vd_w(&t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);

	/* The driver asked for no interrupts: none, status stays clear. */
	a->flags = VRING_AVAIL_F_NO_INTERRUPT;
	driver_offer(0, 4);
	complete_one(0);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(fd.irqs, 2);

	/* Nothing new pushed: no interrupt either, lock released this time. */
	a->flags = 0;
	virtio_mmio_used(&t, 0);
	assert_int_equal(fd.irqs, 2);
	virtio_mmio_used(&t, 7); /* no such queue */
	assert_int_equal(fd.irqs, 2);
}

static void test_interrupt_event_idx(void **state)
{
	struct vring_avail *a = (struct vring_avail *)(ram + (q_avail(0) - RAM));

	linux_init(F_V1 | F_EVENT_IDX, 1);
	a->ring[8] = 1; /* used_event: after the 2nd */
	driver_offer(0, 0);
	complete_one(0);
	/* The first check after start always signals (nothing to compare). */
	assert_int_equal(fd.irqs, 1);
	driver_offer(0, 1);
	complete_one(0); /* used idx 1 -> 2 passes 1 */
	assert_int_equal(fd.irqs, 2);
	driver_offer(0, 2);
	complete_one(0); /* 2 -> 3: event still 1 */
	assert_int_equal(fd.irqs, 2);
}

static void test_kick_validation(void **state)
{
	virtio_mmio_kick(&t, 0); /* before DRIVER_OK */
	assert_int_equal(fd.kicks, 0);
	linux_init(F_V1, 1);
	assert_int_equal(fd.kicks, 1);	      /* DRIVER_OK's own look */
	assert_int_equal(t.ignored_kicks, 2); /* the early one + queue 1 */

	virtio_mmio_kick(&t, 0);
	assert_int_equal(fd.kicks, 2);
	assert_int_equal(fd.last_kick, 0);
	virtio_mmio_kick(&t, 1); /* exists, not ready */
	virtio_mmio_kick(&t, 2); /* beyond nr_queues */
	virtio_mmio_kick(&t, VIRTIO_MAX_QUEUES);
	virtio_mmio_kick(&t, 0xffffffff);
	assert_int_equal(fd.kicks, 2);
	assert_int_equal(t.ignored_kicks, 6);

	/* QueueNotify as a register write is a kick too. */
	vd_w(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(fd.kicks, 3);
	vd_w(&t, VIRTIO_MMIO_QUEUE_NOTIFY, 5);
	assert_int_equal(fd.kicks, 3);
	assert_int_equal(t.kicks, 3);

	virtio_mmio_kick_all(&t);
	assert_int_equal(fd.kicks, 4);

	virtio_mmio_needs_reset(&t, "test");
	virtio_mmio_kick(&t, 0);
	assert_int_equal(fd.kicks, 4);
}

static void test_needs_reset(void **state)
{
	static struct vq_chain c;

	linux_init(F_V1, 2);
	virtio_mmio_needs_reset(&t, "corrupt ring");
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
			     VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK |
			     VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(fd.irqs, 1);
	assert_true(t.vq[0].broken);
	assert_true(t.vq[1].broken);
	driver_offer(0, 0);
	assert_int_equal(vq_pop(&t.vq[0], &c), -EPROTO);

	virtio_mmio_needs_reset(&t, "again"); /* once only */
	assert_int_equal(fd.irqs, 1);

	/* Only a reset clears it. */
	vd_w(&t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(fd.resets, 2);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_false(t.vq[0].ready);
	assert_false(t.vq[0].broken);
}

static void test_reset_clears(void **state)
{
	linux_init(F_V1 | F_EVENT_IDX, 2);
	virtio_mmio_config_changed(&t);
	vd_w(&t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(fd.resets, 2);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(virtio_mmio_features(&t), 0);
	for (unsigned q = 0; q < 2; q++) {
		vd_w(&t, VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_READY), 0);
		assert_int_equal(t.vq[q].num, 0);
		assert_int_equal(t.vq[q].desc_gpa, 0);
	}
	virtio_mmio_kick(&t, 0);
	assert_int_equal(fd.kicks, 2); /* DRIVER_OK's two only */
	/* And the device can be brought up again. */
	linux_init(F_V1, 1);
	assert_int_equal(fd.starts, 2);
	assert_true(t.vq[0].ready);
	assert_false(t.vq[0].event_idx);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_queue_ready_misaligned),
	    T(test_queue_ready_outside_ram),
	    T(test_queue_ready_bad_num),
	    T(test_queue_num_too_large),
	    T(test_queue_ready_before_features_ok),
	    T(test_interrupt_status_ack),
	    T(test_interrupt_event_idx),
	    T(test_kick_validation),
	    T(test_needs_reset),
	    T(test_reset_clears),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
