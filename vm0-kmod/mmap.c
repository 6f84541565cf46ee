// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM for keeld: VM_MAP asks the hypervisor to map one region of a
 * VM into VM0 (at IPA = PA: pool memory Linux does not own) and remembers
 * it; mmap() on /dev/keel at the returned offset maps it to userspace.
 *
 * The offset encodes (vm, region): ((vm * KEEL_VM_MAX_MEM + region) <<
 * KEEL_MMAP_SHIFT), plus an optional page-aligned offset into the region,
 * so a region may be up to 2^KEEL_MMAP_SHIFT bytes.
 *
 * Live mappings are counted per region so VM_DESTROY can refuse while the
 * memory, about to go to another guest, is still reachable from here.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>

#include "keel.h"


void keel_maps_init(struct keel_dev *kd)
{
	mutex_init(&kd->map_lock);
}

/* Caller holds map_lock. */
bool keel_maps_busy(struct keel_dev *kd, u32 id)
{
	unsigned int r;

	lockdep_assert_held(&kd->map_lock);
	for (r = 0; r < KEEL_VM_MAX_MEM; r++)
		if (atomic_read(&kd->regions[id][r].mapcount))
			return true;
	return false;
}

/* Caller holds map_lock; no mapping of the VM is live. */
void keel_maps_forget(struct keel_dev *kd, u32 id)
{
	unsigned int r;

	lockdep_assert_held(&kd->map_lock);
	for (r = 0; r < KEEL_VM_MAX_MEM; r++) {
		struct keel_region *reg = &kd->regions[id][r];

		if (atomic_read(&reg->mapcount))
			continue;
		reg->valid = false;
		reg->pa = reg->size = reg->ipa = 0;
	}
}

/*
 * in: id, region; out: ipa, size, mmap_offset. Repeating it is harmless;
 * -EBUSY if the hypervisor now reports a different region for a slot that
 * is still mapped.
 */
long keel_ioc_vm_map(struct keel_dev *kd, void __user *uarg)
{
	struct keel_ioc_map m;
	struct keel_region *reg;
	u64 pa, size, ipa;
	long ret;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (!keel_guest_id_ok(m.id) || m.region >= KEEL_VM_MAX_MEM)
		return -EINVAL;
	m.id = array_index_nospec(m.id, KEEL_MAX_VMS);
	m.region = array_index_nospec(m.region, KEEL_VM_MAX_MEM);

	/*
	 * map_lock across the hypercall: otherwise a VM_DESTROY could run
	 * between it and the bookkeeping below, and we would record (and
	 * mmap() would hand out) a region whose memory is back in the pool.
	 */
	reg = &kd->regions[m.id][m.region];
	mutex_lock(&kd->map_lock);
	ret = keel_hc_vm_map(m.id, m.region, &pa, &size, &ipa);
	if (ret)
		goto unlock;
	if (!size || !PAGE_ALIGNED(pa) || !PAGE_ALIGNED(size) ||
	    size > BIT_ULL(KEEL_MMAP_SHIFT) || pa + size < pa) {
		pr_warn("VM %u region %u: bad map pa %#llx size %#llx\n", m.id, m.region,
			pa, size);
		ret = -EPROTO;
		goto unlock;
	}
	if (atomic_read(&reg->mapcount) && (reg->pa != pa || reg->size != size)) {
		ret = -EBUSY;
	} else {
		reg->pa = pa;
		reg->size = size;
		reg->ipa = ipa;
		reg->valid = true;
	}
unlock:
	mutex_unlock(&kd->map_lock);
	if (ret)
		return ret;

	m.ipa = ipa;
	m.size = size;
	m.mmap_offset = (u64)(m.id * KEEL_VM_MAX_MEM + m.region) << KEEL_MMAP_SHIFT;
	return copy_to_user(uarg, &m, sizeof(m)) ? -EFAULT : 0;
}

/* A VMA was copied (fork) or split: one more mapping of the region. */
static void keel_vma_open(struct vm_area_struct *vma)
{
	struct keel_region *reg = vma->vm_private_data;

	atomic_inc(&reg->mapcount);
}

static void keel_vma_close(struct vm_area_struct *vma)
{
	struct keel_region *reg = vma->vm_private_data;

	atomic_dec(&reg->mapcount);
}

static const struct vm_operations_struct keel_vm_ops = {
	.open = keel_vma_open,
	.close = keel_vma_close,
};

int keel_mmap(struct keel_dev *kd, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 key = off >> KEEL_MMAP_SHIFT;
	u64 within = off & (BIT_ULL(KEEL_MMAP_SHIFT) - 1);
	u64 len = vma->vm_end - vma->vm_start;
	struct keel_region *reg;
	int ret;

	/* Shared only: a private (copy-on-write) PFN map makes no sense for
	 * memory the guest changes under us. */
	if (!(vma->vm_flags & VM_SHARED) || key >= KEEL_MMAP_REGIONS + KEEL_MMAP_SHADOWS)
		return -EINVAL;
	if (key >= KEEL_MMAP_REGIONS)
		return keel_shadow_mmap(kd, vma, key - KEEL_MMAP_REGIONS, within);
	key = array_index_nospec(key, KEEL_MMAP_REGIONS);
	reg = &kd->regions[key / KEEL_VM_MAX_MEM][key % KEEL_VM_MAX_MEM];

	mutex_lock(&kd->map_lock);
	ret = -EINVAL;
	if (!reg->valid || within >= reg->size || len > reg->size - within)
		goto out;
	/*
	 * Normal cacheable memory (the default vm_page_prot of a shared
	 * mapping): the guest and the hypervisor both access it cacheably,
	 * so all views stay coherent. remap_pfn_range() marks the VMA
	 * VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP.
	 */
	ret = remap_pfn_range(vma, vma->vm_start, PHYS_PFN(reg->pa + within), len,
			      vma->vm_page_prot);
	if (ret)
		goto out;
	vma->vm_private_data = reg;
	vma->vm_ops = &keel_vm_ops;
	atomic_inc(&reg->mapcount);
out:
	mutex_unlock(&kd->map_lock);
	return ret;
}
