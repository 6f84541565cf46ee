// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Per-pCPU EL2 configuration, and a vCPU's arch state (EL1 registers,
 * FP/SIMD, PMU, timer, HCR_EL2) in and out: the vcpu_arch_* hooks of
 * asm/vcpu.h. */
#include <asm/timer.h>
#include <keel/guest.h>
#include <hyp/platform.h>
#include <hyp/gic.h>
#include <hyp/pcpu.h>
#include <asm/sysreg.h>
#include <hyp/vcpu.h>
#include <hyp/vm.h>

#define VTCR_T0SZ(n) ((u64)(n))
#define VTCR_SL0_L0 (2ULL << 6)
#define VTCR_IRGN0_WBWA (1ULL << 8)
#define VTCR_ORGN0_WBWA (1ULL << 10)
#define VTCR_SH0_INNER (3ULL << 12)
#define VTCR_TG0_4K (0ULL << 14)
#define VTCR_PS_SHIFT 16
#define VTCR_RES1 BIT(31)

#define SCTLR_EL1_RESET 0x30d00800ULL  /* RES1 bits, MMU and caches off */

/* PMCR_EL0.N: the same on every pCPU of the machines Keel runs on. */
static u64 mdcr_hpmn;
/* HCR_EL2 traps for every VM (sysreg_emul.c); TLOR and TERR are RES0
 * without LORegions / RAS, so only where those exist. */
static u64 hcr_traps = HCR_TACR | HCR_TSW;

void el2_cpu_setup(void);
void el2_cpu_setup(void)
{
	u64 parange = MIN(read_sysreg(id_aa64mmfr0_el1) & 0xf, 5);

	write_sysreg(VTCR_RES1 | VTCR_T0SZ(16) | VTCR_SL0_L0 | VTCR_IRGN0_WBWA |
		     VTCR_ORGN0_WBWA | VTCR_SH0_INNER | VTCR_TG0_4K |
		     (parange << VTCR_PS_SHIFT), vtcr_el2);
	/* No ZCR_EL2/SMCR_EL2: SVE and SME stay trapped (CPTR_EL2.TZ/TSM), and
	 * touching their control registers here would trap too. */
	/* Every PMU counter is EL1's (HPMN = PMCR.N, as at reset); vcpu_load
	 * adds the guests' PMU and debug traps (docs/isolation.md). */
	mdcr_hpmn = (read_sysreg(pmcr_el0) >> 11) & MDCR_HPMN_MASK;
	if ((read_sysreg(id_aa64mmfr1_el1) >> 16) & 0xf)   /* LO */
		hcr_traps |= HCR_TLOR;
	if ((read_sysreg(id_aa64pfr0_el1) >> 28) & 0xf)    /* RAS */
		hcr_traps |= HCR_TERR;
	write_sysreg(mdcr_hpmn, mdcr_el2);
	write_sysreg(read_sysreg(midr_el1), vpidr_el2);
	isb();	/* VTCR is in effect before any stage-2 walk */
}

#define SAVE(f, r) s->f = read_sysreg(r)
#define LOAD(f, r) write_sysreg(s->f, r)
#define EL1_REGS(X)                                                              \
	X(sctlr, sctlr_el1) X(cpacr, cpacr_el1) X(ttbr0, ttbr0_el1)              \
	X(ttbr1, ttbr1_el1) X(tcr, tcr_el1) X(esr, esr_el1) X(afsr0, afsr0_el1)  \
	X(afsr1, afsr1_el1) X(far, far_el1) X(mair, mair_el1)                    \
	X(amair, amair_el1) X(vbar, vbar_el1) X(contextidr, contextidr_el1)      \
	X(tpidr_el0, tpidr_el0) X(tpidrro_el0, tpidrro_el0)                      \
	X(tpidr_el1, tpidr_el1) X(sp_el0, sp_el0) X(sp_el1, sp_el1)              \
	X(elr_el1, elr_el1) X(spsr_el1, spsr_el1) X(par, par_el1)                \
	X(cntkctl, cntkctl_el1) X(csselr, csselr_el1) X(mdscr, mdscr_el1)        \
	X(cntv_ctl, cntv_ctl_el0) X(cntv_cval, cntv_cval_el0)
#define PAC_REGS(X)                                                              \
	X(apia_lo, APIAKEYLO_EL1) X(apia_hi, APIAKEYHI_EL1)                      \
	X(apib_lo, APIBKEYLO_EL1) X(apib_hi, APIBKEYHI_EL1)                      \
	X(apda_lo, APDAKEYLO_EL1) X(apda_hi, APDAKEYHI_EL1)                      \
	X(apdb_lo, APDBKEYLO_EL1) X(apdb_hi, APDBKEYHI_EL1)                      \
	X(apga_lo, APGAKEYLO_EL1) X(apga_hi, APGAKEYHI_EL1)

void fpsimd_save(struct fpsimd_state *st);
void fpsimd_restore(const struct fpsimd_state *st);

/* Does the CPU have pointer authentication (address or generic)? */
static bool has_pauth(void)
{
	u64 isar1 = read_sysreg(id_aa64isar1_el1), isar2 = read_sysreg(S3_0_C0_C6_2);

	/* APA [7:4], API [11:8], GPA [27:24], GPI [31:28]; ISAR2 APA3 [15:12], GPA3 [11:8] */
	return (isar1 & (GENMASK(11, 4) | GENMASK(31, 24))) || (isar2 & GENMASK(15, 8));
}
#define X_SAVE(f, r) SAVE(f, r);
#define X_LOAD(f, r) LOAD(f, r);

void vcpu_arch_reset(struct vcpu *v, u64 pc, u64 ctx)
{
	struct vcpu_arch *a = &v->arch;

	v->regs = (struct cpu_regs){ 0 };
	v->regs.x[0] = ctx;
	v->regs.elr = pc;
	/* Linux's boot protocol: EL1h, all of DAIF masked, MMU off. */
	v->regs.spsr = PSR_MODE_EL1h | PSR_DAIF;
	/* Nothing of a previous life is pending for the new one. */
	a->vserror_pending = false;
	a->sys = (struct el1_sysregs){ 0 };
	a->sys.sctlr = SCTLR_EL1_RESET;
	a->fp = (struct fpsimd_state){ 0 };
}

/* The EL1 virtual timer's PPI, as the host DT names it. */
#define VTIMER_PPI (plat.timer_intid[KEEL_TIMER_VIRT])

void vcpu_arch_load(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct el1_sysregs *s = &v->arch.sys;

	write_sysreg(vm->s2.vttbr, vttbr_el2);
	write_sysreg(vm->cnthctl, cnthctl_el2);
	write_sysreg(0, cntvoff_el2);
	write_sysreg(v->vmpidr, vmpidr_el2);
	/* VM0 owns the PMU and the debug registers; a guest's accesses trap
	 * (sysreg_emul.c). VM0's counters run again only under VM0. */
	if (vm->is_vm0) {
		write_sysreg(mdcr_hpmn, mdcr_el2);
		LOAD(pmuserenr, pmuserenr_el0);
		LOAD(pmcr, pmcr_el0);
	} else {
		write_sysreg(mdcr_hpmn | MDCR_GUEST_TRAPS, mdcr_el2);
	}
	EL1_REGS(X_LOAD)
	if (has_pauth()) {
		PAC_REGS(X_LOAD)
	}
	fpsimd_restore(&v->arch.fp);
	/* The forwarded timer interrupt this vCPU had not yet finished with is
	 * active again, so its deactivation (through the list register) and
	 * the next expiry behave as if it had never left. */
	if (v->arch.timer_phys_active)
		gic->set_active(VTIMER_PPI, true);
	isb();	/* EL1 context (and the vGIC interface core restored before) in
		 * place before the eret that enters it */
}

void vcpu_arch_put(struct vcpu *v)
{
	struct el1_sysregs *s = &v->arch.sys;

	EL1_REGS(X_SAVE)
	if (has_pauth()) {
		PAC_REGS(X_SAVE)
	}
	fpsimd_save(&v->arch.fp);
	/* VM0's PMU counts only VM0: stop it (E = 0) and close EL0 access while
	 * anyone else runs here. */
	if (v->vm->is_vm0) {
		SAVE(pmcr, pmcr_el0);
		SAVE(pmuserenr, pmuserenr_el0);
		write_sysreg(s->pmcr & ~PMCR_E, pmcr_el0);
		write_sysreg(0, pmuserenr_el0);
	}
	/* Its timer must not fire for whoever runs next: stop it, and take the
	 * physical interrupt's active state with the vCPU. */
	arch_vtimer_stop();
	isb();	/* the timer is off before we look at the interrupt state */
	v->arch.timer_phys_active = gic->is_active(VTIMER_PPI);
	if (v->arch.timer_phys_active)
		gic->set_active(VTIMER_PPI, false);
}

/* HCR_EL2 is written only when it changes: the VM, the pool kind or the
 * pending virtual SError differ from what this pCPU last ran with. A bind
 * pCPU lets the guest's WFI sleep in hardware; on a shared one the idle
 * loop is what measures load. The SError is never another vCPU's: traps.c's
 * vserror_sync drops it once taken. */
void vcpu_arch_set_traps(struct vcpu *v, bool trap_wfi)
{
	struct pcpu *pc = this_cpu();
	u64 hcr = v->vm->hcr | hcr_traps | (trap_wfi ? HCR_TWI : 0) |
		  (v->arch.vserror_pending ? HCR_VSE : 0);

	if (hcr != pc->arch.hcr_live) {
		write_sysreg(hcr, hcr_el2);
		pc->arch.hcr_live = hcr;
	}
}
