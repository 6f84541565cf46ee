/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's virtio-gpu vdev (devices/vgpu.c), for keeld's display commands. */
#ifndef KEELD_VGPU_H
#define KEELD_VGPU_H

#include <stdbool.h>

#include "devices/virtio_gpu.h"
#include "vdev/vdev.h"

/* The VM's display model while attached, or NULL. */
struct vgpu *vgpu_of(const struct vdev_registry *r);
/* The VM's config has a display. */
bool vgpu_configured(const struct vdev_registry *r);

#endif
