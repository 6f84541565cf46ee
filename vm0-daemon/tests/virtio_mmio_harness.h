/* SPDX-License-Identifier: GPL-2.0 */
/* The virtio-mmio transport tests (test_virtio_mmio*.c): a fake device
 * model that counts what the transport asks of it, one guest RAM region,
 * and the driver's moves as Linux's virtio_mmio.c makes them. setup and
 * teardown make a fresh transport for each test. */
#ifndef KEELD_TEST_VIRTIO_MMIO_HARNESS_H
#define KEELD_TEST_VIRTIO_MMIO_HARNESS_H

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
#include "virtio_driver.h"

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

extern struct fake_dev fd;
extern struct virtio_mmio t;
extern uint8_t *ram;

/* Queue q's rings: desc, avail, used 4 KiB apart per queue. */
uint64_t q_desc(unsigned q);
uint64_t q_avail(unsigned q);
uint64_t q_used(unsigned q);
int setup(void **state);
int teardown(void **state);
void set_status(uint32_t bits);
/* Queue q at its rings with num entries, ready (checked). */
void setup_queue(unsigned q, uint32_t num);
/* Linux's probe: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK and
 * its read-back, the queues, DRIVER_OK. */
void linux_init(uint64_t want, unsigned nr_queues);
/* ACKNOWLEDGE, DRIVER, VERSION_1, FEATURES_OK: ready for queue set-up. */
void to_features_ok(void);
/* The last QueueReady was refused: NEEDS_RESET and one config interrupt. */
void expect_needs_reset(void);
uint64_t cfg_rd(uint64_t off, unsigned size);
void cfg_wr(uint64_t off, unsigned size, uint64_t v);
/* Put one single-descriptor chain on queue q as the driver would. */
void driver_offer(unsigned q, uint16_t head);
/* The device's side: pop one chain from queue q and use it. */
void complete_one(unsigned q);

#endif
