/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file dt.h
 * @brief Device-tree names shared by the hypervisor and keel.ko.
 *
 * The hypervisor adds a node with KEEL_DT_COMPAT to VM0's device tree; keel.ko
 * binds to it. "keel,abi-revision" carries KEEL_HC_ABI_REVISION so a module
 * built for another ABI refuses to bind; "interrupts" is VM0's doorbell.
 *
 * /reserved-memory children: KEEL_DT_RESERVED_HYP@ADDR, the hypervisor's own
 * memory (no-map: not in Linux's linear map); KEEL_DT_RESERVED_POOL@ADDR, the
 * guest pool, which VM0's memory node also lists so that Linux gives it
 * struct pages (keel.ko maps guest RAM as pages), but never allocates.
 */
#ifndef KEEL_PROTO_DT_H
#define KEEL_PROTO_DT_H

#define KEEL_DT_COMPAT "keel,hypervisor"
#define KEEL_DT_NODE "hypervisor"
#define KEEL_DT_PROP_VERSION "keel,version"
#define KEEL_DT_PROP_ABI "keel,abi-revision"
#define KEEL_DT_RESERVED_HYP "keel"
#define KEEL_DT_RESERVED_POOL "keel-pool"

#endif
