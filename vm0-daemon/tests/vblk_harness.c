// SPDX-License-Identifier: GPL-2.0
/* The virtio-blk tests' guest: vblk_harness.h. */
#include "vblk_harness.h"

static uint8_t *ram;
static struct guest_mem gm;
struct virtio_mmio t;
struct vblk *b;
struct disk disk;
char dpath[64];
char err[512];
unsigned irqs;
uint16_t avail_idx;
static uint16_t used_seen, next_desc;
uint64_t avail_gpa = AVAIL_GPA, used_gpa = USED_GPA;
uv_loop_t loop;
const char *backend;

void *gp(uint64_t gpa)
{
	assert_true(gpa >= RAM_BASE && gpa < RAM_BASE + RAM_SIZE);
	return ram + (gpa - RAM_BASE);
}

static struct vring_avail *avail(void)
{
	return gp(avail_gpa);
}

struct vring_used *used(void)
{
	return gp(used_gpa);
}

static void on_irq(void *opaque)
{
	irqs++;
}

uint8_t pattern(uint64_t i)
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

void file_read(uint64_t off, void *buf, size_t len)
{
	int fd = open(dpath, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

/* The driver's side of 3.1.1 up to the queue's QueueReady. */
void driver_setup_q(uint64_t drop, bool want_ready)
{
	uint32_t st;

	memset(gp(DESC_GPA), 0, 0x4000);
	avail_idx = used_seen = next_desc = 0;
	st = vd_negotiate(&t, ~drop);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS), st);
	vd_w(&t, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_NUM_MAX), VBLK_QUEUE_MAX);
	vd_queue(&t, 0, QNUM, DESC_GPA, avail_gpa, used_gpa);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_QUEUE_READY), want_ready);
}

void driver_init(uint64_t drop)
{
	uint32_t st;

	driver_setup_q(drop, true);
	st = vd_r(&t, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK;
	vd_w(&t, VIRTIO_MMIO_STATUS, st);
	assert_int_equal(vd_r(&t, VIRTIO_MMIO_STATUS), st);
	irqs = 0;
}

void device_up(bool readonly, const char *serial, bool async)
{
	avail_gpa = AVAIL_GPA;
	used_gpa = USED_GPA;
	ram = vd_ram_map(&gm, RAM_BASE, RAM_SIZE);
	assert_non_null(ram);
	make_disk(readonly);
	if (async)
		assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(vblk_create(&b, async ? &loop : NULL, &t, &disk, backend, serial, err, sizeof(err)),
			 0);
	virtio_mmio_init(&t, &vblk_ops, b, &gm, on_irq, NULL);
	driver_init(0);
}

void device_down(bool async)
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

int up_rw(void **state)
{
	device_up(false, "keel-test-serial", false);
	return 0;
}

int up_ro(void **state)
{
	device_up(true, NULL, false);
	return 0;
}

int down(void **state)
{
	device_down(false);
	return 0;
}

/* Put a chain on the ring (no kick); returns its head. */
uint16_t post(const struct seg *s, unsigned n)
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

bool used_ready(void)
{
	return __atomic_load_n(&used()->idx, __ATOMIC_ACQUIRE) != used_seen;
}

struct vring_used_elem take_used(void)
{
	assert_true(used_ready());
	return used()->ring[used_seen++ % QNUM];
}

void set_hdr(uint64_t gpa, uint32_t type, uint64_t sector)
{
	struct virtio_blk_outhdr h = {htole32(type), 0, htole64(sector)};

	memcpy(gp(gpa), &h, sizeof(h));
}

/* A whole chain given explicitly; returns the status byte at status_gpa
 * and the used length in *len. */
uint8_t run_chain(const struct seg *s, unsigned n, uint64_t status_gpa, uint32_t *len)
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
uint8_t do_req(uint32_t type, uint64_t sector, const struct seg *data, unsigned ndata,
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

void check_needs_reset(bool want)
{
	assert_int_equal(!!(vd_r(&t, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET), want);
}

uint64_t cfg_read(size_t off, unsigned size)
{
	return virtio_mmio_ops.read(&t, VIRTIO_MMIO_CONFIG + off, size);
}

struct vblk_stats stats(void)
{
	struct vblk_stats s;

	vblk_get_stats(b, &s);
	return s;
}

void put_range(unsigned i, uint64_t sector, uint32_t num, uint32_t flags)
{
	struct virtio_blk_discard_write_zeroes r = {htole64(sector), htole32(num), htole32(flags)};

	memcpy((uint8_t *)gp(DWZ_GPA) + i * sizeof(r), &r, sizeof(r));
}

void check_zero(uint64_t sector, unsigned n, bool zero)
{
	uint8_t buf[4096];

	assert_true(n * 512 <= sizeof(buf));
	file_read(sector * 512, buf, n * 512);
	for (unsigned i = 0; i < n * 512; i++)
		assert_int_equal(buf[i], zero ? 0 : pattern(sector * 512 + i));
}

