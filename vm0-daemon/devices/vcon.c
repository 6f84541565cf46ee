// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's virtio-console as a vdev: the model (virtio_console.c) over
 * a virtio-mmio window and a posted QueueNotify doorbell, its output into
 * the VM's console (/dev/hvc<id> and its history) next to the PL011's, and,
 * when it is the main console (config.h), the input typed there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/ioctl.h>
#include <linux/virtio_mmio.h>

#include "devices/devices.h"
#include "devices/virtio_console.h"
#include "devices/virtio_vdev.h"
#include "guest/guest_fdt.h"
#include "log.h"

struct vcon {
	struct vdev vdev;
	uint64_t base;
	unsigned spi;
	bool main;
	struct vcons *m;           /* while attached */
	struct virtio_mmio t;
};

#define to_vcon(d) ((struct vcon *)(d))

static void vcon_irq(void *opaque)
{
	struct vcon *v = opaque;
	int r = vdev_irq(&v->vdev, v->spi, KEEL_IRQ_EDGE);

	if (r < 0)
		klog_vm(vdev_host(&v->vdev)->vm_id, "vm %u: virtio-console interrupt: %s",
			vdev_host(&v->vdev)->vm_id, strerror(-r));
}

static void vcon_write(void *opaque, const void *buf, size_t len)
{
	const struct vdev_host *h = vdev_host(&((struct vcon *)opaque)->vdev);

	h->ops->console_write(h->opaque, buf, len);
}

/* Only the main console reads /dev/hvc<id>: the other has nothing typed. */
static int vcon_read(void *opaque, void *buf, size_t len)
{
	const struct vdev_host *h = vdev_host(&((struct vcon *)opaque)->vdev);

	if (!((struct vcon *)opaque)->main)
		return -EAGAIN;
	return h->ops->console_read(h->opaque, buf, len);
}

static void vcon_detach(struct vdev *d)
{
	struct vcon *v = to_vcon(d);

	if (!v->m)
		return;
	/* Resets the model: nothing of it runs afterwards (it has no I/O of
	 * its own in flight). */
	virtio_mmio_destroy(&v->t);
	vcons_destroy(v->m);
	v->m = NULL;
}

static int vcon_attach(struct vdev *d, char *err, size_t errlen)
{
	struct vcon *v = to_vcon(d);
	const struct vdev_host *h = vdev_host(d);
	const struct vcons_io io = { .write = vcon_write, .read = vcon_read, .opaque = v };
	int r;

	r = vcons_create(&v->m, &v->t, &io);
	if (r) {
		snprintf(err, errlen, "%s: virtio-console: %s", h->label, strerror(-r));
		return r;
	}
	virtio_mmio_init(&v->t, &vcons_ops, v->m, h->gm, vcon_irq, v);
	virtio_vdev_bind(d, &v->t);
	/* A window is 0x200-aligned (config/check.c): never across a page. */
	r = vdev_window(d, v->base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, &v->t, err, errlen);
	if (!r)
		r = vdev_doorbell(d, v->base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0, err, errlen);
	return r;
}

static int vcon_dt_node(struct vdev *d, void *fdt)
{
	return guest_fdt_virtio_mmio(fdt, to_vcon(d)->base, to_vcon(d)->spi);
}

static bool vcon_stdout_path(const struct vdev *d, char *buf, size_t len)
{
	if (!to_vcon(d)->main)
		return false;
	guest_fdt_virtio_mmio_path(buf, len, to_vcon(d)->base);
	return true;
}

/* The doorbell's value is the queue: checked by the transport. */
static void vcon_kick(struct vdev *d, uint32_t tag, uint32_t queue)
{
	if (to_vcon(d)->m)
		virtio_mmio_kick(&to_vcon(d)->t, queue);
}

static void vcon_kick_all(struct vdev *d)
{
	if (to_vcon(d)->m)
		virtio_mmio_kick_all(&to_vcon(d)->t);
}

static void vcon_signal(struct vdev *d, enum vdev_signal s, bool level)
{
	if (s == VDEV_SIG_CONSOLE_INPUT && to_vcon(d)->main && to_vcon(d)->m)
		vcons_input(to_vcon(d)->m);
}

static json_t *vcon_json(const struct vdev *d)
{
	const struct vcon *v = to_vcon(d);
	json_t *o = json_pack("{s:I, s:i, s:b}", "base", (json_int_t)v->base, "intid",
			      (int)(32 + v->spi), "main", v->main);
	struct vcons_stats st;

	if (!v->m)
		return o;
	vcons_get_stats(v->m, &st);
	json_object_set_new(o, "out_bytes", json_integer((json_int_t)st.out_bytes));
	json_object_set_new(o, "out_chains", json_integer((json_int_t)st.out_chains));
	json_object_set_new(o, "in_bytes", json_integer((json_int_t)st.in_bytes));
	json_object_set_new(o, "errors", json_integer((json_int_t)st.bad));
	return o;
}

static int vcon_save(struct vdev *d, json_t **state)
{
	struct vcon *v = to_vcon(d);

	return virtio_vdev_save(v->m ? &v->t : NULL, v->m ? vcons_save(v->m) : NULL, state);
}

static int vcon_restore(struct vdev *d, const json_t *state)
{
	struct vcon *v = to_vcon(d);
	int r = virtio_vdev_restore(v->m ? &v->t : NULL, state);

	if (!r)
		vcons_restore(v->m, json_object_get(state, "model"));
	return r;
}

static void vcon_destroy(struct vdev *d)
{
	free(to_vcon(d));
}

static const struct vdev_ops vcon_ops = {
	.attach = vcon_attach,
	.detach = vcon_detach,
	.dt_node = vcon_dt_node,
	.kick = vcon_kick,
	.kick_all = vcon_kick_all,
	.signal = vcon_signal,
	.stdout_path = vcon_stdout_path,
	.json = vcon_json,
	.save = vcon_save,
	.restore = vcon_restore,
	.destroy = vcon_destroy,
};

static unsigned vcon_count(const struct vm_config *cfg)
{
	return cfg->consoles & CFG_CONSOLE_VIRTIO ? 1 : 0;
}

static int vcon_create(struct vdev_registry *r, const struct vm_config *cfg, unsigned i,
		       struct vdev **out, char *err, size_t errlen)
{
	struct vcon *v = calloc(1, sizeof(*v));

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vdev_init(&v->vdev, r, &vcon_type, &vcon_ops, "virtio-console");
	v->base = cfg->vcon_base;
	v->spi = cfg->vcon_spi;
	v->main = cfg->console_main == CFG_CONSOLE_VIRTIO;
	*out = &v->vdev;
	return 0;
}

const struct vdev_type vcon_type = {
	.name = "virtio-console",
	.json_key = "consoles",
	.count = vcon_count,
	.create = vcon_create,
};
