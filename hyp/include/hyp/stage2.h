/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Stage-2 translation tables (4 KiB granule, 48-bit IPA, start at level 0).
 * The table-building logic is pure and also compiled for host unit tests. */
#ifndef HYP_STAGE2_H
#define HYP_STAGE2_H
#include <hyp/types.h>

struct stage2 {
	u64 root;      /* PA of the level-0 table */
	u64 vttbr;     /* VTTBR_EL2 value: root | VMID << 48 */
};

enum s2_attr {
	S2_NORMAL_RW,   /* RAM: write-back cacheable, inner shareable, RWX */
	S2_DEVICE_RW,   /* MMIO: Device-nGnRE, never executable */
};

/* Page-table pages come from this allocator (hyp heap; host tests: malloc).
 * Returns a zeroed, page-aligned page, or NULL. */
void *s2_alloc_page(void);
void s2_free_page(void *p);

int stage2_init(struct stage2 *s2, u16 vmid);
/* Map [ipa, ipa + size) -> [pa, pa + size), picking 1 GiB/2 MiB blocks when
 * both addresses and the size allow. Page aligned. Returns 0 or -errno. */
int stage2_map(struct stage2 *s2, u64 ipa, u64 pa, u64 size, enum s2_attr attr);
int stage2_unmap(struct stage2 *s2, u64 ipa, u64 size);
/* Walk: returns the PA that ipa maps to, or -1 (ULL) when unmapped. */
u64 stage2_translate(const struct stage2 *s2, u64 ipa);
void stage2_destroy(struct stage2 *s2);
void stage2_free_table(u64 *table, int level);
/* Drop TLB entries for this VMID (after unmap). */
void stage2_flush_tlb(struct stage2 *s2);
/* ... on this pCPU only (another vCPU of the VM ran here last). */
void stage2_flush_tlb_local(struct stage2 *s2);
#endif
