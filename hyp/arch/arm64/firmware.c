// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <asm/firmware.h>
#include <hyp/log.h>
#include <asm/sysreg.h>

void smccc_smc(u64 fn, u64 a1, u64 a2, u64 a3, struct smccc_res *res)
{
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;

	/* SMCCC: x4-x17 may be clobbered by the callee. */
	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
			   "x14", "x15", "x16", "x17", "memory");
	res->a0 = x0;
	res->a1 = x1;
	res->a2 = x2;
	res->a3 = x3;
}

s64 firmware_cpu_on(u64 mpidr, u64 entry, u64 ctx)
{
	struct smccc_res r;

	smccc_smc(PSCI_FN64_CPU_ON, mpidr, entry, ctx, &r);
	return (s64)r.a0;
}

void firmware_system_off(void)
{
	struct smccc_res r;

	smccc_smc(PSCI_FN_SYSTEM_OFF, 0, 0, 0, &r);
	pr_err("firmware SYSTEM_OFF returned %lld; parking", (long long)r.a0);
	for (;;)
		wfi();
}

void firmware_system_reset(void)
{
	struct smccc_res r;

	smccc_smc(PSCI_FN_SYSTEM_RESET, 0, 0, 0, &r);
	pr_err("firmware SYSTEM_RESET returned %lld; parking", (long long)r.a0);
	for (;;)
		wfi();
}
