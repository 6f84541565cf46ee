/* SPDX-License-Identifier: GPL-2.0 */
/* The virtio-blk tests' guest (test_vblk*.c): a fake guest RAM, the real
 * virtio-mmio transport and split ring driven as a guest driver would, and
 * a temporary file as the disk. One device at a time (t, b, disk). */
#ifndef KEELD_TEST_VBLK_HARNESS_H
#define KEELD_TEST_VBLK_HARNESS_H

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include "virtio_driver.h"

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

extern struct virtio_mmio t;
extern struct vblk *b;
extern struct disk disk;
extern char dpath[64];        /* the disk's file */
extern char err[512];
extern unsigned irqs;
extern uint16_t avail_idx;    /* the driver's avail->idx */
/* Where the next driver_setup_q puts the rings (tests move them). */
extern uint64_t avail_gpa, used_gpa;
extern uv_loop_t loop;
extern const char *backend;   /* the async tests' disk backend; NULL: auto */

void *gp(uint64_t gpa);
struct vring_used *used(void);
/* The disk file's byte i as made. */
uint8_t pattern(uint64_t i);
void file_read(uint64_t off, void *buf, size_t len);
/* The driver's side of 3.1.1 up to the queue's QueueReady (want_ready:
 * what it reads back), accepting every offered feature except drop. */
void driver_setup_q(uint64_t drop, bool want_ready);
void driver_init(uint64_t drop);
void device_up(bool readonly, const char *serial, bool async);
void device_down(bool async);
/* cmocka setups and teardown: read-write with a serial, read-only without. */
int up_rw(void **state);
int up_ro(void **state);
int down(void **state);
/* Put a chain on the ring (no kick); returns its head. */
uint16_t post(const struct seg *s, unsigned n);
bool used_ready(void);
struct vring_used_elem take_used(void);
void set_hdr(uint64_t gpa, uint32_t type, uint64_t sector);
/* A whole chain given explicitly, kicked and used; returns the status byte
 * at status_gpa and the used length in *len. */
uint8_t run_chain(const struct seg *s, unsigned n, uint64_t status_gpa, uint32_t *len);
/* The usual framing: header, data segments, one status byte. */
uint8_t do_req(uint32_t type, uint64_t sector, const struct seg *data, unsigned ndata,
	       uint32_t *len);
void check_needs_reset(bool want);
uint64_t cfg_read(size_t off, unsigned size);
struct vblk_stats stats(void);
/* Discard / write-zeroes range i at DWZ_GPA. */
void put_range(unsigned i, uint64_t sector, uint32_t num, uint32_t flags);
/* Sectors [sector, sector + n) of the file are zero, or still the pattern. */
void check_zero(uint64_t sector, unsigned n, bool zero);

#endif
