/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Hypervisor memory: a page allocator over the heap inside the hypervisor's
 * own reserved region. EL2 runs identity-mapped, so a PA is a pointer. */
#ifndef HYP_MEM_H
#define HYP_MEM_H
#include <hyp/types.h>

void mem_init(u64 heap_base, u64 heap_size);
void *mem_alloc_pages(u64 nr);   /* zeroed; NULL when exhausted */
void mem_free_pages(void *p, u64 nr);
void *mem_zalloc(u64 size);      /* rounded up to pages */
u64 mem_free_bytes(void);

extern char __hyp_start[], __hyp_end[], __text_start[], __text_end[];

/* Cache maintenance by VA range (identity map: by PA too). */
void dcache_clean_range(u64 start, u64 size);        /* to PoC */
void dcache_clean_inval_range(u64 start, u64 size);  /* to PoC */
void icache_inval_all(void);
#endif
