/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-net tests' harness (vnet_harness.c): the switch's side of
 * vswitch.h as a recording double (the device under test is its only
 * port; what it sends is kept in in_hdr/in_frame), and the driver's side:
 * fake guest RAM, both queues set up as Linux's virtio_net does, chains
 * posted and used entries taken. One device at a time (n, t, port).
 */
#ifndef KEELD_TEST_VNET_HARNESS_H
#define KEELD_TEST_VNET_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio_net.h"
#include "virtio_driver.h"

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE (8ULL << 20)
#define QNUM	 256
#define BUF_GPA	 (RAM_BASE + 0x100000) /* driver buffers from here */
#define MTU	 1500


extern const uint8_t MAC[6];  /* the device's */
extern const uint8_t PEER[6]; /* another port's */

struct vswitch {
	int refs;
};

struct vswitch_port {
	const struct vswitch_port_ops *ops;
	void *opaque;
	uint8_t mac[6];
	struct vswitch_port_stats st;
};

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool w;
};

struct drvq {
	uint64_t desc, avail, used;
	uint16_t avail_idx, used_seen, next_desc;
};

extern struct vswitch sw;
extern struct vswitch_port *port;
extern unsigned inputs;            /* frames the device sent */
extern struct virtio_net_hdr_v1 in_hdr;
extern uint8_t in_frame[VNET_FRAME_MAX];
extern size_t in_len;
extern struct virtio_mmio t;
extern struct vnet *n;
extern unsigned irqs;
extern struct drvq dq[2];
extern uv_loop_t loop;

void *gp(uint64_t gpa);
uint64_t alloc_buf(uint32_t len);
/* 3.1.1 up to DRIVER_OK, accepting every offered feature but drop. */
void driver_init(uint64_t drop);
/* cmocka setups and teardowns: synchronous, or on a libuv loop. */
int up(void **state);
int down(void **state);
int up_async(void **state);
int down_async(void **state);
/* Put a chain on queue q (no kick); returns its head. */
uint16_t post(unsigned q, const struct seg *s, unsigned cnt);
unsigned used_pending(unsigned q);
struct vring_used_elem take_used(unsigned q);
bool needs_reset(void);
struct vnet_stats stats(void);
void make_frame(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src);
uint16_t guest_send(const struct virtio_net_hdr_v1 *h, const uint8_t *f, size_t len, bool split);
uint64_t guest_rx_buf(uint32_t len);
int deliver(const struct virtio_net_hdr_v1 *h, const uint8_t *f, size_t len);

#endif
