// SPDX-License-Identifier: GPL-2.0
/* The split-virtqueue tests' guest RAM and driver: virtqueue_harness.h. */
#include "virtqueue_harness.h"

struct guest_mem gm;
uint8_t *ram0, *ram1;
struct vq q;
struct vq_chain c;
uint16_t drv_avail;

uint8_t *gp(uint64_t ipa)
{
	return ipa >= R1 ? ram1 + (ipa - R1) : ram0 + (ipa - R0);
}

struct vring_desc *desc_at(uint64_t table, unsigned i)
{
	return (struct vring_desc *)gp(table) + i;
}

void set_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
	      uint16_t next)
{
	struct vring_desc *d = desc_at(table, i);

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

struct vring_avail *avail(void)
{
	return (struct vring_avail *)gp(AVAIL);
}

struct vring_used *used(void)
{
	return (struct vring_used *)gp(USED);
}

uint16_t *used_event(void)
{
	return &avail()->ring[NUM];
}

uint16_t *avail_event(void)
{
	return (uint16_t *)&used()->ring[NUM];
}

void offer(uint16_t head)
{
	avail()->ring[drv_avail % NUM] = head;
	avail()->idx = ++drv_avail;
}

int setup(void **state)
{
	ram0 = aligned_alloc(4096, RSZ);
	ram1 = aligned_alloc(4096, RSZ);
	memset(ram0, 0, RSZ);
	memset(ram1, 0, RSZ);
	memset(&gm, 0, sizeof(gm));
	gm.n = 2;
	gm.r[0] = (struct guest_region){.ipa = R0, .size = RSZ, .host = ram0};
	gm.r[1] = (struct guest_region){.ipa = R1, .size = RSZ, .host = ram1};
	vq_reset(&q);
	q.num = NUM;
	q.desc_gpa = DESC;
	q.avail_gpa = AVAIL;
	q.used_gpa = USED;
	drv_avail = 0;
	memset(&c, 0, sizeof(c));
	return vq_start(&q, &gm);
}

int teardown(void **state)
{
	free(ram0);
	free(ram1);
	return 0;
}

