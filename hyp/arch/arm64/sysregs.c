// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Per-pCPU EL2 configuration and switching a vCPU's EL1 state in and out. */
#include <keel/guest.h>
#include <hyp/platform.h>
#include <hyp/gic.h>
#include <hyp/pcpu.h>
#include <hyp/stage2.h>
#include <hyp/sysreg.h>
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

u64 hcr_vm_traps(void)
{
	return hcr_traps;
}

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

void stage2_flush_tlb(struct stage2 *s2)
{
	u64 old = read_sysreg(vttbr_el2);

	/* TLBI VMALLS12E1IS acts on the VMID in VTTBR_EL2: switch to this one. */
	dsb(ishst);	/* table updates are visible before the invalidation */
	write_sysreg(s2->vttbr, vttbr_el2);
	isb();
	__asm__ volatile("tlbi vmalls12e1is");
	dsb(ish);	/* invalidation complete on all pCPUs */
	write_sysreg(old, vttbr_el2);
	isb();
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

void vcpu_sysregs_reset(struct vcpu *v);
void vcpu_sysregs_reset(struct vcpu *v)
{
	struct el1_sysregs *s = &v->sys;

	*s = (struct el1_sysregs){ 0 };
	s->sctlr = SCTLR_EL1_RESET;
	v->fp = (struct fpsimd_state){ 0 };
	v->sys_dirty = true;
}

/* The EL1 virtual timer's PPI, as the host DT names it. */
#define VTIMER_PPI (plat.timer_intid[KEEL_TIMER_VIRT])

void vcpu_load(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct el1_sysregs *s = &v->sys;

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
	fpsimd_restore(&v->fp);
	v->sys_dirty = false;
	/* The forwarded timer interrupt this vCPU had not yet finished with is
	 * active again, so its deactivation (through the list register) and
	 * the next expiry behave as if it had never left. */
	if (v->timer_phys_active)
		gic->set_active(VTIMER_PPI, true);
	vgic_restore(v);
	v->loaded = true;
	isb();	/* EL1 context in place before the eret that enters it */
}

void vcpu_put(struct vcpu *v)
{
	struct el1_sysregs *s = &v->sys;

	EL1_REGS(X_SAVE)
	if (has_pauth()) {
		PAC_REGS(X_SAVE)
	}
	fpsimd_save(&v->fp);
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
	write_sysreg(0, cntv_ctl_el0);
	isb();	/* the timer is off before we look at the interrupt state */
	v->timer_phys_active = gic->is_active(VTIMER_PPI);
	if (v->timer_phys_active)
		gic->set_active(VTIMER_PPI, false);
	vgic_save(v);
	/* Everything saved above is visible before another pCPU may see the
	 * vCPU unloaded and take it (sched_balance.c: acquire there). */
	dmb(ish);
	v->loaded = false;
}
