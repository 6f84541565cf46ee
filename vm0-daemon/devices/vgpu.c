// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's display as a vdev: the virtio-gpu model (virtio_gpu.c) over a
 * virtio-mmio window and a posted QueueNotify doorbell. What the guest
 * shows goes to VM0's screen when it is the guest shown there
 * (display/display.h) and to `keel vm screenshot`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/ioctl.h>
#include <linux/virtio_mmio.h>

#include "devices/devices.h"
#include "devices/vgpu.h"
#include "devices/virtio_vdev.h"
#include "display/display.h"
#include "guest/guest_fdt.h"
#include "log.h"

struct vgpu_dev {
	struct vdev vdev;
	struct cfg_display cfg;
	struct vgpu *m;           /* while attached */
	struct virtio_mmio t;
	/* Resources created and released by earlier boots' models, so
	 * `keel vm info` shows a reboot released every one. */
	uint64_t created, released;
};

#define to_vgpu(d) ((struct vgpu_dev *)(d))

static void vgpu_dev_irq(void *opaque)
{
	struct vgpu_dev *v = opaque;
	int r = vdev_irq(&v->vdev, v->cfg.spi, KEEL_IRQ_EDGE);

	if (r < 0)
		klog_vm(vdev_host(&v->vdev)->vm_id, "vm %u: virtio-gpu interrupt: %s",
			vdev_host(&v->vdev)->vm_id, strerror(-r));
}

static void vgpu_dev_update(void *opaque, const struct vgpu_rect *r)
{
	struct vgpu_dev *v = opaque;

	display_guest_update(vdev_host(&v->vdev)->vm_id, v->m, r);
}

static void vgpu_dev_detach(struct vdev *d)
{
	struct vgpu_dev *v = to_vgpu(d);
	struct vgpu_stats st;

	if (!v->m)
		return;
	/* VM0's screen stops showing it before its pixels go. */
	display_guest_gone(vdev_host(d)->vm_id);
	/* Resets the model (every resource released): nothing of it runs
	 * afterwards (it has no I/O of its own in flight). */
	virtio_mmio_destroy(&v->t);
	vgpu_get_stats(v->m, &st);
	v->created += st.created;
	v->released += st.released;
	vgpu_destroy(v->m);
	v->m = NULL;
}

static int vgpu_dev_attach(struct vdev *d, char *err, size_t errlen)
{
	struct vgpu_dev *v = to_vgpu(d);
	const struct vdev_host *h = vdev_host(d);
	const struct vgpu_params p = { v->cfg.width, v->cfg.height, v->cfg.memory };
	const struct vgpu_io io = { .update = vgpu_dev_update, .opaque = v };
	int r;

	r = vgpu_create(&v->m, &v->t, &p, &io);
	if (r) {
		snprintf(err, errlen, "%s: virtio-gpu: %s", h->label, strerror(-r));
		return r;
	}
	virtio_mmio_init(&v->t, &vgpu_ops, v->m, h->gm, vgpu_dev_irq, v);
	virtio_vdev_bind(d, &v->t);
	/* A window is 0x200-aligned (config/check.c): never across a page. */
	r = vdev_window(d, v->cfg.base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, &v->t, err, errlen);
	if (!r)
		r = vdev_doorbell(d, v->cfg.base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0, err, errlen);
	return r;
}

static int vgpu_dev_dt_node(struct vdev *d, void *fdt)
{
	return guest_fdt_virtio_mmio(fdt, to_vgpu(d)->cfg.base, to_vgpu(d)->cfg.spi);
}

/* The doorbell's value is the queue: checked by the transport. */
static void vgpu_dev_kick(struct vdev *d, uint32_t tag, uint32_t queue)
{
	if (to_vgpu(d)->m)
		virtio_mmio_kick(&to_vgpu(d)->t, queue);
}

static void vgpu_dev_kick_all(struct vdev *d)
{
	if (to_vgpu(d)->m)
		virtio_mmio_kick_all(&to_vgpu(d)->t);
}

static json_t *vgpu_dev_json(const struct vdev *d)
{
	const struct vgpu_dev *v = to_vgpu(d);
	json_t *o = json_pack("{s:I, s:i, s:i, s:i, s:I}", "base", (json_int_t)v->cfg.base, "intid",
			      (int)(32 + v->cfg.spi), "width", (int)v->cfg.width, "height",
			      (int)v->cfg.height, "memory_max", (json_int_t)v->cfg.memory);
	struct vgpu_image img;
	struct vgpu_stats st;
	json_t *screen;

	if (!v->m) {
		json_object_set_new(o, "created", json_integer((json_int_t)v->created));
		json_object_set_new(o, "released", json_integer((json_int_t)v->released));
		return o;
	}
	vgpu_get_stats(v->m, &st);
	json_object_set_new(o, "resources", json_integer((json_int_t)st.resources));
	json_object_set_new(o, "resource_bytes", json_integer((json_int_t)st.res_bytes));
	json_object_set_new(o, "created", json_integer((json_int_t)(v->created + st.created)));
	json_object_set_new(o, "released", json_integer((json_int_t)(v->released + st.released)));
	json_object_set_new(o, "commands", json_integer((json_int_t)st.cmds));
	json_object_set_new(o, "cursor_commands", json_integer((json_int_t)st.cursor_cmds));
	json_object_set_new(o, "errors", json_integer((json_int_t)st.errors));
	json_object_set_new(o, "bad_chains", json_integer((json_int_t)st.bad));
	json_object_set_new(o, "transfers", json_integer((json_int_t)st.transfers));
	json_object_set_new(o, "transfer_bytes", json_integer((json_int_t)st.transfer_bytes));
	json_object_set_new(o, "flushes", json_integer((json_int_t)st.flushes));
	if ((screen = display_json_of(vdev_host(d)->vm_id)))
		json_object_set_new(o, "screen", screen);  /* shown on VM0's */
	if (!vgpu_scanout(v->m, &img))
		json_object_set_new(o, "scanout", json_pack("{s:i, s:i}", "width", (int)img.w,
							     "height", (int)img.h));
	return o;
}

static int vgpu_dev_save(struct vdev *d, json_t **state)
{
	struct vgpu_dev *v = to_vgpu(d);
	json_t *m = NULL;
	int r;

	if (v->m && !(m = vgpu_save(v->m)))
		return -ENOMEM;
	r = virtio_vdev_save(v->m ? &v->t : NULL, m, state);
	/* Earlier boots' counts, for `keel vm info` after the restart. */
	if (!r && json_object_set_new(*state, "earlier",
				      json_pack("{s:I, s:I}", "created", (json_int_t)v->created,
						"released", (json_int_t)v->released)))
		r = -ENOMEM;
	return r;
}

/* The model first: the transport's restore starts a DRIVER_OK device,
 * whose queues then find the resources their commands name. */
static int vgpu_dev_restore(struct vdev *d, const json_t *state)
{
	struct vgpu_dev *v = to_vgpu(d);
	const struct vdev_host *h = vdev_host(d);
	json_int_t created = 0, released = 0;
	char err[160];
	int r;

	if (!v->m)
		return -ENODEV;
	/* Only counters: a state without them (or with nonsense) keeps 0. */
	if (!json_unpack((json_t *)json_object_get(state, "earlier"), "{s:I, s:I}", "created",
			 &created, "released", &released) &&
	    created >= 0 && released >= 0) {
		v->created = (uint64_t)created;
		v->released = (uint64_t)released;
	}
	r = vgpu_restore(v->m, json_object_get(state, "model"), err, sizeof(err));
	if (r) {
		klog_vm(h->vm_id, "vm %u: virtio-gpu: saved state refused: %s", h->vm_id, err);
		return r;
	}
	return virtio_vdev_restore(&v->t, state);
}

static void vgpu_dev_destroy(struct vdev *d)
{
	display_vm_removed(vdev_host(d)->vm_id);
	free(to_vgpu(d));
}

static const struct vdev_ops vgpu_dev_ops = {
	.attach = vgpu_dev_attach,
	.detach = vgpu_dev_detach,
	.dt_node = vgpu_dev_dt_node,
	.kick = vgpu_dev_kick,
	.kick_all = vgpu_dev_kick_all,
	.json = vgpu_dev_json,
	.save = vgpu_dev_save,
	.restore = vgpu_dev_restore,
	.destroy = vgpu_dev_destroy,
};

static unsigned vgpu_dev_count(const struct vm_config *cfg)
{
	return cfg->display.on ? 1 : 0;
}

static int vgpu_dev_create(struct vdev_registry *r, const struct vm_config *cfg, unsigned i,
			   struct vdev **out, char *err, size_t errlen)
{
	struct vgpu_dev *v = calloc(1, sizeof(*v));

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vdev_init(&v->vdev, r, &vgpu_type, &vgpu_dev_ops, "virtio-gpu");
	v->cfg = cfg->display;
	*out = &v->vdev;
	return 0;
}

const struct vdev_type vgpu_type = {
	.name = "virtio-gpu",
	.json_key = "displays",
	.count = vgpu_dev_count,
	.create = vgpu_dev_create,
};

struct vgpu *vgpu_of(const struct vdev_registry *r)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->dev[i]->type == &vgpu_type)
			return to_vgpu(r->dev[i])->m;
	return NULL;
}

bool vgpu_configured(const struct vdev_registry *r)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->dev[i]->type == &vgpu_type)
			return true;
	return false;
}
