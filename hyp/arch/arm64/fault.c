// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Register dumps: of an exception taken from EL2 itself (vectors.S: a
 * hypervisor bug; what happens then is core's panic policy, core/panic.c),
 * and of a vCPU whose VM core stops (vcpu_fatal). */
#include <asm/sysreg.h>
#include <hyp/log.h>
#include <hyp/pcpu.h>
#include <hyp/vcpu.h>
#include <hyp/vm.h>

void hyp_fault(u64 kind, u64 esr, u64 elr, u64 far, u64 sp);
void hyp_fault(u64 kind, u64 esr, u64 elr, u64 far, u64 sp)
{
	hyp_panic("%s exception in the hypervisor on pCPU %u: ESR %#llx ELR %#llx FAR %#llx SP %#llx",
		  kind ? "unexpected" : "synchronous", this_cpu_id(), (unsigned long long)esr,
		  (unsigned long long)elr, (unsigned long long)far, (unsigned long long)sp);
}

/* The vCPU is loaded on this pCPU (core is handling its exit), so its EL1
 * registers are the live ones. */
void vcpu_dump(struct vcpu *v)
{
	pr_err("vm%u vcpu%u: pc %#llx spsr %#llx esr %#llx far %#llx hpfar %#llx", v->vm->id, v->id,
	       (unsigned long long)v->regs.elr, (unsigned long long)v->regs.spsr,
	       (unsigned long long)v->arch.esr, (unsigned long long)v->arch.far,
	       (unsigned long long)v->arch.hpfar);
	for (int i = 0; i < 31; i += 4)
		pr_err("  x%-2d %016llx x%-2d %016llx x%-2d %016llx x%-2d %016llx", i,
		       (unsigned long long)v->regs.x[i], i + 1,
		       (unsigned long long)(i + 1 < 31 ? v->regs.x[i + 1] : 0), i + 2,
		       (unsigned long long)(i + 2 < 31 ? v->regs.x[i + 2] : 0), i + 3,
		       (unsigned long long)(i + 3 < 31 ? v->regs.x[i + 3] : 0));
	pr_err("  sctlr_el1 %#llx vbar_el1 %#llx elr_el1 %#llx esr_el1 %#llx far_el1 %#llx",
	       (unsigned long long)read_sysreg(sctlr_el1), (unsigned long long)read_sysreg(vbar_el1),
	       (unsigned long long)read_sysreg(elr_el1), (unsigned long long)read_sysreg(esr_el1),
	       (unsigned long long)read_sysreg(far_el1));
}
