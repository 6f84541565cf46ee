/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of the bare-metal test guest. Keel starts vCPU 0 here at EL1 with
 * the MMU off, x0 = the guest DT; vCPU 1 comes through PSCI CPU_ON at
 * secondary_entry with x0 = its stack top. Everything is PC-relative
 * (adr/adrp), so the program runs wherever it is loaded (identity_map moves
 * it).
 */
	.section .text.boot, "ax"
	.global _start
_start:
	mov	x19, x0			/* DT address, for bm_main */
	adrp	x1, __bss_start
	add	x1, x1, :lo12:__bss_start
	adrp	x2, __bss_end
	add	x2, x2, :lo12:__bss_end
	/* A raw image has no BSS in it: clear it (the ELF loader did too). */
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	adrp	x1, stack0_top
	add	x1, x1, :lo12:stack0_top
	mov	sp, x1
	adr	x1, vectors
	msr	vbar_el1, x1
	isb				/* the new VBAR before any exception */
	mov	x0, x19
	adr	x1, _start
	bl	bm_main
3:	wfi
	b	3b

	.global secondary_entry
secondary_entry:
	mov	sp, x0
	adr	x1, vectors
	msr	vbar_el1, x1
	isb				/* the new VBAR before any exception */
	bl	bm_secondary
4:	wfi
	b	4b

/* Exceptions: IRQs from EL1 with SP_EL1 go to bm_irq; anything else is a
 * failure bm_unexpected reports (x0 = the vector's offset). */
.macro	save_call fn, off
	sub	sp, sp, #176
	stp	x0, x1, [sp, #0]
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x29, [sp, #144]
	str	x30, [sp, #160]
	mov	x0, #\off
	bl	\fn
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x29, [sp, #144]
	ldr	x30, [sp, #160]
	add	sp, sp, #176
	eret
.endm

.macro	vec fn, off
	.balign	0x80
	save_call \fn, \off
.endm

	.balign	0x800
vectors:
	vec	bm_unexpected, 0x000
	vec	bm_unexpected, 0x080
	vec	bm_unexpected, 0x100
	vec	bm_unexpected, 0x180
	vec	bm_unexpected, 0x200
	vec	bm_irq, 0x280
	vec	bm_unexpected, 0x300
	vec	bm_unexpected, 0x380
	vec	bm_unexpected, 0x400
	vec	bm_unexpected, 0x480
	vec	bm_unexpected, 0x500
	vec	bm_unexpected, 0x580
	vec	bm_unexpected, 0x600
	vec	bm_unexpected, 0x680
	vec	bm_unexpected, 0x700
	vec	bm_unexpected, 0x780

	.section .bss
	.balign	16
	.space	8192
stack0_top:
