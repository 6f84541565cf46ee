// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow register pages (proto/keel/shared.h): one zeroed page per guest
 * MMIO window, registered with KEEL_HC_SHADOW_REGISTER and shown to keeld
 * with mmap(). The hypervisor writes the page until the VM is destroyed, so
 * we keep it until then; a mapping keeld still has takes its own reference
 * (vm_insert_page), so the page is freed when the last user lets go.
 *
 * The hypervisor checks the descriptor itself; we check only what indexes
 * our own tables.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "keel.h"

static long keel_shadow_hc(struct keel_ioc_shadow *s, struct page *page)
{
	struct keel_shadow_desc *d = keel_hc_buf_alloc(sizeof(*d));
	long ret;

	if (!d)
		return -ENOMEM;
	*d = (struct keel_shadow_desc){
		.magic = KEEL_SHADOW_DESC_MAGIC,
		.revision = KEEL_SHADOW_DESC_REVISION,
		.vm_id = s->id,
		.nr_regs = s->nr_regs,
		.base = s->base,
		.size = s->size,
		.page = page_to_phys(page),
		.cookie = s->cookie,
	};
	memcpy(d->reg, s->reg, sizeof(d->reg));
	/* The hypervisor reads the descriptor and the page's magic on this
	 * CPU during the HVC, through cacheable mappings: no barrier needed. */
	ret = keel_hc_shadow_register(d);
	kfree(d);
	return ret;
}

long keel_ioc_shadow_register(struct keel_dev *kd, void __user *uarg)
{
	struct keel_ioc_shadow s;
	struct keel_shadow_page *sp;
	struct page *page;
	unsigned int slot;
	long ret;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (!keel_guest_id_ok(s.id) || s.pad)
		return -EINVAL;
	s.id = array_index_nospec(s.id, KEEL_MAX_VMS);
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	sp = page_address(page);
	sp->magic = KEEL_SHADOW_MAGIC;
	sp->revision = KEEL_SHADOW_REVISION;

	/* map_lock across the hypercall: a VM_DESTROY in between would leave
	 * us recording a page for a VM that no longer has it. */
	mutex_lock(&kd->map_lock);
	for (slot = 0; slot < KEEL_SHADOW_MAX_WINDOWS; slot++)
		if (!kd->shadows[s.id][slot])
			break;
	ret = -ENOSPC;
	if (slot < KEEL_SHADOW_MAX_WINDOWS)
		ret = keel_shadow_hc(&s, page);
	if (!ret)
		kd->shadows[s.id][slot] = page;
	mutex_unlock(&kd->map_lock);
	if (ret) {
		__free_page(page);
		return ret;
	}
	s.mmap_offset = KEEL_MMAP_SHADOW_OFFSET(s.id, slot);
	return copy_to_user(uarg, &s, sizeof(s)) ? -EFAULT : 0;
}

void keel_shadows_forget(struct keel_dev *kd, u32 id)
{
	unsigned int slot;

	lockdep_assert_held(&kd->map_lock);
	for (slot = 0; slot < KEEL_SHADOW_MAX_WINDOWS; slot++) {
		struct page *page = kd->shadows[id][slot];

		kd->shadows[id][slot] = NULL;
		/* Our reference; keeld's mappings hold their own. */
		if (page)
			put_page(page);
	}
}

int keel_shadow_mmap(struct keel_dev *kd, struct vm_area_struct *vma, u64 key, u64 within)
{
	struct page *page;
	int ret = -EINVAL;

	key = array_index_nospec(key, KEEL_MMAP_SHADOWS);
	if (within || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	mutex_lock(&kd->map_lock);
	page = kd->shadows[key / KEEL_SHADOW_MAX_WINDOWS][key % KEEL_SHADOW_MAX_WINDOWS];
	/* Cacheable, like the hypervisor's and the kernel's view of it: the
	 * atomics on the shadow words need one coherent memory type. */
	if (page)
		ret = vm_insert_page(vma, vma->vm_start, page);
	mutex_unlock(&kd->map_lock);
	return ret;
}
