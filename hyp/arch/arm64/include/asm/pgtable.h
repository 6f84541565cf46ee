/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* VMSAv8-64 descriptor fields for the 4 KiB granule (stage 1 at EL2 and
 * stage 2). */
#ifndef ASM_PGTABLE_H
#define ASM_PGTABLE_H
#include <hyp/types.h>

#define PT_ENTRIES 512
#define PT_LEVEL_SHIFT(l) (12 + 9 * (3 - (l)))   /* level 0: 39, 1: 30, 2: 21, 3: 12 */
#define PT_INDEX(a, l) (((a) >> PT_LEVEL_SHIFT(l)) & (PT_ENTRIES - 1))
#define PT_ADDR_MASK GENMASK(47, 12)

#define PTE_VALID BIT(0)
#define PTE_TABLE BIT(1)     /* levels 0-2: table; level 3: page */
#define PTE_BLOCK 0ULL       /* levels 1-2 with bit 1 clear */
#define PTE_AF BIT(10)
#define PTE_SH_INNER (3ULL << 8)

/* Stage 1 (EL2 regime) */
#define PTE_ATTRIDX(i) ((u64)(i) << 2)
#define PTE_XN BIT(54)
#define MAIR_IDX_DEVICE_nGnRnE 0
#define MAIR_IDX_NORMAL 1
#define MAIR_IDX_DEVICE_nGnRE 2
#define MAIR_EL2_VALUE (0x00ULL | (0xffULL << 8) | (0x04ULL << 16))

/* Stage 2 */
#define S2_MEMATTR_NORMAL_WB (0xfULL << 2)
#define S2_MEMATTR_DEVICE_nGnRE (0x1ULL << 2)
#define S2AP_RW (3ULL << 6)
#define S2_XN (2ULL << 53)   /* XN[1:0] = 0b10: not executable at EL1 or EL0 */
#endif
