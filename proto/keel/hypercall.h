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
 */
#ifndef KEEL_PROTO_HYPERCALL_H
#define KEEL_PROTO_HYPERCALL_H

#include "types.h"

/** Bumped on any change to a function number or its arguments. */
#define KEEL_HC_ABI_REVISION 1
/** "KEEL" in x3 of KEEL_HC_VERSION: tells a caller it is really Keel. */
#define KEEL_HC_MAGIC 0x4b45454cU

#define KEEL_HC_BASE 0xC6000000U
#define KEEL_HC(fn) (KEEL_HC_BASE | (fn))
#define KEEL_HC_FN(id) ((id) & 0xffffU)

/* Function numbers: one table in hyp/core/hypercall.c is indexed by these. */
#define KEEL_HC_VERSION_FN 0   /**< -> x1 = version (major<<16 | minor), x2 = ABI revision, x3 = magic */
#define KEEL_HC_LOG_READ_FN 1  /**< x1 = IPA of a buffer in VM0, x2 = size, x3 = start seq -> x1 = bytes, x2 = next seq */
#define KEEL_HC_SYSINFO_FN 2   /**< x1 = IPA of struct keel_sysinfo in VM0 -> fills it */
#define KEEL_HC_NR 3

#define KEEL_HC_VERSION KEEL_HC(KEEL_HC_VERSION_FN)
#define KEEL_HC_LOG_READ KEEL_HC(KEEL_HC_LOG_READ_FN)
#define KEEL_HC_SYSINFO KEEL_HC(KEEL_HC_SYSINFO_FN)

/** SMCCC's own "unknown function" value, returned in x0. */
#define KEEL_SMCCC_NOT_SUPPORTED (-1)

#define KEEL_VERSION_MAJOR 0
#define KEEL_VERSION_MINOR 1
#define KEEL_VERSION_CODE ((KEEL_VERSION_MAJOR << 16) | KEEL_VERSION_MINOR)

#define KEEL_SYSINFO_MAGIC 0x4b53494eU /* "KSIN" */
#define KEEL_SYSINFO_REVISION 1

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
};
KEEL_STATIC_ASSERT(sizeof(struct keel_sysinfo) == 56, "keel_sysinfo layout");

#endif
