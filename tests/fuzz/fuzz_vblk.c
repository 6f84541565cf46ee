// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a hostile guest driving virtio-blk through the real
 * virtio-mmio transport and split-ring core (keeld's own sources, in
 * synchronous mode) over a fake guest RAM, with small temporary files as
 * the disks.
 *
 * The input is a program: a flags byte, then operations, each an opcode
 * byte and its operands (missing bytes read as 0). Besides raw register
 * accesses, RAM writes and descriptors, there are macros for a driver
 * bring-up and for well-formed requests so the fuzzer reaches the request
 * code quickly and then mutates from there.
 *
 * Guest RAM is two separately allocated regions, adjacent in IPA space
 * but not in our memory: ASan reports any access by the device outside
 * them, and buffers crossing from one to the other must be refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>

#include "backend/disk.h"
#include "log.h"
#include "devices/virtio_blk.h"
#include "tests/virtio_driver.h"
#include "virtio_guest.h"

#define RAM0_IPA  0x40000000ULL
#define RAM0_SIZE 0x10000ULL
#define RAM1_IPA  (RAM0_IPA + RAM0_SIZE)
#define RAM1_SIZE 0x1000ULL
#define DISK_SIZE (64 << 10)
/* Where the request macro puts its header and data (inside RAM0). */
#define SCRATCH_OFF 0xc000ULL

static struct disk disk_rw, disk_ro;
static uint8_t *ram0, *ram1;
static struct guest_mem gm;
static struct virtio_mmio t;
static uint16_t drv_avail; /* the fake driver's avail->idx */
static unsigned irqs;

static void on_irq(void *opaque)
{
	irqs++;
}

static void op_kick_all(struct input *in) { virtio_mmio_kick_all(&t); }

/* An IPA somewhere in or just around guest RAM, aligned as asked. */
static uint64_t some_ipa(struct input *in, uint64_t align)
{
	uint64_t off = take(in, 3) % (RAM0_SIZE + RAM1_SIZE + 0x1000);

	return (RAM0_IPA + off) & ~(align - 1);
}

/* The whole 3.1.1 sequence with fuzzer-chosen features and queue layout. */
static void op_driver_init(struct input *in)
{
	uint64_t drop = take(in, 8);
	uint32_t num = 1U << (take(in, 1) % 11);
	uint64_t desc = some_ipa(in, 16), avail = some_ipa(in, 2), used = some_ipa(in, 4);
	uint32_t st = vd_negotiate(&t, ~drop);

	vd_queue(&t, 0, num, desc, avail, used);
	vd_w(&t, VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
	drv_avail = 0;
}

/* Publish head on the avail ring, as the driver would. */
static void offer(uint16_t head)
{
	const struct vq *q = &t.vq[0];
	struct vring_avail *a;

	/* Only on a started queue: vq_start checked the rings' alignment. */
	if (!q->ready || !(a = fg_gpa(q->avail_gpa, 4 + 2ULL * q->num)))
		return;
	a->ring[drv_avail % q->num] = head;
	a->idx = ++drv_avail;
}

static void set_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	const struct vq *q = &t.vq[0];
	struct vring_desc *d;

	if (!q->ready || !(d = fg_gpa(q->desc_gpa + 16ULL * (i % q->num), 16)))
		return;
	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* Raw descriptors: any address, length, flags and next. */
static void op_chain(struct input *in)
{
	unsigned n = take(in, 1) % 8 + 1;
	uint16_t head = (uint16_t)take(in, 2);

	for (unsigned i = 0; i < n; i++) {
		uint64_t addr = some_ipa(in, 1);
		uint32_t len = (uint32_t)take(in, 2);
		uint16_t flags = (uint16_t)take(in, 1);
		uint16_t next = (uint16_t)take(in, 2);

		set_desc((uint16_t)(head + i), addr, len, flags, next);
	}
	offer(head);
	virtio_mmio_kick(&t, 0);
}

/* A well-formed request: header, data, status, in three descriptors. */
static void op_request(struct input *in)
{
	static const uint32_t types[] = {
	    VIRTIO_BLK_T_IN,	   VIRTIO_BLK_T_OUT,	 VIRTIO_BLK_T_FLUSH,
	    VIRTIO_BLK_T_GET_ID,   VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES,
	    VIRTIO_BLK_T_SCSI_CMD, 0x7fffffff,
	};
	uint8_t sel = (uint8_t)take(in, 1);
	uint32_t type = types[sel & 7];
	uint64_t sector = sel & 0x80 ? take(in, 8) : take(in, 1);
	uint32_t dlen = sel & 0x40 ? (uint32_t)take(in, 2) : (uint32_t)(take(in, 1) % 9) * 512;
	bool dev_writes = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	uint16_t num = t.vq[0].num ? t.vq[0].num : 1;
	uint16_t head = (uint16_t)(take(in, 2) % num);
	uint64_t hdr = RAM0_IPA + SCRATCH_OFF, data = hdr + 0x200, status = hdr + 0x3fff;
	struct virtio_blk_outhdr *h = fg_gpa(hdr, sizeof(*h));

	if (dlen > 0x3000)
		dlen = 0x3000;
	h->type = type;
	h->ioprio = 0;
	h->sector = sector;
	if (type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES) {
		struct virtio_blk_discard_write_zeroes *r = fg_gpa(data, 16);

		r->sector = take(in, 2);
		r->num_sectors = (uint32_t)take(in, 1);
		r->flags = (uint32_t)take(in, 1) & 3;
		dlen = 16;
	}
	/* Tiny queues make this chain wrap onto itself: a loop, rejected. */
	set_desc(head, hdr, sizeof(*h), VRING_DESC_F_NEXT, (uint16_t)((head + 1) % num));
	set_desc((uint16_t)((head + 1) % num), data, dlen,
		 VRING_DESC_F_NEXT | (dev_writes ? VRING_DESC_F_WRITE : 0),
		 (uint16_t)((head + 2) % num));
	set_desc((uint16_t)((head + 2) % num), status, 1, VRING_DESC_F_WRITE, 0);
	offer(head);
	virtio_mmio_kick(&t, 0);
}

/* The driver's interrupt/notification suppression fields. */
static void op_suppress(struct input *in)
{
	const struct vq *q = &t.vq[0];
	uint16_t *p;

	if (!q->ready || !(p = fg_gpa(q->avail_gpa, 6 + 2ULL * q->num)))
		return;
	p[0] = (uint16_t)take(in, 2);	       /* avail->flags */
	p[2 + q->num] = (uint16_t)take(in, 2); /* used_event */
}

static void (*const ops[])(struct input *in) = {
	fg_mmio_write, fg_mmio_read, fg_ram_write, fg_kick, op_kick_all, fg_reset,
	op_driver_init, op_chain, op_request, op_request, op_suppress,
};

static void make_disk(struct disk *d, const char *dir, bool readonly)
{
	static uint8_t buf[DISK_SIZE];
	char path[128], err[512];
	int fd;

	snprintf(path, sizeof(path), "%s/keeld-fuzz-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		perror(path);
		abort();
	}
	close(fd);
	if (disk_open(d, path, readonly, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	/* Open file descriptions keep it; nothing is left behind on exit. */
	unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct stat st;
	/* tmpfs: FLUSH is free there, and the fuzzer sends many. */
	const char *dir = !stat("/dev/shm", &st) && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";

	make_disk(&disk_rw, dir, false);
	make_disk(&disk_ro, dir, true);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	uint8_t flags = (uint8_t)take(&in, 1);
	struct vblk *b;
	char err[512];

	/* Fresh allocations every run so ASan's redzones sit right at the
	 * ends of guest RAM. */
	ram0 = calloc(1, RAM0_SIZE);
	ram1 = calloc(1, RAM1_SIZE);
	if (!ram0 || !ram1)
		abort();
	gm.n = flags & 2 ? 2 : 1;
	gm.r[0] = (struct guest_region){RAM0_IPA, RAM0_SIZE, ram0};
	/* virtio_guest.h's moves: t over ram0. */
	/* virtio_guest.h's guest: t over ram0. */
	fg = (struct fuzz_guest){ &t, &gm, ram0, RAM0_SIZE, 2 };
	gm.r[1] = (struct guest_region){RAM1_IPA, RAM1_SIZE, ram1};
	drv_avail = 0;
	if (vblk_create(&b, NULL, &t, flags & 1 ? &disk_ro : &disk_rw, NULL,
			flags & 4 ? "fuzz-serial" : NULL, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	virtio_mmio_init(&t, &vblk_ops, b, &gm, on_irq, NULL);
	while (in.n)
		ops[take(&in, 1) % (sizeof(ops) / sizeof(ops[0]))](&in);
	virtio_mmio_destroy(&t);
	vblk_destroy(b);
	free(ram0);
	free(ram1);
	return 0;
}
