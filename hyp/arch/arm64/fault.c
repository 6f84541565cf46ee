// SPDX-License-Identifier: GPL-2.0 OR MIT
/* An exception taken from EL2 itself (vectors.S): a hypervisor bug. The
 * arch's part is the report, the registers that say where and why; what
 * happens then is core's panic policy (core/panic.c). */
#include <hyp/log.h>
#include <hyp/pcpu.h>

void hyp_fault(u64 kind, u64 esr, u64 elr, u64 far, u64 sp);
void hyp_fault(u64 kind, u64 esr, u64 elr, u64 far, u64 sp)
{
	hyp_panic("%s exception in the hypervisor on pCPU %u: ESR %#llx ELR %#llx FAR %#llx SP %#llx",
		  kind ? "unexpected" : "synchronous", this_cpu_id(), (unsigned long long)esr,
		  (unsigned long long)elr, (unsigned long long)far, (unsigned long long)sp);
}
