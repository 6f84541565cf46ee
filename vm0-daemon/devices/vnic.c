// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's NIC as a vdev: the virtio-net model (devices/virtio_net*.c) as
 * a port of one of keeld's switches (vswitch/), and its virtio-mmio window
 * (virtio/transport.c), served as an ioreq window and a posted QueueNotify
 * doorbell.
 *
 * The port exists from attach (`keel vm boot`) until detach (the guest
 * stops): a stopped guest is not on the switch, and the switch forgets the
 * MACs it learned behind it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/guest.h>
#include <keel/ioctl.h>
#include <linux/virtio_mmio.h>

#include "devices/devices.h"
#include "devices/virtio_net.h"
#include "devices/virtio_vdev.h"
#include "guest/guest_fdt.h"
#include "log.h"
#include "virtio/transport.h"

_Static_assert(CFG_SWITCH_MAX == VSWITCH_NAME_MAX, "a config's switch name is a switch's name");
_Static_assert(2 + CFG_MAX_DISKS + CFG_MAX_NICS <= VDEV_MAX, "a VM's devices fit its registry");

struct vnic;

/* One attach's: outlives the detach until the model's idle handle closed. */
struct vnic_run {
	struct vnic *vn;
	struct vswitch *sw;
	struct vnet *net;
	struct virtio_mmio t;
};

struct vnic {
	struct vdev vdev;
	unsigned index;            /* in cfg.nic[] */
	struct cfg_nic cfg;
	char vm_name[KEEL_VM_NAME_LEN];
	struct vnic_run *run;      /* while attached */
};

#define to_vnic(d) ((struct vnic *)(d))

static void vnic_irq(void *opaque)
{
	struct vnic *vn = ((struct vnic_run *)opaque)->vn;
	int r = vdev_irq(&vn->vdev, vn->cfg.spi, KEEL_IRQ_EDGE);

	if (r < 0)
		klog_vm(vdev_host(&vn->vdev)->vm_id, "vm %u: nic %u interrupt: %s",
			vdev_host(&vn->vdev)->vm_id, vn->index, strerror(-r));
}

static void vnic_release(void *opaque)
{
	struct vnic_run *run = opaque;

	if (run->sw)
		vswitch_put(run->sw);
	free(run);
}

static void vnic_detach(struct vdev *d)
{
	struct vnic_run *run = to_vnic(d)->run;

	to_vnic(d)->run = NULL;
	if (!run)
		return;
	if (!run->net) {
		vnic_release(run);
		return;
	}
	virtio_mmio_destroy(&run->t);
	/* Leaves the switch now; the memory goes with the idle handle. */
	vnet_destroy(run->net, vnic_release, run);
}

static int vnic_attach(struct vdev *d, char *err, size_t errlen)
{
	struct vnic *vn = to_vnic(d);
	const struct vdev_host *h = vdev_host(d);
	struct vnic_run *run = calloc(1, sizeof(*run));
	char why[CFG_ERR_MAX], port[VSWITCH_NAME_MAX + KEEL_VM_NAME_LEN + 8];
	int r = 0;

	if (!run)
		return -ENOMEM;
	run->vn = vn;
	vn->run = run;
	/* vm1.0: the port's name in `keel net` */
	snprintf(port, sizeof(port), "%s.%u", vn->vm_name, vn->index);
	run->sw = vswitch_get(h->loop, vn->cfg.sw, why, sizeof(why));
	if (!run->sw)
		r = -EIO;
	if (!r)
		r = vnet_create(&run->net, h->loop, &run->t, run->sw, port, vn->cfg.mac, why,
				sizeof(why));
	if (r) {
		snprintf(err, errlen, "%s: nic %u (switch %s): %s", h->label, vn->index, vn->cfg.sw,
			 why);
		return r;
	}
	virtio_mmio_init(&run->t, &vnet_ops, run->net, h->gm, vnic_irq, run);
	virtio_vdev_bind(d, &run->t);
	/* A window is 0x200-aligned (config/check.c): never across a page. */
	r = vdev_window(d, vn->cfg.base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, &run->t, err, errlen);
	if (!r)
		r = vdev_doorbell(d, vn->cfg.base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0, err, errlen);
	return r;
}

static int vnic_dt_node(struct vdev *d, void *fdt)
{
	return guest_fdt_virtio_mmio(fdt, to_vnic(d)->cfg.base, to_vnic(d)->cfg.spi);
}

static void vnic_kick(struct vdev *d, uint32_t tag, uint32_t queue)
{
	if (to_vnic(d)->run)
		virtio_mmio_kick(&to_vnic(d)->run->t, queue);
}

static void vnic_kick_all(struct vdev *d)
{
	if (to_vnic(d)->run)
		virtio_mmio_kick_all(&to_vnic(d)->run->t);
}

/* Config, and while the guest runs the port's counters (frames and bytes
 * each way, drops by reason) and the device's. */
static json_t *vnic_json(const struct vdev *d)
{
	const struct vnic *vn = to_vnic(d);
	const uint8_t *m = vn->cfg.mac;
	char mac[18];
	json_t *o;

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	o = json_pack("{s:s, s:s, s:I, s:i}", "mac", mac, "switch", vn->cfg.sw, "base",
		      (json_int_t)vn->cfg.base, "intid", (int)(32 + vn->cfg.spi));
	if (vn->run && vn->run->net)
		json_object_set_new(o, "port", vnet_json(vn->run->net));
	return o;
}

static int vnic_save(struct vdev *d, json_t **state)
{
	return virtio_vdev_save(to_vnic(d)->run ? &to_vnic(d)->run->t : NULL, NULL, state);
}

/* The port joined its switch at attach: frames flow once the queues resume. */
static int vnic_restore(struct vdev *d, const json_t *state)
{
	return virtio_vdev_restore(to_vnic(d)->run ? &to_vnic(d)->run->t : NULL, state);
}

static void vnic_destroy(struct vdev *d)
{
	free(to_vnic(d));
}

static const struct vdev_ops vnic_ops = {
	.attach = vnic_attach,
	.detach = vnic_detach,
	.dt_node = vnic_dt_node,
	.kick = vnic_kick,
	.kick_all = vnic_kick_all,
	.json = vnic_json,
	.save = vnic_save,
	.restore = vnic_restore,
	.destroy = vnic_destroy,
};

static unsigned vnic_count(const struct vm_config *cfg)
{
	return cfg->nr_nics;
}

static int vnic_create(struct vdev_registry *r, const struct vm_config *cfg, unsigned i,
		       struct vdev **out, char *err, size_t errlen)
{
	struct vnic *vn = calloc(1, sizeof(*vn));
	char name[VDEV_NAME_MAX];

	if (!vn) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "nic %u", i);
	vdev_init(&vn->vdev, r, &vnic_type, &vnic_ops, name);
	vn->index = i;
	vn->cfg = cfg->nic[i];
	snprintf(vn->vm_name, sizeof(vn->vm_name), "%s", cfg->name);
	*out = &vn->vdev;
	return 0;
}

const struct vdev_type vnic_type = {
	.name = "virtio-net",
	.json_key = "nics",
	.count = vnic_count,
	.create = vnic_create,
};
