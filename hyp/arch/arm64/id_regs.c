// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ID registers as VMs see them (HCR_EL2.TID3 traps their reads). The CPU's
 * values, less what the hypervisor does not switch between vCPUs: SVE and
 * SME state (Z/P/ZA registers) is not saved, so VMs must not be told those
 * exist; using them anyway traps (CPTR_EL2.TZ/TSM) and gets UNDEFINED.
 * Trace (CPTR_EL2.TTA) and LORegions (HCR_EL2.TLOR) are hidden from every VM;
 * the PMU and statistical profiling from guests (MDCR_EL2.TPM: the PMU is
 * VM0's, docs/isolation.md).
 */
#include <hyp/errno.h>

#include <asm/id_regs.h>
#include <asm/sysreg.h>
#include <hyp/vcpu.h>

#define ID_REG_KEY_MASK (SYS_KEY(3, 7, 15, 0, 0))  /* op0, op1, CRn must be 3, 0, 0 */
#define ID_AA64PFR0_SVE_MASK (0xfULL << 32)
#define ID_AA64PFR1_SME_MASK (0xfULL << 24)
#define ID_AA64DFR0_TRACEVER_MASK (0xfULL << 4)
#define ID_AA64DFR0_PMUVER_MASK (0xfULL << 8)
#define ID_AA64DFR0_PMSVER_MASK (0xfULL << 32)
#define ID_AA64DFR0_TRACEFILT_MASK (0xfULL << 40)
#define ID_AA64DFR0_TRACEBUF_MASK (0xfULL << 44)
#define ID_AA64DFR0_HIDDEN (ID_AA64DFR0_TRACEVER_MASK | ID_AA64DFR0_TRACEFILT_MASK | \
			    ID_AA64DFR0_TRACEBUF_MASK)
#define ID_AA64DFR0_GUEST_HIDDEN (ID_AA64DFR0_PMUVER_MASK | ID_AA64DFR0_PMSVER_MASK)
#define ID_AA64MMFR1_LO_MASK (0xfULL << 16)

#define ID_CASE(crm, op2) \
	case (crm) * 8 + (op2): return read_sysreg(S3_0_C0_C##crm##_##op2)
#define ID_ROW(crm) \
	ID_CASE(crm, 0); ID_CASE(crm, 1); ID_CASE(crm, 2); ID_CASE(crm, 3); \
	ID_CASE(crm, 4); ID_CASE(crm, 5); ID_CASE(crm, 6); ID_CASE(crm, 7)

static u64 id_reg_hw(u32 crm, u32 op2)
{
	switch (crm * 8 + op2) {
	ID_ROW(1);
	ID_ROW(2);
	ID_ROW(3);
	ID_ROW(4);
	ID_ROW(5);
	ID_ROW(6);
	ID_ROW(7);
	default:
		return 0;
	}
}

/* Returns 0 and the value for an ID register read, -ENOENT for anything else. */
int id_reg_read(u64 key, bool read, bool guest, u64 *val)
{
	u32 crm = (key >> ESR_SYS_CRM_SHIFT) & 0xf, op2 = (key >> ESR_SYS_OP2_SHIFT) & 7;

	if ((key & ID_REG_KEY_MASK) != SYS_KEY(3, 0, 0, 0, 0) || crm < 1 || crm > 7 || !read)
		return -ENOENT;
	*val = id_reg_hw(crm, op2);
	if (crm == 4 && op2 == 0)
		*val &= ~ID_AA64PFR0_SVE_MASK;     /* ID_AA64PFR0_EL1 */
	else if (crm == 4 && op2 == 1)
		*val &= ~ID_AA64PFR1_SME_MASK;     /* ID_AA64PFR1_EL1 */
	else if (crm == 4 && (op2 == 4 || op2 == 5))
		*val = 0;                          /* ID_AA64ZFR0_EL1, ID_AA64SMFR0_EL1 */
	else if (crm == 5 && op2 == 0)             /* ID_AA64DFR0_EL1 */
		*val &= ~(ID_AA64DFR0_HIDDEN | (guest ? ID_AA64DFR0_GUEST_HIDDEN : 0));
	else if (crm == 7 && op2 == 1)
		*val &= ~ID_AA64MMFR1_LO_MASK;     /* ID_AA64MMFR1_EL1 */
	return 0;
}
