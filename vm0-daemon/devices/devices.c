// SPDX-License-Identifier: GPL-2.0
#include "devices/devices.h"

const struct vdev_type *const keeld_vdev_types[] = { &uart_type, &gpio_type, &vdisk_type,
						     &vnic_type, &vcon_type, &vgpu_type, &chan_type };
const unsigned keeld_nr_vdev_types = sizeof(keeld_vdev_types) / sizeof(keeld_vdev_types[0]);
