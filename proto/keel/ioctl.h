/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file ioctl.h
 * @brief /dev/keel ioctls between VM0 userspace (keeld, keel) and keel.ko.
 *
 * Every struct starts with nothing but fixed-width fields; the ioctl numbers
 * encode their sizes, so a layout change is also a number change. Bump
 * KEEL_IOC_REVISION on any change here.
 */
#ifndef KEEL_PROTO_IOCTL_H
#define KEEL_PROTO_IOCTL_H

#include "types.h"
#include "hypercall.h"

#ifndef KEEL_HYP
#include <linux/ioctl.h>
#endif

/** ioctl type byte: 'K' (0x4b). */
#define KEEL_IOC_MAGIC 0x4b
/** Revision of this file's layouts, reported by KEEL_IOC_VERSION. */
#define KEEL_IOC_REVISION 1

/** KEEL_IOC_VERSION: what the module and the hypervisor speak. */
struct keel_ioc_version {
	__u32 version;      /**< hypervisor KEEL_VERSION_CODE (major << 16 | minor) */
	__u32 abi_revision; /**< hypervisor KEEL_HC_ABI_REVISION */
	__u32 ioc_revision; /**< keel.ko's KEEL_IOC_REVISION */
	__u32 reserved;     /**< 0 */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_version) == 16, "keel_ioc_version layout");

#define KEEL_IOC_VERSION _IOR(KEEL_IOC_MAGIC, 0x00, struct keel_ioc_version)
/** KEEL_IOC_SYSINFO: struct keel_sysinfo (hypercall.h) from KEEL_HC_SYSINFO. */
#define KEEL_IOC_SYSINFO _IOR(KEEL_IOC_MAGIC, 0x01, struct keel_sysinfo)

#endif
