// SPDX-License-Identifier: GPL-2.0
/*
 * Bad-input probe for virtio-net, loaded inside a guest whose virtio_net
 * driver has been removed (rmmod virtio_net): drives the NIC's virtio-mmio
 * (version 2) registers itself, negotiating VERSION_1 and MAC only (no
 * offloads), and sends on the TX queue, one chain per kick:
 *   - a frame under 14 bytes, a frame over the MTU (1600 bytes, no GSO),
 *     a frame from a MAC not the NIC's own (the switch drops and counts
 *     them: short, long, spoof);
 *   - a header with DATA_VALID, a TSO header without HOST_TSO4
 *     negotiated (the device refuses them: tx_bad_header);
 *   - a descriptor loop, a chain with a device-writable descriptor
 *     (tx_bad_chain);
 * each must come back used, without NEEDS_RESET. Then one valid broadcast
 * frame (ethertype 0x88b5, "netprobe" in it), which the other guests see.
 * Each case's outcome goes to the log; the verdict (counters, other
 * guests' traffic) is the test's. "netprobe: done" ends the run.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_net.h>

#include "virtio_probe.h"

#define VQ_NUM 8
#define TXQ 1
#define HDR_LEN 12 /* struct virtio_net_hdr_v1 */

static void __iomem *regs;
static u8 mac[ETH_ALEN];

/* The TX queue's rings, one header and one frame buffer, a page each. */
static struct {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct virtio_net_hdr_v1 *hdr;
	u8 *frame;
} q;
static void *pages;
static u16 avail_idx;

/* Reset, negotiate VERSION_1 and MAC, set the TX queue up (RX stays off). */
static int dev_setup(void)
{
	int i, r;

	r = vp_negotiate(regs, 1U << VIRTIO_NET_F_MAC);
	if (r)
		return r;
	for (i = 0; i < ETH_ALEN; i++)
		mac[i] = readb(regs + VIRTIO_MMIO_CONFIG + offsetof(struct virtio_net_config, mac) + i);
	r = vp_queue(regs, TXQ, VQ_NUM, vp_pa(q.desc), vp_pa(q.avail), vp_pa(q.used));
	if (r)
		return r;
	vp_driver_ok(regs);
	avail_idx = 0;
	return 0;
}

/* An Ethernet frame of len bytes from src to broadcast; "netprobe" in it. */
static void frame(const u8 *src, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		q.frame[i] = (u8)i;
	if (len >= ETH_HLEN) {
		eth_broadcast_addr(q.frame);
		memcpy(q.frame + ETH_ALEN, src, ETH_ALEN);
		q.frame[12] = 0x88;
		q.frame[13] = 0xb5;
	}
	if (len >= ETH_HLEN + 8)
		memcpy(q.frame + ETH_HLEN, "netprobe", 8);
}

static void desc(u16 i, const void *buf, u32 len, u16 flags, u16 next)
{
	q.desc[i] = (struct vring_desc){ cpu_to_le64(vp_pa(buf)), cpu_to_le32(len),
					 cpu_to_le16(flags), cpu_to_le16(next) };
}

/* The usual chain: header, then frame of len bytes. */
static void chain(unsigned int len)
{
	desc(0, q.hdr, HDR_LEN, VRING_DESC_F_NEXT, 1);
	desc(1, q.frame, len, 0, 0);
}

/* Publishes chain 0 and kicks; reports whether it came back. */
static void send(const char *name)
{
	u16 want = avail_idx + 1;
	u32 st;

	q.avail->ring[avail_idx % VQ_NUM] = 0;
	avail_idx = want;
	vp_publish_kick(regs, TXQ, q.avail, q.used, want, want);
	st = readl(regs + VIRTIO_MMIO_STATUS);
	pr_info("netprobe: %s: %s, status 0x%x%s\n", name,
		le16_to_cpu(READ_ONCE(q.used->idx)) == want ? "used" : "NOT USED", st,
		st & VIRTIO_CONFIG_S_NEEDS_RESET ? " (needs reset)" : "");
	writel(readl(regs + VIRTIO_MMIO_INTERRUPT_STATUS), regs + VIRTIO_MMIO_INTERRUPT_ACK);
}

static void run_cases(void)
{
	static const u8 other[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x66 };

	memset(q.hdr, 0, sizeof(*q.hdr));
	frame(mac, 10);
	chain(10);
	send("short frame");

	frame(mac, 1600);
	chain(1600);
	send("long frame");

	frame(other, 100);
	chain(100);
	send("spoofed source");

	frame(mac, 100);
	q.hdr->flags = VIRTIO_NET_HDR_F_DATA_VALID;
	chain(100);
	send("DATA_VALID header");

	q.hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	q.hdr->csum_start = cpu_to_le16(34);
	q.hdr->csum_offset = cpu_to_le16(16);
	q.hdr->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	q.hdr->gso_size = cpu_to_le16(1000);
	chain(100);
	send("TSO header not negotiated");

	memset(q.hdr, 0, sizeof(*q.hdr));
	chain(100);
	q.desc[1].flags = cpu_to_le16(VRING_DESC_F_NEXT);
	q.desc[1].next = 0;
	send("descriptor loop");

	chain(100);
	q.desc[1].flags = cpu_to_le16(VRING_DESC_F_WRITE);
	send("device-writable descriptor");

	chain(100);
	send("valid broadcast");
}

static int find_nic(void)
{
	phys_addr_t at;

	regs = vp_find(1 /* VIRTIO_ID_NET */, &at);
	if (!regs)
		return -ENODEV;
	pr_info("netprobe: virtio-net at %pa\n", &at);
	return 0;
}

static int __init netprobe_init(void)
{
	int r = find_nic();

	if (r) {
		pr_err("netprobe: no virtio-mmio v2 network device\n");
		return r;
	}
	pages = vp_alloc_rings(5, &q.desc, &q.avail, &q.used);
	if (!pages) {
		iounmap(regs);
		return -ENOMEM;
	}
	q.hdr = pages + 3 * PAGE_SIZE;
	q.frame = pages + 4 * PAGE_SIZE;
	r = dev_setup();
	if (r)
		pr_info("netprobe: setup failed: %d\n", r);
	else
		run_cases();
	vp_reset(regs);
	pr_info("netprobe: done\n");
	return 0;
}

static void __exit netprobe_exit(void)
{
	free_pages_exact(pages, 5 * PAGE_SIZE);
	iounmap(regs);
}

module_init(netprobe_init);
module_exit(netprobe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Keel test: bad frames and chains from a guest's NIC");
