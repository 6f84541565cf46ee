// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <asm/firmware.h>
#include <keel/vm.h>
#include <hyp/errno.h>
#include <hyp/guest.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/pcpu.h>
#include <hyp/sched.h>
#include <asm/barrier.h>
#include <asm/sysreg.h>
#include <hyp/vm.h>

_Static_assert(MAX_VMS == KEEL_MAX_VMS, "hyp has a VM slot for every id of the ABI, no more");

struct vm *vm0;
static struct vm *vms[MAX_VMS];
/* The lifecycle lock: the id table, every vm->state change and every new
 * reference. VM0's vCPUs make hypercalls on all pCPUs at once, and a
 * guest's own vCPUs stop it (PSCI, faults), so all of these race. */
static spinlock_t vms_lock = SPINLOCK_INIT;

/* How long vm_kill waits for hypercalls in flight on other pCPUs to drop
 * their references. They hold one for a few microseconds; the bound only
 * matters when the host deschedules a pCPU (QEMU TCG threads, say). */
#define VM_KILL_WAIT_NS 1000000000ULL

static u64 lifecycle_lock(void)
{
	/* irq_save: vm_stop also runs from exits taken with interrupts on. */
	u64 flags = irq_save();

	spin_lock(&vms_lock);
	return flags;
}

static void lifecycle_unlock(u64 flags)
{
	spin_unlock(&vms_lock);
	irq_restore(flags);
}

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
	u64 flags;

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
	/* Published as CREATING (zeroed): the id is taken, but vm_get refuses
	 * it until vm_publish, so nothing reaches a VM still being built. */
	flags = lifecycle_lock();
	if (vms[id]) {
		lifecycle_unlock(flags);
		goto fail;
	}
	vms[id] = vm;
	lifecycle_unlock(flags);
	return vm;
fail:
	vm_free(vm);
	return NULL;
}

void vm_publish(struct vm *vm)
{
	u64 flags = lifecycle_lock();

	/* The lock's release orders everything guest_create built before
	 * the state that lets vm_get hand the VM out. */
	vm->state = VM_CREATED;
	lifecycle_unlock(flags);
}

void vm_unpublish(struct vm *vm)
{
	u64 flags = lifecycle_lock();

	if (vms[vm->id] == vm)
		vms[vm->id] = NULL;
	lifecycle_unlock(flags);
}

struct vm *vm_get(u32 id)
{
	struct vm *vm;
	u64 flags;

	if (id >= MAX_VMS)
		return NULL;
	flags = lifecycle_lock();
	vm = vms[id];
	if (vm && (vm->state == VM_CREATING || vm->state == VM_DYING))
		vm = NULL;
	/* Taken under the lock: vm_kill marks DYING under it too, so once it
	 * has, the count can only fall. */
	if (vm)
		__atomic_fetch_add(&vm->refs, 1, __ATOMIC_RELAXED);
	lifecycle_unlock(flags);
	return vm;
}

void vm_put(struct vm *vm)
{
	/* Release: this hypercall's accesses to the VM are done before
	 * vm_kill (acquire) can see the count drop and free it. */
	__atomic_fetch_sub(&vm->refs, 1, __ATOMIC_RELEASE);
}

int vm_start(struct vm *vm, u64 now_ns)
{
	u64 flags = lifecycle_lock();
	int ret = -EBUSY;

	if (vm->state == VM_CREATED) {
		vm->state = VM_RUNNING;
		vm->stop_reason = KEEL_STOP_NONE;
		vm->started_ns = now_ns;
		ret = 0;
	}
	lifecycle_unlock(flags);
	return ret;
}

int vm_kill(struct vm *vm, u32 held)
{
	u64 flags = lifecycle_lock();
	enum vm_state was = vm->state;
	u64 end;

	if (was != VM_CREATED && was != VM_STOPPED) {
		lifecycle_unlock(flags);
		return -EBUSY;
	}
	vm->state = VM_DYING;
	lifecycle_unlock(flags);
	end = hyp_now_ns() + VM_KILL_WAIT_NS;
	/* Acquire: pairs with vm_put's release. */
	while (__atomic_load_n(&vm->refs, __ATOMIC_ACQUIRE) > held) {
		if (hyp_now_ns() > end) {
			flags = lifecycle_lock();
			vm->state = was;
			lifecycle_unlock(flags);
			pr_warn("vm%u: still in use by %u hypercall(s): not destroyed", vm->id,
				__atomic_load_n(&vm->refs, __ATOMIC_RELAXED) - held);
			return -EBUSY;
		}
		cpu_relax();
	}
	return 0;
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
	u64 flags = lifecycle_lock();

	/* Only a built VM that has not stopped yet stops: a CREATING or DYING
	 * one has no vCPU that may run, and its owner is tearing it down. */
	if (vm->state != VM_CREATED && vm->state != VM_RUNNING) {
		lifecycle_unlock(flags);
		return;
	}
	vm->state = VM_STOPPED;
	lifecycle_unlock(flags);
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
