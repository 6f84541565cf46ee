// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's disk as a vdev: the mediated backing (backend/disk.c), the
 * virtio-blk model (devices/virtio_blk.c) and its virtio-mmio window
 * (virtio/transport.c), served as an ioreq window and a posted QueueNotify
 * doorbell.
 *
 * The backing is open from attach (`keel vm boot`) until detach (the guest
 * stops): a stopped guest holds no backing open, so another guest may use it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/guest.h>
#include <keel/ioctl.h>
#include <linux/virtio_mmio.h>

#include "backend/disk.h"
#include "devices/devices.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_vdev.h"
#include "guest/guest_fdt.h"
#include "log.h"
#include "virtio/transport.h"

struct vdisk;

/* One attach's: outlives the detach until the model's last completion. */
struct vdisk_run {
	struct vdisk *vd;
	struct disk disk;
	struct vblk *blk;
	struct virtio_mmio t;
};

struct vdisk {
	struct vdev vdev;
	unsigned index;            /* in cfg.disk[] */
	struct cfg_disk cfg;
	struct vdisk_run *run;     /* while attached */
};

#define to_vdisk(d) ((struct vdisk *)(d))

/* The device's edge: any thread (completions may be raised off the loop).
 * None comes after detach: the transport's reset drops later completions. */
static void vdisk_irq(void *opaque)
{
	struct vdisk *vd = ((struct vdisk_run *)opaque)->vd;
	int r = vdev_irq(&vd->vdev, vd->cfg.spi, KEEL_IRQ_EDGE);

	if (r < 0)
		klog_vm(vdev_host(&vd->vdev)->vm_id, "vm %u: disk %u interrupt: %s",
			vdev_host(&vd->vdev)->vm_id, vd->index, strerror(-r));
}

/* The model's last completion has been delivered (vblk_set_release):
 * nothing refers to the transport or the disk anymore. */
static void vdisk_release(void *opaque)
{
	struct vdisk_run *run = opaque;

	disk_close(&run->disk);
	free(run);
}

/*
 * Requests may still be on the threadpool (a guest that queued flushes and
 * powered off at once): their completions run on the loop later and use
 * the model, which uses run->t and run->disk, so run is freed only when the
 * model is (vdisk_release). The reset in virtio_mmio_destroy returns once
 * no worker touches guest RAM or the disk's data; a flush may still run on
 * the fd, so the lock is dropped now and the same guest can boot again
 * with the disk at once.
 */
static void vdisk_detach(struct vdev *d)
{
	struct vdisk_run *run = to_vdisk(d)->run;

	to_vdisk(d)->run = NULL;
	if (!run)
		return;
	if (!run->blk) {
		vdisk_release(run);
		return;
	}
	virtio_mmio_destroy(&run->t);
	disk_unlock(&run->disk);
	vblk_set_release(run->blk, vdisk_release, run);
	vblk_destroy(run->blk);
}

static int vdisk_attach(struct vdev *d, char *err, size_t errlen)
{
	struct vdisk *vd = to_vdisk(d);
	const struct vdev_host *h = vdev_host(d);
	struct vdisk_run *run = calloc(1, sizeof(*run));
	char why[CFG_ERR_MAX];
	int r;

	if (!run)
		return -ENOMEM;
	run->vd = vd;
	run->disk.fd = -1;
	vd->run = run;
	r = disk_open(&run->disk, vd->cfg.path, vd->cfg.readonly, why, sizeof(why));
	if (!r)
		r = vblk_create(&run->blk, h->loop, &run->t, &run->disk, vd->cfg.backend,
				vd->cfg.serial[0] ? vd->cfg.serial : NULL, why, sizeof(why));
	if (r) {
		snprintf(err, errlen, "%s: disk %u: %s", h->label, vd->index, why);
		return r;
	}
	virtio_mmio_init(&run->t, &vblk_ops, run->blk, h->gm, vdisk_irq, run);
	virtio_vdev_bind(d, &run->t);
	/* A window is 0x200-aligned (config/check.c): never across a page. */
	r = vdev_window(d, vd->cfg.base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, &run->t, err, errlen);
	if (!r)
		r = vdev_doorbell(d, vd->cfg.base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0, err, errlen);
	return r;
}

static int vdisk_dt_node(struct vdev *d, void *fdt)
{
	return guest_fdt_virtio_mmio(fdt, to_vdisk(d)->cfg.base, to_vdisk(d)->cfg.spi);
}

/* The doorbell's value is the queue the guest names: checked by the transport. */
static void vdisk_kick(struct vdev *d, uint32_t tag, uint32_t queue)
{
	if (to_vdisk(d)->run)
		virtio_mmio_kick(&to_vdisk(d)->run->t, queue);
}

static void vdisk_kick_all(struct vdev *d)
{
	if (to_vdisk(d)->run)
		virtio_mmio_kick_all(&to_vdisk(d)->run->t);
}

/* The backend's work: what a request cost keeld (tests/bench/blk prints
 * copies and hand-offs per I/O). */
static json_t *vdisk_io_json(const struct blkio *io)
{
	const struct blkio_stats *s = &io->stats;

	return json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "backend", io->ops->name,
			 "direct", blkio_direct(io), "requests", (json_int_t)s->requests,
			 "bytes", (json_int_t)s->bytes, "copies", (json_int_t)s->copies,
			 "handoffs", (json_int_t)s->handoffs, "submissions",
			 (json_int_t)s->submits, "direct_bytes", (json_int_t)s->direct_bytes,
			 "direct_redone", (json_int_t)s->direct_redone);
}

/* Config, and size and I/O counters while the guest runs. */
static json_t *vdisk_json(const struct vdev *d)
{
	const struct vdisk *vd = to_vdisk(d);
	const struct cfg_disk *c = &vd->cfg;
	json_t *o = json_pack("{s:s, s:b, s:I, s:i, s:s}", "path", c->path, "readonly", c->readonly,
			      "base", (json_int_t)c->base, "intid", (int)(32 + c->spi),
			      "backend", c->backend[0] ? c->backend : "auto");
	struct vblk_stats st;

	if (!vd->run || !vd->run->blk)
		return o;
	vblk_get_stats(vd->run->blk, &st);
	json_object_set_new(o, "io", vdisk_io_json(vblk_io(vd->run->blk)));
	json_object_set_new(o, "size", json_integer((json_int_t)vd->run->disk.size));
	json_object_set_new(o, "requests", json_integer((json_int_t)st.requests));
	json_object_set_new(o, "read_bytes", json_integer((json_int_t)st.read_bytes));
	json_object_set_new(o, "write_bytes", json_integer((json_int_t)st.write_bytes));
	json_object_set_new(o, "flushes", json_integer((json_int_t)st.flushes));
	json_object_set_new(o, "errors",
			    json_integer((json_int_t)(st.errors + st.unsupported + st.bad_chains)));
	return o;
}

static int vdisk_save(struct vdev *d, json_t **state)
{
	return virtio_vdev_save(to_vdisk(d)->run ? &to_vdisk(d)->run->t : NULL, NULL, state);
}

static int vdisk_restore(struct vdev *d, const json_t *state)
{
	return virtio_vdev_restore(to_vdisk(d)->run ? &to_vdisk(d)->run->t : NULL, state);
}

static void vdisk_destroy(struct vdev *d)
{
	free(to_vdisk(d));
}

static const struct vdev_ops vdisk_ops = {
	.attach = vdisk_attach,
	.detach = vdisk_detach,
	.dt_node = vdisk_dt_node,
	.kick = vdisk_kick,
	.kick_all = vdisk_kick_all,
	.json = vdisk_json,
	.save = vdisk_save,
	.restore = vdisk_restore,
	.destroy = vdisk_destroy,
};

static unsigned vdisk_count(const struct vm_config *cfg)
{
	return cfg->nr_disks;
}

/* cfg's mediated indexes are resolved already (vm_create). */
static int vdisk_create(struct vdev_registry *r, const struct vm_config *cfg, unsigned i,
			struct vdev **out, char *err, size_t errlen)
{
	struct vdisk *vd = calloc(1, sizeof(*vd));
	char name[VDEV_NAME_MAX];

	if (!vd) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "disk %u", i);
	vdev_init(&vd->vdev, r, &vdisk_type, &vdisk_ops, name);
	vd->index = i;
	vd->cfg = cfg->disk[i];
	*out = &vd->vdev;
	return 0;
}

const struct vdev_type vdisk_type = {
	.name = "virtio-blk",
	.json_key = "disks",
	.count = vdisk_count,
	.create = vdisk_create,
};
