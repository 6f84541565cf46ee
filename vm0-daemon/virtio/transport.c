// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-mmio version 2 (virtio 1.2, 4.2.2): the register file as a table
 * of handlers indexed by offset / 4, the device-specific config space at
 * 0x100 and the glue between doorbells, the device model and the guest's
 * interrupt line.
 *
 * Threads: registers are emulated on keeld's loop thread; devices may
 * complete requests and call virtio_mmio_used / _needs_reset /
 * _config_changed from worker threads. status, int_status, the counters
 * and config_generation are therefore only touched with __atomic. A
 * queue's state changes only under vq_lock[q]; its registers and `ready`
 * are written only here on the loop thread, which may read them without
 * the lock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "log.h"
#include "virtio/transport.h"

#define VIRTIO_MMIO_MAGIC     0x74726976u /* "virt" */
#define VIRTIO_MMIO_VERSION_2 2
#define VIRTIO_MMIO_VENDOR    0x4b45454cu /* "KEEL" */
#define VIRTIO_MMIO_NR_REGS   (VIRTIO_MMIO_CONFIG / 4)

/* What the ring core implements. */
#define VIRTIO_TRANSPORT_FEATURES                                                                  \
	((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_INDIRECT_DESC) |                    \
	 (1ULL << VIRTIO_RING_F_EVENT_IDX))
/* Bits a device model may not offer on its own: they describe the ring
 * and transport, which are ours (virtio 1.2, 6). */
#define VIRTIO_TRANSPORT_MASK                                                                      \
	(((1ULL << (VIRTIO_TRANSPORT_F_END + 1)) - 1) & ~((1ULL << VIRTIO_TRANSPORT_F_START) - 1))

_Static_assert(VIRTIO_MMIO_SIZE == VIRTIO_MMIO_CONFIG + 0x100, "config space is 0x100 bytes");

static uint32_t status_get(const struct virtio_mmio *t)
{
	return __atomic_load_n(&t->status, __ATOMIC_ACQUIRE);
}

static uint64_t offered_features(const struct virtio_mmio *t)
{
	uint64_t dev = t->ops->features ? t->ops->features(t->dev) : 0;

	return (dev & ~VIRTIO_TRANSPORT_MASK) | VIRTIO_TRANSPORT_FEATURES;
}

static void raise_irq(struct virtio_mmio *t, uint32_t why)
{
	/* Release: the used ring / config the driver will look at when it
	 * sees this bit is published before it (the irq edge comes after). */
	__atomic_fetch_or(t->isr, why, __ATOMIC_RELEASE);
	/* Full barrier: the bit is visible (to the hypervisor answering the
	 * shadow InterruptStatus) before the interrupt the line raises. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_fetch_add(&t->interrupts, 1, __ATOMIC_RELAXED);
	if (t->irq)
		t->irq(t->irq_opaque);
}

/* The selected queue if it exists, else NULL. */
static struct vq *sel_vq(struct virtio_mmio *t)
{
	return t->queue_sel < t->ops->nr_queues ? &t->vq[t->queue_sel] : NULL;
}

/* The selected queue if its registers may be written: it exists and is
 * not live (4.2.2.3: the driver configures a queue before QueueReady). */
static struct vq *sel_vq_writable(struct virtio_mmio *t)
{
	struct vq *q = sel_vq(t);

	return q && !q->ready ? q : NULL;
}

static void device_reset(struct virtio_mmio *t)
{
	/* The device stops first and returns only when nothing of it is in
	 * flight, so the queues can be dropped under it safely. */
	if (t->ops->reset)
		t->ops->reset(t->dev);
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		pthread_mutex_lock(&t->vq_lock[i]);
		vq_reset(&t->vq[i]);
		pthread_mutex_unlock(&t->vq_lock[i]);
	}
	t->dev_feat_sel = 0;
	t->drv_feat_sel = 0;
	t->queue_sel = 0;
	t->drv_features = 0;
	__atomic_store_n(t->isr, 0, __ATOMIC_RELAXED);
	/* Release: the cleared state above is in place before a reader that
	 * sees status 0 (the driver's reset handshake reads it back). */
	__atomic_store_n(&t->status, 0, __ATOMIC_RELEASE);
}

/* ---- register handlers ---- */

static uint32_t rd_magic(struct virtio_mmio *t)
{
	return VIRTIO_MMIO_MAGIC;
}

static uint32_t rd_version(struct virtio_mmio *t)
{
	return VIRTIO_MMIO_VERSION_2;
}

static uint32_t rd_device_id(struct virtio_mmio *t)
{
	return t->ops->device_id;
}

static uint32_t rd_vendor_id(struct virtio_mmio *t)
{
	return VIRTIO_MMIO_VENDOR;
}

static uint32_t rd_dev_features(struct virtio_mmio *t)
{
	uint64_t f = offered_features(t);

	if (t->dev_feat_sel > 1)
		return 0;
	return (uint32_t)(f >> (32 * t->dev_feat_sel));
}

static void wr_dev_features_sel(struct virtio_mmio *t, uint32_t v)
{
	t->dev_feat_sel = v;
}

static void wr_drv_features(struct virtio_mmio *t, uint32_t v)
{
	unsigned shift;

	/* Features are final once FEATURES_OK is set (3.1.1 step 5). */
	if (t->drv_feat_sel > 1 || (status_get(t) & VIRTIO_CONFIG_S_FEATURES_OK))
		return;
	shift = 32 * t->drv_feat_sel;
	t->drv_features = (t->drv_features & ~(0xffffffffULL << shift)) | ((uint64_t)v << shift);
}

static void wr_drv_features_sel(struct virtio_mmio *t, uint32_t v)
{
	t->drv_feat_sel = v;
}

static void wr_queue_sel(struct virtio_mmio *t, uint32_t v)
{
	t->queue_sel = v;
}

static uint32_t rd_queue_num_max(struct virtio_mmio *t)
{
	/* 0 tells the driver the queue does not exist (4.2.2.2). */
	return sel_vq(t) ? t->ops->queue_max : 0;
}

static void wr_queue_num(struct virtio_mmio *t, uint32_t v)
{
	struct vq *q = sel_vq_writable(t);

	/* num is 16-bit: a value that does not fit is stored as 0 so that
	 * QueueReady fails instead of truncating to something valid. */
	if (q)
		q->num = v <= t->ops->queue_max ? (uint16_t)v : 0;
}

static uint32_t rd_queue_ready(struct virtio_mmio *t)
{
	struct vq *q = sel_vq(t);

	return q && q->ready;
}

static void queue_enable(struct virtio_mmio *t, unsigned i)
{
	struct vq *q = &t->vq[i];
	int r;

	/* Queues are configured after FEATURES_OK (3.1.1 step 7): before
	 * it, EVENT_IDX is not known yet. */
	if (!(status_get(t) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		virtio_mmio_needs_reset(t, "QueueReady before FEATURES_OK");
		return;
	}
	pthread_mutex_lock(&t->vq_lock[i]);
	q->event_idx = t->drv_features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	r = vq_start(q, t->gm);
	pthread_mutex_unlock(&t->vq_lock[i]);
	if (r) {
		char why[128];

		/* Through needs_reset so a guest retrying cannot flood the log. */
		snprintf(why, sizeof(why),
			 "queue %u: num %u desc 0x%llx avail 0x%llx used 0x%llx rejected", i,
			 q->num, (unsigned long long)q->desc_gpa, (unsigned long long)q->avail_gpa,
			 (unsigned long long)q->used_gpa);
		virtio_mmio_needs_reset(t, why);
	}
}

static void wr_queue_ready(struct virtio_mmio *t, uint32_t v)
{
	struct vq *q = sel_vq(t);
	unsigned i = t->queue_sel;

	if (!q || (v & 1) == q->ready)
		return;
	if (v & 1) {
		queue_enable(t, i);
		return;
	}
	/* Linux writes 0 when it deletes a queue. The registers stay so the
	 * queue can be re-enabled; a worker still holding a chain of it
	 * finds it not ready when it pushes and drops the entry. */
	pthread_mutex_lock(&t->vq_lock[i]);
	q->ready = false;
	pthread_mutex_unlock(&t->vq_lock[i]);
}

static void wr_queue_notify(struct virtio_mmio *t, uint32_t v)
{
	/* Normally a posted doorbell; as a register write it means the same. */
	virtio_mmio_kick(t, v);
}

static uint32_t rd_int_status(struct virtio_mmio *t)
{
	/* Acquire: pairs with raise_irq's release, so what the bit announces
	 * is visible to the guest's reads that follow this one. */
	return __atomic_load_n(t->isr, __ATOMIC_ACQUIRE);
}

static void wr_int_ack(struct virtio_mmio *t, uint32_t v)
{
	/* Relaxed: only clears bits; a bit set concurrently by a worker and
	 * not named in v survives (atomic RMW). */
	__atomic_fetch_and(t->isr, ~v, __ATOMIC_RELAXED);
}

static uint32_t rd_status(struct virtio_mmio *t)
{
	return status_get(t);
}

/* The bits of a status write that may be added now (3.1.1). */
static uint32_t status_accept(struct virtio_mmio *t, uint32_t old, uint32_t add)
{
	/* NEEDS_RESET is the device's to set. */
	add &= ~(uint32_t)VIRTIO_CONFIG_S_NEEDS_RESET;
	if (add & VIRTIO_CONFIG_S_FEATURES_OK) {
		uint64_t f = t->drv_features;

		/* Refused by leaving it clear: the driver reads it back
		 * (3.1.1 step 6). Legacy drivers are not served. */
		if ((f & ~offered_features(t)) || !(f & (1ULL << VIRTIO_F_VERSION_1))) {
			klog("%s: FEATURES_OK refused (driver features 0x%llx)", t->ops->name,
			     (unsigned long long)f);
			add &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
		}
	}
	if ((add & VIRTIO_CONFIG_S_DRIVER_OK) && !((old | add) & VIRTIO_CONFIG_S_FEATURES_OK))
		add &= ~(uint32_t)VIRTIO_CONFIG_S_DRIVER_OK;
	return add;
}

static void wr_status(struct virtio_mmio *t, uint32_t v)
{
	uint32_t old = status_get(t), add;

	if (v == 0) {
		device_reset(t);
		return;
	}
	/* Drivers only add bits (2.1.2); clearing one other than through a
	 * reset is ignored. */
	add = status_accept(t, old, v & ~old);
	if (!add)
		return;
	/* RMW: a worker may set NEEDS_RESET concurrently. */
	__atomic_fetch_or(&t->status, add, __ATOMIC_ACQ_REL);
	if (add & VIRTIO_CONFIG_S_DRIVER_OK) {
		if (t->ops->start)
			t->ops->start(t->dev);
		/* Drivers may queue buffers (and ring) before DRIVER_OK;
		 * those doorbells were dropped, so look at every queue now. */
		virtio_mmio_kick_all(t);
	}
}

static void wr_desc_low(struct virtio_mmio *t, uint32_t v)
{
	struct vq *q = sel_vq_writable(t);

	if (q)
		q->desc_gpa = (q->desc_gpa & ~0xffffffffULL) | v;
}

static void wr_desc_high(struct virtio_mmio *t, uint32_t v)
{
	struct vq *q = sel_vq_writable(t);

	if (q)
		q->desc_gpa = (q->desc_gpa & 0xffffffffULL) | ((uint64_t)v << 32);
}

static void wr_avail_low(struct virtio_mmio *t, uint32_t v)
{
	struct vq *q = sel_vq_writable(t);

	if (q)
		q->avail_gpa = (q->avail_gpa & ~0xffffffffULL) | v;
}

static void wr_avail_high(struct virtio_mmio *t, uint32_t v)
{
	struct vq *q = sel_vq_writable(t);

	if (q)
		q->avail_gpa = (q->avail_gpa & 0xffffffffULL) | ((uint64_t)v << 32);
}

static void wr_used_low(struct virtio_mmio *t, uint32_t v)
{
	struct vq *q = sel_vq_writable(t);

	if (q)
		q->used_gpa = (q->used_gpa & ~0xffffffffULL) | v;
}

static void wr_used_high(struct virtio_mmio *t, uint32_t v)
{
	struct vq *q = sel_vq_writable(t);

	if (q)
		q->used_gpa = (q->used_gpa & 0xffffffffULL) | ((uint64_t)v << 32);
}

static uint32_t rd_shm_len(struct virtio_mmio *t)
{
	/* All ones: no shared memory region with this id (4.2.2). */
	return 0xffffffffu;
}

static uint32_t rd_config_generation(struct virtio_mmio *t)
{
	return __atomic_load_n(&t->config_generation, __ATOMIC_ACQUIRE);
}

/* A register: reading one without .read gives 0, writing one without
 * .write is ignored (write-only, read-only, legacy and unused offsets). */
struct virtio_mmio_reg {
	uint32_t (*read)(struct virtio_mmio *t);
	void (*write)(struct virtio_mmio *t, uint32_t v);
};

#define REG(off) [(off) / 4]

static const struct virtio_mmio_reg virtio_mmio_regs[VIRTIO_MMIO_NR_REGS] = {
    REG(VIRTIO_MMIO_MAGIC_VALUE) = {.read = rd_magic},
    REG(VIRTIO_MMIO_VERSION) = {.read = rd_version},
    REG(VIRTIO_MMIO_DEVICE_ID) = {.read = rd_device_id},
    REG(VIRTIO_MMIO_VENDOR_ID) = {.read = rd_vendor_id},
    REG(VIRTIO_MMIO_DEVICE_FEATURES) = {.read = rd_dev_features},
    REG(VIRTIO_MMIO_DEVICE_FEATURES_SEL) = {.write = wr_dev_features_sel},
    REG(VIRTIO_MMIO_DRIVER_FEATURES) = {.write = wr_drv_features},
    REG(VIRTIO_MMIO_DRIVER_FEATURES_SEL) = {.write = wr_drv_features_sel},
    /* GuestPageSize, QueueAlign, QueuePFN: legacy (version 1) only. */
    REG(VIRTIO_MMIO_QUEUE_SEL) = {.write = wr_queue_sel},
    REG(VIRTIO_MMIO_QUEUE_NUM_MAX) = {.read = rd_queue_num_max},
    REG(VIRTIO_MMIO_QUEUE_NUM) = {.write = wr_queue_num},
    REG(VIRTIO_MMIO_QUEUE_READY) = {.read = rd_queue_ready, .write = wr_queue_ready},
    REG(VIRTIO_MMIO_QUEUE_NOTIFY) = {.write = wr_queue_notify},
    REG(VIRTIO_MMIO_INTERRUPT_STATUS) = {.read = rd_int_status},
    REG(VIRTIO_MMIO_INTERRUPT_ACK) = {.write = wr_int_ack},
    REG(VIRTIO_MMIO_STATUS) = {.read = rd_status, .write = wr_status},
    REG(VIRTIO_MMIO_QUEUE_DESC_LOW) = {.write = wr_desc_low},
    REG(VIRTIO_MMIO_QUEUE_DESC_HIGH) = {.write = wr_desc_high},
    REG(VIRTIO_MMIO_QUEUE_AVAIL_LOW) = {.write = wr_avail_low},
    REG(VIRTIO_MMIO_QUEUE_AVAIL_HIGH) = {.write = wr_avail_high},
    REG(VIRTIO_MMIO_QUEUE_USED_LOW) = {.write = wr_used_low},
    REG(VIRTIO_MMIO_QUEUE_USED_HIGH) = {.write = wr_used_high},
    REG(VIRTIO_MMIO_SHM_LEN_LOW) = {.read = rd_shm_len},
    REG(VIRTIO_MMIO_SHM_LEN_HIGH) = {.read = rd_shm_len},
    REG(VIRTIO_MMIO_CONFIG_GENERATION) = {.read = rd_config_generation},
};

/* Device config space: off relative to 0x100. False if out of bounds. */
static bool config_in_range(struct virtio_mmio *t, uint64_t off, unsigned size)
{
	uint32_t sz = t->ops->config_size ? t->ops->config_size(t->dev) : 0;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	return off < sz && size <= sz - off;
}

static uint64_t virtio_mmio_read(void *opaque, uint64_t off, unsigned size)
{
	struct virtio_mmio *t = opaque;
	const struct virtio_mmio_reg *reg;

	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t v = 0;

		off -= VIRTIO_MMIO_CONFIG;
		if (!config_in_range(t, off, size) || !t->ops->config_read)
			return 0;
		/* Little-endian host: the first size bytes of v are the value. */
		t->ops->config_read(t->dev, (uint32_t)off, &v, size);
		return v;
	}
	/* Control registers are 32-bit aligned accesses only (4.2.2.2). */
	if (size != 4 || (off & 3))
		return 0;
	reg = &virtio_mmio_regs[off / 4];
	return reg->read ? reg->read(t) : 0;
}

static void virtio_mmio_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct virtio_mmio *t = opaque;
	const struct virtio_mmio_reg *reg;

	if (off >= VIRTIO_MMIO_CONFIG) {
		off -= VIRTIO_MMIO_CONFIG;
		if (!config_in_range(t, off, size) || !t->ops->config_write)
			return;
		t->ops->config_write(t->dev, (uint32_t)off, &val, size);
		return;
	}
	if (size != 4 || (off & 3))
		return;
	reg = &virtio_mmio_regs[off / 4];
	if (!reg->write)
		return;
	reg->write(t, (uint32_t)val);
	/* Everything but a notify and an ack is a config-time change. */
	if (off != VIRTIO_MMIO_QUEUE_NOTIFY && off != VIRTIO_MMIO_INTERRUPT_ACK && t->changed)
		t->changed(t->changed_opaque);
}

/* The two registers every interrupt costs: the hypervisor answers them
 * from the InterruptStatus word (proto/keel/shared.h shadow registers). */
static const struct keel_shadow_reg virtio_mmio_shadow[] = {
	{ VIRTIO_MMIO_INTERRUPT_STATUS, KEEL_SHADOW_READ, KEEL_SHADOW_SIZE_4, 0 },
	{ VIRTIO_MMIO_INTERRUPT_ACK, KEEL_SHADOW_W1C, KEEL_SHADOW_SIZE_4, 0 },
};

static void virtio_mmio_shadow_bind(void *opaque, uint32_t *words)
{
	struct virtio_mmio *t = opaque;

	/* Before the guest runs and before any worker: nothing races here. */
	__atomic_store_n(&words[0], __atomic_load_n(t->isr, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
	t->isr = &words[0];
}

const struct mmio_ops virtio_mmio_ops = {
    .name = "virtio-mmio",
    .read = virtio_mmio_read,
    .write = virtio_mmio_write,
    .shadow = virtio_mmio_shadow,
    .nr_shadow = sizeof(virtio_mmio_shadow) / sizeof(virtio_mmio_shadow[0]),
    .shadow_bind = virtio_mmio_shadow_bind,
};

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_dev_ops *ops, void *dev,
		      const struct guest_mem *gm, void (*irq)(void *opaque), void *irq_opaque)
{
	pthread_mutexattr_t attr;

	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->dev = dev;
	t->gm = gm;
	t->irq = irq;
	t->irq_opaque = irq_opaque;
	t->isr = &t->int_status;
	/* Recursive: virtio_mmio_used takes the queue lock itself, and may be
	 * called by a device that still holds it. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		pthread_mutex_init(&t->vq_lock[i], &attr);
	pthread_mutexattr_destroy(&attr);
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	device_reset(t);
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		pthread_mutex_destroy(&t->vq_lock[i]);
}

void virtio_mmio_kick(struct virtio_mmio *t, uint32_t queue)
{
	uint32_t status = status_get(t);
	bool ready;

	if (queue >= t->ops->nr_queues || queue >= VIRTIO_MAX_QUEUES ||
	    (status & (VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_NEEDS_RESET)) !=
		VIRTIO_CONFIG_S_DRIVER_OK) {
		__atomic_fetch_add(&t->ignored_kicks, 1, __ATOMIC_RELAXED);
		return;
	}
	pthread_mutex_lock(&t->vq_lock[queue]);
	ready = t->vq[queue].ready;
	pthread_mutex_unlock(&t->vq_lock[queue]);
	if (!ready) {
		__atomic_fetch_add(&t->ignored_kicks, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&t->kicks, 1, __ATOMIC_RELAXED);
	t->ops->kick(t->dev, queue);
}

void virtio_mmio_kick_all(struct virtio_mmio *t)
{
	for (unsigned i = 0; i < t->ops->nr_queues && i < VIRTIO_MAX_QUEUES; i++)
		virtio_mmio_kick(t, i);
}

void virtio_mmio_used(struct virtio_mmio *t, unsigned q)
{
	bool want;

	if (q >= t->ops->nr_queues || q >= VIRTIO_MAX_QUEUES)
		return;
	pthread_mutex_lock(&t->vq_lock[q]);
	want = vq_should_interrupt(&t->vq[q]);
	pthread_mutex_unlock(&t->vq_lock[q]);
	if (want)
		raise_irq(t, VIRTIO_MMIO_INT_VRING);
}

void virtio_mmio_interrupt(struct virtio_mmio *t)
{
	raise_irq(t, VIRTIO_MMIO_INT_VRING);
}

void virtio_mmio_config_changed(struct virtio_mmio *t)
{
	/* Release: the new config is in place before a driver that sees the
	 * new generation re-reads it (2.4.1: it retries on a change). */
	__atomic_add_fetch(&t->config_generation, 1, __ATOMIC_RELEASE);
	raise_irq(t, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_mmio_needs_reset(struct virtio_mmio *t, const char *why)
{
	uint32_t old = __atomic_fetch_or(&t->status, VIRTIO_CONFIG_S_NEEDS_RESET, __ATOMIC_ACQ_REL);

	/* No queue lock: the caller may hold one (taking the others could
	 * deadlock against another thread); vq.broken is atomic for this. */
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		__atomic_store_n(&t->vq[i].broken, true, __ATOMIC_RELAXED);
	if (old & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	klog("%s: device needs reset: %s", t->ops->name, why);
	/* 2.1.2 asks for a config notification once DRIVER_OK is set; before
	 * it one is harmless and tells a driver still initialising sooner. */
	raise_irq(t, VIRTIO_MMIO_INT_CONFIG);
}

uint64_t virtio_mmio_features(const struct virtio_mmio *t)
{
	return t->drv_features;
}
