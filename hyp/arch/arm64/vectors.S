/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * EL2 exception vectors and guest entry.
 *
 * Exceptions from a guest save x0-x30, ELR and SPSR into the register frame
 * of the vCPU this pCPU runs (pcpu->ctx, read through TPIDR_EL2), then call
 * guest_exit(type, ctx) on the pCPU's stack. guest_exit may switch pcpu->ctx
 * to another vCPU; vcpu_enter_current restores whatever ctx then holds.
 */
#include "asm-offsets.h"
#include <asm/macros.h>

#define EXIT_SYNC 0
#define EXIT_IRQ 1
#define EXIT_FIQ 2
#define EXIT_SERROR 3

	.macro	guest_exception type
	.balign	0x80
	stp	x0, x1, [sp, #-16]!
	mov	x1, #\type
	b	guest_save
	.endm

	.macro	hyp_exception type
	.balign	0x80
	b	hyp_exception_\type
	.endm

	.section .text.vectors, "ax"
	.balign	2048
	.globl	hyp_vectors
hyp_vectors:
	/* Current EL with SP_EL0: never used by the hypervisor. */
	hyp_exception bad
	hyp_exception bad
	hyp_exception bad
	hyp_exception bad
	/* Current EL with SP_EL2. */
	hyp_exception sync
	hyp_exception irq
	hyp_exception bad
	hyp_exception bad
	/* Lower EL, AArch64. */
	guest_exception EXIT_SYNC
	guest_exception EXIT_IRQ
	guest_exception EXIT_FIQ
	guest_exception EXIT_SERROR
	/* Lower EL, AArch32: guests are AArch64 only (HCR_EL2.RW = 1). */
	guest_exception EXIT_SYNC
	guest_exception EXIT_IRQ
	guest_exception EXIT_FIQ
	guest_exception EXIT_SERROR

	.text
guest_save:
	/* x0, x1 of the guest are on the stack; x1 holds the exit type. */
	mrs	x0, tpidr_el2
	ldr	x0, [x0, #PCPU_CTX]
	stp	x2, x3, [x0, #CTX_X0 + 16]
	stp	x4, x5, [x0, #CTX_X0 + 32]
	stp	x6, x7, [x0, #CTX_X0 + 48]
	stp	x8, x9, [x0, #CTX_X0 + 64]
	stp	x10, x11, [x0, #CTX_X0 + 80]
	stp	x12, x13, [x0, #CTX_X0 + 96]
	stp	x14, x15, [x0, #CTX_X0 + 112]
	stp	x16, x17, [x0, #CTX_X0 + 128]
	stp	x18, x19, [x0, #CTX_X0 + 144]
	stp	x20, x21, [x0, #CTX_X0 + 160]
	stp	x22, x23, [x0, #CTX_X0 + 176]
	stp	x24, x25, [x0, #CTX_X0 + 192]
	stp	x26, x27, [x0, #CTX_X0 + 208]
	stp	x28, x29, [x0, #CTX_X0 + 224]
	str	x30, [x0, #CTX_X30]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #CTX_X0]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x0, #CTX_ELR]
	mov	x29, #0			/* end of the frame chain for backtraces */
	mov	x2, x0
	mov	x0, x1
	mov	x1, x2
	bl	guest_exit
	/* fall through */

	.globl	vcpu_enter_current
vcpu_enter_current:
	mrs	x0, tpidr_el2
	ldr	x1, [x0, #PCPU_STACK_TOP]
	mov	sp, x1			/* every guest exit starts on an empty stack */
	ldr	x0, [x0, #PCPU_CTX]
	ldp	x2, x3, [x0, #CTX_ELR]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x2, x3, [x0, #CTX_X0 + 16]
	ldp	x4, x5, [x0, #CTX_X0 + 32]
	ldp	x6, x7, [x0, #CTX_X0 + 48]
	ldp	x8, x9, [x0, #CTX_X0 + 64]
	ldp	x10, x11, [x0, #CTX_X0 + 80]
	ldp	x12, x13, [x0, #CTX_X0 + 96]
	ldp	x14, x15, [x0, #CTX_X0 + 112]
	ldp	x16, x17, [x0, #CTX_X0 + 128]
	ldp	x18, x19, [x0, #CTX_X0 + 144]
	ldp	x20, x21, [x0, #CTX_X0 + 160]
	ldp	x22, x23, [x0, #CTX_X0 + 176]
	ldp	x24, x25, [x0, #CTX_X0 + 192]
	ldp	x26, x27, [x0, #CTX_X0 + 208]
	ldp	x28, x29, [x0, #CTX_X0 + 224]
	ldr	x30, [x0, #CTX_X30]
	ldp	x0, x1, [x0, #CTX_X0]
	eret
	/* Nothing after eret may run speculatively with hypervisor state. */
	dsb	nsh
	isb

/* Interrupt while the hypervisor itself runs (idle loop): save what a C call
 * clobbers, handle, return to the interrupted hypervisor code. */
hyp_exception_irq:
	sub	sp, sp, #(24 * 8)
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
	mrs	x0, elr_el2
	mrs	x1, spsr_el2
	stp	x30, x0, [sp, #160]
	str	x1, [sp, #176]
	bl	irq_handle
	ldr	x1, [sp, #176]
	ldp	x30, x0, [sp, #160]
	msr	elr_el2, x0
	msr	spsr_el2, x1
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
	add	sp, sp, #(24 * 8)
	eret

/* A fault in the hypervisor itself: report and stop this pCPU. */
hyp_exception_sync:
	mov	x0, #0
	b	hyp_fault_common
hyp_exception_bad:
	mov	x0, #1
hyp_fault_common:
	mrs	x1, esr_el2
	mrs	x2, elr_el2
	mrs	x3, far_el2
	mov	x4, sp
	bl	hyp_fault
	b	park
