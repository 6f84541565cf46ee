/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Data-cache maintenance by address range, to the Point of Coherency: what a
 * guest that starts with its MMU and caches off must see from our writes. */

/* x0 = start, x1 = size, \op = cvac | civac */
	.macro	dcache_range op
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4		/* DminLine: log2(words) */
	mov	x2, #4
	lsl	x2, x2, x3		/* line size in bytes */
	add	x1, x0, x1
	sub	x3, x2, #1
	bic	x0, x0, x3
1:	dc	\op, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	dsb	sy			/* maintenance completes before the caller goes on */
	ret
	.endm

	.text
	.globl	dcache_clean_range
dcache_clean_range:
	dcache_range cvac

	.globl	dcache_clean_inval_range
dcache_clean_inval_range:
	dcache_range civac

	/* Every pCPU's instruction caches (Inner Shareable): a VM's vCPUs may
	 * run anywhere, and a previous tenant's code must not be fetched. */
	.globl	icache_inval_all
icache_inval_all:
	ic	ialluis
	dsb	ish			/* invalidation completes on all pCPUs before the isb */
	isb
	ret
