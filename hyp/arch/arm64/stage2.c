// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Stage-2 tables: 4 KiB granule, 48-bit IPA, walk starting at level 0
 * (VTCR_EL2.SL0 = 2), and the TLB maintenance that goes with them. Pure
 * table logic: it also builds on the host for unit tests, where
 * s2_alloc_page() comes from malloc, a PA is a pointer, and the register
 * accesses of stage2_flush_tlb go to the test (tests/unit/stage2/shim).
 */
#include <asm/pgtable.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>
#include <hyp/errno.h>
#include <hyp/stage2.h>

#define S2_IPA_BITS 48

static u64 s2_leaf_attrs(enum s2_attr attr, int level)
{
	u64 d = PTE_VALID | PTE_AF | S2AP_RW | (level == 3 ? PTE_TABLE : PTE_BLOCK);

	if (attr == S2_NORMAL_RW)
		return d | S2_MEMATTR_NORMAL_WB | PTE_SH_INNER;
	return d | S2_MEMATTR_DEVICE_nGnRE | S2_XN;
}

static bool pte_is_table(u64 pte, int level)
{
	return level < 3 && (pte & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE);
}

static u64 *pte_next_table(u64 pte)
{
	return (u64 *)(uintptr_t)(pte & PT_ADDR_MASK);
}

int stage2_init(struct stage2 *s2, u16 vmid)
{
	u64 *root = s2_alloc_page();

	if (!root)
		return -ENOMEM;
	s2->root = (u64)(uintptr_t)root;
	s2->vttbr = s2->root | ((u64)vmid << 48);
	return 0;
}

/* Every pCPU's TLB entries (and walk caches) for this VMID, stage 1 and 2:
 * after an unmap, and before a table page goes back to the heap. Any
 * pCPU may call it, whichever VM it is running. */
void stage2_flush_tlb(struct stage2 *s2)
{
	u64 old = read_sysreg(vttbr_el2);

	/* TLBI VMALLS12E1IS acts on the VMID in VTTBR_EL2: switch to this one. */
	dsb(ishst);	/* table updates are visible before the invalidation */
	write_sysreg(s2->vttbr, vttbr_el2);
	isb();	/* the TLBI below sees the new VMID */
	tlbi(vmalls12e1is);
	dsb(ish);	/* invalidation complete on all pCPUs */
	write_sysreg(old, vttbr_el2);
	isb();	/* the running vCPU's VMID is back before anything it maps */
}

/* Split a block entry into a table of the next level covering the same range
 * with the same attributes, so part of it can be changed. */
static int split_block(u64 *pte, int level)
{
	u64 *t = s2_alloc_page();
	u64 old = *pte, step = 1ULL << PT_LEVEL_SHIFT(level + 1);
	u64 attrs = old & ~PT_ADDR_MASK & ~(u64)PTE_TABLE;

	if (!t)
		return -ENOMEM;
	if (level + 1 == 3)
		attrs |= PTE_TABLE;	/* level-3 entries are pages */
	for (u64 i = 0; i < PT_ENTRIES; i++)
		t[i] = ((old & PT_ADDR_MASK) + i * step) | attrs;
	/* The caller flushes the TLB for the VMID after the whole update. */
	WRITE_ONCE(*pte, (u64)(uintptr_t)t | PTE_VALID | PTE_TABLE);
	return 0;
}

static int map_level(u64 *table, int level, u64 ipa, u64 pa, u64 size, enum s2_attr attr)
{
	u64 block = 1ULL << PT_LEVEL_SHIFT(level);

	while (size) {
		u64 *pte = &table[PT_INDEX(ipa, level)];
		u64 chunk = MIN(size, block - (ipa & (block - 1)));
		bool leaf_ok = level == 3 ||
			       (level >= 1 && chunk == block && IS_ALIGNED(pa, block));
		int ret;

		if (leaf_ok && !pte_is_table(*pte, level)) {
			WRITE_ONCE(*pte, pa | s2_leaf_attrs(attr, level));
		} else {
			if (!(*pte & PTE_VALID)) {
				u64 *t = s2_alloc_page();

				if (!t)
					return -ENOMEM;
				WRITE_ONCE(*pte, (u64)(uintptr_t)t | PTE_VALID | PTE_TABLE);
			} else if (!pte_is_table(*pte, level)) {
				ret = split_block(pte, level);
				if (ret)
					return ret;
			}
			ret = map_level(pte_next_table(*pte), level + 1, ipa, pa, chunk, attr);
			if (ret)
				return ret;
		}
		ipa += chunk;
		pa += chunk;
		size -= chunk;
	}
	return 0;
}

int stage2_map(struct stage2 *s2, u64 ipa, u64 pa, u64 size, enum s2_attr attr)
{
	if (!IS_ALIGNED(ipa | pa | size, PAGE_SIZE) || !size)
		return -EINVAL;
	if (ipa + size < ipa || ipa + size > (1ULL << S2_IPA_BITS) || pa + size > (1ULL << 48))
		return -ERANGE;
	return map_level((u64 *)(uintptr_t)s2->root, 0, ipa, pa, size, attr);
}

/*
 * Break before free: a table page is unlinked, and every pCPU's TLB and walk
 * cache for the VMID invalidated, before it goes back to the heap. Freed
 * first, another pCPU could reuse the page (a new VM's struct, say) while a
 * walker of this VM, VM0's vCPUs on other pCPUs included, still follows the
 * old entry into it and reads that data as descriptors.
 */
static void unlink_table(struct stage2 *s2, u64 *pte, int level)
{
	u64 *t = pte_next_table(*pte);

	WRITE_ONCE(*pte, 0);
	stage2_flush_tlb(s2);  /* its dsb orders the store before the TLBI */
	stage2_free_table(t, level + 1);
}

static int unmap_level(struct stage2 *s2, u64 *table, int level, u64 ipa, u64 size)
{
	u64 block = 1ULL << PT_LEVEL_SHIFT(level);

	while (size) {
		u64 *pte = &table[PT_INDEX(ipa, level)];
		u64 chunk = MIN(size, block - (ipa & (block - 1)));
		int ret;

		if (*pte & PTE_VALID) {
			if (chunk == block) {
				if (pte_is_table(*pte, level))
					unlink_table(s2, pte, level);
				else
					WRITE_ONCE(*pte, 0);
			} else {
				if (!pte_is_table(*pte, level)) {
					ret = split_block(pte, level);
					if (ret)
						return ret;
				}
				ret = unmap_level(s2, pte_next_table(*pte), level + 1, ipa, chunk);
				if (ret)
					return ret;
			}
		}
		ipa += chunk;
		size -= chunk;
	}
	return 0;
}

void stage2_free_table(u64 *table, int level)
{
	for (u64 i = 0; level < 3 && i < PT_ENTRIES; i++)
		if (pte_is_table(table[i], level))
			stage2_free_table(pte_next_table(table[i]), level + 1);
	s2_free_page(table);
}

int stage2_unmap(struct stage2 *s2, u64 ipa, u64 size)
{
	int ret;

	if (!IS_ALIGNED(ipa | size, PAGE_SIZE) || ipa + size < ipa ||
	    ipa + size > (1ULL << S2_IPA_BITS))
		return -EINVAL;
	ret = unmap_level(s2, (u64 *)(uintptr_t)s2->root, 0, ipa, size);
	stage2_flush_tlb(s2);
	return ret;
}

u64 stage2_translate(const struct stage2 *s2, u64 ipa)
{
	u64 *table = (u64 *)(uintptr_t)s2->root;

	if (ipa >= (1ULL << S2_IPA_BITS))
		return ~0ULL;
	for (int level = 0; level <= 3; level++) {
		u64 pte = table[PT_INDEX(ipa, level)];
		u64 block = 1ULL << PT_LEVEL_SHIFT(level);

		if (!(pte & PTE_VALID))
			return ~0ULL;
		if (!pte_is_table(pte, level))
			return (pte & PT_ADDR_MASK & ~(block - 1)) | (ipa & (block - 1));
		table = pte_next_table(pte);
	}
	return ~0ULL;
}

void stage2_destroy(struct stage2 *s2)
{
	if (!s2->root)
		return;
	stage2_flush_tlb(s2);
	stage2_free_table((u64 *)(uintptr_t)s2->root, 0);
	s2->root = 0;
}

/* The host unit test has no instruction cache to clean. */
#ifndef KEEL_HOST_TEST
/*
 * This pCPU's own TLB entries of the VMID (stage 1 under it, and stage 2),
 * and its instruction cache (which may be tagged by VMID), not the other
 * pCPUs'. A guest's local TLBI (no IS) cleans only the pCPU its vCPU runs
 * on, so what this pCPU cached for another vCPU of the VM may be stale
 * when a different vCPU of it comes here (sched_balance.c,
 * sched_tlb_enter). Not broadcast: nothing waits on the others.
 */
void stage2_flush_tlb_local(struct stage2 *s2)
{
	u64 old = read_sysreg(vttbr_el2);

	/* TLBI VMALLS12E1 acts on the VMID in VTTBR_EL2: switch to this one. */
	write_sysreg(s2->vttbr, vttbr_el2);
	isb();	/* the VMID is in effect before the TLBI that uses it */
	tlbi(vmalls12e1);
	__asm__ volatile("ic iallu" ::: "memory");
	dsb(nsh);	/* invalidation complete on this pCPU */
	write_sysreg(old, vttbr_el2);
	isb();	/* old VTTBR back before anything walks with it */
}
#endif
