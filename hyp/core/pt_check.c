// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Checking a passthrough descriptor against the machine: pure, so the host
 * unit tests build it as it is. Everything VM0 sends is judged here once;
 * passthrough.c then only decides who owns what.
 */
#include <hyp/errno.h>
#include <hyp/passthrough.h>
#include <string.h>

static bool overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static bool overlaps_any(u64 base, u64 size, const struct mem_range *r, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (overlap(base, size, r[i].base, r[i].size))
			return true;
	return false;
}

/* Every page of [base, base + size) lies in some device range. */
static bool all_device(u64 base, u64 size, const struct pt_platform *p)
{
	for (u64 a = base; a < base + size; a += PAGE_SIZE)
		if (!overlaps_any(a, PAGE_SIZE, p->dev, p->nr_dev))
			return false;
	return true;
}

static int region_check(const struct keel_pt_desc *d, u32 i, const struct pt_platform *p)
{
	u64 base = d->region[i].base, size = d->region[i].size;

	if (!size || !IS_ALIGNED(base | size, PAGE_SIZE) || base + size < base ||
	    base + size > p->ipa_limit)
		return -EINVAL;
	if (overlaps_any(base, size, p->ram, p->nr_ram) ||
	    overlaps_any(base, size, p->keep, p->nr_keep) || !all_device(base, size, p))
		return -EINVAL;
	for (u32 j = 0; j < i; j++)
		if (overlap(base, size, d->region[j].base, d->region[j].size))
			return -EINVAL;
	return 0;
}

static int irq_check(const struct keel_pt_desc *d, u32 i, const struct pt_platform *p)
{
	u32 intid = d->irq[i];

	if (intid < 32 || intid >= p->nr_irqs)
		return -EINVAL;
	for (u32 j = 0; j < p->nr_keep_irqs; j++)
		if (intid == p->keep_irqs[j])
			return -EINVAL;
	for (u32 j = 0; j < i; j++)
		if (intid == d->irq[j])
			return -EINVAL;
	return 0;
}

int pt_desc_check(const struct keel_pt_desc *d, const struct pt_platform *p, bool identity)
{
	int ret;

	if (d->magic != KEEL_PT_DESC_MAGIC || d->revision != KEEL_PT_DESC_REVISION ||
	    (d->flags & ~KEEL_PT_F_DMA) || !d->nr_regions || d->nr_regions > KEEL_PT_MAX_REGIONS ||
	    d->nr_irqs > KEEL_PT_MAX_IRQS || !memchr(d->name, '\0', sizeof(d->name)))
		return -EINVAL;
	/* No IOMMU: the device's DMA addresses are physical, so only a guest
	 * whose IPAs are PAs can hand it its own buffers. */
	if ((d->flags & KEEL_PT_F_DMA) && !identity)
		return -EPERM;
	for (u32 i = 0; i < d->nr_regions; i++)
		if ((ret = region_check(d, i, p)))
			return ret;
	for (u32 i = 0; i < d->nr_irqs; i++)
		if ((ret = irq_check(d, i, p)))
			return ret;
	return 0;
}

bool pt_desc_conflict(const struct keel_pt_desc *a, const struct keel_pt_desc *b)
{
	for (u32 i = 0; i < a->nr_regions && i < KEEL_PT_MAX_REGIONS; i++)
		for (u32 j = 0; j < b->nr_regions && j < KEEL_PT_MAX_REGIONS; j++)
			if (overlap(a->region[i].base, a->region[i].size, b->region[j].base,
				    b->region[j].size))
				return true;
	for (u32 i = 0; i < a->nr_irqs && i < KEEL_PT_MAX_IRQS; i++)
		for (u32 j = 0; j < b->nr_irqs && j < KEEL_PT_MAX_IRQS; j++)
			if (a->irq[i] == b->irq[j])
				return true;
	return false;
}
