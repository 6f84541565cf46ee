/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest devices keeld serves, as vdev types (vdev/vdev.h), in the
 * order a VM's registry creates them: the PL011 console, the PL061 power
 * button, then the config's disks (virtio-blk) and NICs (virtio-net) in
 * config order, then the virtio-console (after the disks, so they stay vda,
 * vdb, ...), then the virtio-gpu ("display").
 */
#ifndef KEELD_DEVICES_H
#define KEELD_DEVICES_H

#include "vdev/vdev.h"

extern const struct vdev_type uart_type;
extern const struct vdev_type gpio_type;
extern const struct vdev_type vdisk_type;
extern const struct vdev_type vcon_type;
extern const struct vdev_type vnic_type;
extern const struct vdev_type vgpu_type;
extern const struct vdev_type chan_type;

extern const struct vdev_type *const keeld_vdev_types[];
extern const unsigned keeld_nr_vdev_types;

#endif
