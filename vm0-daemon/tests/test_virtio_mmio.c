// SPDX-License-Identifier: GPL-2.0
/* Host tests: the virtio-mmio v2 transport driven the way Linux's
 * virtio_mmio.c drives it, with a fake device model behind it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>

#include "virtio/transport.h"

#define RAM		0x40000000ULL
#define RAM_SIZE	0x10000ULL
#define QMAX		16
#define DEV_FEATURE_BIT 1 /* a device-specific feature */

#define F_V1	    (1ULL << VIRTIO_F_VERSION_1)
#define F_INDIRECT  (1ULL << VIRTIO_RING_F_INDIRECT_DESC)
#define F_EVENT_IDX (1ULL << VIRTIO_RING_F_EVENT_IDX)
#define F_DEV	    (1ULL << DEV_FEATURE_BIT)

struct fake_dev {
	int starts, resets, kicks, irqs;
	unsigned last_kick;
	uint8_t cfg[12];
};

static struct fake_dev fd;
static struct virtio_mmio t;
static struct guest_mem gm;
static uint8_t *ram;

static uint64_t fake_features(void *dev)
{
	/* RING_PACKED is the transport's business: it must not leak out. */
	return F_DEV | (1ULL << VIRTIO_F_RING_PACKED);
}

static uint32_t fake_config_size(void *dev)
{
	return sizeof(fd.cfg);
}

static void fake_config_read(void *dev, uint32_t off, void *buf, unsigned len)
{
	struct fake_dev *d = dev;

	assert_true(off + len <= sizeof(d->cfg));
	memcpy(buf, d->cfg + off, len);
}

static void fake_config_write(void *dev, uint32_t off, const void *buf, unsigned len)
{
	struct fake_dev *d = dev;

	assert_true(off + len <= sizeof(d->cfg));
	memcpy(d->cfg + off, buf, len);
}

static void fake_start(void *dev)
{
	((struct fake_dev *)dev)->starts++;
}

static void fake_kick(void *dev, unsigned q)
{
	struct fake_dev *d = dev;

	d->kicks++;
	d->last_kick = q;
}

static void fake_reset(void *dev)
{
	((struct fake_dev *)dev)->resets++;
}

static void fake_irq(void *opaque)
{
	((struct fake_dev *)opaque)->irqs++;
}

static const struct virtio_dev_ops fake_ops = {
    .name = "virtio-fake",
    .device_id = VIRTIO_ID_BLOCK,
    .nr_queues = 2,
    .queue_max = QMAX,
    .features = fake_features,
    .config_size = fake_config_size,
    .config_read = fake_config_read,
    .config_write = fake_config_write,
    .start = fake_start,
    .kick = fake_kick,
    .reset = fake_reset,
};

/* Queue q's rings: desc, avail, used 4 KiB apart per queue. */
static uint64_t q_desc(unsigned q)
{
	return RAM + 0x3000 * q;
}

static uint64_t q_avail(unsigned q)
{
	return q_desc(q) + 0x1000;
}

static uint64_t q_used(unsigned q)
{
	return q_desc(q) + 0x2000;
}

static uint32_t rd(uint64_t off)
{
	return (uint32_t)virtio_mmio_ops.read(&t, off, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	virtio_mmio_ops.write(&t, off, 4, v);
}

static int setup(void **state)
{
	ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	memset(&gm, 0, sizeof(gm));
	gm.n = 1;
	gm.r[0] = (struct guest_region){.ipa = RAM, .size = RAM_SIZE, .host = ram};
	memset(&fd, 0, sizeof(fd));
	for (unsigned i = 0; i < sizeof(fd.cfg); i++)
		fd.cfg[i] = (uint8_t)(0xa0 + i);
	virtio_mmio_init(&t, &fake_ops, &fd, &gm, fake_irq, &fd);
	return 0;
}

static int teardown(void **state)
{
	virtio_mmio_destroy(&t);
	free(ram);
	return 0;
}

static void set_status(uint32_t bits)
{
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | bits);
}

static uint64_t device_features(void)
{
	uint64_t f;

	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)rd(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | rd(VIRTIO_MMIO_DEVICE_FEATURES);
}

static void driver_features(uint64_t f)
{
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
}

static void queue_regs(unsigned q, uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, q);
	wr(VIRTIO_MMIO_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
}

static void setup_queue(unsigned q, uint32_t num)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, q);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), QMAX);
	queue_regs(q, num, q_desc(q), q_avail(q), q_used(q));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 1);
}

/* Linux's probe: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK and
 * its read-back, the queues, DRIVER_OK. */
static void linux_init(uint64_t want, unsigned nr_queues)
{
	uint64_t offered;

	assert_int_equal(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE);
	set_status(VIRTIO_CONFIG_S_DRIVER);
	offered = device_features();
	driver_features(offered & want);
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	for (unsigned q = 0; q < nr_queues; q++)
		setup_queue(q, 8);
	set_status(VIRTIO_CONFIG_S_DRIVER_OK);
}

static void test_ids_and_legacy(void **state)
{
	assert_int_equal(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	assert_int_equal(rd(VIRTIO_MMIO_VENDOR_ID), 0x4b45454c);
	/* Version 1 registers are not there. */
	wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
	wr(VIRTIO_MMIO_QUEUE_ALIGN, 4096);
	wr(VIRTIO_MMIO_QUEUE_PFN, 0x40000);
	assert_int_equal(rd(VIRTIO_MMIO_GUEST_PAGE_SIZE), 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_ALIGN), 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_PFN), 0);
	assert_false(t.vq[0].ready);
	/* Control registers answer 32-bit aligned accesses only. */
	assert_int_equal(virtio_mmio_ops.read(&t, VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
	assert_int_equal(virtio_mmio_ops.read(&t, VIRTIO_MMIO_MAGIC_VALUE + 1, 4), 0);
	assert_int_equal(virtio_mmio_ops.read(&t, VIRTIO_MMIO_MAGIC_VALUE, 8), 0);
	/* No shared memory regions. */
	assert_int_equal(rd(VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	assert_int_equal(rd(VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffff);
}

static void test_device_features(void **state)
{
	uint64_t f = device_features();

	assert_int_equal(f, F_V1 | F_INDIRECT | F_EVENT_IDX | F_DEV);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);
}

static void test_init_sequence(void **state)
{
	linux_init(F_V1 | F_INDIRECT | F_EVENT_IDX | F_DEV, 2);

	assert_int_equal(rd(VIRTIO_MMIO_STATUS),
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
	driver_features(F_INDIRECT | F_DEV);
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	/* Nor can the driver go on to DRIVER_OK. */
	set_status(VIRTIO_CONFIG_S_DRIVER_OK);
	assert_false(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(fd.starts, 0);
}

static void test_features_ok_unoffered(void **state)
{
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	driver_features(F_V1 | (1ULL << VIRTIO_F_RING_PACKED));
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
	assert_false(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	driver_features(F_V1 | (1ULL << 5)); /* a device bit not offered */
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
	assert_false(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	driver_features(F_V1 | F_DEV);
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	/* Final now. */
	driver_features(F_V1 | F_EVENT_IDX);
	assert_int_equal(virtio_mmio_features(&t), F_V1 | F_DEV);
}

static void test_driver_ok_needs_features_ok(void **state)
{
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	driver_features(F_V1);
	set_status(VIRTIO_CONFIG_S_DRIVER_OK);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	assert_int_equal(fd.starts, 0);
}

static void test_status_only_adds(void **state)
{
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	/* NEEDS_RESET is the device's bit. */
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	set_status(VIRTIO_CONFIG_S_FAILED);
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FAILED);
	assert_int_equal(t.interrupts, 0);
}

static void test_queue_regs_locked_when_ready(void **state)
{
	linux_init(F_V1, 1);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	queue_regs(0, 4, RAM + 0x8000, RAM + 0x9000, RAM + 0xa000);
	assert_int_equal(t.vq[0].num, 8);
	assert_int_equal(t.vq[0].desc_gpa, q_desc(0));
	assert_int_equal(t.vq[0].avail_gpa, q_avail(0));
	assert_int_equal(t.vq[0].used_gpa, q_used(0));
	wr(VIRTIO_MMIO_QUEUE_READY, 1); /* again: no restart */
	assert_true(t.vq[0].ready);

	/* Queue 1 is not ready: its registers still take writes. */
	queue_regs(1, 4, RAM + 0x8000, RAM + 0x9000, RAM + 0xa000);
	assert_int_equal(t.vq[1].num, 4);
	assert_int_equal(t.vq[1].desc_gpa, RAM + 0x8000);

	/* Disabling queue 0 unlocks them. */
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	assert_false(t.vq[0].ready);
	queue_regs(0, 4, 0x1234567800ULL, RAM + 0x9000, RAM + 0xa000);
	assert_int_equal(t.vq[0].num, 4);
	assert_int_equal(t.vq[0].desc_gpa, 0x1234567800ULL);
}

static void test_queue_sel_out_of_range(void **state)
{
	linux_init(F_V1, 1);
	wr(VIRTIO_MMIO_QUEUE_SEL, 2); /* nr_queues == 2 */
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	queue_regs(2, 8, q_desc(1), q_avail(1), q_used(1));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	assert_false(t.vq[2].ready);
	assert_int_equal(t.vq[2].num, 0);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0xffffffff);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_false(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void to_features_ok(void)
{
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	driver_features(F_V1);
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
}

static void expect_needs_reset(void)
{
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(fd.irqs, 1);
}

static void test_queue_ready_misaligned(void **state)
{
	to_features_ok();
	queue_regs(0, 8, q_desc(0) + 8, q_avail(0), q_used(0));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	expect_needs_reset();
	/* A second failure is neither logged nor signalled again. */
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(fd.irqs, 1);
}

static void test_queue_ready_outside_ram(void **state)
{
	to_features_ok();
	queue_regs(0, 8, q_desc(0), q_avail(0), RAM + RAM_SIZE - 16);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	expect_needs_reset();
}

static void test_queue_ready_bad_num(void **state)
{
	to_features_ok();
	queue_regs(0, 3, q_desc(0), q_avail(0), q_used(0));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	expect_needs_reset();
}

static void test_queue_num_too_large(void **state)
{
	to_features_ok();
	/* 0x10008 would truncate to a valid 8; above QueueNumMax anyway. */
	queue_regs(0, 0x10008, q_desc(0), q_avail(0), q_used(0));
	assert_int_equal(t.vq[0].num, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	expect_needs_reset();
}

static void test_queue_ready_before_features_ok(void **state)
{
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	queue_regs(0, 8, q_desc(0), q_avail(0), q_used(0));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	expect_needs_reset();
}

static uint64_t cfg_rd(uint64_t off, unsigned size)
{
	return virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + off, size);
}

static void cfg_wr(uint64_t off, unsigned size, uint64_t v)
{
	virtio_mmio_ops.write(&t, VIRTIO_MMIO_CONFIG + off, size, v);
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
	assert_int_equal(rd(VIRTIO_MMIO_CONFIG_GENERATION), 0);
	virtio_mmio_config_changed(&t);
	assert_int_equal(rd(VIRTIO_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(fd.irqs, 1);
	virtio_mmio_config_changed(&t);
	assert_int_equal(rd(VIRTIO_MMIO_CONFIG_GENERATION), 2);
	assert_int_equal(fd.irqs, 2);
}

/* Put one single-descriptor chain on queue q as the driver would. */
static void driver_offer(unsigned q, uint16_t head)
{
	struct vring_desc *d = (struct vring_desc *)(ram + (q_desc(q) - RAM));
	struct vring_avail *a = (struct vring_avail *)(ram + (q_avail(q) - RAM));

	d[head].addr = RAM + 0xf000;
	d[head].len = 16;
	d[head].flags = VRING_DESC_F_WRITE;
	a->ring[a->idx % 8] = head;
	a->idx++;
}

static void complete_one(unsigned q)
{
	static struct vq_chain c;

	pthread_mutex_lock(&t.vq_lock[q]);
	assert_int_equal(vq_pop(&t.vq[q], &c), 1);
	vq_push(&t.vq[q], c.head, 4);
	/* With the lock held, as a device completing inline would. */
	virtio_mmio_used(&t, q);
	pthread_mutex_unlock(&t.vq_lock[q]);
}

static void test_interrupt_status_ack(void **state)
{
	struct vring_avail *a = (struct vring_avail *)(ram + (q_avail(0) - RAM));

	linux_init(F_V1, 1);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	driver_offer(0, 3);
	complete_one(0);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	assert_int_equal(fd.irqs, 1);
	assert_int_equal(t.interrupts, 1);

	virtio_mmio_config_changed(&t);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);

	/* The driver asked for no interrupts: none, status stays clear. */
	a->flags = VRING_AVAIL_F_NO_INTERRUPT;
	driver_offer(0, 4);
	complete_one(0);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
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
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(fd.kicks, 3);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 5);
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
	assert_int_equal(rd(VIRTIO_MMIO_STATUS),
			 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
			     VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK |
			     VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(fd.irqs, 1);
	assert_true(t.vq[0].broken);
	assert_true(t.vq[1].broken);
	driver_offer(0, 0);
	assert_int_equal(vq_pop(&t.vq[0], &c), -EPROTO);

	virtio_mmio_needs_reset(&t, "again"); /* once only */
	assert_int_equal(fd.irqs, 1);

	/* Only a reset clears it. */
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(fd.resets, 2);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_false(t.vq[0].ready);
	assert_false(t.vq[0].broken);
}

static void test_reset_clears(void **state)
{
	linux_init(F_V1 | F_EVENT_IDX, 2);
	virtio_mmio_config_changed(&t);
	wr(VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(fd.resets, 2);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(virtio_mmio_features(&t), 0);
	for (unsigned q = 0; q < 2; q++) {
		wr(VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
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
	    T(test_queue_ready_misaligned),
	    T(test_queue_ready_outside_ram),
	    T(test_queue_ready_bad_num),
	    T(test_queue_num_too_large),
	    T(test_queue_ready_before_features_ok),
	    T(test_config_space),
	    T(test_config_generation),
	    T(test_interrupt_status_ack),
	    T(test_interrupt_event_idx),
	    T(test_kick_validation),
	    T(test_needs_reset),
	    T(test_reset_clears),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
