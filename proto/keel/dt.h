/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file dt.h
 * @brief Device-tree names shared by the hypervisor and keel.ko.
 *
 * The hypervisor adds a node with KEEL_DT_COMPAT to VM0's device tree; keel.ko
 * binds to it. "keel,abi-revision" carries KEEL_HC_ABI_REVISION so a module
 * built for another ABI refuses to bind; "interrupts" is VM0's doorbell.
 */
#ifndef KEEL_PROTO_DT_H
#define KEEL_PROTO_DT_H

#define KEEL_DT_COMPAT "keel,hypervisor"
#define KEEL_DT_NODE "hypervisor"
#define KEEL_DT_PROP_VERSION "keel,version"
#define KEEL_DT_PROP_ABI "keel,abi-revision"

#endif
