/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file passthrough.h
 * @brief Device passthrough: the descriptor of one device VM0 gives a guest
 * (KEEL_HC_PT_ASSIGN, KEEL_IOC_PT_ASSIGN).
 *
 * A passed-through device is MMIO regions and SPIs of the machine. The
 * hypervisor takes them from VM0 (unmapped from its stage 2, the SPIs no
 * longer forwarded to it), maps the regions into the guest at IPA = PA with
 * device attributes and forwards the SPIs with the hardware link; the guest
 * gives them back to VM0 when it is destroyed. One owner at a time.
 */
#ifndef KEEL_PROTO_PASSTHROUGH_H
#define KEEL_PROTO_PASSTHROUGH_H

#include "types.h"

#define KEEL_PT_DESC_MAGIC 0x5450444bU /* "KDPT" */
#define KEEL_PT_DESC_REVISION 1

#define KEEL_PT_MAX_REGIONS 4     /**< MMIO regions per device */
#define KEEL_PT_MAX_IRQS 8        /**< SPIs per device */
#define KEEL_PT_MAX_DEVICES 8     /**< per guest */
#define KEEL_PT_NAME_LEN 32

/** The device masters DMA to guest-physical addresses with no IOMMU: only a
 * guest whose RAM is identity-mapped (KEEL_VM_F_IDENTITY) may have it. */
#define KEEL_PT_F_DMA 0x1

struct keel_pt_region {
	__u64 base;   /**< PA, and the guest's IPA; page aligned */
	__u64 size;   /**< page aligned, non-zero */
};

struct keel_pt_desc {
	__u32 magic;                    /**< KEEL_PT_DESC_MAGIC */
	__u32 revision;                 /**< KEEL_PT_DESC_REVISION */
	__u32 vm_id;                    /**< a guest in state CREATED */
	__u32 flags;                    /**< KEEL_PT_F_* */
	__u32 nr_regions;               /**< 1..KEEL_PT_MAX_REGIONS */
	__u32 nr_irqs;                  /**< 0..KEEL_PT_MAX_IRQS */
	struct keel_pt_region region[KEEL_PT_MAX_REGIONS];
	__u32 irq[KEEL_PT_MAX_IRQS];    /**< SPI INTIDs (32..) */
	char name[KEEL_PT_NAME_LEN];    /**< NUL-terminated, for the log */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_pt_desc) == 152, "keel_pt_desc layout");

#endif
