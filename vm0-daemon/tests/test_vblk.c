// SPDX-License-Identifier: GPL-2.0
/* Host tests: virtio-blk through the real virtio-mmio transport and split
 * ring, driven like a guest driver would over a fake guest RAM, with a
 * temporary file as the disk. Synchronous mode for the request rules, the
 * libuv threadpool for batching, throttling and reset. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>

#include "devices/virtio_blk.h"

#define RAM_BASE   0x40000000ULL
#define RAM_SIZE   (4ULL << 20)
#define DESC_GPA   (RAM_BASE + 0x0000)
#define AVAIL_GPA  (RAM_BASE + 0x2000)
#define USED_GPA   (RAM_BASE + 0x3000)
#define HDR_GPA	   (RAM_BASE + 0x6000)
#define STATUS_GPA (RAM_BASE + 0x7000)
#define DWZ_GPA	   (RAM_BASE + 0x8000)
#define DATA_GPA   (RAM_BASE + 0x100000)
#define QNUM	   256

#define DISK_BYTES   (1 << 20)
#define DISK_SECTORS (DISK_BYTES / 512)

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool w;
};

static uint8_t *ram;
static struct guest_mem gm;
static struct virtio_mmio t;
static struct vblk *b;
static struct disk disk;
static char dpath[64];
static char err[512];
static unsigned irqs;
static uint16_t avail_idx, used_seen, next_desc;
static uint64_t avail_gpa = AVAIL_GPA, used_gpa = USED_GPA;
static uv_loop_t loop;
static const char *backend; /* the async tests' disk backend; NULL: auto */

static void *gp(uint64_t gpa)
{
	assert_true(gpa >= RAM_BASE && gpa < RAM_BASE + RAM_SIZE);
	return ram + (gpa - RAM_BASE);
}

static struct vring_avail *avail(void)
{
	return gp(avail_gpa);
}

static struct vring_used *used(void)
{
	return gp(used_gpa);
}

static void mmio_w(uint64_t off, uint32_t v)
{
	virtio_mmio_ops.write(&t, off, 4, v);
}

static uint32_t mmio_r(uint64_t off)
{
	return (uint32_t)virtio_mmio_ops.read(&t, off, 4);
}

static void on_irq(void *opaque)
{
	irqs++;
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + i / 512);
}

static void make_disk(bool readonly)
{
	static uint8_t buf[DISK_BYTES];
	int fd;

	snprintf(dpath, sizeof(dpath), "/tmp/keeld-vblk-XXXXXX");
	fd = mkstemp(dpath);
	assert_true(fd >= 0);
	for (uint64_t i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
	assert_int_equal(disk_open(&disk, dpath, readonly, err, sizeof(err)), 0);
}

static void file_read(uint64_t off, void *buf, size_t len)
{
	int fd = open(dpath, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static uint64_t dev_features(void)
{
	mmio_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t f = mmio_r(VIRTIO_MMIO_DEVICE_FEATURES);

	mmio_w(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	return f | (uint64_t)mmio_r(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

/* The driver's side of 3.1.1 up to DRIVER_OK, accepting every offered
 * feature except those in drop. */
static void driver_setup_q(uint64_t drop, bool want_ready)
{
	uint64_t f = dev_features() & ~drop;
	uint32_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	memset(gp(DESC_GPA), 0, 0x4000);
	avail_idx = used_seen = next_desc = 0;
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	mmio_w(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	mmio_w(VIRTIO_MMIO_STATUS, st);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_w(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	mmio_w(VIRTIO_MMIO_STATUS, st);
	assert_int_equal(mmio_r(VIRTIO_MMIO_STATUS), st);
	mmio_w(VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(mmio_r(VIRTIO_MMIO_QUEUE_NUM_MAX), VBLK_QUEUE_MAX);
	mmio_w(VIRTIO_MMIO_QUEUE_NUM, QNUM);
	mmio_w(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)DESC_GPA);
	mmio_w(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(DESC_GPA >> 32));
	mmio_w(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail_gpa);
	mmio_w(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail_gpa >> 32));
	mmio_w(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used_gpa);
	mmio_w(VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used_gpa >> 32));
	mmio_w(VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(mmio_r(VIRTIO_MMIO_QUEUE_READY), want_ready);
}

static void driver_setup(uint64_t drop)
{
	driver_setup_q(drop, true);
}

static void driver_ok(void)
{
	uint32_t st = mmio_r(VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK;

	mmio_w(VIRTIO_MMIO_STATUS, st);
	assert_int_equal(mmio_r(VIRTIO_MMIO_STATUS), st);
	irqs = 0;
}

static void driver_init(uint64_t drop)
{
	driver_setup(drop);
	driver_ok();
}

static void device_up(bool readonly, const char *serial, bool async)
{
	avail_gpa = AVAIL_GPA;
	used_gpa = USED_GPA;
	ram = aligned_alloc(4096, RAM_SIZE);
	assert_non_null(ram);
	memset(ram, 0, RAM_SIZE);
	gm.n = 1;
	gm.r[0].ipa = RAM_BASE;
	gm.r[0].size = RAM_SIZE;
	gm.r[0].host = ram;
	make_disk(readonly);
	if (async)
		assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(vblk_create(&b, async ? &loop : NULL, &t, &disk, backend, serial, err, sizeof(err)),
			 0);
	virtio_mmio_init(&t, &vblk_ops, b, &gm, on_irq, NULL);
	driver_init(0);
}

static void device_down(bool async)
{
	virtio_mmio_destroy(&t);
	vblk_destroy(b);
	b = NULL;
	if (async) {
		uv_run(&loop, UV_RUN_DEFAULT);
		assert_int_equal(uv_loop_close(&loop), 0);
	}
	disk_close(&disk);
	unlink(dpath);
	free(ram);
}

static int up_rw(void **state)
{
	device_up(false, "keel-test-serial", false);
	return 0;
}

static int up_ro(void **state)
{
	device_up(true, NULL, false);
	return 0;
}

static int down(void **state)
{
	device_down(false);
	return 0;
}

/* Put a chain on the ring (no kick); returns its head. */
static uint16_t post(const struct seg *s, unsigned n)
{
	struct vring_desc *desc = gp(DESC_GPA);
	uint16_t head = next_desc;

	for (unsigned i = 0; i < n; i++) {
		struct vring_desc *d = &desc[(head + i) % QNUM];

		d->addr = s[i].gpa;
		d->len = s[i].len;
		d->flags = (s[i].w ? VRING_DESC_F_WRITE : 0) | (i + 1 < n ? VRING_DESC_F_NEXT : 0);
		d->next = (head + i + 1) % QNUM;
	}
	next_desc = (head + n) % QNUM;
	avail()->ring[avail_idx % QNUM] = head;
	__atomic_store_n(&avail()->idx, ++avail_idx, __ATOMIC_RELEASE);
	return head;
}

static bool used_ready(void)
{
	return __atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) != used_seen;
}

static struct vring_used_elem take_used(void)
{
	assert_true(used_ready());
	return used()->ring[used_seen++ % QNUM];
}

static void set_hdr(uint64_t gpa, uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = {htole32(type), 0, htole64(sector)};

	memcpy(gp(gpa), &h, sizeof(h));
}

/* A whole chain given explicitly; returns the status byte at status_gpa
 * and the used length in *len. */
static uint8_t run_chain(const struct seg *s, unsigned n, uint64_t status_gpa, uint32_t *len)
{
	struct vring_used_elem e;
	uint16_t head;

	*(uint8_t *)gp(status_gpa) = 0xee;
	head = post(s, n);
	virtio_mmio_kick(&t, 0);
	e = take_used();
	assert_int_equal(e.id, head);
	assert_false(used_ready());
	*len = e.len;
	return *(uint8_t *)gp(status_gpa);
}

/* The usual framing: header, data segments, one status byte. */
static uint8_t do_req(uint32_t type, uint64_t sector, const struct seg *data, unsigned ndata,
		      uint32_t *len)
{
	struct seg s[8];
	unsigned n = 0;

	set_hdr(HDR_GPA, type, sector);
	s[n++] = (struct seg){HDR_GPA, sizeof(struct virtio_blk_outhdr), false};
	for (unsigned i = 0; i < ndata; i++)
		s[n++] = data[i];
	s[n++] = (struct seg){STATUS_GPA, 1, true};
	return run_chain(s, n, STATUS_GPA, len);
}

static void check_needs_reset(bool want)
{
	assert_int_equal(!!(mmio_r(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET), want);
}

static uint64_t cfg_read(size_t off, unsigned size)
{
	return virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + off, size);
}

static struct vblk_stats stats(void)
{
	struct vblk_stats s;

	vblk_get_stats(b, &s);
	return s;
}

static void test_config(void **state)
{
	uint64_t f = dev_features();

	assert_int_equal(mmio_r(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	assert_true(f & 1ULL << VIRTIO_F_VERSION_1);
	assert_true(f & 1ULL << VIRTIO_BLK_F_SEG_MAX);
	assert_true(f & 1ULL << VIRTIO_BLK_F_BLK_SIZE);
	assert_true(f & 1ULL << VIRTIO_BLK_F_FLUSH);
	assert_true(f & 1ULL << VIRTIO_BLK_F_DISCARD);
	assert_true(f & 1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
	assert_false(f & 1ULL << VIRTIO_BLK_F_RO);
	assert_false(f & 1ULL << VIRTIO_BLK_F_MQ);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, capacity), 8), DISK_SECTORS);
	assert_true(f & 1ULL << VIRTIO_BLK_F_SIZE_MAX);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, seg_max), 4), VBLK_SEG_MAX);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, size_max), 4), VBLK_SIZE_MAX);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, blk_size), 4), 512);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, max_discard_sectors), 4),
			 VBLK_MAX_DISCARD_SECTORS);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, max_discard_seg), 4),
			 VBLK_MAX_DISCARD_SEG);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, discard_sector_alignment), 4),
			 1);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, max_write_zeroes_sectors), 4),
			 VBLK_MAX_WRITE_ZEROES_SECTORS);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, max_write_zeroes_seg), 4), 1);
	assert_int_equal(cfg_read(offsetof(struct virtio_blk_config, write_zeroes_may_unmap), 1),
			 1);
	/* Past the end of the config space: 0, no crash. */
	assert_int_equal(cfg_read(sizeof(struct virtio_blk_config), 4), 0);
}

static void test_read_write(void **state)
{
	uint8_t want[2048], got[2048];
	uint32_t len;
	/* 3 KiB of data in three uneven segments. */
	struct seg w[3] = {{DATA_GPA, 1000, false},
			   {DATA_GPA + 1000, 1048, false},
			   {DATA_GPA + 2048, 1024, false}};
	struct seg r[2] = {{DATA_GPA + 0x10000, 3000, true}, {DATA_GPA + 0x10000 + 3000, 72, true}};

	for (unsigned i = 0; i < 3072; i++)
		((uint8_t *)gp(DATA_GPA))[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(do_req(VIRTIO_BLK_T_OUT, 10, w, 3, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);
	file_read(10 * 512, got, 2048);
	memcpy(want, gp(DATA_GPA), 2048);
	assert_memory_equal(got, want, 2048);

	assert_int_equal(do_req(VIRTIO_BLK_T_IN, 10, r, 2, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 3072 + 1);
	assert_memory_equal(gp(DATA_GPA + 0x10000), gp(DATA_GPA), 3072);

	/* Untouched sectors keep the file's pattern. */
	r[0].len = 512;
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, 9, r, 1, &len), VIRTIO_BLK_S_OK);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(((uint8_t *)gp(DATA_GPA + 0x10000))[i], pattern(9 * 512 + i));
	/* The last sector, and an empty read. */
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, r, 1, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, DISK_SECTORS, NULL, 0, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);

	assert_int_equal(stats().writes, 1);
	assert_int_equal(stats().reads, 4);
	assert_int_equal(stats().write_bytes, 3072);
	assert_int_equal(stats().read_bytes, 3072 + 1024);
	assert_int_equal(stats().errors, 0);
	assert_true(irqs >= 1);
	check_needs_reset(false);
}

/* Framing is the driver's choice (VERSION_1): a header split over two
 * descriptors, data and status in one writable descriptor. */
static void test_any_layout(void **state)
{
	struct seg s[3] = {{HDR_GPA, 6, false}, {HDR_GPA + 6, 10, false}, {DATA_GPA, 1025, true}};
	uint32_t len;

	set_hdr(HDR_GPA, VIRTIO_BLK_T_IN, 4);
	assert_int_equal(run_chain(s, 3, DATA_GPA + 1024, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1025);
	for (unsigned i = 0; i < 1024; i++)
		assert_int_equal(((uint8_t *)gp(DATA_GPA))[i], pattern(4 * 512 + i));

	/* A write whose data follows the header in the same descriptor. */
	set_hdr(HDR_GPA, VIRTIO_BLK_T_OUT, 0);
	memset(gp(HDR_GPA + 16), 0x77, 512);
	s[0] = (struct seg){HDR_GPA, 16 + 512, false};
	s[1] = (struct seg){STATUS_GPA, 1, true};
	assert_int_equal(run_chain(s, 2, STATUS_GPA, &len), VIRTIO_BLK_S_OK);
	uint8_t got[512];

	file_read(0, got, 512);
	assert_memory_equal(got, gp(HDR_GPA + 16), 512);
}

static void test_flush_get_id(void **state)
{
	struct seg id = {DATA_GPA, VIRTIO_BLK_ID_BYTES, true};
	uint8_t want[VIRTIO_BLK_ID_BYTES] = "keel-test-serial";
	uint32_t len;

	assert_int_equal(do_req(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);
	assert_int_equal(stats().flushes, 1);

	memset(gp(DATA_GPA), 0xff, 64);
	assert_int_equal(do_req(VIRTIO_BLK_T_GET_ID, 0, &id, 1, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, VIRTIO_BLK_ID_BYTES + 1);
	assert_memory_equal(gp(DATA_GPA), want, VIRTIO_BLK_ID_BYTES);
	assert_int_equal(((uint8_t *)gp(DATA_GPA))[VIRTIO_BLK_ID_BYTES], 0xff);
	/* A smaller buffer gets what fits and nothing more. */
	memset(gp(DATA_GPA), 0xff, 64);
	id.len = 4;
	assert_int_equal(do_req(VIRTIO_BLK_T_GET_ID, 0, &id, 1, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(gp(DATA_GPA), "keel", 4);
	assert_int_equal(((uint8_t *)gp(DATA_GPA))[4], 0xff);
	assert_int_equal(stats().get_ids, 2);
}

static void put_range(unsigned i, uint64_t sector, uint32_t num, uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes r = {htole64(sector), htole32(num), htole32(flags)};

	memcpy((uint8_t *)gp(DWZ_GPA) + i * sizeof(r), &r, sizeof(r));
}

static void check_zero(uint64_t sector, unsigned n, bool zero)
{
	uint8_t buf[4096];

	assert_true(n * 512 <= sizeof(buf));
	file_read(sector * 512, buf, n * 512);
	for (unsigned i = 0; i < n * 512; i++)
		assert_int_equal(buf[i], zero ? 0 : pattern(sector * 512 + i));
}

static void test_discard_write_zeroes(void **state)
{
	struct seg s = {DWZ_GPA, 16, false};
	uint32_t len;

	put_range(0, 16, 4, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, &s, 1, &len), VIRTIO_BLK_S_OK);
	assert_int_equal(len, 1);
	check_zero(15, 1, false);
	check_zero(16, 4, true);
	check_zero(20, 1, false);

	/* Several ranges in one request. */
	put_range(0, 40, 1, 0);
	put_range(1, 50, 2, 0);
	put_range(2, 60, 0, 0);
	s.len = 48;
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, &s, 1, &len), VIRTIO_BLK_S_OK);
	check_zero(40, 1, true);
	check_zero(41, 1, false);
	check_zero(50, 2, true);
	check_zero(60, 1, false);

	s.len = 16;
	put_range(0, 100, 3, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &s, 1, &len), VIRTIO_BLK_S_OK);
	check_zero(99, 1, false);
	check_zero(100, 3, true);
	check_zero(103, 1, false);
	put_range(0, 200, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP);
	assert_int_equal(do_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &s, 1, &len), VIRTIO_BLK_S_OK);
	check_zero(200, 8, true);
	check_zero(208, 1, false);
	/* Up to the last sector. */
	put_range(0, DISK_SECTORS - 2, 2, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &s, 1, &len), VIRTIO_BLK_S_OK);
	check_zero(DISK_SECTORS - 2, 2, true);

	assert_int_equal(stats().discards, 2);
	assert_int_equal(stats().write_zeroes, 3);
}

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
	assert_true(mmio_r(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	virtio_mmio_kick(&t, 0);
	assert_int_equal(stats().flushes, 0);
	assert_int_equal(stats().requests, 0);
}

static void test_readonly_disk(void **state)
{
	struct seg d = {DATA_GPA, 512, false}, dwz = {DWZ_GPA, 16, false};
	struct seg id = {DATA_GPA, VIRTIO_BLK_ID_BYTES, true};
	uint64_t f = dev_features();
	uint8_t before[512], after[512];
	uint32_t len;

	assert_true(f & 1ULL << VIRTIO_BLK_F_RO);
	assert_false(f & 1ULL << VIRTIO_BLK_F_DISCARD);
	assert_false(f & 1ULL << VIRTIO_BLK_F_WRITE_ZEROES);
	file_read(0, before, sizeof(before));
	memset(gp(DATA_GPA), 0x33, 512);
	assert_int_equal(do_req(VIRTIO_BLK_T_OUT, 0, &d, 1, &len), VIRTIO_BLK_S_IOERR);
	put_range(0, 0, 1, 0);
	assert_int_equal(do_req(VIRTIO_BLK_T_DISCARD, 0, &dwz, 1, &len), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(do_req(VIRTIO_BLK_T_WRITE_ZEROES, 0, &dwz, 1, &len), VIRTIO_BLK_S_UNSUPP);
	file_read(0, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(after));
	d.w = true;
	assert_int_equal(do_req(VIRTIO_BLK_T_IN, 0, &d, 1, &len), VIRTIO_BLK_S_OK);
	assert_memory_equal(gp(DATA_GPA), before, 512);
	assert_int_equal(do_req(VIRTIO_BLK_T_FLUSH, 0, NULL, 0, &len), VIRTIO_BLK_S_OK);
	/* The default serial: the file name's last 20 bytes. */
	assert_int_equal(do_req(VIRTIO_BLK_T_GET_ID, 0, &id, 1, &len), VIRTIO_BLK_S_OK);
	assert_memory_equal(gp(DATA_GPA), strrchr(dpath, '/') + 1, strlen(strrchr(dpath, '/') + 1));
}

/* Many chains, one kick: one interrupt (no EVENT_IDX, NO_INTERRUPT clear). */
static void test_batch_one_irq(void **state)
{
	for (unsigned i = 0; i < 32; i++) {
		set_hdr(HDR_GPA + i * 16, VIRTIO_BLK_T_IN, i);
		post((struct seg[]){{HDR_GPA + i * 16, 16, false},
				    {DATA_GPA + i * 512, 512, true},
				    {STATUS_GPA + i, 1, true}},
		     3);
	}
	irqs = 0;
	virtio_mmio_kick(&t, 0);
	assert_int_equal(irqs, 1);
	for (unsigned i = 0; i < 32; i++) {
		assert_int_equal(take_used().len, 513);
		assert_int_equal(*(uint8_t *)gp(STATUS_GPA + i), VIRTIO_BLK_S_OK);
	}
	for (unsigned i = 0; i < 32 * 512; i++)
		assert_int_equal(((uint8_t *)gp(DATA_GPA))[i], pattern(i));
	/* A spurious kick is harmless. */
	virtio_mmio_kick(&t, 0);
	assert_int_equal(irqs, 1);
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

static void test_create_errors(void **state)
{
	struct vblk *x;

	assert_int_equal(
	    vblk_create(&x, NULL, &t, &disk, NULL, "012345678901234567890", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "is longer than 20 bytes"));
	assert_int_equal(vblk_create(&x, NULL, &t, &disk, NULL, "bad\nserial", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(vblk_create(&x, NULL, &t, &disk, NULL, "01234567890123456789", err, sizeof(err)),
			 0);
	vblk_destroy(x);
}

/* ---- threadpool mode ---- */

static void run_until(bool (*done)(void))
{
	for (int i = 0; i < 100000 && !done(); i++)
		uv_run(&loop, UV_RUN_ONCE);
	assert_true(done());
	/* The interrupt comes from the idle handle, one iteration later. */
	uv_run(&loop, UV_RUN_NOWAIT);
}

static unsigned async_n;

static bool all_used(void)
{
	return __atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) == avail_idx;
}

static bool all_dropped(void)
{
	return stats().dropped == async_n;
}

static void post_io(unsigned n, uint32_t type)
{
	for (unsigned i = 0; i < n; i++) {
		set_hdr(HDR_GPA + i * 16, type, i * 8);
		post((struct seg[]){{HDR_GPA + i * 16, 16, false},
				    {DATA_GPA + i * 4096, 4096, type == VIRTIO_BLK_T_IN},
				    {STATUS_GPA + i, 1, true}},
		     3);
	}
	async_n = n;
}

/* Requests that wait for the device (here flushes) go to the threadpool;
 * reads and writes run inline on the loop. */
static void post_flushes(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		set_hdr(HDR_GPA + i * 16, VIRTIO_BLK_T_FLUSH, 0);
		post((struct seg[]){{HDR_GPA + i * 16, 16, false}, {STATUS_GPA + i, 1, true}}, 2);
	}
	async_n = n;
}

static void test_async(void **state)
{
	const unsigned n = 80; /* inline on the loop in one kick; 3 descriptors each <= QNUM */
	uint8_t got[4096];

	device_up(false, NULL, true);
	assert_string_equal(vblk_io(b)->ops->name, backend);
	for (unsigned i = 0; i < n * 4096; i++)
		((uint8_t *)gp(DATA_GPA))[i] = (uint8_t)(i * 13 + i / 4096);
	post_io(n, VIRTIO_BLK_T_OUT);
	virtio_mmio_kick(&t, 0);
	run_until(all_used);
	for (unsigned i = 0; i < n; i++) {
		struct vring_used_elem e = take_used();

		assert_int_equal(e.len, 1);
		assert_int_equal(*(uint8_t *)gp(STATUS_GPA + i), VIRTIO_BLK_S_OK);
	}
	assert_true(irqs >= 1 && irqs < n);
	for (unsigned i = 0; i < n; i += 37) {
		file_read(i * 4096, got, sizeof(got));
		assert_memory_equal(got, gp(DATA_GPA + i * 4096), sizeof(got));
	}
	assert_int_equal(stats().writes, n);
	assert_int_equal(stats().write_bytes, n * 4096);

	/* Read it back through the device into zeroed buffers. */
	memset(gp(DATA_GPA), 0, n * 4096);
	post_io(n, VIRTIO_BLK_T_IN);
	virtio_mmio_kick(&t, 0);
	run_until(all_used);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(take_used().len, 4097);
	for (unsigned i = 0; i < n * 4096; i++)
		if (((uint8_t *)gp(DATA_GPA))[i] != (uint8_t)(i * 13 + i / 4096))
			fail_msg("byte %u", i);
	device_down(true);
}

/* A reset with requests on the threadpool: when it returns nothing runs
 * anymore, and their completions are dropped, never pushed. */
static void test_async_reset(void **state)
{
	device_up(false, NULL, true);
	post_flushes(80);
	virtio_mmio_kick(&t, 0);
	mmio_w(VIRTIO_MMIO_STATUS, 0);
	memset(gp(USED_GPA), 0x5c, 0x1000);
	/* Only VBLK_MAX_INFLIGHT were taken: the loop has not run since. */
	async_n = VBLK_MAX_INFLIGHT;
	run_until(all_dropped);
	assert_int_equal(stats().requests, 0);
	/* Nothing was written into the (reset) used ring. */
	for (unsigned i = 0; i < 0x1000; i++)
		assert_int_equal(((uint8_t *)gp(USED_GPA))[i], 0x5c);

	/* And the device works after re-initialisation. */
	driver_init(0);
	post_io(3, VIRTIO_BLK_T_IN);
	virtio_mmio_kick(&t, 0);
	run_until(all_used);
	assert_int_equal(stats().requests, 3);
	device_down(true);
}

/* Destroyed with requests in flight: freed once libuv is done with them. */
static void test_async_destroy(void **state)
{
	device_up(false, NULL, true);
	post_flushes(100);
	virtio_mmio_kick(&t, 0);
	device_down(true);
}

/* The async tests once per backend: the model must not see a difference. */
static int on_threadpool(void **state)
{
	backend = "threadpool";
	return 0;
}

static int on_uring(void **state)
{
	backend = "uring";
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, up_rw, down),
		cmocka_unit_test_setup_teardown(test_read_write, up_rw, down),
		cmocka_unit_test_setup_teardown(test_any_layout, up_rw, down),
		cmocka_unit_test_setup_teardown(test_flush_get_id, up_rw, down),
		cmocka_unit_test_setup_teardown(test_discard_write_zeroes, up_rw, down),
		cmocka_unit_test_setup_teardown(test_bad_requests, up_rw, down),
		cmocka_unit_test_setup_teardown(test_status_readonly, up_rw, down),
		cmocka_unit_test_setup_teardown(test_status_empty, up_rw, down),
		cmocka_unit_test_setup_teardown(test_header_only, up_rw, down),
		cmocka_unit_test_setup_teardown(test_malformed_chain, up_rw, down),
		cmocka_unit_test_setup_teardown(test_overlapping_rings, up_rw, down),
		cmocka_unit_test_setup_teardown(test_readonly_disk, up_ro, down),
		cmocka_unit_test_setup_teardown(test_batch_one_irq, up_rw, down),
		cmocka_unit_test_setup_teardown(test_seg_limits, up_rw, down),
		cmocka_unit_test_setup_teardown(test_create_errors, up_rw, down),
		cmocka_unit_test_setup(test_async, on_threadpool),
		cmocka_unit_test_setup(test_async_reset, on_threadpool),
		cmocka_unit_test_setup(test_async_destroy, on_threadpool),
		cmocka_unit_test_setup(test_async, on_uring),
		cmocka_unit_test_setup(test_async_reset, on_uring),
		cmocka_unit_test_setup(test_async_destroy, on_uring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
