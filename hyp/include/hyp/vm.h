/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef HYP_VM_H
#define HYP_VM_H
#include <hyp/config.h>
#include <hyp/mmio.h>
#include <hyp/platform.h>
#include <hyp/spinlock.h>
#include <hyp/stage2.h>
#include <hyp/types.h>
#include <hyp/vcpu.h>
#include <hyp/vgic.h>

enum vm_state {
	VM_CREATED,
	VM_RUNNING,
	VM_STOPPED,
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
	u32 hw_ppis;          /* PPIs (bit n = INTID 16 + n) forwarded from the hardware */
	u32 nr_mmio;
	struct mmio_region mmio[MAX_MMIO_REGIONS];
	spinlock_t lock;
};

extern struct vm *vm0;

struct vm *vm_alloc(u32 id, u32 nr_vcpus);
struct vm *vm_find(u32 id);
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
