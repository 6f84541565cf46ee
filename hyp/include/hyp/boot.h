/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* What the boot sequence (core/main.c) decided, for the parts built later. */
#ifndef HYP_BOOT_H
#define HYP_BOOT_H
#include <hyp/options.h>
#include <hyp/platform.h>
#include <hyp/types.h>

#define VM0_MIN_MEM (128ULL << 20)

extern struct hyp_options opts;
extern struct mem_range hyp_region;   /* image + heap, kept from everyone */
extern u64 hyp_reserved_bytes, ram_total_bytes;
extern u32 vm0_doorbell_intid;
extern u32 vm0_pool;  /* index in opts.pools */

/* Build VM0 from the boot DT and make its boot vCPU runnable. */
int vm0_create(const void *boot_fdt, u64 boot_fdt_pa);
#endif
