// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Page allocator over the hypervisor heap: a bitmap, first fit. Boot-time
 * and VM-creation paths only, never per exit, so simple beats fast. */
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/spinlock.h>
#include <hyp/stage2.h>
#include <string.h>

#define MAX_HEAP_PAGES (HYP_HEAP_MAX >> PAGE_SHIFT)
#define HYP_HEAP_MAX (64ULL << 20)

static u64 heap_base, heap_pages, free_pages;
static u64 bitmap[MAX_HEAP_PAGES / 64];
static spinlock_t mem_lock = SPINLOCK_INIT;

static bool page_used(u64 i) { return bitmap[i / 64] & BIT(i % 64); }
static void page_set(u64 i, bool used)
{
	if (used)
		bitmap[i / 64] |= BIT(i % 64);
	else
		bitmap[i / 64] &= ~BIT(i % 64);
}

void mem_init(u64 base, u64 size)
{
	heap_base = base;
	heap_pages = MIN(size >> PAGE_SHIFT, MAX_HEAP_PAGES);
	free_pages = heap_pages;
}

void *mem_alloc_pages(u64 nr)
{
	u64 run = 0;
	void *p = NULL;

	if (!nr)
		return NULL;
	spin_lock(&mem_lock);
	for (u64 i = 0; i < heap_pages; i++) {
		run = page_used(i) ? 0 : run + 1;
		if (run == nr) {
			u64 first = i + 1 - nr;

			for (u64 j = first; j <= i; j++)
				page_set(j, true);
			free_pages -= nr;
			p = (void *)(uintptr_t)(heap_base + (first << PAGE_SHIFT));
			break;
		}
	}
	spin_unlock(&mem_lock);
	if (p)
		memset(p, 0, nr << PAGE_SHIFT);
	return p;
}

void mem_free_pages(void *p, u64 nr)
{
	u64 first = ((u64)(uintptr_t)p - heap_base) >> PAGE_SHIFT;

	if (!p)
		return;
	BUG_ON((u64)(uintptr_t)p < heap_base || first + nr > heap_pages);
	spin_lock(&mem_lock);
	for (u64 j = first; j < first + nr; j++) {
		BUG_ON(!page_used(j));
		page_set(j, false);
	}
	free_pages += nr;
	spin_unlock(&mem_lock);
}

void *mem_zalloc(u64 size)
{
	return mem_alloc_pages(ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT);
}

u64 mem_free_bytes(void)
{
	return free_pages << PAGE_SHIFT;
}

void *s2_alloc_page(void)
{
	return mem_alloc_pages(1);
}

void s2_free_page(void *p)
{
	mem_free_pages(p, 1);
}
