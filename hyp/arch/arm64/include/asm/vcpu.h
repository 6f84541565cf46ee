/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The Armv8 part of a vCPU: the registers the vectors save on every exit,
 * the EL1 state switched when another vCPU takes the pCPU, and the exit
 * syndrome. struct vcpu (hyp/vcpu.h) embeds struct vcpu_arch as `arch`;
 * core code calls the vcpu_arch_* hooks below and never reads the fields.
 */
#ifndef ASM_VCPU_H
#define ASM_VCPU_H
#include <asm/sysreg.h>
#include <asm/timer.h>
#include <hyp/types.h>

struct vcpu;

/* Saved on every exception from a lower EL; asm-offsets exports the layout.
 * It is the first member of struct vcpu. */
struct cpu_regs {
	u64 x[31];
	u64 elr;   /* ELR_EL2 */
	u64 spsr;  /* SPSR_EL2 */
	u64 pad;
};

/* EL1 state switched when another vCPU takes the pCPU. */
struct el1_sysregs {
	u64 sctlr, cpacr, ttbr0, ttbr1, tcr, esr, afsr0, afsr1, far, mair, amair;
	u64 vbar, contextidr, tpidr_el0, tpidrro_el0, tpidr_el1, sp_el0, sp_el1;
	u64 elr_el1, spsr_el1, par, cntkctl, csselr, mdscr;
	u64 cntv_ctl, cntv_cval;
	u64 pmcr, pmuserenr;  /* VM0's only: its PMU is parked while guests run */
	u64 apia_lo, apia_hi, apib_lo, apib_hi, apda_lo, apda_hi, apdb_lo, apdb_hi;
	u64 apga_lo, apga_hi;
};

/* Layout fixed by fpsimd.S. */
struct fpsimd_state {
	u64 v[64];       /* V0-V31, 16 bytes each */
	u64 fpsr, fpcr;
} __aligned(16);

struct vcpu_arch {
	struct el1_sysregs sys;
	struct fpsimd_state fp;
	/* The exit being handled: ESR_EL2, FAR_EL2, HPFAR_EL2. */
	u64 esr, far, hpfar;
	bool timer_phys_active; /* physical virtual-timer PPI was active when put */
	/* A virtual SError for this vCPU not yet taken: HCR_EL2.VSE while it,
	 * and only it, runs. */
	bool vserror_pending;
};

/* Hooks core calls (arch/arm64/sysregs.c unless said otherwise). */

/* Start at pc with x0 = ctx, EL1h, DAIF masked, MMU off; EL1 and FP/SIMD
 * state as at reset, no virtual SError pending. */
void vcpu_arch_reset(struct vcpu *v, u64 pc, u64 ctx);
/* EL1 state, the VM's EL2 controls and the timer onto this pCPU, and
 * back. The vGIC is core's (vcpu_load/vcpu_put). */
void vcpu_arch_load(struct vcpu *v);
void vcpu_arch_put(struct vcpu *v);
/* HCR_EL2 for the vCPU about to run on this pCPU: its VM's traps, every
 * VM's, WFI trapped when trap_wfi, and its own pending virtual SError. */
void vcpu_arch_set_traps(struct vcpu *v, bool trap_wfi);
/* The registers and exit syndrome on the log (vcpu_fatal). */
void vcpu_dump(struct vcpu *v);

/* The exception class of the exit being handled, for messages. */
static inline u64 vcpu_arch_exit_class(const struct vcpu_arch *a)
{
	return ESR_EC(a->esr);
}

/* When the saved (not loaded) EL1 virtual timer fires, in counter ticks;
 * ~0 when it is off or masked. */
static inline u64 vcpu_arch_vtimer_deadline(const struct vcpu_arch *a)
{
	if ((a->sys.cntv_ctl & (CNTx_CTL_ENABLE | CNTx_CTL_IMASK)) != CNTx_CTL_ENABLE)
		return ~0ULL;
	return a->sys.cntv_cval;
}
#endif
