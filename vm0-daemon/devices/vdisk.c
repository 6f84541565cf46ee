// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <keel/guest.h>
#include <linux/virtio_mmio.h>

#include "dev.h"
#include "log.h"
#include "devices/vdisk.h"
#include "devices/virtio_blk.h"
#include "vm/vm.h"


/* The device's edge: any thread (completions may be raised off the loop). */
static void vdisk_irq(void *opaque)
{
	struct vdisk *vd = opaque;
	const struct cfg_disk *c = &vd->vm->cfg.disk[vd->index];
	int r = dev_irq_line(vd->vm->kd->dev, vd->vm->id, 32 + c->spi, KEEL_IRQ_EDGE);

	if (r < 0)
		klog_vm(vd->vm->id, "vm %u: disk %u interrupt: %s", vd->vm->id, vd->index, strerror(-r));
}

/* The device's last completion has been delivered (vblk_set_release):
 * nothing refers to the transport or the disk anymore. */
static void vdisk_release(void *opaque)
{
	struct vdisk *vd = opaque;

	disk_close(&vd->disk);
	free(vd);
}

/*
 * Requests may still be on the threadpool (a guest that queued flushes and
 * powered off at once): their completions run on the loop later and use
 * the device, which uses vd->t and vd->disk, so vd is freed only when the
 * device is (vdisk_release). The reset in virtio_mmio_destroy returns once
 * no worker touches guest RAM or the disk's data; a flush may still run on
 * the fd, so the lock is dropped now and the same guest can boot again
 * with the disk at once.
 */
static void vdisk_free(struct vdisk *vd)
{
	if (!vd->blk) {
		vdisk_release(vd);
		return;
	}
	virtio_mmio_destroy(&vd->t);
	disk_unlock(&vd->disk);
	vblk_set_release(vd->blk, vdisk_release, vd);
	vblk_destroy(vd->blk);
}

void vdisks_close(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vdisks; i++)
		vdisk_free(vm->vdisk[i]);
	memset(vm->vdisk, 0, sizeof(vm->vdisk));
	vm->nr_vdisks = 0;
}

static int vdisk_open(struct vm *vm, unsigned i, char *err, size_t errlen)
{
	const struct cfg_disk *c = &vm->cfg.disk[i];
	struct vdisk *vd = calloc(1, sizeof(*vd));
	char why[CFG_ERR_MAX];
	int r;

	if (!vd)
		return -ENOMEM;
	vd->vm = vm;
	vd->index = i;
	vd->disk.fd = -1;
	r = disk_open(&vd->disk, c->path, c->readonly, why, sizeof(why));
	if (!r)
		r = vblk_create(&vd->blk, vm->kd->loop, &vd->t, &vd->disk,
				c->serial[0] ? c->serial : NULL, why, sizeof(why));
	if (r) {
		snprintf(err, errlen, "%s: disk %u: %s", vm->cfg.label, i, why);
		vdisk_free(vd);
		return r;
	}
	virtio_mmio_init(&vd->t, &vblk_ops, vd->blk, &vm->gm, vdisk_irq, vd);
	vm->vdisk[vm->nr_vdisks++] = vd;
	return 0;
}

int vdisks_open(struct vm *vm, char *err, size_t errlen)
{
	int r;

	if (vm->nr_vdisks)
		vdisks_close(vm);
	r = config_resolve_disks(&vm->cfg, &vm->kd->mediated, err, errlen);
	for (unsigned i = 0; !r && i < vm->cfg.nr_disks; i++)
		r = vdisk_open(vm, i, err, errlen);
	if (r)
		vdisks_close(vm);
	return r;
}

int vdisks_attach(struct vm *vm, bool register_with_hyp, char *err, size_t errlen)
{
	for (unsigned i = 0; i < vm->nr_vdisks; i++) {
		struct vdisk *vd = vm->vdisk[i];
		uint64_t base = vm->cfg.disk[vd->index].base;
		uint64_t page = base & ~(KEEL_GUEST_PAGE_SIZE - 1);
		const char *what = "window";
		int r = mmio_add(&vm->mmio, base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, &vd->t);

		if (!r && register_with_hyp) {
			/* Windows share pages (stride 0x200): the first disk in a
			 * page registers it, the others find it there. A window
			 * is 0x200-aligned (config.c), so it never crosses into
			 * the next page. */
			what = "ioreq page";
			r = dev_mmio_register(vm->kd->dev, vm->id, page, KEEL_GUEST_PAGE_SIZE,
					      KEEL_MMIO_IOREQ, 0);
			if (r == -EEXIST)
				r = 0;
			if (!r) {
				what = "QueueNotify doorbell";
				r = dev_mmio_register(vm->kd->dev, vm->id, base + VIRTIO_MMIO_QUEUE_NOTIFY,
						      4, KEEL_MMIO_DOORBELL, vd->index);
			}
		}
		if (r) {
			snprintf(err, errlen, "vm %u: disk %u: virtio-mmio %s at 0x%llx: %s", vm->id,
				 vd->index, what, (unsigned long long)base, strerror(-r));
			return r;
		}
	}
	return 0;
}

void vdisks_kick(struct vm *vm, uint32_t cookie, uint32_t queue)
{
	if (cookie >= vm->nr_vdisks) {
		if (!vm->bad_doorbell_logged)
			klog_vm(vm->id, "vm %u: doorbell for device %u, which it does not have (logged once)",
				vm->id, cookie);
		vm->bad_doorbell_logged = true;
		return;
	}
	virtio_mmio_kick(&vm->vdisk[cookie]->t, queue);
}

void vdisks_kick_all(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vdisks; i++)
		virtio_mmio_kick_all(&vm->vdisk[i]->t);
}

json_t *vdisks_json(const struct vm *vm)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < vm->cfg.nr_disks; i++) {
		const struct cfg_disk *c = &vm->cfg.disk[i];
		json_t *o = json_pack("{s:s, s:b, s:I, s:i}", "path", c->path, "readonly", c->readonly,
				      "base", (json_int_t)c->base, "intid", (int)(32 + c->spi));
		const struct vdisk *vd = NULL;

		for (unsigned j = 0; j < vm->nr_vdisks; j++)
			if (vm->vdisk[j]->index == i)
				vd = vm->vdisk[j];
		if (vd) {
			struct vblk_stats st;

			vblk_get_stats(vd->blk, &st);
			json_object_set_new(o, "size", json_integer((json_int_t)vd->disk.size));
			json_object_set_new(o, "requests", json_integer((json_int_t)st.requests));
			json_object_set_new(o, "read_bytes", json_integer((json_int_t)st.read_bytes));
			json_object_set_new(o, "write_bytes", json_integer((json_int_t)st.write_bytes));
			json_object_set_new(o, "flushes", json_integer((json_int_t)st.flushes));
			json_object_set_new(o, "errors",
					    json_integer((json_int_t)(st.errors + st.unsupported + st.bad_chains)));
		}
		json_array_append_new(a, o);
	}
	return a;
}
