// SPDX-License-Identifier: GPL-2.0
/* Host tests: the virtio-mmio v2 transport driven the way Linux's
 * virtio_mmio.c drives it, with a fake device model behind it
 * (virtio_mmio_harness.h). Identification, feature negotiation,
 * the status register, the queue registers and the config space. */
#include "virtio_mmio_harness.h"

static void test_ids_and_legacy(void **state)
{
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_VENDOR_ID), 0x4b45454c);
	/* Version 1 registers are not there. */
	vd_w(&t, VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
	vd_w(&t, VIRTIO_MMIO_QUEUE_ALIGN, 4096);
	vd_w(&t, VIRTIO_MMIO_QUEUE_PFN, 0x40000);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_GUEST_PAGE_SIZE), 0);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_ALIGN), 0);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_PFN), 0);
	assert_false(t.vq[0].ready);
	/* Control registers answer 32-bit aligned accesses only. */
	assert_int_equal(virtio_mmio_ops.read(&t, VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
	assert_int_equal(virtio_mmio_ops.read(&t, VIRTIO_MMIO_MAGIC_VALUE + 1, 4), 0);
	assert_int_equal(virtio_mmio_ops.read(&t, VIRTIO_MMIO_MAGIC_VALUE, 8), 0);
	/* No shared memory regions. */
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffff);
}

static void test_device_features(void **state)
{
	uint64_t f = vd_device_features(&t);

	assert_int_equal(f, F_V1 | F_INDIRECT | F_EVENT_IDX | F_DEV);
	vd_w(&t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_DEVICE_FEATURES), 0);
}

static void test_init_sequence(void **state)
{
	linux_init(F_V1 | F_INDIRECT | F_EVENT_IDX | F_DEV, 2);

	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
			     VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(fd.resets, 1);
	assert_int_equal(fd.starts, 1);
	assert_int_equal(virtio_mmio_features(&t), F_V1 | F_INDIRECT | F_EVENT_IDX | F_DEV);
	for (unsigned q = 0; q < 2; q++) {
		assert_true(t.vq[q].ready);
		assert_int_equal(t.vq[q].num, 8);
		assert_int_equal(t.vq[q].desc_gpa, q_desc(q));
		assert_int_equal(t.vq[q].avail_gpa, q_avail(q));
		assert_int_equal(t.vq[q].used_gpa, q_used(q));
		assert_true(t.vq[q].event_idx);
		assert_ptr_equal(t.vq[q].desc, ram + (q_desc(q) - RAM));
	}
	/* DRIVER_OK looked at every ready queue once. */
	assert_int_equal(fd.kicks, 2);
	assert_int_equal(t.kicks, 2);
}

static void test_init_without_event_idx(void **state)
{
	linux_init(F_V1, 1);
	assert_int_equal(virtio_mmio_features(&t), F_V1);
	assert_false(t.vq[0].event_idx);
	assert_int_equal(fd.starts, 1);
}

static void test_features_ok_needs_v1(void **state)
{
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vd_driver_features(&t, F_INDIRECT | F_DEV);
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	/* Nor can the driver go on to DRIVER_OK. */
	set_status(VIRTIO_CONFIG_S_DRIVER_OK);
	assert_false(vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(fd.starts, 0);
}

static void test_features_ok_unoffered(void **state)
{
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vd_driver_features(&t, F_V1 | (1ULL << VIRTIO_F_RING_PACKED));
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
	assert_false(vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	vd_driver_features(&t, F_V1 | (1ULL << 5)); /* a device bit not offered */
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
	assert_false(vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	vd_driver_features(&t, F_V1 | F_DEV);
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	/* Final now. */
	vd_driver_features(&t, F_V1 | F_EVENT_IDX);
	assert_int_equal(virtio_mmio_features(&t), F_V1 | F_DEV);
}

static void test_driver_ok_needs_features_ok(void **state)
{
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vd_driver_features(&t, F_V1);
	set_status(VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	assert_int_equal(fd.starts, 0);
}

static void test_status_only_adds(void **state)
{
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vd_w(&t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	/* NEEDS_RESET is the device's bit. */
	vd_w(&t, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	set_status(VIRTIO_CONFIG_S_FAILED);
	assert_true(vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FAILED);
	assert_int_equal(t.interrupts, 0);
}

static void test_queue_regs_locked_when_ready(void **state)
{
	linux_init(F_V1, 1);
	vd_w(&t, VIRTIO_MMIO_QUEUE_SEL, 0);
	vd_queue_regs(&t, 0, 4, RAM + 0x8000, RAM + 0x9000, RAM + 0xa000);
	assert_int_equal(t.vq[0].num, 8);
	assert_int_equal(t.vq[0].desc_gpa, q_desc(0));
	assert_int_equal(t.vq[0].avail_gpa, q_avail(0));
	assert_int_equal(t.vq[0].used_gpa, q_used(0));
	vd_w(&t, VIRTIO_MMIO_QUEUE_READY, 1); /* again: no restart */
	assert_true(t.vq[0].ready);

	/* Queue 1 is not ready: its registers still take writes. */
	vd_queue_regs(&t, 1, 4, RAM + 0x8000, RAM + 0x9000, RAM + 0xa000);
	assert_int_equal(t.vq[1].num, 4);
	assert_int_equal(t.vq[1].desc_gpa, RAM + 0x8000);

	/* Disabling queue 0 unlocks them. */
	vd_w(&t, VIRTIO_MMIO_QUEUE_SEL, 0);
	vd_w(&t, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_false(t.vq[0].ready);
	vd_queue_regs(&t, 0, 4, 0x1234567800ULL, RAM + 0x9000, RAM + 0xa000);
	assert_int_equal(t.vq[0].num, 4);
	assert_int_equal(t.vq[0].desc_gpa, 0x1234567800ULL);
}

static void test_queue_sel_out_of_range(void **state)
{
	linux_init(F_V1, 1);
	vd_w(&t, VIRTIO_MMIO_QUEUE_SEL, 2); /* nr_queues == 2 */
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_READY), 0);
	vd_queue_regs(&t, 2, 8, q_desc(1), q_avail(1), q_used(1));
	vd_w(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_false(t.vq[2].ready);
	assert_int_equal(t.vq[2].num, 0);
	vd_w(&t, VIRTIO_MMIO_QUEUE_SEL, 0xffffffff);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_false(vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_config_space(void **state)
{
	assert_int_equal(cfg_rd(0, 1), 0xa0);
	assert_int_equal(cfg_rd(11, 1), 0xab);
	assert_int_equal(cfg_rd(10, 2), 0xabaa);
	assert_int_equal(cfg_rd(4, 4), 0xa7a6a5a4);
	assert_int_equal(cfg_rd(0, 8), 0xa7a6a5a4a3a2a1a0ULL);
	assert_int_equal(cfg_rd(4, 8), 0xabaaa9a8a7a6a5a4ULL);
	/* Out of bounds: config_size is 12. */
	assert_int_equal(cfg_rd(12, 1), 0);
	assert_int_equal(cfg_rd(10, 4), 0);
	assert_int_equal(cfg_rd(8, 8), 0);
	assert_int_equal(cfg_rd(0xfc, 4), 0);
	assert_int_equal(cfg_rd(0, 3), 0);

	cfg_wr(2, 2, 0x1122);
	assert_int_equal(fd.cfg[2], 0x22);
	assert_int_equal(fd.cfg[3], 0x11);
	assert_int_equal(fd.cfg[4], 0xa4);
	cfg_wr(10, 4, 0xdeadbeef); /* out of bounds: dropped */
	assert_int_equal(fd.cfg[10], 0xaa);
	assert_int_equal(fd.cfg[11], 0xab);
	cfg_wr(0xffff0, 1, 0); /* far out */
	assert_int_equal(fd.cfg[0], 0xa0);
}

static void test_config_generation(void **state)
{
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_CONFIG_GENERATION), 0);
	virtio_mmio_config_changed(&t);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(fd.irqs, 1);
	virtio_mmio_config_changed(&t);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_CONFIG_GENERATION), 2);
	assert_int_equal(fd.irqs, 2);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_ids_and_legacy),
	    T(test_device_features),
	    T(test_init_sequence),
	    T(test_init_without_event_idx),
	    T(test_features_ok_needs_v1),
	    T(test_features_ok_unoffered),
	    T(test_driver_ok_needs_features_ok),
	    T(test_status_only_adds),
	    T(test_queue_regs_locked_when_ready),
	    T(test_queue_sel_out_of_range),
	    T(test_config_space),
	    T(test_config_generation),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
