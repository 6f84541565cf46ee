/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The guest pool: RAM no VM0 and no hypervisor structure uses, handed out
 * to guests in 2 MiB-aligned contiguous blocks (so stage 2 can use block
 * mappings, and identity-mapped guests get one physically contiguous range). */
#ifndef HYP_POOL_H
#define HYP_POOL_H
#include <hyp/platform.h>
#include <hyp/types.h>

#define POOL_ALIGN SZ_2M
#define POOL_MAX_RANGES 32

void pool_add(u64 base, u64 size);
/* First fit; size is rounded up to POOL_ALIGN. Returns the PA or 0. */
u64 pool_alloc(u64 size);
/* Give back a block pool_alloc returned (same size). Refuses (-EINVAL, and
 * an error log) anything else: outside the pool, or free already. */
int pool_free(u64 base, u64 size);
u64 pool_free_total(void);
u64 pool_total(void);
/* What pool_add took (aligned), in order: at most max ranges copied to
 * out; returns how many there are. */
u32 pool_ranges(struct mem_range *out, u32 max);
#endif
