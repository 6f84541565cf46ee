// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * PSCI 1.0 and SMCCC 1.1 discovery as every VM sees them. Calls dispatch
 * through a table indexed by the function number (low 5 bits) of the PSCI
 * range; both the 32- and 64-bit IDs land on the same entry.
 */
#include <asm/firmware.h>
#include <hyp/log.h>
#include <hyp/pcpu.h>
#include <hyp/psci.h>
#include <hyp/sched.h>
#include <hyp/vcpu.h>
#include <hyp/vm.h>

#define PSCI_VERSION_1_0 0x10000
#define SMCCC_VERSION_1_1 0x10001
#define SMCCC_OWNER(fn) (((fn) >> 24) & 0x3f)
#define SMCCC_OWNER_ARCH 0
#define SMCCC_OWNER_STANDARD 4
#define PSCI_FN_NUM(fn) ((fn) & 0x1f)
#define SMCCC_IS_64(fn) ((fn) & 0x40000000U)

#define AFFINITY_ON 0
#define AFFINITY_OFF 1
#define AFFINITY_ON_PENDING 2

typedef s64 (*psci_fn_t)(struct vcpu *v, u64 a1, u64 a2, u64 a3);

void vm_system_event(struct vm *vm, bool reset);

static s64 psci_version(struct vcpu *v, u64 a1, u64 a2, u64 a3)
{
	return PSCI_VERSION_1_0;
}

static s64 psci_cpu_suspend(struct vcpu *v, u64 a1, u64 a2, u64 a3)
{
	/* Standby semantics: wait for an interrupt, like WFI. A power-down
	 * state would also be allowed to return like this (PSCI 5.4.2). */
	if (!vgic_has_pending(v))
		sched_block(v);
	return PSCI_RET_SUCCESS;
}

static s64 psci_cpu_off(struct vcpu *v, u64 a1, u64 a2, u64 a3)
{
	v->state = VCPU_OFF;
	return PSCI_RET_SUCCESS;  /* never seen by the caller */
}

static s64 psci_cpu_on(struct vcpu *v, u64 mpidr, u64 entry, u64 ctx)
{
	struct vcpu *t = vm_vcpu_by_mpidr(v->vm, mpidr);

	if (!t)
		return PSCI_RET_INVALID_PARAMS;
	if (!vm_ram_contains(v->vm, entry, 4) || (entry & 3))
		return PSCI_RET_INVALID_ADDRESS;
	spin_lock(&v->vm->lock);
	if (t->state != VCPU_OFF) {
		spin_unlock(&v->vm->lock);
		return t->state == VCPU_STOPPED ? PSCI_RET_DENIED : PSCI_RET_ALREADY_ON;
	}
	vcpu_reset(t, entry, ctx);
	t->state = VCPU_BLOCKED;  /* not OFF any more: a second CPU_ON sees ALREADY_ON */
	spin_unlock(&v->vm->lock);
	sched_enqueue(t);
	return PSCI_RET_SUCCESS;
}

static s64 psci_affinity_info(struct vcpu *v, u64 mpidr, u64 level, u64 a3)
{
	struct vcpu *t;

	if (level != 0)
		return PSCI_RET_INVALID_PARAMS;
	t = vm_vcpu_by_mpidr(v->vm, mpidr);
	if (!t)
		return PSCI_RET_INVALID_PARAMS;
	return (t->state == VCPU_OFF || t->state == VCPU_STOPPED) ? AFFINITY_OFF : AFFINITY_ON;
}

static s64 psci_migrate_info_type(struct vcpu *v, u64 a1, u64 a2, u64 a3)
{
	return 2;  /* no Trusted OS that needs migration */
}

static s64 psci_system_off(struct vcpu *v, u64 a1, u64 a2, u64 a3)
{
	vm_system_event(v->vm, false);
	return PSCI_RET_INTERNAL_FAILURE;  /* only reached if the VM was not stopped */
}

static s64 psci_system_reset(struct vcpu *v, u64 a1, u64 a2, u64 a3)
{
	vm_system_event(v->vm, true);
	return PSCI_RET_INTERNAL_FAILURE;
}

static s64 psci_features(struct vcpu *v, u64 fn, u64 a2, u64 a3);

static const psci_fn_t psci_table[32] = {
	[0] = psci_version,
	[1] = psci_cpu_suspend,
	[2] = psci_cpu_off,
	[3] = psci_cpu_on,
	[4] = psci_affinity_info,
	[6] = psci_migrate_info_type,
	[8] = psci_system_off,
	[9] = psci_system_reset,
	[10] = psci_features,
};

/* The 64-bit calling convention exists only for calls that take addresses
 * or MPIDRs. */
static const u32 psci_has_64 = BIT(1) | BIT(3) | BIT(4);

static psci_fn_t psci_lookup(u32 fn)
{
	if (SMCCC_OWNER(fn) != SMCCC_OWNER_STANDARD || (fn & 0xffe0) != 0)
		return NULL;
	if (SMCCC_IS_64(fn) && !(psci_has_64 & BIT(PSCI_FN_NUM(fn))))
		return NULL;
	return psci_table[PSCI_FN_NUM(fn)];
}

static s64 psci_features(struct vcpu *v, u64 fn, u64 a2, u64 a3)
{
	if (fn == SMCCC_VERSION_FN)
		return PSCI_RET_SUCCESS;
	return psci_lookup((u32)fn) ? PSCI_RET_SUCCESS : PSCI_RET_NOT_SUPPORTED;
}

bool psci_is_call(u32 fn)
{
	return SMCCC_OWNER(fn) == SMCCC_OWNER_STANDARD || SMCCC_OWNER(fn) == SMCCC_OWNER_ARCH;
}

void psci_handle(struct vcpu *v)
{
	u32 fn = (u32)v->regs.x[0];
	u64 a1 = v->regs.x[1], a2 = v->regs.x[2], a3 = v->regs.x[3];
	psci_fn_t h;
	s64 ret;

	/* SMC32 callers only set the low halves of their arguments. */
	if (!SMCCC_IS_64(fn)) {
		a1 &= 0xffffffffULL;
		a2 &= 0xffffffffULL;
		a3 &= 0xffffffffULL;
	}
	if (SMCCC_OWNER(fn) == SMCCC_OWNER_ARCH) {
		/* SMCCC_VERSION is the only architecture call we implement; the
		 * Spectre workaround queries get "not supported". */
		ret = fn == SMCCC_VERSION_FN ? SMCCC_VERSION_1_1 : PSCI_RET_NOT_SUPPORTED;
	} else {
		h = psci_lookup(fn);
		ret = h ? h(v, a1, a2, a3) : PSCI_RET_NOT_SUPPORTED;
	}
	v->regs.x[0] = (u64)ret;
}
