/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest probes' virtio-mmio (version 2) driver moves (netprobe, vqprobe,
 * gpuprobe): each drives its device's registers itself, without Linux's
 * virtio core, to send what Linux never would. kbuild.sh copies this next
 * to each module's sources (the probes' meson.build pass it as an extra
 * source). Static inline: each module is one object.
 */
#ifndef KEEL_GUEST_VIRTIO_PROBE_H
#define KEEL_GUEST_VIRTIO_PROBE_H

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

static inline u64 vp_pa(const void *p)
{
	return virt_to_phys(p);
}

static inline void vp_wr64(void __iomem *regs, unsigned int lo, u64 v)
{
	writel(lower_32_bits(v), regs + lo);
	writel(upper_32_bits(v), regs + lo + 4);
}

/* Reset and acknowledge what interrupt was pending; -EIO if the device
 * never read back 0. */
static inline int vp_reset(void __iomem *regs)
{
	int i;

	writel(0, regs + VIRTIO_MMIO_STATUS);
	/* A reset is done when the device reads back 0 (virtio 1.2, 4.2.2.1). */
	for (i = 0; i < 100 && readl(regs + VIRTIO_MMIO_STATUS); i++)
		msleep(10);
	writel(readl(regs + VIRTIO_MMIO_INTERRUPT_STATUS), regs + VIRTIO_MMIO_INTERRUPT_ACK);
	return readl(regs + VIRTIO_MMIO_STATUS) ? -EIO : 0;
}

/* Reset, then ACKNOWLEDGE, DRIVER, VERSION_1 and the given low feature
 * bits, FEATURES_OK. Returns 0, or -EIO / -EINVAL when the device did not
 * reset or refused the features. */
static inline int vp_negotiate(void __iomem *regs, u32 features_lo)
{
	u32 st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	if (vp_reset(regs))
		return -EIO;
	writel(st, regs + VIRTIO_MMIO_STATUS);
	writel(1, regs + VIRTIO_MMIO_DRIVER_FEATURES_SEL);
	writel(1, regs + VIRTIO_MMIO_DRIVER_FEATURES);  /* bit 32: VIRTIO_F_VERSION_1 */
	writel(0, regs + VIRTIO_MMIO_DRIVER_FEATURES_SEL);
	writel(features_lo, regs + VIRTIO_MMIO_DRIVER_FEATURES);
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	writel(st, regs + VIRTIO_MMIO_STATUS);
	if (!(readl(regs + VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK))
		return -EINVAL;
	return 0;
}

/* Queue q of num entries at the given ring addresses, made ready: -ENOSPC
 * if the device's queues are smaller. */
static inline int vp_queue(void __iomem *regs, u32 q, u32 num, u64 desc, u64 avail, u64 used)
{
	writel(q, regs + VIRTIO_MMIO_QUEUE_SEL);
	if (readl(regs + VIRTIO_MMIO_QUEUE_NUM_MAX) < num)
		return -ENOSPC;
	writel(num, regs + VIRTIO_MMIO_QUEUE_NUM);
	vp_wr64(regs, VIRTIO_MMIO_QUEUE_DESC_LOW, desc);
	vp_wr64(regs, VIRTIO_MMIO_QUEUE_AVAIL_LOW, avail);
	vp_wr64(regs, VIRTIO_MMIO_QUEUE_USED_LOW, used);
	writel(1, regs + VIRTIO_MMIO_QUEUE_READY);
	return 0;
}

/* The last step after vp_negotiate and the queues: the device may use
 * them from here. */
static inline void vp_driver_ok(void __iomem *regs)
{
	writel(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK |
		       VIRTIO_CONFIG_S_DRIVER_OK,
	       regs + VIRTIO_MMIO_STATUS);
}

/* Publish avail->idx = idx and kick queue q; waits up to 1 s for used->idx
 * to reach want. Returns used->idx as it then is. */
static inline u16 vp_publish_kick(void __iomem *regs, u32 q, struct vring_avail *avail,
				  struct vring_used *used, u16 idx, u16 want)
{
	int i;

	/* Ring contents before the index that publishes them (virtio 2.7.13). */
	virt_wmb();
	WRITE_ONCE(avail->idx, cpu_to_le16(idx));
	/* The index before the doorbell write. */
	wmb();
	writel(q, regs + VIRTIO_MMIO_QUEUE_NOTIFY);
	for (i = 0; i < 100 && le16_to_cpu(READ_ONCE(used->idx)) != want; i++)
		msleep(10);
	/* The used index before the entries and buffers it publishes. */
	virt_rmb();
	return le16_to_cpu(READ_ONCE(used->idx));
}

/* The first virtio-mmio version 2 device of the given ID in the device
 * tree, mapped; its register window's address in *regs_pa. NULL if none. */
static inline void __iomem *vp_find(u32 device_id, u64 *regs_pa)
{
	struct device_node *np;
	struct resource res;
	void __iomem *regs;

	for_each_compatible_node(np, NULL, "virtio,mmio") {
		if (of_address_to_resource(np, 0, &res))
			continue;
		regs = ioremap(res.start, resource_size(&res));
		if (!regs)
			continue;
		if (readl(regs + VIRTIO_MMIO_MAGIC_VALUE) == 0x74726976 &&
		    readl(regs + VIRTIO_MMIO_VERSION) == 2 &&
		    readl(regs + VIRTIO_MMIO_DEVICE_ID) == device_id) {
			*regs_pa = res.start;
			of_node_put(np);
			return regs;
		}
		iounmap(regs);
	}
	return NULL;
}

/* n zeroed pages of guest RAM with the split ring's descriptor table,
 * available and used rings in the first three; NULL when out of memory. */
static inline void *vp_alloc_rings(unsigned int n, struct vring_desc **desc,
				   struct vring_avail **avail, struct vring_used **used)
{
	void *pages = alloc_pages_exact(n * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO);

	if (pages) {
		*desc = pages;
		*avail = pages + PAGE_SIZE;
		*used = pages + 2 * PAGE_SIZE;
	}
	return pages;
}

/* Where the guest's (first) RAM ends, from the device tree; 0 if unknown. */
static inline u64 vp_ram_end(void)
{
	struct device_node *np = of_find_node_by_type(NULL, "memory");
	struct resource res;
	u64 end = 0;

	if (np && !of_address_to_resource(np, 0, &res))
		end = res.end + 1;
	of_node_put(np);
	return end;
}

#endif
