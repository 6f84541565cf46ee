/* SPDX-License-Identifier: GPL-2.0 */
/* The split-virtqueue tests (test_virtqueue*.c): a guest RAM of two
 * regions R0 and R1, adjacent in IPA space but not in keeld's memory, the
 * queue q of NUM entries on rings in R0, and the driver's side of them.
 * setup starts a fresh queue for each test. */
#ifndef KEELD_TEST_VIRTQUEUE_HARNESS_H
#define KEELD_TEST_VIRTQUEUE_HARNESS_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtio/virtqueue.h"

#define R0  0x40000000ULL
#define R1  0x40010000ULL
#define RSZ 0x10000ULL

#define DESC  (R0 + 0x0000)
#define AVAIL (R0 + 0x1000)
#define USED  (R0 + 0x2000)
#define DATA  (R0 + 0x4000)
#define TABLE (R0 + 0x8000)

#define NUM 8

extern struct guest_mem gm;
extern uint8_t *ram0, *ram1; /* keeld's mappings of R0 and R1 */
extern struct vq q;
extern struct vq_chain c;
extern uint16_t drv_avail; /* the fake driver's avail->idx */

uint8_t *gp(uint64_t ipa);
struct vring_desc *desc_at(uint64_t table, unsigned i);
void set_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
	      uint16_t next);
struct vring_avail *avail(void);
struct vring_used *used(void);
uint16_t *used_event(void);
uint16_t *avail_event(void);
/* Publish head on the avail ring. */
void offer(uint16_t head);
int setup(void **state);
int teardown(void **state);

#endif
