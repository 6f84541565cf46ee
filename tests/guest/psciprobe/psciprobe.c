// SPDX-License-Identifier: GPL-2.0
/*
 * Bad-input probe, loaded inside a guest: PSCI calls with arguments a
 * hostile or buggy guest could pass (MPIDRs of no vCPU, entry points outside
 * its RAM or misaligned, reserved function bits, 64-bit IDs of 32-bit-only
 * calls). Each must come back with the PSCI error the spec gives, and the
 * guest must keep running: a wrong answer here could start a vCPU at an
 * address the guest does not own, or power the guest off.
 */
#include <linux/arm-smccc.h>
#include <linux/module.h>
#include <linux/psci.h>
#include <linux/gfp.h>
#include <uapi/linux/psci.h>
#include <asm/cputype.h>
#include <asm/memory.h>

struct probe {
	const char *what;
	u32 fn;
	u64 a1, a2, a3;
	long want;
};

static int __init psciprobe_init(void)
{
	u64 self = read_cpuid_mpidr() & MPIDR_HWID_BITMASK;
	/* A page of the guest's own RAM: an entry CPU_ON may accept. A
	 * module's code lives outside the linear map, so no symbol of ours
	 * will do. The target vCPU is already on, so nothing runs there. */
	unsigned long page = __get_free_page(GFP_KERNEL);
	u64 good_entry = page ? virt_to_phys((void *)page) : 0;
	const struct probe probes[] = {
		{ "CPU_ON of an MPIDR no vCPU has", PSCI_0_2_FN64_CPU_ON, 0xff, good_entry, 0,
		  PSCI_RET_INVALID_PARAMS },
		{ "CPU_ON of aff3 garbage", PSCI_0_2_FN64_CPU_ON, 0xff00000000ULL | 0xfe, good_entry, 0,
		  PSCI_RET_INVALID_PARAMS },
		{ "CPU_ON at a misaligned entry", PSCI_0_2_FN64_CPU_ON, self, good_entry + 1, 0,
		  PSCI_RET_INVALID_ADDRESS },
		{ "CPU_ON at an entry outside RAM", PSCI_0_2_FN64_CPU_ON, self, 0x1000, 0,
		  PSCI_RET_INVALID_ADDRESS },
		{ "CPU_ON at an entry that wraps", PSCI_0_2_FN64_CPU_ON, self, ~0ULL - 3, 0,
		  PSCI_RET_INVALID_ADDRESS },
		{ "CPU_ON of the calling (running) vCPU", PSCI_0_2_FN64_CPU_ON, self, good_entry, 0,
		  PSCI_RET_ALREADY_ON },
		{ "AFFINITY_INFO at level 1", PSCI_0_2_FN64_AFFINITY_INFO, self, 1, 0,
		  PSCI_RET_INVALID_PARAMS },
		{ "AFFINITY_INFO of no vCPU", PSCI_0_2_FN64_AFFINITY_INFO, 0xff, 0, 0,
		  PSCI_RET_INVALID_PARAMS },
		{ "AFFINITY_INFO of itself", PSCI_0_2_FN64_AFFINITY_INFO, self, 0, 0, 0 /* ON */ },
		{ "SYSTEM_OFF with the 64-bit ID", PSCI_0_2_FN_SYSTEM_OFF | 0x40000000U, 0, 0, 0,
		  PSCI_RET_NOT_SUPPORTED },
		{ "SYSTEM_RESET with reserved bits", PSCI_0_2_FN_SYSTEM_RESET | 0x100, 0, 0, 0,
		  PSCI_RET_NOT_SUPPORTED },
		{ "an unassigned PSCI number", PSCI_0_2_FN_BASE + 0x1f, 0, 0, 0, PSCI_RET_NOT_SUPPORTED },
		{ "PSCI_FEATURES of SYSTEM_OFF64", PSCI_1_0_FN_PSCI_FEATURES,
		  PSCI_0_2_FN_SYSTEM_OFF | 0x40000000U, 0, 0, PSCI_RET_NOT_SUPPORTED },
	};
	unsigned int i, ok = 0;

	if (!page)
		return -ENOMEM;

	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		const struct probe *p = &probes[i];
		struct arm_smccc_res res;

		arm_smccc_1_1_invoke(p->fn, p->a1, p->a2, p->a3, &res);
		if ((long)res.a0 == p->want)
			ok++;
		else
			pr_err("psciprobe: %s: got %ld, want %ld\n", p->what, (long)res.a0, p->want);
	}
	pr_info("psciprobe: %u of %zu checks passed\n", ok, ARRAY_SIZE(probes));
	free_page(page);
	return 0;
}

static void __exit psciprobe_exit(void)
{
}

module_init(psciprobe_init);
module_exit(psciprobe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Keel test: PSCI calls with bad arguments from a guest");
