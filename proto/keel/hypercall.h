/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file hypercall.h
 * @brief Keel hypercall ABI (HVC #0, Arm SMC Calling Convention).
 *
 * Function IDs live in the SMCCC vendor-specific hypervisor service range:
 * fast call, SMC64, owner 6 (0xC6000000 | fn). Arguments in x1..x6,
 * results in x0..x3. x0 is 0 or a negative Linux errno value.
 *
 * Management calls are accepted from VM0 only; any other VM gets
 * KEEL_SMCCC_NOT_SUPPORTED (-1), as the SMCCC requires for unknown IDs.
 * The one exception is KEEL_HC_CHAN_KICK, which every VM may make.
 */
#ifndef KEEL_PROTO_HYPERCALL_H
#define KEEL_PROTO_HYPERCALL_H

#include "types.h"

/** Bumped on any change to a function number or its arguments.
 * 4: keel_vm_info gains ioreq_answer_ns and ioreq_resume_ns.
 * 5 (shadow registers): KEEL_HC_SHADOW_REGISTER, KEEL_EV_POSTED.
 * 6 (passthrough): KEEL_HC_PT_ASSIGN.
 * 7: KEEL_HC_STAT; keel_vm_desc names a CPU pool, a priority and a slice.
 * 8 (channels): KEEL_HC_CHAN_ATTACH, KEEL_HC_CHAN_KICK, KEEL_HC_CHAN_DETACH, KEEL_EV_CHAN.
 * 9: shadow kind KEEL_SHADOW_LATCH; keel_vm_desc flag KEEL_VM_F_PINNED;
 *    keel_stat_vcpu.migrations (KEEL_STAT_REVISION 2). */
#define KEEL_HC_ABI_REVISION 9
/** "KEEL" in x3 of KEEL_HC_VERSION: tells a caller it is really Keel. */
#define KEEL_HC_MAGIC 0x4b45454cU

#define KEEL_HC_BASE 0xC6000000U
#define KEEL_HC(fn) (KEEL_HC_BASE | (fn))
#define KEEL_HC_FN(id) ((id) & 0xffffU)

/* Function numbers: one table in hyp/core/hypercall.c is indexed by these.
 * "IPA" arguments are VM0 addresses (VM0 is identity-mapped: IPA = PA). */
#define KEEL_HC_VERSION_FN 0       /**< -> x1 = version (major<<16 | minor), x2 = ABI revision, x3 = magic */
#define KEEL_HC_LOG_READ_FN 1      /**< x1 = IPA of a buffer, x2 = size, x3 = start seq -> x1 = bytes, x2 = next seq */
#define KEEL_HC_SYSINFO_FN 2       /**< x1 = IPA of struct keel_sysinfo -> fills it */
#define KEEL_HC_SHARED_SETUP_FN 3  /**< x1 = IPA of struct keel_shared (page aligned), x2 = its size */
#define KEEL_HC_VM_CREATE_FN 4     /**< x1 = IPA of struct keel_vm_desc -> x1 = VM id */
#define KEEL_HC_VM_START_FN 5      /**< x1 = id, x2 = entry IPA, x3 = x0 for vCPU 0 (its DT's IPA) */
#define KEEL_HC_VM_STOP_FN 6       /**< x1 = id: every vCPU stops now (state STOPPED) */
#define KEEL_HC_VM_DESTROY_FN 7    /**< x1 = id: a stopped or never-started VM; its memory returns to the pool */
#define KEEL_HC_VM_INFO_FN 8       /**< x1 = id, x2 = IPA of struct keel_vm_info -> fills it */
#define KEEL_HC_MMIO_REGISTER_FN 9 /**< x1 = id, x2 = base IPA, x3 = size, x4 = KEEL_MMIO_* flags, x5 = doorbell cookie */
#define KEEL_HC_IRQ_LINE_FN 10     /**< x1 = id, x2 = INTID (SPI), x3 = KEEL_IRQ_* */
#define KEEL_HC_IOREQ_COMPLETE_FN 11 /**< x1 = id, x2 = vCPU: its ioreq slot is DONE */
#define KEEL_HC_VM_MAP_FN 12       /**< x1 = id, x2 = region index -> x1 = PA, x2 = size, x3 = guest IPA; maps it into VM0 */
#define KEEL_HC_SHADOW_REGISTER_FN 13 /**< x1 = IPA of struct keel_shadow_desc (shared.h): shadow registers of a window */
#define KEEL_HC_PT_ASSIGN_FN 14   /**< x1 = IPA of struct keel_pt_desc (passthrough.h): the device leaves VM0 for the guest */
#define KEEL_HC_STAT_FN 15         /**< x1 = IPA of struct keel_stat (stat.h), x2 = its size -> fills it */
/** x1 = IPA of struct keel_chan_desc (chan.h) -> x1 = channel id, x2 = this end (0/1), x3 = the region's PA */
#define KEEL_HC_CHAN_ATTACH_FN 16
/** Any VM: x1 = channel id of one of its ends -> rings the other end; -EINVAL not its channel, -ENOTCONN peer not attached */
#define KEEL_HC_CHAN_KICK_FN 17
/** x1 = channel id: VM0's own end leaves it (unmapped from VM0); a guest's end goes with the guest */
#define KEEL_HC_CHAN_DETACH_FN 18
#define KEEL_HC_NR 19

#define KEEL_HC_VERSION KEEL_HC(KEEL_HC_VERSION_FN)
#define KEEL_HC_LOG_READ KEEL_HC(KEEL_HC_LOG_READ_FN)
#define KEEL_HC_SYSINFO KEEL_HC(KEEL_HC_SYSINFO_FN)
#define KEEL_HC_SHARED_SETUP KEEL_HC(KEEL_HC_SHARED_SETUP_FN)
#define KEEL_HC_VM_CREATE KEEL_HC(KEEL_HC_VM_CREATE_FN)
#define KEEL_HC_VM_START KEEL_HC(KEEL_HC_VM_START_FN)
#define KEEL_HC_VM_STOP KEEL_HC(KEEL_HC_VM_STOP_FN)
#define KEEL_HC_VM_DESTROY KEEL_HC(KEEL_HC_VM_DESTROY_FN)
#define KEEL_HC_VM_INFO KEEL_HC(KEEL_HC_VM_INFO_FN)
#define KEEL_HC_MMIO_REGISTER KEEL_HC(KEEL_HC_MMIO_REGISTER_FN)
#define KEEL_HC_IRQ_LINE KEEL_HC(KEEL_HC_IRQ_LINE_FN)
#define KEEL_HC_IOREQ_COMPLETE KEEL_HC(KEEL_HC_IOREQ_COMPLETE_FN)
#define KEEL_HC_VM_MAP KEEL_HC(KEEL_HC_VM_MAP_FN)
#define KEEL_HC_SHADOW_REGISTER KEEL_HC(KEEL_HC_SHADOW_REGISTER_FN)
#define KEEL_HC_PT_ASSIGN KEEL_HC(KEEL_HC_PT_ASSIGN_FN)
#define KEEL_HC_STAT KEEL_HC(KEEL_HC_STAT_FN)
#define KEEL_HC_CHAN_ATTACH KEEL_HC(KEEL_HC_CHAN_ATTACH_FN)
#define KEEL_HC_CHAN_KICK KEEL_HC(KEEL_HC_CHAN_KICK_FN)
#define KEEL_HC_CHAN_DETACH KEEL_HC(KEEL_HC_CHAN_DETACH_FN)

/** KEEL_HC_MMIO_REGISTER flags */
#define KEEL_MMIO_IOREQ 0x1    /**< reads and writes become ioreqs served by VM0 (page-aligned range) */
/**
 * A posted doorbell (virtio QueueNotify, the equivalent of KVM's ioeventfd):
 * a guest write of up to 8 bytes inside [base, base + size) appends
 * KEEL_EV_DOORBELL {vm, cookie, value written} to the event ring and the
 * guest continues at once; a read returns 0. size is 1..8, base aligned to
 * it. A doorbell may sit inside a KEEL_MMIO_IOREQ range (it wins there) but
 * not overlap another doorbell. x5 (cookie, 32 bits) is VM0's own name for
 * the device; the hypervisor only passes it back.
 */
#define KEEL_MMIO_DOORBELL 0x2

/** KEEL_HC_IRQ_LINE x3 */
#define KEEL_IRQ_LOW 0         /**< lower a level-triggered line */
#define KEEL_IRQ_HIGH 1        /**< raise a level-triggered line */
#define KEEL_IRQ_EDGE 2        /**< one edge (pending once) */

/** SMCCC's own "unknown function" value, returned in x0. */
#define KEEL_SMCCC_NOT_SUPPORTED (-1)

#define KEEL_VERSION_MAJOR 0
#define KEEL_VERSION_MINOR 1
#define KEEL_VERSION_CODE ((KEEL_VERSION_MAJOR << 16) | KEEL_VERSION_MINOR)

#define KEEL_SYSINFO_MAGIC 0x4b53494eU /* "KSIN" */
#define KEEL_SYSINFO_REVISION 2

#define KEEL_GIC_V2 2
#define KEEL_GIC_V3 3

/** What `keel system info` shows; filled by KEEL_HC_SYSINFO. */
struct keel_sysinfo {
	__u32 magic;          /**< KEEL_SYSINFO_MAGIC */
	__u32 revision;       /**< KEEL_SYSINFO_REVISION */
	__u32 version;        /**< KEEL_VERSION_CODE */
	__u32 abi_revision;   /**< KEEL_HC_ABI_REVISION */
	__u32 nr_pcpus;
	__u32 gic_version;    /**< KEEL_GIC_V2 or KEEL_GIC_V3 */
	__u64 ram_bytes;      /**< all RAM the hypervisor found */
	__u64 hyp_bytes;      /**< RAM kept by the hypervisor itself */
	__u64 pool_free_bytes;/**< guest pool still free */
	__u32 nr_vms;
	__u32 doorbell_intid; /**< VM0's doorbell interrupt (INTID) */
	__u64 pool_bytes;     /**< guest pool size */
	__u64 gicd_base;      /**< the GIC as guests get it (same layout as the host) */
	__u64 gicr_base;      /**< GICv3: first redistributor; GICv2: 0 */
	__u64 gicc_base;      /**< GICv2: CPU interface; GICv3: 0 */
	__u32 nr_irqs;        /**< INTIDs 0..nr_irqs-1 exist for guests */
	__u32 max_vms;        /**< VM ids 1..max_vms-1 */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_sysinfo) == 96, "keel_sysinfo layout");

#endif
