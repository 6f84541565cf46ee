// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Physical interrupts reach EL2 (HCR_EL2.IMO). Ours are handled here; a VM's
 * are forwarded to it with the hardware link, so only its deactivation, not
 * ours, ends the physical interrupt (EOImode = 1: gic->eoi only drops the
 * running priority).
 */
#include <hyp/gic.h>
#include <hyp/irq.h>
#include <hyp/log.h>
#include <hyp/pcpu.h>
#include <hyp/platform.h>
#include <hyp/sched.h>
#include <hyp/vcpu.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

static u8 spi_owner[VGIC_MAX_IRQS];  /* VM id + 1; 0: nobody */

void irq_set_owner(u32 intid, struct vm *vm)
{
	if (intid >= GIC_NR_PRIVATE && intid < VGIC_MAX_IRQS)
		WRITE_ONCE(spi_owner[intid], vm ? (u8)(vm->id + 1) : 0);
}

struct vm *irq_owner(u32 intid)
{
	struct vcpu *cur;

	if (intid >= GIC_NR_PRIVATE) {
		u8 o = intid < VGIC_MAX_IRQS ? READ_ONCE(spi_owner[intid]) : 0;

		return o ? vm_find(o - 1) : NULL;
	}
	/* A private interrupt belongs to the VM whose vCPU is on this pCPU. */
	cur = this_cpu()->current;
	if (cur && intid >= 16 && (cur->vm->hw_ppis & BIT(intid - 16)))
		return cur->vm;
	return NULL;
}

static void irq_hyp(u32 intid)
{
	if (intid == plat.gic.maint_intid)
		vgic_maintenance();
	else if (intid == plat.timer_intid[3])
		sched_timer_irq();
	/* SGI_KICK needs no work: taking the interrupt made this pCPU leave the
	 * guest (or WFI), and the exit path re-runs the scheduler and refills
	 * the list registers. */
}

void irq_handle(void)
{
	for (;;) {
		u32 intid = gic->ack();
		struct vm *vm;

		if (intid >= GIC_INTID_SPURIOUS - 3)  /* 1020..1023: special */
			return;
		gic->eoi(intid);
		vm = intid < 16 ? NULL : irq_owner(intid);
		if (vm && vm->state != VM_STOPPED) {
			vgic_forward_phys(vm, intid);
			continue;
		}
		if (intid >= 16 && intid != plat.gic.maint_intid && intid != plat.timer_intid[3]) {
			/* Nobody wants it: mask it so it cannot storm. A PPI
			 * forwarded to a vCPU is enabled again from that vCPU's
			 * state when it is next loaded (vgic_restore). */
			pr_warn("interrupt %u has no owner: masked", intid);
			gic->set_enable(intid, false);
		}
		irq_hyp(intid);
		gic->deactivate(intid);
	}
}
