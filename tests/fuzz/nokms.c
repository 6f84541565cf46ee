// SPDX-License-Identifier: GPL-2.0
/*
 * VM0's screen (display/kms.h) for fuzzing keeld's socket on the build
 * host: the host has neither VM0's DRM device nor libdrm for it, so this is
 * a VM0 without a display, which keeld serves as on the board (vm.display
 * answers -ENODEV; guests still draw and screenshots still work).
 */
#include <errno.h>
#include <stdio.h>

#include "display/kms.h"

int kms_open(struct kms **out, char *err, size_t errlen)
{
	*out = NULL;
	snprintf(err, errlen, "VM0 has no display");
	return -ENODEV;
}

struct disp_fb *kms_fb(struct kms *k)
{
	return NULL;
}

int kms_dirty(struct kms *k, const struct vgpu_rect *r)
{
	return -ENODEV;
}

void kms_close(struct kms *k)
{
}
