/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's disks: for each disk in its config, the mediated backing
 * (disk.c), the virtio-blk model (virtio/blk.c) and its virtio-mmio window
 * (virtio/transport.c), registered with the hypervisor as an ioreq page and
 * a posted QueueNotify doorbell whose cookie is the disk's index.
 *
 * Disks live from `keel vm boot` until the guest stops: a stopped guest
 * holds no backing open, so another guest may use it.
 */
#ifndef KEELD_VDISK_H
#define KEELD_VDISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "backend/disk.h"
#include "virtio/transport.h"

struct vm;
struct vblk;

struct vdisk {
	struct vm *vm;
	unsigned index;          /* in cfg.disk[]; the doorbell cookie */
	struct disk disk;
	struct vblk *blk;
	struct virtio_mmio t;
};

/* Open every configured disk's backing and build its device. On error
 * nothing stays open and err names the disk and the reason. */
int vdisks_open(struct vm *vm, char *err, size_t errlen);
/* Put the windows in the VM's mmio table and, when asked, register them
 * (ioreq pages, QueueNotify doorbells) with the hypervisor. */
int vdisks_attach(struct vm *vm, bool register_with_hyp, char *err, size_t errlen);
/* Quiesce (no worker touches guest RAM afterwards) and close everything. */
void vdisks_close(struct vm *vm);
/* A KEEL_EV_DOORBELL for this VM: cookie and queue come from the guest
 * (through the hypervisor) and are checked here. */
void vdisks_kick(struct vm *vm, uint32_t cookie, uint32_t queue);
/* The event ring overflowed: every queue, as if kicked. */
void vdisks_kick_all(struct vm *vm);
/* For `keel vm info`: each configured disk, with size and I/O counters
 * while the guest runs. A new reference. */
struct json_t *vdisks_json(const struct vm *vm);

#endif
