/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's scanout as a PNG file (`keel vm screenshot`): 8-bit RGB, not
 * interlaced, every row with filter 0, compressed by zlib.
 */
#ifndef KEELD_PNG_H
#define KEELD_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "devices/virtio_gpu.h"

/* The PNG of img in a malloc'd *out of *len bytes. -EINVAL: a format
 * vgpu_format_rgb does not know; -ENOMEM. */
int png_encode(const struct vgpu_image *img, uint8_t **out, size_t *len);

#endif
