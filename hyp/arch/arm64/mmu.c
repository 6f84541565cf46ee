// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The hypervisor's own (stage 1, EL2) translation: an identity map.
 *
 * Before the device tree is parsed we only know where our image and the DT
 * are, so mmu_init maps their 1 GiB blocks as Normal memory and every other
 * block as Device (never speculatively accessed, never executable).
 * mmu_map_ram() later turns the RAM the DT describes into Normal memory.
 */
#include <asm/pgtable.h>
#include <hyp/mem.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>
#include <hyp/types.h>

#define TCR_T0SZ(n) ((u64)(n))
#define TCR_IRGN0_WBWA (1ULL << 8)
#define TCR_ORGN0_WBWA (1ULL << 10)
#define TCR_SH0_INNER (3ULL << 12)
#define TCR_TG0_4K (0ULL << 14)
#define TCR_PS_SHIFT 16
#define TCR_EL2_RES1 (BIT(31) | BIT(23))

#define SCTLR_M BIT(0)
#define SCTLR_C BIT(2)
#define SCTLR_SA BIT(3)
#define SCTLR_I BIT(12)

static u64 l0_table[PT_ENTRIES] __aligned(4096);
static u64 l1_table[PT_ENTRIES] __aligned(4096);
static u64 tcr_value;

static u64 block_attrs(bool normal)
{
	if (normal)
		return PTE_VALID | PTE_BLOCK | PTE_AF | PTE_SH_INNER | PTE_ATTRIDX(MAIR_IDX_NORMAL);
	return PTE_VALID | PTE_BLOCK | PTE_AF | PTE_XN | PTE_ATTRIDX(MAIR_IDX_DEVICE_nGnRnE);
}

u64 pa_range_bits(void);
u64 pa_range_bits(void)
{
	static const u8 bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	u64 r = read_sysreg(id_aa64mmfr0_el1) & 0xf;

	/* 52-bit output needs LPA descriptors we do not use: cap at 48. */
	return r < ARRAY_SIZE(bits) ? MIN(bits[r], 48) : 48;
}

static u64 pa_range_field(void)
{
	u64 r = read_sysreg(id_aa64mmfr0_el1) & 0xf;

	return MIN(r, 5);
}

void mmu_init(u64 dtb);
void mmu_init(u64 dtb)
{
	u64 img = (u64)__hyp_start;

	for (u64 i = 0; i < PT_ENTRIES; i++)
		l1_table[i] = (i << 30) | block_attrs(i == (img >> 30) || i == (dtb >> 30));
	l0_table[0] = (u64)l1_table | PTE_VALID | PTE_TABLE;

	tcr_value = TCR_EL2_RES1 | TCR_T0SZ(16) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
		    TCR_SH0_INNER | TCR_TG0_4K | (pa_range_field() << TCR_PS_SHIFT);
}

/* Every pCPU (the boot one first) turns its MMU on with the shared tables. */
void mmu_enable(void);
void mmu_enable(void)
{
	/* The tables were written with the MMU (and so the caches) off on the
	 * boot pCPU; the walker reads them from memory, nothing to clean. */
	write_sysreg(MAIR_EL2_VALUE, mair_el2);
	write_sysreg(tcr_value, tcr_el2);
	write_sysreg((u64)l0_table, ttbr0_el2);
	isb();	/* MAIR/TCR/TTBR are in effect before the TLB is flushed */
	tlbi(alle2);
	dsb(ish);	/* the invalidation completes before the MMU turns on */
	write_sysreg(read_sysreg(sctlr_el2) | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA, sctlr_el2);
	isb();	/* later instructions are fetched with the MMU on */
}

/* Make [base, base + size) Normal memory (the RAM of the platform). */
void mmu_map_ram(u64 base, u64 size);
void mmu_map_ram(u64 base, u64 size)
{
	for (u64 a = ALIGN_DOWN(base, SZ_1G); a < base + size; a += SZ_1G) {
		u64 i = a >> 30, want = a | block_attrs(true);

		if (i >= PT_ENTRIES || l1_table[i] == want)
			continue;
		/* Changing the memory type of a live entry needs break-before-make
		 * (ARM DDI 0487 D8.14.1): invalid, TLB flushed, then the new entry. */
		WRITE_ONCE(l1_table[i], 0);
		dsb(ishst);	/* the invalid entry is visible to walkers before the TLBI */
		tlbi(alle2is);
		dsb(ish);	/* the invalidation completed everywhere */
		WRITE_ONCE(l1_table[i], want);
	}
	dsb(ishst);	/* new entries visible to the walker before later accesses */
	isb();
}
