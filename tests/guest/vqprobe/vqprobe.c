// SPDX-License-Identifier: GPL-2.0
/*
 * Bad-input probe, loaded inside a guest whose virtio-blk driver has been
 * removed (rmmod virtio_blk): drives the disk's virtio-mmio (version 2)
 * registers itself and kicks queue 0 with
 *   - rings outside the guest's RAM, straddling its end, at a huge address;
 *   - a descriptor loop, a head index past the ring, an avail index far
 *     ahead of what was published;
 *   - request buffers outside RAM, straddling its end, and on a device
 *     (the disk's own register window: an MMIO IPA, not RAM);
 * resetting the device between cases. Then, after a reset, one valid read
 * of sector 0, which must complete: the device serves a guest that behaves
 * again. Each case's outcome (device status, used index) goes to the log;
 * the verdict on the host's side (keeld alive, other guests served) is the
 * test's. "vqprobe: done" ends the run.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_blk.h>

#include "virtio_probe.h"

#define VQ_NUM 8
#define OUTSIDE_RAM 0x10000000ULL       /* below every Keel guest's RAM */
#define HUGE_ADDR 0xfffffffff000ULL     /* beyond any 48-bit IPA space */

static void __iomem *regs;
static u64 regs_pa;	/* the disk's register window: guest IPA space, not RAM */
static u64 ram_end;

/* Rings and one request, each in its own page of guest RAM. */
static struct {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct virtio_blk_outhdr *hdr;
	u8 *data;
	u8 *status;
} q;
static void *pages;

/* Reset, negotiate VERSION_1 only, set queue 0 up at the given addresses. */
static int dev_setup(u64 desc, u64 avail, u64 used, u32 num)
{
	int r = vp_negotiate(regs, 0);

	if (!r)
		r = vp_queue(regs, 0, num, desc, avail, used);
	if (!r)
		vp_driver_ok(regs);
	return r;
}

static void rings_clear(void)
{
	memset(pages, 0, 6 * PAGE_SIZE);
}

/* A read of sector 0: header, 4 KiB data at data_pa, status byte. */
static void req_read(u16 head, u64 data_pa, u32 data_len)
{
	q.hdr->type = cpu_to_le32(VIRTIO_BLK_T_IN);
	q.hdr->sector = 0;
	*q.status = 0xff;
	q.desc[head] = (struct vring_desc){ cpu_to_le64(vp_pa(q.hdr)), cpu_to_le32(sizeof(*q.hdr)),
					    cpu_to_le16(VRING_DESC_F_NEXT), cpu_to_le16(head + 1) };
	q.desc[head + 1] = (struct vring_desc){ cpu_to_le64(data_pa), cpu_to_le32(data_len),
						cpu_to_le16(VRING_DESC_F_NEXT | VRING_DESC_F_WRITE),
						cpu_to_le16(head + 2) };
	q.desc[head + 2] = (struct vring_desc){ cpu_to_le64(vp_pa(q.status)), cpu_to_le32(1),
						cpu_to_le16(VRING_DESC_F_WRITE), 0 };
}

/* Publishes avail entries [0, idx) and kicks; waits up to 1 s for the first
 * used entry. Returns used->idx. */
static u16 publish_kick(u16 idx)
{
	return vp_publish_kick(regs, 0, q.avail, q.used, idx, 1);
}

static void report(const char *name, int setup)
{
	u32 st = readl(regs + VIRTIO_MMIO_STATUS);
	u32 isr = readl(regs + VIRTIO_MMIO_INTERRUPT_STATUS);

	/* The request's status byte: 0xff if the device never wrote it. */
	pr_info("vqprobe: %s: setup %d, status 0x%x%s, isr 0x%x, used idx %u, req status 0x%x\n",
		name, setup, st, st & VIRTIO_CONFIG_S_NEEDS_RESET ? " (needs reset)" : "", isr,
		le16_to_cpu(READ_ONCE(q.used->idx)), READ_ONCE(*q.status));
	writel(isr, regs + VIRTIO_MMIO_INTERRUPT_ACK);
}

/* Rings at addresses the guest does not own: any access there is the bug. */
static void bad_rings(const char *name, u64 base)
{
	int r = dev_setup(base, base + 0x1000, base + 0x2000, VQ_NUM);

	if (!r)
		writel(0, regs + VIRTIO_MMIO_QUEUE_NOTIFY);
	msleep(200);
	report(name, r);
}

static void case_chain(const char *name, void (*fill)(void), u16 avail_idx)
{
	int r;

	rings_clear();
	r = dev_setup(vp_pa(q.desc), vp_pa(q.avail), vp_pa(q.used), VQ_NUM);
	if (!r) {
		fill();
		publish_kick(avail_idx);
	}
	report(name, r);
}

static void fill_loop(void)
{
	q.hdr->type = cpu_to_le32(VIRTIO_BLK_T_IN);
	q.desc[0] = (struct vring_desc){ cpu_to_le64(vp_pa(q.hdr)), cpu_to_le32(sizeof(*q.hdr)),
					 cpu_to_le16(VRING_DESC_F_NEXT), cpu_to_le16(1) };
	q.desc[1] = (struct vring_desc){ cpu_to_le64(vp_pa(q.data)), cpu_to_le32(512),
					 cpu_to_le16(VRING_DESC_F_NEXT | VRING_DESC_F_WRITE),
					 cpu_to_le16(0) };
	q.avail->ring[0] = 0;
}

static void fill_head_past_ring(void)
{
	req_read(0, vp_pa(q.data), 4096);
	q.avail->ring[0] = cpu_to_le16(VQ_NUM + 100);
}

static void fill_next_past_ring(void)
{
	req_read(0, vp_pa(q.data), 4096);
	q.desc[1].next = cpu_to_le16(0xfff0);
	q.avail->ring[0] = 0;
}

static void fill_buf_outside(void)
{
	req_read(0, OUTSIDE_RAM, 4096);
	q.avail->ring[0] = 0;
}

static void fill_buf_on_device(void)
{
	req_read(0, regs_pa, 4096);
	q.avail->ring[0] = 0;
}

static void fill_buf_straddling(void)
{
	req_read(0, ram_end - 512, 4096);
	q.avail->ring[0] = 0;
}

static void fill_huge_len(void)
{
	req_read(0, vp_pa(q.data), 0xfffff000);
	q.avail->ring[0] = 0;
}

static void fill_garbage_ring(void)
{
	int i;

	for (i = 0; i < VQ_NUM; i++)
		q.avail->ring[i] = cpu_to_le16(0xffff - i);
}

static void fill_valid(void)
{
	req_read(0, vp_pa(q.data), 4096);
	q.avail->ring[0] = 0;
}

static int find_disk(void)
{
	ram_end = vp_ram_end();
	regs = vp_find(2 /* VIRTIO_ID_BLOCK */, &regs_pa);
	if (!ram_end || !regs)
		return -ENODEV;
	pr_info("vqprobe: virtio-blk at %pa, RAM ends at 0x%llx\n", &regs_pa, ram_end);
	return 0;
}

static int __init vqprobe_init(void)
{
	u16 used;
	int r;

	r = find_disk();
	if (r) {
		pr_err("vqprobe: no virtio-mmio v2 block device\n");
		return r;
	}
	pages = vp_alloc_rings(6, &q.desc, &q.avail, &q.used);
	if (!pages) {
		iounmap(regs);
		return -ENOMEM;
	}
	q.hdr = pages + 3 * PAGE_SIZE;
	q.status = pages + 3 * PAGE_SIZE + 512;
	q.data = pages + 4 * PAGE_SIZE;

	bad_rings("rings outside RAM", OUTSIDE_RAM);
	bad_rings("rings straddling the end of RAM", ram_end - 64);
	bad_rings("rings at a huge address", HUGE_ADDR);
	case_chain("descriptor loop", fill_loop, 1);
	case_chain("head past the ring", fill_head_past_ring, 1);
	case_chain("next past the ring", fill_next_past_ring, 1);
	case_chain("buffer outside RAM", fill_buf_outside, 1);
	case_chain("buffer on a device", fill_buf_on_device, 1);
	case_chain("buffer straddling the end of RAM", fill_buf_straddling, 1);
	case_chain("4 GiB buffer", fill_huge_len, 1);
	case_chain("avail index far ahead", fill_garbage_ring, 0xfff0);

	/* The same device, reset, with a request that is right. */
	rings_clear();
	r = dev_setup(vp_pa(q.desc), vp_pa(q.avail), vp_pa(q.used), VQ_NUM);
	used = 0;
	if (!r) {
		fill_valid();
		used = publish_kick(1);
	}
	report("valid read after reset", r);
	if (!r && used == 1 && *q.status == VIRTIO_BLK_S_OK)
		pr_info("vqprobe: valid read after reset: ok\n");
	else
		pr_info("vqprobe: valid read after reset: FAILED (setup %d, used %u, status %u)\n",
			r, used, *q.status);

	vp_reset(regs);
	pr_info("vqprobe: done\n");
	return 0;
}

static void __exit vqprobe_exit(void)
{
	free_pages_exact(pages, 6 * PAGE_SIZE);
	iounmap(regs);
}

module_init(vqprobe_init);
module_exit(vqprobe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Keel test: hostile virtqueues from a guest");
