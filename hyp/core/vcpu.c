// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <hyp/gic.h>
#include <hyp/log.h>
#include <hyp/pcpu.h>
#include <hyp/sched.h>
#include <hyp/sysreg.h>
#include <hyp/vcpu.h>
#include <hyp/vm.h>

void vcpu_reset(struct vcpu *v, u64 pc, u64 ctx)
{
	v->regs = (struct cpu_regs){ 0 };
	v->regs.x[0] = ctx;
	v->regs.elr = pc;
	/* Linux's boot protocol: EL1h, all of DAIF masked, MMU off. */
	v->regs.spsr = PSR_MODE_EL1h | PSR_DAIF;
	/* Nothing of a previous life is pending for the new one. */
	v->vserror_pending = false;
	v->wake_at = 0;
	vcpu_sysregs_reset(v);
}

void vcpu_kick(struct vcpu *v)
{
	u32 pcpu;

	sched_wake(v);
	/* Whatever the caller made pending for v is visible before we read
	 * where v is: a pCPU that moved v (sched_balance.c) and so is not the
	 * one kicked here sees it when it loads v. */
	dmb(ish);
	pcpu = READ_ONCE(v->pcpu);
	if (pcpu != this_cpu_id())
		gic->send_sgi(pcpu, SGI_KICK);
}

void vcpu_dump(struct vcpu *v)
{
	pr_err("vm%u vcpu%u: pc %#llx spsr %#llx esr %#llx far %#llx hpfar %#llx", v->vm->id, v->id,
	       (unsigned long long)v->regs.elr, (unsigned long long)v->regs.spsr,
	       (unsigned long long)v->esr, (unsigned long long)v->far,
	       (unsigned long long)v->hpfar);
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

void vcpu_fatal(struct vcpu *v, const char *why)
{
	pr_err("vm%u vcpu%u: %s (exception class %#llx)", v->vm->id, v->id, why,
	       (unsigned long long)ESR_EC(v->esr));
	vcpu_dump(v);
	vm_stop(v->vm, why);
}
