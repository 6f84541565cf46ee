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
 *
 * Guest RAM as pages: the hypervisor lists the guest pool in VM0's memory
 * node and reserves it (without no-map) in /reserved-memory, so Linux has
 * a struct page for every pool page (PageReserved, reference count 1, never
 * in an allocator). Such a region is mapped with vm_insert_pages(): a
 * VM_MIXEDMAP of normal pages, which get_user_pages() can pin, so O_DIRECT,
 * io_uring and the network stack DMA straight into guest buffers. A PFN
 * mapping (remap_pfn_range: VM_IO | VM_PFNMAP) cannot be pinned and makes
 * every byte a CPU copy; it stays the fallback for a hypervisor that does
 * not give VM0 the pool's memory map. (memremap_pages() would give pages
 * without the DT's help, but needs CONFIG_ZONE_DEVICE, which Debian's arm64
 * 6.1 kernel does not have.)
 *
 * A pinned page holds a reference past the mapping's own: I/O still in
 * flight to or from it. Such memory must not go back to the pool (the next
 * guest would get a DMA into its RAM), so VM_DESTROY also waits, bounded,
 * for every page of the VM to be back at its base count (keel_maps_pinned).
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/slab.h>
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

/* The count a reserved page of the pool has with nobody using it: the one
 * the memory map's initialisation gave it. */
#define KEEL_PAGE_BASE_REFS 1

/*
 * Caller holds map_lock and no mapping of the VM is live: how many pages of
 * its regions are still referenced beyond their base count (pinned by
 * get_user_pages for I/O in flight).
 */
unsigned long keel_maps_pinned(struct keel_dev *kd, u32 id)
{
	unsigned long pinned = 0;
	unsigned int r;

	lockdep_assert_held(&kd->map_lock);
	for (r = 0; r < KEEL_VM_MAX_MEM; r++) {
		struct keel_region *reg = &kd->regions[id][r];
		unsigned long pfn, end = PHYS_PFN(reg->pa + reg->size);

		if (!reg->valid || !reg->pages)
			continue;
		for (pfn = PHYS_PFN(reg->pa); pfn < end; pfn++)
			pinned += page_ref_count(pfn_to_page(pfn)) > KEEL_PAGE_BASE_REFS;
		cond_resched();
	}
	return pinned;
}

/*
 * Does [pa, pa + size) have struct pages, so it can be mapped as pages?
 * 1: yes, every page a reserved one (the pool); 0: none has (a PFN map
 * will do); -EPROTO: some do, or one is not reserved: memory Linux owns,
 * which the hypervisor must never hand out as a guest's.
 */
static int keel_region_has_pages(u64 pa, u64 size)
{
	unsigned long pfn, start = PHYS_PFN(pa), end = PHYS_PFN(pa + size);
	unsigned long valid = 0;

	for (pfn = start; pfn < end; pfn++) {
		if (!pfn_valid(pfn))
			continue;
		if (!PageReserved(pfn_to_page(pfn)))
			return -EPROTO;
		valid++;
	}
	if (valid && valid != end - start)
		return -EPROTO;
	return valid ? 1 : 0;
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
		reg->pages = false;
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
		goto unlock;
	}
	ret = keel_region_has_pages(pa, size);
	if (ret < 0) {
		pr_warn("VM %u region %u: pa %#llx size %#llx is partly or wholly VM0's own RAM\n",
			m.id, m.region, pa, size);
		goto unlock;
	}
	reg->pages = ret;
	reg->pa = pa;
	reg->size = size;
	reg->ipa = ipa;
	reg->valid = true;
	ret = 0;
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

/* Pages handed to vm_insert_pages() at a time (a page of pointers). */
#define KEEL_INSERT_BATCH (PAGE_SIZE / sizeof(struct page *))

/*
 * Map len bytes of the region from pfn on as pages. The VMA's default
 * vm_page_prot for a shared mapping is Normal cacheable memory, as the
 * guest, the hypervisor and VM0's linear map all see it: one attribute for
 * every alias, so the CPU and coherent DMA agree. vm_insert_pages() takes
 * a reference per page (dropped at unmap) and sets VM_MIXEDMAP; VM_IO and
 * VM_PFNMAP stay clear, which is what lets get_user_pages() pin them.
 */
static int keel_insert_pages(struct vm_area_struct *vma, unsigned long pfn, u64 len)
{
	unsigned long addr = vma->vm_start, left = len >> PAGE_SHIFT;
	struct page **batch;
	int ret = 0;

	batch = kmalloc_array(KEEL_INSERT_BATCH, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	while (left && !ret) {
		unsigned long n = min_t(unsigned long, left, KEEL_INSERT_BATCH), i, asked = n;

		for (i = 0; i < n; i++)
			batch[i] = pfn_to_page(pfn + i);
		/* n comes back as the number of pages not inserted. */
		ret = vm_insert_pages(vma, addr, batch, &n);
		if (!ret && n)
			ret = -ENOMEM;
		pfn += asked;
		addr += asked << PAGE_SHIFT;
		left -= asked;
		cond_resched();
	}
	kfree(batch);
	return ret;
}

int keel_mmap(struct keel_dev *kd, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 key = off >> KEEL_MMAP_SHIFT;
	u64 within = off & (BIT_ULL(KEEL_MMAP_SHIFT) - 1);
	u64 len = vma->vm_end - vma->vm_start;
	struct keel_region *reg;
	int ret;

	/* Shared only: a private (copy-on-write) map makes no sense for
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
	 * mapping) either way. remap_pfn_range() marks the VMA VM_IO |
	 * VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP: no pinning, no O_DIRECT.
	 */
	if (reg->pages)
		ret = keel_insert_pages(vma, PHYS_PFN(reg->pa + within), len);
	else
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
