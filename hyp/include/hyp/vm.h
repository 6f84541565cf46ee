/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef HYP_VM_H
#define HYP_VM_H
#include <hyp/config.h>
#include <hyp/mmio.h>
#include <hyp/platform.h>
#include <hyp/shadow.h>
#include <hyp/spinlock.h>
#include <hyp/stage2.h>
#include <hyp/types.h>
#include <hyp/vcpu.h>
#include <hyp/vgic.h>

/*
 * A VM's lifecycle. Every change of state happens under the lifecycle lock
 * (vm.c); CREATING and DYING VMs are invisible to vm_get, so no hypercall
 * can reach a VM that is half built or half torn down.
 *   CREATING -> CREATED (vm_publish) -> RUNNING (vm_start) -> STOPPED
 *   CREATED/STOPPED -> DYING (vm_kill) -> freed;  CREATING -> freed
 */
enum vm_state {
	VM_CREATING,  /* id reserved, being built: zero, so a fresh struct is in it */
	VM_CREATED,
	VM_RUNNING,
	VM_STOPPED,
	VM_DYING,     /* being destroyed: waits for the last reference */
};

struct vm {
	u32 id;
	u16 vmid;
	bool is_vm0;
	volatile enum vm_state state;
	u32 nr_vcpus;
	struct vcpu *vcpus[MAX_VCPUS];
	struct stage2 s2;
	u64 hcr;              /* HCR_EL2 while its vCPUs run */
	u64 cnthctl;          /* CNTHCTL_EL2 while its vCPUs run */
	u32 nr_mem;
	struct mem_range mem[MAX_RAM_RANGES]; /* guest RAM, as IPA ranges */
	u64 mem_pa[MAX_RAM_RANGES];  /* guests: where each range lives (pool) */
	u32 mem_mapped;              /* guests: ranges VM0 can see (KEEL_HC_VM_MAP) */
	char name[32];
	u32 flags;                   /* KEEL_VM_F_* */
	u32 stop_reason;             /* KEEL_STOP_* */
	u64 started_ns;
	u64 nr_irqs;                 /* KEEL_HC_IRQ_LINE raises (atomic: any VM0 vCPU) */
	struct vgic_dist vgic;
	/* Per pCPU: 1 + the id of its vCPU that ran there last, 0 if none
	 * did (sched_tlb_enter). Each pCPU writes only its own entry. */
	u8 last_ran[MAX_PCPUS];
	u32 hw_ppis;          /* PPIs (bit n = INTID 16 + n) forwarded from the hardware */
	u32 nr_mmio;
	struct mmio_region mmio[MAX_MMIO_REGIONS];
	struct shadow_table shadow;  /* registers answered without VM0 (shadow.c) */
	spinlock_t lock;
	u32 refs;             /* vm_get references (hypercalls in flight) */
	/* Serialises every change to this VM's stage 2 while it is live (VM0's
	 * gets guest RAM mapped and unmapped by VM_MAP and VM_DESTROY from any
	 * of its vCPUs), and the mem_mapped bits that record those changes. */
	spinlock_t s2_lock;
};

extern struct vm *vm0;

/* A new VM in state CREATING, its id reserved; NULL if the id is taken. */
struct vm *vm_alloc(u32 id, u32 nr_vcpus);
/* CREATING -> CREATED: hypercalls may now reach it. */
void vm_publish(struct vm *vm);
/* Whatever holds the id, in any state, without a reference: only for
 * callers that neither sleep nor outlive a lifecycle change (VM0's own
 * interrupt routing, counting ids). */
struct vm *vm_find(u32 id);
/* A reference to a CREATED, RUNNING or STOPPED VM, or NULL; the VM is not
 * freed before the matching vm_put. */
struct vm *vm_get(u32 id);
void vm_put(struct vm *vm);
/* CREATED -> RUNNING; -EBUSY from any other state. */
int vm_start(struct vm *vm, u64 now_ns);
/* CREATED/STOPPED -> DYING once no reference but the caller's own (held
 * is 1 or 0) is left; -EBUSY if it is running or references stay (the
 * state is then as it was). */
int vm_kill(struct vm *vm, u32 held);
/* Is [ipa, ipa + len) inside the VM's RAM? */
bool vm_ram_contains(const struct vm *vm, u64 ipa, u64 len);
/* Stop every vCPU of the VM. A guest's VM0 is told (KEEL_EV_VM_STOPPED with
 * vm->stop_reason, KEEL_STOP_CRASH if the caller set none). */
void vm_stop(struct vm *vm, const char *why);
void vm_unpublish(struct vm *vm);  /* vm_find no longer returns it */
void vm_free(struct vm *vm);       /* stage 2, vCPUs, the struct */
u64 vm_ram_bytes(const struct vm *vm);
struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, u64 mpidr);
#endif
