/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Calls from the hypervisor to platform firmware (PSCI over SMC). */
#ifndef ASM_FIRMWARE_H
#define ASM_FIRMWARE_H
#include <hyp/types.h>

#define PSCI_0_2_FN_BASE 0x84000000U
#define PSCI_0_2_FN64_BASE 0xC4000000U
#define PSCI_FN_VERSION (PSCI_0_2_FN_BASE + 0)
#define PSCI_FN_CPU_SUSPEND (PSCI_0_2_FN_BASE + 1)
#define PSCI_FN64_CPU_SUSPEND (PSCI_0_2_FN64_BASE + 1)
#define PSCI_FN_CPU_OFF (PSCI_0_2_FN_BASE + 2)
#define PSCI_FN_CPU_ON (PSCI_0_2_FN_BASE + 3)
#define PSCI_FN64_CPU_ON (PSCI_0_2_FN64_BASE + 3)
#define PSCI_FN_AFFINITY_INFO (PSCI_0_2_FN_BASE + 4)
#define PSCI_FN64_AFFINITY_INFO (PSCI_0_2_FN64_BASE + 4)
#define PSCI_FN_MIGRATE_INFO_TYPE (PSCI_0_2_FN_BASE + 6)
#define PSCI_FN_SYSTEM_OFF (PSCI_0_2_FN_BASE + 8)
#define PSCI_FN_SYSTEM_RESET (PSCI_0_2_FN_BASE + 9)
#define PSCI_FN_FEATURES (PSCI_0_2_FN_BASE + 10)

#define PSCI_RET_SUCCESS 0
#define PSCI_RET_NOT_SUPPORTED (-1)
#define PSCI_RET_INVALID_PARAMS (-2)
#define PSCI_RET_DENIED (-3)
#define PSCI_RET_ALREADY_ON (-4)
#define PSCI_RET_ON_PENDING (-5)
#define PSCI_RET_INTERNAL_FAILURE (-6)
#define PSCI_RET_INVALID_ADDRESS (-9)

#define SMCCC_VERSION_FN 0x80000000U
#define SMCCC_ARCH_FEATURES_FN 0x80000001U

struct smccc_res {
	u64 a0, a1, a2, a3;
};

void smccc_smc(u64 fn, u64 a1, u64 a2, u64 a3, struct smccc_res *res);
s64 firmware_cpu_on(u64 mpidr, u64 entry, u64 ctx);
void __noreturn firmware_system_off(void);
void __noreturn firmware_system_reset(void);
#endif
