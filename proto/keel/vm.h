/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file vm.h
 * @brief Guest VMs: the binary descriptor keeld hands to KEEL_HC_VM_CREATE and
 * the state KEEL_HC_VM_INFO reports.
 */
#ifndef KEEL_PROTO_VM_H
#define KEEL_PROTO_VM_H

#include "types.h"

#define KEEL_MAX_VMS 16       /**< VM ids 0 (VM0) .. 15 */
#define KEEL_MAX_VCPUS 8      /**< per VM */
#define KEEL_VM_MAX_MEM 4     /**< RAM regions per VM */
#define KEEL_VM_NAME_LEN 32

#define KEEL_VM_DESC_MAGIC 0x444d564bU /* "KVMD" */
#define KEEL_VM_DESC_REVISION 2  /* 2: pool, priority, slice_us */

/** Guest RAM IPA = PA, from one contiguous block of the pool (DMA without an IOMMU). */
#define KEEL_VM_F_IDENTITY 0x1
/** Its config named each vCPU's pCPU (vcpu_pcpu): they stay there. Without
 * it, the vCPUs of a guest in a shared pool may move between the pool's
 * pCPUs to balance load; vcpu_pcpu is then only where they start. */
#define KEEL_VM_F_PINNED 0x2

struct keel_vm_mem {
	__u64 ipa;   /**< page aligned */
	__u64 size;  /**< page aligned, non-zero */
};

struct keel_vm_desc {
	__u32 magic;                    /**< KEEL_VM_DESC_MAGIC */
	__u32 revision;                 /**< KEEL_VM_DESC_REVISION */
	__u32 id;                       /**< 1..KEEL_MAX_VMS-1, chosen by keeld */
	__u32 flags;                    /**< KEEL_VM_F_* */
	__u32 nr_vcpus;                 /**< 1..KEEL_MAX_VCPUS */
	__u32 nr_mem;                   /**< 1..KEEL_VM_MAX_MEM */
	__u8 vcpu_pcpu[KEEL_MAX_VCPUS]; /**< pCPU each vCPU runs on */
	struct keel_vm_mem mem[KEEL_VM_MAX_MEM];
	__u64 gicd_ipa;                 /**< where the guest sees its GIC distributor */
	__u64 gicr_ipa;                 /**< GICv3: first redistributor (0x20000 per vCPU) */
	__u64 gicc_ipa;                 /**< GICv2: CPU interface */
	char name[KEEL_VM_NAME_LEN];    /**< NUL-terminated */
	__u32 pool;                     /**< CPU pool index (stat.h); every vcpu_pcpu is in it */
	__u32 priority;                 /**< 0..KEEL_PRIO_MAX (stat.h), higher first; shared pools */
	__u32 slice_us;                 /**< 0 (default) or KEEL_SLICE_MIN_US..KEEL_SLICE_MAX_US */
	__u32 pad;                      /**< 0 */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_vm_desc) == 168, "keel_vm_desc layout");

/** VM states (keel_vm_info.state). */
#define KEEL_VM_CREATED 0   /**< memory and vCPUs exist, never started */
#define KEEL_VM_RUNNING 1
#define KEEL_VM_STOPPED 2   /**< see stop_reason */

/** Why a VM stopped (keel_vm_info.stop_reason, KEEL_EV_VM_STOPPED.arg). */
#define KEEL_STOP_NONE 0
#define KEEL_STOP_POWEROFF 1  /**< PSCI SYSTEM_OFF from the guest */
#define KEEL_STOP_RESET 2     /**< PSCI SYSTEM_RESET from the guest */
#define KEEL_STOP_CRASH 3     /**< an exit the hypervisor could not handle */
#define KEEL_STOP_REQUEST 4   /**< KEEL_HC_VM_STOP */

#define KEEL_VM_INFO_MAGIC 0x4956564bU /* "KVVI" */

struct keel_vm_info {
	__u32 magic;        /**< KEEL_VM_INFO_MAGIC */
	__u32 id;
	__u32 state;        /**< KEEL_VM_* */
	__u32 stop_reason;  /**< KEEL_STOP_* */
	__u32 nr_vcpus;
	__u32 flags;
	__u64 mem_bytes;
	__u64 exits;        /**< all vCPUs, since start */
	__u64 started_ns;   /**< hypervisor clock at VM_START, 0 if never */
	__u64 now_ns;       /**< hypervisor clock now: uptime = now_ns - started_ns */
	char name[KEEL_VM_NAME_LEN];
	/* Proxy counters since VM_START, counted by the hypervisor. */
	__u64 ioreqs;       /**< accesses forwarded to VM0 that waited for its answer */
	__u64 doorbells;    /**< posted doorbell writes (no wait) */
	__u64 irqs;         /**< interrupts VM0 raised in it (KEEL_HC_IRQ_LINE high or edge) */
	/* Where the ioreqs' time went, summed over them (divide by ioreqs): */
	__u64 ioreq_answer_ns; /**< from the access until VM0 completed it */
	__u64 ioreq_resume_ns; /**< from VM0's completion until the vCPU ran again */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_vm_info) == 128, "keel_vm_info layout");

#endif
