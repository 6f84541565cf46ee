/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* One idiom for system registers: read_sysreg(x) / write_sysreg(v, x).
 * Registers the assembler may not know are named S3_<op1>_C<n>_C<m>_<op2>. */
#ifndef ASM_SYSREG_H
#define ASM_SYSREG_H

#include <asm/barrier.h>
#include <asm/irqflags.h>
#include <hyp/types.h>

#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)

#define read_sysreg(r) ({ u64 __rv; __asm__ volatile("mrs %0, " __stringify(r) : "=r"(__rv)); __rv; })
#define write_sysreg(v, r) do { u64 __wv = (u64)(v); __asm__ volatile("msr " __stringify(r) ", %x0" : : "rZ"(__wv)); } while (0)

/* GICv3 CPU interface and hypervisor control (named by encoding so an old
 * assembler accepts them). */
#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_EOIR1_EL1 S3_0_C12_C12_1
#define ICC_DIR_EL1 S3_0_C12_C11_1
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_BPR1_EL1 S3_0_C12_C12_3
#define ICC_CTLR_EL1 S3_0_C12_C12_4
#define ICC_SRE_EL1 S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_SGI1R_EL1 S3_0_C12_C11_5
#define ICC_SRE_EL2 S3_4_C12_C9_5
#define ICH_HCR_EL2 S3_4_C12_C11_0
#define ICH_VTR_EL2 S3_4_C12_C11_1
#define ICH_MISR_EL2 S3_4_C12_C11_2
#define ICH_EISR_EL2 S3_4_C12_C11_3
#define ICH_ELRSR_EL2 S3_4_C12_C11_5
#define ICH_VMCR_EL2 S3_4_C12_C11_7
#define ICH_AP0R0_EL2 S3_4_C12_C8_0
#define ICH_AP1R0_EL2 S3_4_C12_C9_0
#define ICH_LR0_EL2 S3_4_C12_C12_0
/* ICH_LR<n>_EL2: n = 0..7 -> C12_C12_n, 8..15 -> C12_C13_(n-8) */

#define ZCR_EL2 S3_4_C1_C2_0
/* Pointer authentication keys (EL1, one set per VM's kernel). */
#define APIAKEYLO_EL1 S3_0_C2_C1_0
#define APIAKEYHI_EL1 S3_0_C2_C1_1
#define APIBKEYLO_EL1 S3_0_C2_C1_2
#define APIBKEYHI_EL1 S3_0_C2_C1_3
#define APDAKEYLO_EL1 S3_0_C2_C2_0
#define APDAKEYHI_EL1 S3_0_C2_C2_1
#define APDBKEYLO_EL1 S3_0_C2_C2_2
#define APDBKEYHI_EL1 S3_0_C2_C2_3
#define APGAKEYLO_EL1 S3_0_C2_C3_0
#define APGAKEYHI_EL1 S3_0_C2_C3_1
#define SMCR_EL2 S3_4_C1_C2_6
#define HCRX_EL2 S3_4_C1_C2_2
#define ID_AA64PFR1_EL1_ S3_0_C0_C4_1
#define ID_AA64MMFR1_EL1_ S3_0_C0_C7_1

/* HCR_EL2 */
#define HCR_VM BIT(0)
#define HCR_SWIO BIT(1)
#define HCR_PTW BIT(2)
#define HCR_FMO BIT(3)
#define HCR_IMO BIT(4)
#define HCR_AMO BIT(5)
#define HCR_VF BIT(6)
#define HCR_VI BIT(7)
#define HCR_VSE BIT(8)
#define HCR_FB BIT(9)
#define HCR_BSU_IS (1ULL << 10)
#define HCR_TWI BIT(13)
#define HCR_TWE BIT(14)
#define HCR_TID3 BIT(18)
#define HCR_TSC BIT(19)
#define HCR_TACR BIT(21)
#define HCR_TSW BIT(22)
#define HCR_TLOR BIT(35)
#define HCR_TERR BIT(36)
#define HCR_RW BIT(31)
#define HCR_APK BIT(40)
#define HCR_API BIT(41)

/* CPTR_EL2 (E2H = 0): RES1 bits; FP/SIMD free for VMs, SVE (TZ) and SME
 * (TSM) trapped because their state is not switched between vCPUs. */
#define CPTR_EL2_RES1 (BIT(13) | BIT(9) | GENMASK(7, 0))
#define CPTR_EL2_TZ BIT(8)
#define CPTR_EL2_TFP BIT(10)
#define CPTR_EL2_TSM BIT(12)
#define CPTR_EL2_TTA BIT(20)

/* MDCR_EL2: HPMN splits the PMU counters between EL1/EL0 and EL2 (all of
 * them EL1's here); the rest trap a VM's PMU and debug register accesses. */
#define MDCR_HPMN_MASK 0x1fULL
#define MDCR_TPMCR BIT(5)
#define MDCR_TPM BIT(6)
#define MDCR_TDOSA BIT(10)
#define MDCR_TDA BIT(9)
#define MDCR_TDRA BIT(11)
#define MDCR_GUEST_TRAPS (MDCR_TPMCR | MDCR_TPM | MDCR_TDA | MDCR_TDOSA | MDCR_TDRA)
#define PMCR_E BIT(0)

/* CNTHCTL_EL2 (E2H = 0) */
#define CNTHCTL_EL1PCTEN BIT(0)
#define CNTHCTL_EL1PCEN BIT(1)

/* SPSR / PSTATE */
#define PSR_MODE_EL1h 0x5
#define PSR_MODE_EL0t 0x0
#define PSR_MODE_MASK 0xf
#define PSR_F BIT(6)
#define PSR_I BIT(7)
#define PSR_A BIT(8)
#define PSR_D BIT(9)
#define PSR_DAIF (PSR_D | PSR_A | PSR_I | PSR_F)

/* ESR_ELx */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3f
#define ESR_EC(esr) (((esr) >> ESR_EC_SHIFT) & ESR_EC_MASK)
#define ESR_IL BIT(25)
#define ESR_ISS(esr) ((esr) & GENMASK(24, 0))

#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_HVC64 0x16
#define EC_SMC64 0x17
#define EC_SYS64 0x18
#define EC_SVE 0x19
#define EC_SME 0x1d
#define EC_IABT_LOW 0x20
#define EC_IABT_CUR 0x21
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOW 0x24
#define EC_DABT_CUR 0x25
#define EC_SERROR 0x2f
#define EC_MAX 0x3f

/* Data abort ISS */
#define ESR_DABT_ISV BIT(24)
#define ESR_DABT_SAS_SHIFT 22
#define ESR_DABT_SSE BIT(21)
#define ESR_DABT_SRT_SHIFT 16
#define ESR_DABT_SF BIT(15)
#define ESR_DABT_S1PTW BIT(7)
#define ESR_DABT_WNR BIT(6)
#define ESR_xABT_FSC_MASK 0x3f
#define FSC_SEA 0x10
/* Fault status kinds for which HPFAR_EL2 holds the faulting IPA (translation,
 * access flag, permission; any level): FSC & FSC_KIND_MASK. */
#define FSC_KIND_MASK 0x3c
#define FSC_TRANS 0x04
#define FSC_ACCESS 0x08
#define FSC_PERM 0x0c

/* WFx ISS: TI [1:0] says which instruction, RV [2] that Rt [9:5] holds the
 * WFIT/WFET timeout (a CNTVCT value). */
#define ESR_WFX_TI_MASK 0x3
#define ESR_WFX_TI_WFI 0
#define ESR_WFX_TI_WFE 1
#define ESR_WFX_TI_WFIT 2
#define ESR_WFX_TI_WFET 3
#define ESR_WFX_RV BIT(2)
#define ESR_WFX_RT_SHIFT 5

/* Sysreg trap ISS (EC 0x18) */
#define ESR_SYS_OP0_SHIFT 20
#define ESR_SYS_OP2_SHIFT 17
#define ESR_SYS_OP1_SHIFT 14
#define ESR_SYS_CRN_SHIFT 10
#define ESR_SYS_RT_SHIFT 5
#define ESR_SYS_CRM_SHIFT 1
#define ESR_SYS_READ BIT(0)
#define ESR_SYS_OP0(esr) (((esr) >> ESR_SYS_OP0_SHIFT) & 3)
#define ESR_SYS_OP1(esr) (((esr) >> ESR_SYS_OP1_SHIFT) & 7)
#define ESR_SYS_CRN(esr) (((esr) >> ESR_SYS_CRN_SHIFT) & 0xf)
#define ESR_SYS_CRM(esr) (((esr) >> ESR_SYS_CRM_SHIFT) & 0xf)
#define ESR_SYS_OP2(esr) (((esr) >> ESR_SYS_OP2_SHIFT) & 7)
/* op0, op1, crn, crm, op2 packed the way ESR carries them, for table keys */
#define ESR_SYS_KEY_MASK (GENMASK(21, 10) | GENMASK(4, 1))
#define SYS_KEY(op0, op1, crn, crm, op2) \
	(((u64)(op0) << ESR_SYS_OP0_SHIFT) | ((u64)(op2) << ESR_SYS_OP2_SHIFT) | \
	 ((u64)(op1) << ESR_SYS_OP1_SHIFT) | ((u64)(crn) << ESR_SYS_CRN_SHIFT) | \
	 ((u64)(crm) << ESR_SYS_CRM_SHIFT))

static inline u64 mpidr_read(void) { return read_sysreg(mpidr_el1); }
#define MPIDR_AFF_MASK 0xff00ffffffULL

#endif
