// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <asm/firmware.h>
#include <keel/vm.h>
#include <hyp/errno.h>
#include <hyp/guest.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/pcpu.h>
#include <hyp/sched.h>
#include <hyp/sysreg.h>
#include <hyp/vm.h>

_Static_assert(MAX_VMS == KEEL_MAX_VMS, "hyp has a VM slot for every id of the ABI, no more");

struct vm *vm0;
static struct vm *vms[MAX_VMS];
static spinlock_t vms_lock = SPINLOCK_INIT;

#define VM_PAGES ((ALIGN_UP(sizeof(struct vm), PAGE_SIZE)) >> PAGE_SHIFT)
#define VCPU_PAGES ((ALIGN_UP(sizeof(struct vcpu), PAGE_SIZE)) >> PAGE_SHIFT)

void vm_free(struct vm *vm)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i])
			mem_free_pages(vm->vcpus[i], VCPU_PAGES);
	stage2_destroy(&vm->s2);
	mem_free_pages(vm, VM_PAGES);
}

struct vm *vm_alloc(u32 id, u32 nr_vcpus)
{
	struct vm *vm;

	if (id >= MAX_VMS || !nr_vcpus || nr_vcpus > MAX_VCPUS)
		return NULL;
	vm = mem_zalloc(sizeof(*vm));
	if (!vm)
		return NULL;
	vm->id = id;
	vm->vmid = (u16)(id + 1);  /* VMID 0 stays unused: nothing runs with it */
	vm->nr_vcpus = nr_vcpus;
	for (u32 i = 0; i < nr_vcpus; i++) {
		struct vcpu *v = mem_zalloc(sizeof(*v));

		if (!v)
			goto fail;
		v->vm = vm;
		v->id = i;
		v->state = VCPU_OFF;
		vm->vcpus[i] = v;
	}
	if (stage2_init(&vm->s2, vm->vmid))
		goto fail;
	spin_lock(&vms_lock);
	if (vms[id]) {
		spin_unlock(&vms_lock);
		goto fail;
	}
	vms[id] = vm;
	spin_unlock(&vms_lock);
	return vm;
fail:
	vm_free(vm);
	return NULL;
}

void vm_unpublish(struct vm *vm)
{
	spin_lock(&vms_lock);
	if (vms[vm->id] == vm)
		vms[vm->id] = NULL;
	spin_unlock(&vms_lock);
}

u64 vm_ram_bytes(const struct vm *vm)
{
	u64 sum = 0;

	for (u32 i = 0; i < vm->nr_mem; i++)
		sum += vm->mem[i].size;
	return sum;
}

struct vm *vm_find(u32 id)
{
	return id < MAX_VMS ? READ_ONCE(vms[id]) : NULL;
}

bool vm_ram_contains(const struct vm *vm, u64 ipa, u64 len)
{
	if (ipa + len < ipa)
		return false;
	for (u32 i = 0; i < vm->nr_mem; i++) {
		const struct mem_range *m = &vm->mem[i];

		if (ipa >= m->base && ipa + len <= m->base + m->size)
			return true;
	}
	return false;
}

struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, u64 mpidr)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		if ((vm->vcpus[i]->vmpidr & MPIDR_AFF_MASK) == (mpidr & MPIDR_AFF_MASK))
			return vm->vcpus[i];
	return NULL;
}

void vm_stop(struct vm *vm, const char *why)
{
	if (vm->state == VM_STOPPED)
		return;
	vm->state = VM_STOPPED;
	if (!vm->stop_reason)
		vm->stop_reason = KEEL_STOP_CRASH;
	if (vm->stop_reason == KEEL_STOP_CRASH)
		pr_err("vm%u stopped: %s", vm->id, why);
	else
		pr_info("vm%u stopped: %s", vm->id, why);
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i]->state = VCPU_STOPPED;
		vcpu_kick(vm->vcpus[i]);
	}
	if (vm->is_vm0)
		pr_err("VM0 is gone: the hypervisor keeps running, idle; reset the machine to recover");
	else
		guest_stopped(vm, vm->stop_reason);
}

/* PSCI SYSTEM_OFF / SYSTEM_RESET from a VM. VM0 owns the machine, so its
 * request goes to the firmware; a guest's will end in a notification to VM0. */
void vm_system_event(struct vm *vm, bool reset);
void vm_system_event(struct vm *vm, bool reset)
{
	if (vm->is_vm0) {
		pr_info("VM0 asked for system %s", reset ? "reset" : "off");
		if (reset)
			firmware_system_reset();
		firmware_system_off();
	}
	vm->stop_reason = reset ? KEEL_STOP_RESET : KEEL_STOP_POWEROFF;
	vm_stop(vm, reset ? "guest asked for a reset" : "guest powered off");
}
