// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's disks torn down with I/O in flight (the disk vdev,
 * devices/vdisk.c, over devices/virtio_blk.c, in a device registry, with
 * keeld's real libuv loop and threadpool): a guest that queues
 * flushes and powers off or resets at once, or `keel vm shutdown -f`
 * during I/O. Built with AddressSanitizer (meson test keeld-vdisk-asan):
 * a completion that touches a freed disk, transport or guest RAM is a
 * reported use-after-free, not a silent pass.
 *
 * ASan cannot see inside glibc, so pthread_mutex_lock is wrapped
 * (-Wl,--wrap) to read the mutex once from instrumented code first:
 * locking a mutex in freed memory (the bug this guards against) is then
 * reported. That wrapper only observes; the real lock runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmocka.h>
#include <keel/ioctl.h>
#include <endian.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "devices/devices.h"
#include "devices/virtio_blk.h"
#include "virtio/transport.h"
#include "virtio_driver.h"

int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __wrap_pthread_mutex_lock(pthread_mutex_t *m);

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
	const volatile unsigned char *p = (const volatile unsigned char *)m;

	(void)p[0];
	(void)p[sizeof(*m) - 1];
	return __real_pthread_mutex_lock(m);
}

#define RAM_BASE   0x40000000ULL
#define RAM_SIZE   (1ULL << 20)
#define DESC_GPA   (RAM_BASE + 0x0000)
#define AVAIL_GPA  (RAM_BASE + 0x2000)
#define USED_GPA   (RAM_BASE + 0x3000)
#define HDR_GPA	   (RAM_BASE + 0x6000)
#define STATUS_GPA (RAM_BASE + 0x7000)
#define DATA_GPA   (RAM_BASE + 0x10000)
#define QNUM	   256
#define DISK_BYTES (4 << 20)

static uv_loop_t loop;
static struct vm_config cfg;
static struct guest_mem gm;
static struct vdev_registry reg;
static uint32_t cookie;      /* the disk's QueueNotify doorbell, as registered */
static unsigned doorbells;
static uint8_t *ram;
static char dpath[64];
static char err[512];
static uint16_t avail_idx, next_desc;

static void *gp(uint64_t gpa)
{
	assert_true(gpa >= RAM_BASE && gpa < RAM_BASE + RAM_SIZE);
	return ram + (gpa - RAM_BASE);
}

/* The hypervisor as the registry sees it: doorbells are remembered. */
static int hyp_mmio_register(void *opaque, uint64_t base, uint64_t size, unsigned flags,
			     uint32_t c)
{
	if (flags == KEEL_MMIO_DOORBELL) {
		assert_int_equal(base, cfg.disk[0].base + VIRTIO_MMIO_QUEUE_NOTIFY);
		cookie = c;
		doorbells++;
	}
	return 0;
}

/* No interrupts: the driver asks for none (driver_init). */
static int hyp_irq_line(void *opaque, unsigned intid, unsigned level)
{
	fail_msg("interrupt %u raised", intid);
	return 0;
}

static const struct vdev_host_ops hyp_ops = { .mmio_register = hyp_mmio_register,
					      .irq_line = hyp_irq_line };
static const struct vdev_type *const types[] = { &vdisk_type };

/* Register accesses go through the registry, as a guest's ioreqs do. */
static void mmio_w(uint64_t off, uint32_t v)
{
	uint64_t data = v;

	assert_int_equal(vdev_registry_access(&reg, cfg.disk[0].base + off, 4, true, &data), 0);
}

static uint32_t mmio_r(uint64_t off)
{
	uint64_t data;

	assert_int_equal(vdev_registry_access(&reg, cfg.disk[0].base + off, 4, false, &data), 0);
	return (uint32_t)data;
}

static void kick(void)
{
	assert_int_equal(vdev_registry_kick(&reg, cookie, 0), 0);
}

/* The guest's RAM comes and goes with the guest, as keeld's mapping does. */
static void ram_map(void)
{
	ram = vd_ram_map(&gm, RAM_BASE, RAM_SIZE);
	assert_non_null(ram);
}

static void ram_unmap(void)
{
	free(ram);
	ram = NULL;
	memset(&gm, 0, sizeof(gm));
}

/* 3.1.1 up to DRIVER_OK with every offered feature but EVENT_IDX (so the
 * queue never waits for a kick we would have to model). */
static void driver_init(void)
{
	uint32_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	uint32_t lo, hi;

	memset(gp(DESC_GPA), 0, 0x4000);
	avail_idx = next_desc = 0;
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	mmio_w(VIRTIO_MMIO_STATUS, st);
	mmio_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	lo = mmio_r(VIRTIO_MMIO_DEVICE_FEATURES) & ~(1U << VIRTIO_RING_F_EVENT_IDX);
	mmio_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	hi = mmio_r(VIRTIO_MMIO_DEVICE_FEATURES);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES, lo);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES, hi);
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	mmio_w(VIRTIO_MMIO_STATUS, st);
	assert_int_equal(mmio_r(VIRTIO_MMIO_STATUS), st);
	mmio_w(VIRTIO_MMIO_QUEUE_SEL, 0);
	mmio_w(VIRTIO_MMIO_QUEUE_NUM, QNUM);
	mmio_w(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)DESC_GPA);
	mmio_w(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(DESC_GPA >> 32));
	mmio_w(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)AVAIL_GPA);
	mmio_w(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(AVAIL_GPA >> 32));
	mmio_w(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)USED_GPA);
	mmio_w(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(USED_GPA >> 32));
	mmio_w(VIRTIO_MMIO_QUEUE_READY, 1);
	/* No interrupts: there is no /dev/keel to raise them through here. */
	((struct vring_avail *)gp(AVAIL_GPA))->flags = VRING_AVAIL_F_NO_INTERRUPT;
	st |= VIRTIO_CONFIG_S_DRIVER_OK;
	mmio_w(VIRTIO_MMIO_STATUS, st);
	assert_int_equal(mmio_r(VIRTIO_MMIO_STATUS), st);
}

static void post(uint32_t type, uint64_t sector, uint32_t data_len, unsigned i)
{
	struct vring_desc *desc = gp(DESC_GPA);
	struct vring_avail *avail = gp(AVAIL_GPA);
	struct virtio_blk_outhdr h = {htole32(type), 0, htole64(sector)};
	uint16_t head = next_desc;
	unsigned n = 0;
	struct vring_desc d[3];

	memcpy(gp(HDR_GPA + i * 16), &h, sizeof(h));
	d[n++] = (struct vring_desc){HDR_GPA + i * 16, sizeof(h), 0, 0};
	if (data_len)
		d[n++] = (struct vring_desc){DATA_GPA, data_len,
					     type == VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0, 0};
	d[n++] = (struct vring_desc){STATUS_GPA + i, 1, VRING_DESC_F_WRITE, 0};
	for (unsigned k = 0; k < n; k++) {
		d[k].flags |= k + 1 < n ? VRING_DESC_F_NEXT : 0;
		d[k].next = (head + k + 1) % QNUM;
		desc[(head + k) % QNUM] = d[k];
	}
	next_desc = (head + n) % QNUM;
	avail->ring[avail_idx % QNUM] = head;
	__atomic_store_n(&avail->idx, ++avail_idx, __ATOMIC_RELEASE);
}

/*
 * Flushes go to the threadpool (and may still run after the teardown);
 * reads bigger than VBLK_INLINE_MAX do too, whatever the page cache holds.
 * Everything is queued and kicked; the loop has not delivered a single
 * completion when the caller tears down.
 */
static void post_mixed_and_kick(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (i % 3 == 2)
			post(VIRTIO_BLK_T_IN, 0, VBLK_SIZE_MAX, i);
		else
			post(VIRTIO_BLK_T_FLUSH, 0, 0, i);
	}
	kick();
}

static void make_disk(void)
{
	int fd;

	snprintf(dpath, sizeof(dpath), "/tmp/keeld-vdisk-XXXXXX");
	fd = mkstemp(dpath);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, DISK_BYTES), 0);
	close(fd);
}

/* `keel vm boot`: each attach registers the doorbell anew. */
static void open_disks(void)
{
	unsigned before = doorbells;

	assert_int_equal(vdev_registry_attach(&reg, true, err, sizeof(err)), 0);
	assert_int_equal(doorbells, before + 1);
}

static int setup(void **state)
{
	assert_int_equal(uv_loop_init(&loop), 0);
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.label, sizeof(cfg.label), "vm-test");
	cfg.nr_disks = 1;
	make_disk();
	snprintf(cfg.disk[0].path, sizeof(cfg.disk[0].path), "%s", dpath);
	cfg.disk[0].mediated = -1;
	cfg.disk[0].base = 0x0a000000;
	cfg.disk[0].spi = 16;
	{
		struct vdev_host h = { .ops = &hyp_ops, .vm_id = 3, .label = cfg.label,
				       .loop = &loop, .gm = &gm };

		assert_int_equal(vdev_registry_create(&reg, &h, &cfg, types, 1, err, sizeof(err)), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	vdev_registry_destroy(&reg);
	/* Every late completion is delivered (and dropped) here; the loop
	 * then holds nothing of the disks anymore. */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	unlink(dpath);
	return 0;
}

/* Could another process take the disk's write lock now? */
static bool disk_lockable(void)
{
	int fd = open(dpath, O_RDWR);
	bool ok;

	assert_true(fd >= 0);
	ok = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return ok;
}

/* The guest powers off with flushes and big reads queued: a detach
 * (vdev_registry_detach, as vm_stopped does) and its RAM unmapped at once; completions come
 * later, and must touch neither the freed disk nor the freed RAM. */
static void test_close_in_flight(void **state)
{
	ram_map();
	open_disks();
	driver_init();
	post_mixed_and_kick(90);
	vdev_registry_detach(&reg);
	assert_false(reg.attached);
	/* the window went with it */
	assert_int_equal(vdev_registry_kick(&reg, cookie, 0), -ENOENT);
	ram_unmap();
	/* The backing is free for the next boot at once, even while a
	 * flush may still run on the old fd. */
	assert_true(disk_lockable());
}

/* The same guest restarts at once (on_reboot: restart), many times, each
 * time torn down mid-I/O; now and then the driver resets the device
 * (status 0) with requests queued, then requeues. */
static void test_restart_cycles(void **state)
{
	for (unsigned cycle = 0; cycle < 20; cycle++) {
		ram_map();
		open_disks();
		driver_init();
		post_mixed_and_kick(40);
		if (cycle % 2) {
			mmio_w(VIRTIO_MMIO_STATUS, 0);
			assert_int_equal(mmio_r(VIRTIO_MMIO_STATUS), 0);
			driver_init();
			post_mixed_and_kick(20);
		}
		/* Some iterations deliver part of the completions first. */
		if (cycle % 3 == 0)
			uv_run(&loop, UV_RUN_NOWAIT);
		vdev_registry_detach(&reg);
		ram_unmap();
	}
	assert_true(disk_lockable());
}

/* A reset with requests in flight, then the device is used again: the
 * old completions are dropped, the new requests complete. */
static void test_reset_then_io(void **state)
{
	struct vring_used *used;

	ram_map();
	open_disks();
	driver_init();
	post_mixed_and_kick(30);
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	driver_init();
	post(VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	kick();
	used = gp(USED_GPA);
	for (int i = 0; i < 100000 && __atomic_load_n(&used->idx, __ATOMIC_ACQUIRE) != 1; i++)
		uv_run(&loop, UV_RUN_ONCE);
	assert_int_equal(used->idx, 1);
	assert_int_equal(*(uint8_t *)gp(STATUS_GPA), VIRTIO_BLK_S_OK);
	vdev_registry_detach(&reg);
	ram_unmap();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_close_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_cycles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_then_io, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
