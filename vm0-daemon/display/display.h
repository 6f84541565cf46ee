/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM0's screen shared with the guests (`keel vm display ID|none`): at most
 * one guest's scanout is shown, centred (or scaled down) on the screen
 * kms.c drives; each RESOURCE_FLUSH of that guest copies only its damaged
 * rectangle there. With none shown keeld lets go of the screen and VM0's
 * console comes back. Guests draw (and screenshots work) whether shown or
 * not, and whether VM0 has a screen or not. Loop thread only.
 */
#ifndef KEELD_DISPLAY_H
#define KEELD_DISPLAY_H

#include <stddef.h>

#include <jansson.h>

#include "devices/virtio_gpu.h"

/* Show vm_id (0: none, VM0's console again). g: its display model now
 * (NULL: not running; it shows once it draws). -ENODEV: VM0 has no screen. */
int display_show(unsigned vm_id, struct vgpu *g, char *err, size_t errlen);
/* A guest's scanout changed in r (devices/vgpu.c's vgpu_io hook). */
void display_guest_update(unsigned vm_id, struct vgpu *g, const struct vgpu_rect *r);
/* A guest's display model goes away (stop, reboot, removal): black, but
 * it stays the one shown (a rebooting guest comes back). */
void display_guest_gone(unsigned vm_id);
/* The VM removed: VM0's console again if it was shown. */
void display_vm_removed(unsigned vm_id);
/* display_json() if vm_id is the guest shown, else NULL. */
json_t *display_json_of(unsigned vm_id);
/* {"shown": id or 0, "width", "height", "frames", "bytes_copied",
 * "last_flush_to_scanout_ns"} */
json_t *display_json(void);

#endif
