/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM0's screen through DRM/KMS (libdrm): the first connected connector of
 * /dev/dri/card0 in its preferred mode, one dumb buffer scanned out, and
 * damaged rectangles told to the driver with DIRTYFB (virtio-gpu's KMS
 * driver turns them into a transfer and a flush of just that part).
 * Holding the device makes keeld DRM master: VM0's fbcon stops showing
 * until kms_close gives the screen back.
 */
#ifndef KEELD_DISPLAY_KMS_H
#define KEELD_DISPLAY_KMS_H

#include <stddef.h>

#include "display/compose.h"

struct kms;

/* -ENODEV (VM0 has no display), or another -errno with err set. */
int kms_open(struct kms **out, char *err, size_t errlen);
struct disp_fb *kms_fb(struct kms *k);
/* The driver shows what changed in r of kms_fb. */
int kms_dirty(struct kms *k, const struct vgpu_rect *r);
void kms_close(struct kms *k);

#endif
