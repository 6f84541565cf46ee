// SPDX-License-Identifier: GPL-2.0 OR MIT
/* A vCPU's life as core sees it: reset, the switch onto and off a pCPU,
 * kicks, and the end of its VM when it does something fatal. What is
 * Arm's (registers, EL1 state, the exit syndrome) is behind the
 * vcpu_arch_* hooks (asm/vcpu.h). */
#include <asm/barrier.h>
#include <hyp/gic.h>
#include <hyp/log.h>
#include <hyp/pcpu.h>
#include <hyp/sched.h>
#include <hyp/vcpu.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

void vcpu_reset(struct vcpu *v, u64 pc, u64 ctx)
{
	vcpu_arch_reset(v, pc, ctx);
	/* Nothing of a previous life is pending for the new one. */
	v->wake_at = 0;
	v->sys_dirty = true;
}

/* The vGIC interface first: vcpu_arch_load ends with the barrier that puts
 * both in place before the guest is entered. */
void vcpu_load(struct vcpu *v)
{
	vgic_restore(v);
	vcpu_arch_load(v);
	v->sys_dirty = false;
	v->loaded = true;
}

/* The arch first: it stops the vCPU's timer and takes the forwarded
 * interrupt's active state before the list registers are read back. */
void vcpu_put(struct vcpu *v)
{
	vcpu_arch_put(v);
	vgic_save(v);
	/* Everything saved above is visible before another pCPU may see the
	 * vCPU unloaded and take it (sched_balance.c: acquire there). */
	dmb(ish);
	v->loaded = false;
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

void vcpu_fatal(struct vcpu *v, const char *why)
{
	pr_err("vm%u vcpu%u: %s (exception class %#llx)", v->vm->id, v->id, why,
	       (unsigned long long)vcpu_arch_exit_class(&v->arch));
	vcpu_dump(v);
	vm_stop(v->vm, why);
}
