// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Stage-2 table construction, built on the host: block selection, splits,
 * attributes, unmapping, argument checks and page accounting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <asm/pgtable.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>
#include <hyp/errno.h>
#include <hyp/stage2.h>

static int pages_live, tlb_flushes;
/* VTTBR_EL2 as stage2_flush_tlb leaves it (shim asm/sysreg.h), and a TLBI
 * with any other op or register touched: each is a failure. */
static u64 vttbr_el2;
static int bad_sysreg_ops;
/* Break-before-free checks: the tables the map under test links, and how
 * many TLB flushes had happened when each was unlinked. */
static const struct stage2 *watched;
static int frees_unflushed, frees_still_linked;
static u64 *linked_at_flush[64];
static int nr_linked_at_flush;

static bool table_linked(const u64 *t, const u64 *page, int level)
{
	for (int i = 0; level < 3 && i < 512; i++) {
		u64 pte = t[i];

		if ((pte & (PTE_VALID | PTE_TABLE)) != (PTE_VALID | PTE_TABLE))
			continue;
		if ((const u64 *)(uintptr_t)(pte & PT_ADDR_MASK) == page ||
		    table_linked((const u64 *)(uintptr_t)(pte & PT_ADDR_MASK), page, level + 1))
			return true;
	}
	return false;
}

void *s2_alloc_page(void)
{
	void *p = aligned_alloc(4096, 4096);

	memset(p, 0, 4096);
	pages_live++;
	return p;
}

void s2_free_page(void *p)
{
	if (watched && watched->root && p != (void *)(uintptr_t)watched->root) {
		bool flushed_since = true;

		/* Still reachable from the root: freed before it was unlinked. */
		if (table_linked((u64 *)(uintptr_t)watched->root, p, 0))
			frees_still_linked++;
		/* Reachable at the last TLB flush: a walker may still hold it. */
		for (int i = 0; i < nr_linked_at_flush; i++)
			if (linked_at_flush[i] == p)
				flushed_since = false;
		if (!flushed_since)
			frees_unflushed++;
	}
	pages_live--;
	free(p);
}

/* Records which table pages are still linked at each flush: a page freed
 * later must not have been linked at the last one. */
static void note_linked(const u64 *t, int level)
{
	for (int i = 0; level < 3 && i < 512; i++) {
		u64 pte = t[i];

		if ((pte & (PTE_VALID | PTE_TABLE)) != (PTE_VALID | PTE_TABLE))
			continue;
		if (nr_linked_at_flush < 64)
			linked_at_flush[nr_linked_at_flush++] = (u64 *)(uintptr_t)(pte & PT_ADDR_MASK);
		note_linked((const u64 *)(uintptr_t)(pte & PT_ADDR_MASK), level + 1);
	}
}

u64 shim_read_sysreg(const char *name)
{
	if (strcmp(name, "vttbr_el2"))
		bad_sysreg_ops++;
	return vttbr_el2;
}

void shim_write_sysreg(const char *name, u64 v)
{
	if (strcmp(name, "vttbr_el2"))
		bad_sysreg_ops++;
	vttbr_el2 = v;
}

/* stage2_flush_tlb's TLBI: by VMID (VTTBR_EL2 names the VM's tables at
 * that moment), inner shareable so every pCPU drops them. */
void shim_tlbi(const char *op)
{
	if (strcmp(op, "vmalls12e1is"))
		bad_sysreg_ops++;
	tlb_flushes++;
	if (watched && watched->vttbr == vttbr_el2) {
		nr_linked_at_flush = 0;
		note_linked((const u64 *)(uintptr_t)watched->root, 0);
	}
}

static u64 leaf(const struct stage2 *s2, u64 ipa, int *level_out)
{
	u64 *t = (u64 *)(uintptr_t)s2->root;

	for (int level = 0; level <= 3; level++) {
		u64 pte = t[PT_INDEX(ipa, level)];

		if (!(pte & PTE_VALID))
			return 0;
		if (level == 3 || !(pte & PTE_TABLE)) {
			*level_out = level;
			return pte;
		}
		t = (u64 *)(uintptr_t)(pte & PT_ADDR_MASK);
	}
	return 0;
}

static int setup(void **state)
{
	static struct stage2 s2;

	pages_live = 0;
	tlb_flushes = 0;
	bad_sysreg_ops = 0;
	assert_int_equal(stage2_init(&s2, 5), 0);
	*state = &s2;
	return 0;
}

static int teardown(void **state)
{
	stage2_destroy(*state);
	assert_int_equal(pages_live, 0);  /* every table page came back */
	return 0;
}

static void test_vttbr_carries_vmid(void **state)
{
	struct stage2 *s2 = *state;

	assert_int_equal(s2->vttbr >> 48, 5);
	assert_int_equal(s2->vttbr & ~(0xffffULL << 48), s2->root);
}

static void test_gib_block_for_aligned_ram(void **state)
{
	struct stage2 *s2 = *state;
	int level = -1;
	u64 pte;

	assert_int_equal(stage2_map(s2, 0x40000000, 0x40000000, 2ULL << 30, S2_NORMAL_RW), 0);
	pte = leaf(s2, 0x40000000, &level);
	assert_int_equal(level, 1);
	assert_int_equal(pte & PT_ADDR_MASK, 0x40000000);
	assert_int_equal(pte & (0xfULL << 2), S2_MEMATTR_NORMAL_WB);
	assert_int_equal(pte & S2AP_RW, S2AP_RW);
	assert_true(pte & PTE_AF);
	assert_false(pte & S2_XN);
	assert_int_equal(stage2_translate(s2, 0x7fffffff), 0x7fffffff);
	assert_int_equal(stage2_translate(s2, 0xbfffffff), 0xbfffffff);
	assert_int_equal(stage2_translate(s2, 0xc0000000), ~0ULL);
	assert_int_equal(stage2_translate(s2, 0x3fffffff), ~0ULL);
}

static void test_2m_and_4k_pieces(void **state)
{
	struct stage2 *s2 = *state;
	int level = -1;

	/* 2 MiB + 4 KiB, starting 2 MiB-aligned: one level-2 block, one page. */
	assert_int_equal(stage2_map(s2, 0x80200000, 0x90200000, 0x201000, S2_NORMAL_RW), 0);
	leaf(s2, 0x80200000, &level);
	assert_int_equal(level, 2);
	leaf(s2, 0x80400000, &level);
	assert_int_equal(level, 3);
	assert_int_equal(stage2_translate(s2, 0x80200123), 0x90200123);
	assert_int_equal(stage2_translate(s2, 0x80400fff), 0x90400fff);
	assert_int_equal(stage2_translate(s2, 0x80401000), ~0ULL);
}

static void test_misaligned_pa_forces_pages(void **state)
{
	struct stage2 *s2 = *state;
	int level = -1;

	/* IPA 2 MiB-aligned but PA only 4 KiB-aligned: no block possible. */
	assert_int_equal(stage2_map(s2, 0x200000, 0x1001000, 0x200000, S2_NORMAL_RW), 0);
	leaf(s2, 0x200000, &level);
	assert_int_equal(level, 3);
	assert_int_equal(stage2_translate(s2, 0x3ff008), 0x1200008);
}

static void test_device_attributes(void **state)
{
	struct stage2 *s2 = *state;
	int level = -1;
	u64 pte;

	assert_int_equal(stage2_map(s2, 0x09000000, 0x09000000, 0x1000, S2_DEVICE_RW), 0);
	pte = leaf(s2, 0x09000000, &level);
	assert_int_equal(level, 3);
	assert_int_equal(pte & (0xfULL << 2), S2_MEMATTR_DEVICE_nGnRE);
	assert_int_equal(pte & (3ULL << 53), S2_XN);
}

static void test_unmap_hole_splits_block(void **state)
{
	struct stage2 *s2 = *state;
	int level = -1;

	/* VM0-like: 1 GiB mapped, then the hypervisor's 18 MiB cut out of it. */
	assert_int_equal(stage2_map(s2, 0x40000000, 0x40000000, 1ULL << 30, S2_NORMAL_RW), 0);
	vttbr_el2 = 0x1234000;   /* the vCPU running on this pCPU: another VM */
	assert_int_equal(stage2_unmap(s2, 0x40000000, 0x1200000), 0);
	assert_true(tlb_flushes > 0);
	assert_int_equal(vttbr_el2, 0x1234000);  /* given back after the flush */
	assert_int_equal(bad_sysreg_ops, 0);
	assert_int_equal(stage2_translate(s2, 0x40000000), ~0ULL);
	assert_int_equal(stage2_translate(s2, 0x411fffff), ~0ULL);
	assert_int_equal(stage2_translate(s2, 0x41200000), 0x41200000);
	assert_int_equal(stage2_translate(s2, 0x7fffffff), 0x7fffffff);
	/* The rest keeps the largest blocks the split allows. */
	leaf(s2, 0x7fe00000, &level);
	assert_int_equal(level, 2);
}

/* VM0's stage 2 loses a guest's RAM while its vCPUs run on other pCPUs:
 * each table page is unlinked and flushed from every TLB before the heap
 * gets it back (break before free). */
static void test_unmap_frees_tables_after_flush(void **state)
{
	struct stage2 *s2 = *state;

	/* 4 KiB pages so the range has level-2 and level-3 tables. */
	assert_int_equal(stage2_map(s2, 0x80000000, 0x80001000, 0x400000, S2_NORMAL_RW), 0);
	assert_int_equal(stage2_map(s2, 0x80400000, 0x80400000, 0x200000, S2_NORMAL_RW), 0);
	watched = s2;
	nr_linked_at_flush = 0;
	note_linked((const u64 *)(uintptr_t)s2->root, 0);  /* as if flushed at map */
	frees_unflushed = frees_still_linked = 0;
	assert_int_equal(stage2_unmap(s2, 0x80000000, 1ULL << 30), 0);
	watched = NULL;
	assert_int_equal(frees_still_linked, 0);
	assert_int_equal(frees_unflushed, 0);
	assert_int_equal(bad_sysreg_ops, 0);
	assert_int_equal(stage2_translate(s2, 0x80001000), ~0ULL);
	assert_int_equal(stage2_translate(s2, 0x80400000), ~0ULL);
}

static void test_remap_changes_target(void **state)
{
	struct stage2 *s2 = *state;

	assert_int_equal(stage2_map(s2, 0x100000000, 0x100000000, 0x200000, S2_NORMAL_RW), 0);
	assert_int_equal(stage2_map(s2, 0x100001000, 0x200000000, 0x1000, S2_DEVICE_RW), 0);
	assert_int_equal(stage2_translate(s2, 0x100001010), 0x200000010);
	assert_int_equal(stage2_translate(s2, 0x100002000), 0x100002000);
}

static void test_bad_arguments(void **state)
{
	struct stage2 *s2 = *state;

	assert_int_equal(stage2_map(s2, 0x1001, 0x1000, 0x1000, S2_NORMAL_RW), -EINVAL);
	assert_int_equal(stage2_map(s2, 0x1000, 0x1000, 0x10, S2_NORMAL_RW), -EINVAL);
	assert_int_equal(stage2_map(s2, 0x1000, 0x1000, 0, S2_NORMAL_RW), -EINVAL);
	assert_int_equal(stage2_map(s2, ~0xfffULL, 0x1000, 0x2000, S2_NORMAL_RW), -ERANGE);
	assert_int_equal(stage2_map(s2, 1ULL << 48, 0x1000, 0x1000, S2_NORMAL_RW), -ERANGE);
	assert_int_equal(stage2_unmap(s2, 0x1000, 0x123), -EINVAL);
	assert_int_equal(stage2_translate(s2, 1ULL << 50), ~0ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vttbr_carries_vmid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gib_block_for_aligned_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_2m_and_4k_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misaligned_pa_forces_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_hole_splits_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remap_changes_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_frees_tables_after_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
	};

	return cmocka_run_group_tests_name("stage2", tests, NULL, NULL);
}
