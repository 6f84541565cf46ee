/* SPDX-License-Identifier: GPL-2.0 */
/* The virtio-gpu tests' guest (test_vgpu*.c): a fake guest RAM, the real
 * virtio-mmio transport and split rings, and a driver that queues commands
 * as Linux's virtio-gpu driver does. up/down make a fresh device each. */
#ifndef KEELD_TEST_VGPU_HARNESS_H
#define KEELD_TEST_VGPU_HARNESS_H

#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_gpu.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>

#include "devices/virtio_gpu.h"
#include "virtio_driver.h"

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE (8ULL << 20)
#define QNUM	 16
#define NQ	 2
#define RING_GPA(q) (RAM_BASE + (uint64_t)(q) * 0x10000)
#define REQ_GPA	 (RAM_BASE + 0x40000)   /* request, extra, response pages */
#define FB_GPA	 (RAM_BASE + 0x100000)  /* backing pages from here */
#define MEM_MAX	 (1ULL << 20)
#define W 64
#define H 48

enum { CTRLQ, CURSORQ };

extern uint8_t *ram;
extern struct guest_mem gm;
extern struct virtio_mmio t;
extern struct vgpu *g;
extern struct vgpu_rect updated;   /* the last update the display heard */
extern unsigned updates;
extern struct virtio_live live;    /* the queues' page that outlives keeld */
extern unsigned changes;           /* the transport's changed hook ran */

void *gp(uint64_t gpa);
void on_irq(void *opaque);
void on_changed(void *opaque);
void on_update(void *opaque, const struct vgpu_rect *r);
void driver_init(void);
/* A chain on queue q: the request, optionally extra readable bytes, and a
 * response buffer of resp_len (0: none), as Linux queues them. Returns
 * the used length; the response is copied to resp. */
uint32_t submit(unsigned q, const void *req, size_t len, const void *extra, size_t xlen,
		void *resp, size_t resp_len);
/* A control command answered with a bare header: its type. */
uint32_t ctrl(const void *req, size_t len, const void *extra, size_t xlen);
struct virtio_gpu_ctrl_hdr hdr(uint32_t type);
uint32_t create(uint32_t id, uint32_t fmt, uint32_t w, uint32_t h);
uint32_t attach(uint32_t id, const struct virtio_gpu_mem_entry *e, uint32_t n);
uint32_t rect_cmd(uint32_t type, uint32_t id, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
		  uint64_t off_or_scanout);
uint32_t unref(uint32_t id);
struct vgpu_stats stats(void);
int up(void **state);
int down(void **state);
/* The W x H image's byte i of pixel (x, y), as the guest draws it. */
uint8_t pattern(unsigned x, unsigned y, unsigned i);
/* The backing: the W x H image's 12 KiB in three pages of 4 KiB, given in
 * the list in the order 2, 0, 1 of where they sit in RAM. */
void backing(struct virtio_gpu_mem_entry e[3]);
/* img is the pattern inside [x0, x1) x [y0, y1) and black elsewhere. */
void check_image(const struct vgpu_image *img, unsigned x0, unsigned y0, unsigned x1,
		 unsigned y1);

#endif
