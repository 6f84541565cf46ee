/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest-image fields of a VM config: what kind of program the kernel
 * file is, where a bare-metal one loads and where it starts. Both schemas
 * carry the same three fields (Rust-Shyper's names):
 *   Keel:        "type": "linux" | "baremetal" | "rtos",
 *                "kernel_load_ipa", "kernel_entry_point" at the top level;
 *   Rust-Shyper: "type": "VM_T_LINUX" | "VM_T_BARE_MATEL_APP" | "VM_T_FREERTOS",
 *                "image": {"kernel_load_ipa", "kernel_entry_point"}.
 */
#ifndef KEELD_CONFIG_IMAGE_H
#define KEELD_CONFIG_IMAGE_H

#include <stddef.h>

#include <jansson.h>

#include "config/config.h"

/* Parse type (may be NULL: Linux) and img's load/entry fields into cfg,
 * whose RAM regions are already parsed, and check them against that RAM.
 * Returns 0 or -errno with "label: field: value message" in err. */
int config_image(json_t *type, json_t *img, struct vm_config *cfg, char *err, size_t errlen);

#endif
