// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Synchronous exceptions injected into a guest's EL1, the way the hardware
 * would take them: ESR/FAR/ELR/SPSR_EL1 set, PC at the right VBAR_EL1 slot,
 * PSTATE = EL1h with DAIF masked. The vCPU is loaded on this pCPU (we are
 * handling its exit), so its EL1 registers are the live ones.
 */
#include <asm/sysreg.h>
#include <hyp/vcpu.h>

#define VBAR_CUR_SP0 0x000
#define VBAR_CUR_SPX 0x200
#define VBAR_LOWER_A64 0x400
#define VBAR_LOWER_A32 0x600

#define SCTLR_EL1_SPAN BIT(23)
#define PSR_PAN BIT(22)
#define PSR_MODE_RW BIT(4)	/* set: AArch32 */

static u64 vector_offset(u64 spsr)
{
	if (spsr & PSR_MODE_RW)
		return VBAR_LOWER_A32;
	switch (spsr & PSR_MODE_MASK) {
	case PSR_MODE_EL0t:
		return VBAR_LOWER_A64;
	case PSR_MODE_EL1h:
		return VBAR_CUR_SPX;
	default:
		return VBAR_CUR_SP0;
	}
}

static bool from_el0(u64 spsr)
{
	return (spsr & PSR_MODE_RW) || (spsr & PSR_MODE_MASK) == PSR_MODE_EL0t;
}

static void inject_sync(struct vcpu *v, u64 esr, u64 far)
{
	u64 spsr = v->regs.spsr;
	u64 pstate = PSR_MODE_EL1h | PSR_DAIF;

	write_sysreg(esr, esr_el1);
	write_sysreg(far, far_el1);
	write_sysreg(v->regs.elr, elr_el1);
	write_sysreg(spsr, spsr_el1);
	/* PSTATE.PAN is set on exception entry unless SCTLR_EL1.SPAN says not. */
	if (!(read_sysreg(sctlr_el1) & SCTLR_EL1_SPAN))
		pstate |= PSR_PAN;
	else
		pstate |= spsr & PSR_PAN;
	v->regs.elr = read_sysreg(vbar_el1) + vector_offset(spsr);
	v->regs.spsr = pstate;
}

void vcpu_inject_abort(struct vcpu *v, bool is_iabt, u64 addr)
{
	u64 ec = is_iabt ? (from_el0(v->regs.spsr) ? EC_IABT_LOW : EC_IABT_CUR)
			 : (from_el0(v->regs.spsr) ? EC_DABT_LOW : EC_DABT_CUR);
	u64 esr = (ec << ESR_EC_SHIFT) | ESR_IL | FSC_SEA;

	/* Keep the write-not-read bit of the original abort: Linux reports it. */
	if (!is_iabt)
		esr |= v->arch.esr & ESR_DABT_WNR;
	inject_sync(v, esr, addr);
}

void vcpu_inject_undef(struct vcpu *v)
{
	inject_sync(v, ((u64)EC_UNKNOWN << ESR_EC_SHIFT) | ESR_IL, 0);
}
