/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Entry of keel.bin. The file starts with an arm64 Image header so QEMU's
 * -kernel (and u-boot's booti) load it at RAM base + text_offset and pass the
 * device tree in x0, as they do for Linux.
 */
#include <hyp/config.h>
#include "asm-offsets.h"
#include <asm/macros.h>

#define SCTLR_EL2_RES1 0x30c50830

	.section .text.head, "ax"
	.globl _start
_start:
	b	primary_entry		/* code0 */
	.long	0			/* code1 */
	.quad	0x200000		/* text_offset: 2 MiB past a 2 MiB-aligned base (QEMU and
					 * u-boot both honour it; 0 would make QEMU add 2 MiB anyway) */
	.quad	__hyp_image_size	/* image_size, bss included */
	.quad	0x2			/* flags: little endian, 4 KiB pages */
	.quad	0, 0, 0			/* reserved */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* reserved (PE header offset) */

primary_entry:
	mov	x19, x0			/* device tree */
	msr	daifset, #0xf
	/* Linked for one address (no relocation): anywhere else, the first
	 * absolute pointer would be wrong, so stop before using one. */
	adr	x1, _start
	ldr	x2, =_start
	cmp	x1, x2
	b.ne	park
	mrs	x1, CurrentEL
	cmp	x1, #(2 << 2)
	b.ne	park			/* not entered at EL2: nothing we can do */
	bl	el2_early_setup

	/* Clear .bss: the MMU is off, so these are Device accesses and must stay
	 * aligned (both bounds are 16-byte aligned by the linker script). */
	adr_l	x1, __bss_start
	adr_l	x2, __bss_end
1:	cmp	x1, x2
	b.hs	2f
	stp	xzr, xzr, [x1], #16
	b	1b
2:
	adr_l	x1, hyp_stacks
	add	x1, x1, #HYP_STACK_SZ
	mov	sp, x1
	mov	x0, x19
	bl	hyp_main		/* does not return */
	b	park

/* Secondary pCPUs, started by firmware PSCI CPU_ON with x0 = pCPU index. */
	.globl secondary_entry
secondary_entry:
	msr	daifset, #0xf
	mov	x19, x0
	bl	el2_early_setup
	adr_l	x1, hyp_stacks
	mov	x2, #HYP_STACK_SZ
	madd	x1, x19, x2, x1
	add	x1, x1, x2
	mov	sp, x1
	mov	x0, x19
	bl	secondary_main		/* does not return */
	b	park

/* State every pCPU needs before C runs: vectors, MMU off, no FP traps. */
el2_early_setup:
	ldr	x1, =SCTLR_EL2_RES1
	msr	sctlr_el2, x1
	adr_l	x1, hyp_vectors
	msr	vbar_el2, x1
	/* CPTR_EL2: FP/SIMD untrapped (switched with each vCPU; hyp C code is
	 * general-registers-only apart from libfdt at boot); SVE (TZ, bit 8)
	 * and SME (TSM, bit 12) trapped: VMs are told they do not exist. Trace
	 * registers (TTA, bit 20) trapped: their state is not switched, and a
	 * VM's trace unit must not record another VM. */
	ldr	x1, =0x1033ff
	msr	cptr_el2, x1
	msr	hcr_el2, xzr
	isb			/* the new VBAR and SCTLR take effect before any C code */
	ret

	.globl park
park:
	wfe
	b	park

	.section .bss
	.balign 4096
	.globl hyp_stacks
hyp_stacks:
	.space	MAX_PCPUS * HYP_STACK_SIZE
