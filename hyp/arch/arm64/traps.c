// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Guest exits. Synchronous exceptions dispatch through a table indexed by the
 * ESR exception class; a class nobody handles stops that VM, never the
 * hypervisor. Every exit ends in the same fixed sequence (guest_exit).
 */
#include <asm/firmware.h>
#include <asm/id_regs.h>
#include <hyp/hypercall.h>
#include <hyp/irq.h>
#include <hyp/log.h>
#include <hyp/mmio.h>
#include <hyp/pcpu.h>
#include <hyp/psci.h>
#include <hyp/sched.h>
#include <asm/sysreg.h>
#include <hyp/vcpu.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>
#include <hyp/errno.h>

#define EXIT_SYNC 0
#define EXIT_IRQ 1
#define EXIT_FIQ 2
#define EXIT_SERROR 3

typedef void (*exit_handler_t)(struct vcpu *v);

static void skip_insn(struct vcpu *v)
{
	v->regs.elr += (v->arch.esr & ESR_IL) ? 4 : 2;
}

static void handle_hvc(struct vcpu *v)
{
	/* ELR already points after the HVC. */
	u32 fn = (u32)v->regs.x[0];

	if (psci_is_call(fn))
		psci_handle(v);
	else
		hypercall_handle(v);
}

static void handle_smc(struct vcpu *v)
{
	/* A trapped SMC leaves ELR on the SMC itself. */
	skip_insn(v);
	if (psci_is_call((u32)v->regs.x[0]))
		psci_handle(v);
	else
		v->regs.x[0] = (u64)(s64)PSCI_RET_NOT_SUPPORTED;
}

static void handle_wfx(struct vcpu *v)
{
	u64 esr = v->arch.esr;
	u32 ti = esr & ESR_WFX_TI_MASK;
	u64 deadline;

	skip_insn(v);
	/* WFE and WFET are hints that may complete at any time: the guest just
	 * goes on (its timeout cannot be missed by returning early). WFI and
	 * WFIT wait for an interrupt unless one is already pending. */
	if (ti == ESR_WFX_TI_WFE || ti == ESR_WFX_TI_WFET || vgic_has_pending(v))
		return;
	if (ti == ESR_WFX_TI_WFI) {
		sched_block(v);
		return;
	}
	/* WFIT: also wake when CNTVCT reaches Xt (CNTVOFF is 0 for every VM).
	 * Without RV the timeout is unknown: complete at once, which WFIT may. */
	if (!(esr & ESR_WFX_RV))
		return;
	deadline = vcpu_get_reg(v, (esr >> ESR_WFX_RT_SHIFT) & 0x1f);
	if (deadline > read_sysreg(cntvct_el0))
		sched_block_until(v, deadline);
}

static void handle_sysreg(struct vcpu *v)
{
	u64 key = v->arch.esr & ESR_SYS_KEY_MASK;
	bool read = v->arch.esr & ESR_SYS_READ;
	u32 rt = (v->arch.esr >> ESR_SYS_RT_SHIFT) & 0x1f;
	u64 val = read ? 0 : vcpu_get_reg(v, rt);
	int ret = id_reg_read(key, read, !v->vm->is_vm0, &val);

	if (ret == -ENOENT)
		ret = sysreg_emulate(v, key, read, &val);
	if (ret == -ENOENT)
		ret = vgic_sysreg(v, key, read, &val);

	if (ret) {
		pr_guest_warn(v->vm->id, "vm%u vcpu%u: %s of unhandled system register (ESR %#llx) at %#llx: undefined",
			v->vm->id, v->id, read ? "read" : "write", (unsigned long long)v->arch.esr,
			(unsigned long long)v->regs.elr);
		vcpu_inject_undef(v);
		return;
	}
	if (read)
		vcpu_set_reg(v, rt, val);
	skip_insn(v);
}

/* SVE or SME used although the ID registers said they are absent. */
static void handle_undef(struct vcpu *v)
{
	vcpu_inject_undef(v);
}

/* HPFAR_EL2 holds the faulting IPA only for a stage-2 translation, access
 * flag or permission fault (or one on a stage-1 walk, S1PTW); for any other
 * fault status (external abort, TLB conflict, ...) it is UNKNOWN and must
 * not pick an MMIO handler (ARM DDI 0487, HPFAR_EL2). */
static bool fault_ipa_valid(const struct vcpu *v)
{
	u32 kind = v->arch.esr & ESR_xABT_FSC_MASK & FSC_KIND_MASK;

	return kind == FSC_TRANS || kind == FSC_ACCESS || kind == FSC_PERM;
}

static u64 fault_ipa(struct vcpu *v)
{
	/* HPFAR_EL2.FIPA holds IPA[47:12] in bits [43:4]; the page offset comes
	 * from FAR_EL2 (ARM DDI 0487 D13.2.55). */
	return ((v->arch.hpfar >> 4) << 12) | (v->arch.far & 0xfff);
}

/* The value of an emulated read into its register, sign- or zero-extended
 * as the syndrome said (recorded at the exit, never taken from VM0). */
void vcpu_mmio_result(struct vcpu *v, u64 d)
{
	u32 size = v->ioreq_size;

	if (size < 8) {
		d &= (1ULL << (8 * size)) - 1;
		if (v->ioreq_sse && (d & (1ULL << (8 * size - 1))))
			d |= ~((1ULL << (8 * size)) - 1);
	}
	if (!v->ioreq_sf)
		d &= 0xffffffffULL;
	vcpu_set_reg(v, v->ioreq_rt, d);
}

void vcpu_mmio_done(struct vcpu *v)
{
	/* The length the syndrome gave at the exit (T32 at EL0 may be 16-bit). */
	v->regs.elr += v->ioreq_ilen;
}

static void handle_mmio(struct vcpu *v, u64 ipa, const struct mmio_region *r)
{
	u64 esr = v->arch.esr;
	u32 sas = (esr >> ESR_DABT_SAS_SHIFT) & 3;
	struct mmio_access acc = {
		.addr = ipa,
		.offset = ipa - r->base,
		.size = 1U << sas,
		.write = esr & ESR_DABT_WNR,
	};
	int ret;

	if (!(esr & ESR_DABT_ISV)) {
		/* No syndrome (e.g. a load pair or post-indexed access): we cannot
		 * emulate it without decoding guest memory, and will not guess. */
		pr_err("vm%u vcpu%u: MMIO access at IPA %#llx without syndrome (ISV = 0), pc %#llx",
		       v->vm->id, v->id, (unsigned long long)ipa, (unsigned long long)v->regs.elr);
		vcpu_fatal(v, "undecodable MMIO access");
		return;
	}
	/* Everything the answer needs, recorded before anyone can give it. */
	v->ioreq_rt = (esr >> ESR_DABT_SRT_SHIFT) & 0x1f;
	v->ioreq_size = acc.size;
	v->ioreq_sse = esr & ESR_DABT_SSE;
	v->ioreq_sf = esr & ESR_DABT_SF;
	v->ioreq_write = acc.write;
	v->ioreq_ilen = (esr & ESR_IL) ? 4 : 2;
	if (acc.write) {
		acc.data = vcpu_get_reg(v, v->ioreq_rt);
		if (acc.size < 8)
			acc.data &= (1ULL << (8 * acc.size)) - 1;
	}
	ret = r->handler(v, &acc, r->priv);
	if (ret == MMIO_DEFERRED)
		return;  /* VM0 answers; ioreq_complete finishes the instruction */
	if (ret) {
		vcpu_inject_abort(v, false, v->arch.far);
		return;
	}
	if (!acc.write)
		vcpu_mmio_result(v, acc.data);
	vcpu_mmio_done(v);
}

static void handle_dabt(struct vcpu *v)
{
	u64 ipa;
	const struct mmio_region *r;

	if (!fault_ipa_valid(v)) {
		/* Not a stage-2 fault on an address: an external abort or the
		 * like on memory the VM owns; give it back as the hardware would. */
		pr_guest_warn(v->vm->id,
			      "vm%u vcpu%u: data abort, fault status %#llx (VA %#llx, pc %#llx): external abort injected",
			      v->vm->id, v->id, (unsigned long long)(v->arch.esr & ESR_xABT_FSC_MASK),
			      (unsigned long long)v->arch.far, (unsigned long long)v->regs.elr);
		vcpu_inject_abort(v, false, v->arch.far);
		return;
	}
	ipa = fault_ipa(v);
	r = (v->arch.esr & ESR_DABT_S1PTW) ? NULL : mmio_find(v->vm, ipa);
	if (r) {
		handle_mmio(v, ipa, r);
		return;
	}
	/* Outside anything mapped or emulated for this VM: the guest sees an
	 * external abort, as it would on a bus with nothing there. */
	pr_guest_warn(v->vm->id, "vm%u vcpu%u: data abort at IPA %#llx (VA %#llx, pc %#llx): external abort injected",
		v->vm->id, v->id, (unsigned long long)ipa, (unsigned long long)v->arch.far,
		(unsigned long long)v->regs.elr);
	vcpu_inject_abort(v, false, v->arch.far);
}

static void handle_iabt(struct vcpu *v)
{
	if (fault_ipa_valid(v))
		pr_guest_warn(v->vm->id,
			      "vm%u vcpu%u: instruction abort at IPA %#llx (pc %#llx): external abort injected",
			      v->vm->id, v->id, (unsigned long long)fault_ipa(v),
			      (unsigned long long)v->regs.elr);
	else
		pr_guest_warn(v->vm->id,
			      "vm%u vcpu%u: instruction abort, fault status %#llx (pc %#llx): external abort injected",
			      v->vm->id, v->id, (unsigned long long)(v->arch.esr & ESR_xABT_FSC_MASK),
			      (unsigned long long)v->regs.elr);
	vcpu_inject_abort(v, true, v->arch.far);
}

static const exit_handler_t sync_handlers[EC_MAX + 1] = {
	[EC_WFX] = handle_wfx,
	[EC_HVC64] = handle_hvc,
	[EC_SMC64] = handle_smc,
	[EC_SYS64] = handle_sysreg,
	[EC_SVE] = handle_undef,
	[EC_SME] = handle_undef,
	[EC_DABT_LOW] = handle_dabt,
	[EC_IABT_LOW] = handle_iabt,
};

static void handle_sync(struct vcpu *v)
{
	exit_handler_t h;

	v->arch.esr = read_sysreg(esr_el2);
	v->arch.far = read_sysreg(far_el2);
	v->arch.hpfar = read_sysreg(hpfar_el2);
	h = sync_handlers[ESR_EC(v->arch.esr)];
	if (h)
		h(v);
	else
		vcpu_fatal(v, "unhandled exception class");
}

static void handle_serror(struct vcpu *v)
{
	v->arch.esr = read_sysreg(esr_el2);
	log_guest(v->vm->id, "keel: error: vm%u vcpu%u: SError (ESR %#llx): virtual SError injected", v->vm->id, v->id,
	       (unsigned long long)v->arch.esr);
	/* Pended through HCR_EL2.VSE whenever this vCPU, and only it, runs
	 * (vcpu_arch_set_traps); vserror_sync notices when the guest has taken it. */
	v->arch.vserror_pending = true;
}

/* HCR_EL2.VSE clears when the guest takes the virtual SError: then it is no
 * longer this vCPU's to carry. The exiting vCPU is the one whose HCR is live. */
static void vserror_sync(struct vcpu *v)
{
	if (v->arch.vserror_pending && !(read_sysreg(hcr_el2) & HCR_VSE)) {
		v->arch.vserror_pending = false;
		this_cpu()->arch.hcr_live &= ~HCR_VSE;
	}
}

void guest_exit(u64 type, struct cpu_regs *ctx);
void guest_exit(u64 type, struct cpu_regs *ctx)
{
	struct vcpu *v = container_of(ctx, struct vcpu, regs);

	v->nr_exits++;
	/* 1. What the guest did with its list registers and its pending
	 * virtual SError since it entered. */
	vgic_sync(v);
	vserror_sync(v);
	/* 2. The exit itself. */
	switch (type) {
	case EXIT_SYNC:
		handle_sync(v);
		break;
	case EXIT_IRQ:
	case EXIT_FIQ:
		irq_handle();
		break;
	default:
		handle_serror(v);
		break;
	}
	/* 3. Who runs next on this pCPU (maybe nobody for a while). */
	sched_resolve();
	/* 4. Pending virtual interrupts into the list registers of whoever that is. */
	vgic_flush(this_cpu()->current);
}
