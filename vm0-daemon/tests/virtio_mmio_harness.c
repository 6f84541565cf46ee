// SPDX-License-Identifier: GPL-2.0
/* The transport tests' device and driver: virtio_mmio_harness.h. */
#include "virtio_mmio_harness.h"

struct fake_dev fd;
struct virtio_mmio t;
static struct guest_mem gm;
uint8_t *ram;

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
uint64_t q_desc(unsigned q)
{
	return RAM + 0x3000 * q;
}

uint64_t q_avail(unsigned q)
{
	return q_desc(q) + 0x1000;
}

uint64_t q_used(unsigned q)
{
	return q_desc(q) + 0x2000;
}

int setup(void **state)
{
	ram = vd_ram_map(&gm, RAM, RAM_SIZE);
	assert_non_null(ram);
	memset(&fd, 0, sizeof(fd));
	for (unsigned i = 0; i < sizeof(fd.cfg); i++)
		fd.cfg[i] = (uint8_t)(0xa0 + i);
	virtio_mmio_init(&t, &fake_ops, &fd, &gm, fake_irq, &fd);
	return 0;
}

int teardown(void **state)
{
	virtio_mmio_destroy(&t);
	free(ram);
	return 0;
}

void set_status(uint32_t bits)
{
	vd_w(&t, VIRTIO_MMIO_STATUS, vd_r(&t, VIRTIO_MMIO_STATUS) | bits);
}

void setup_queue(unsigned q, uint32_t num)
{
	vd_w(&t, VIRTIO_MMIO_QUEUE_SEL, q);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_NUM_MAX), QMAX);
	vd_queue_regs(&t, q, num, q_desc(q), q_avail(q), q_used(q));
	vd_w(&t, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_READY), 1);
}

/* Linux's probe: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK and
 * its read-back, the queues, DRIVER_OK. */
void linux_init(uint64_t want, unsigned nr_queues)
{
	uint64_t offered;

	assert_int_equal(vd_r(&t, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	vd_w(&t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS), 0);
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE);
	set_status(VIRTIO_CONFIG_S_DRIVER);
	offered = vd_device_features(&t);
	vd_driver_features(&t, offered & want);
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	for (unsigned q = 0; q < nr_queues; q++)
		setup_queue(q, 8);
	set_status(VIRTIO_CONFIG_S_DRIVER_OK);
}

void to_features_ok(void)
{
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	vd_driver_features(&t, F_V1);
	set_status(VIRTIO_CONFIG_S_FEATURES_OK);
}

void expect_needs_reset(void)
{
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(fd.irqs, 1);
}

uint64_t cfg_rd(uint64_t off, unsigned size)
{
	return virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + off, size);
}

void cfg_wr(uint64_t off, unsigned size, uint64_t v)
{
	virtio_mmio_ops.write(&t, VIRTIO_MMIO_CONFIG + off, size, v);
}

/* Put one single-descriptor chain on queue q as the driver would. */
void driver_offer(unsigned q, uint16_t head)
{
	struct vring_desc *d = (struct vring_desc *)(ram + (q_desc(q) - RAM));
	struct vring_avail *a = (struct vring_avail *)(ram + (q_avail(q) - RAM));

	d[head].addr = RAM + 0xf000;
	d[head].len = 16;
	d[head].flags = VRING_DESC_F_WRITE;
	a->ring[a->idx % 8] = head;
	a->idx++;
}

void complete_one(unsigned q)
{
	static struct vq_chain c;

	pthread_mutex_lock(&t.vq_lock[q]);
	assert_int_equal(vq_pop(&t.vq[q], &c), 1);
	vq_push(&t.vq[q], c.head, 4);
	/* With the lock held, as a device completing inline would. */
	virtio_mmio_used(&t, q);
	pthread_mutex_unlock(&t.vq_lock[q]);
}

