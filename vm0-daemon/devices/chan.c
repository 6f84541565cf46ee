// SPDX-License-Identifier: GPL-2.0
/*
 * An inter-VM channel end as a vdev: no model at all (the hypervisor maps
 * the region and turns kicks into the SPI, proto/keel/chan.h), only the
 * attach in the hypervisor at each boot (a fresh hypervisor VM has no ends)
 * and the DT node keelchan.ko binds to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "guest/guest_fdt.h"

struct chan_dev {
	struct vdev vdev;
	struct cfg_chan cfg;
	bool attached;          /* in the hypervisor: id and end are valid */
	uint32_t chan_id, end;
};

#define to_chan(d) ((struct chan_dev *)(d))

static int chan_attach(struct vdev *d, char *err, size_t errlen)
{
	struct chan_dev *c = to_chan(d);
	const struct vdev_host *h = vdev_host(d);
	int r;

	/* A VM an earlier keeld made keeps its ends (and they are unknown to
	 * us): nothing to attach, and no DT is written for it again. */
	if (!d->reg->hyp)
		return 0;
	if (!h->ops->chan_attach) {
		snprintf(err, errlen, "%s: channels[%u]: no hypervisor to attach it to", h->label,
			 c->cfg.entry);
		return -EOPNOTSUPP;
	}
	r = h->ops->chan_attach(h->opaque, &c->cfg, &c->chan_id, &c->end, err, errlen);
	c->attached = !r;
	return r;
}

/* The end stays in the hypervisor until the VM is destroyed there: a
 * stopped guest's peer keeps writing into the ring, its kicks pending. */
static void chan_detach(struct vdev *d)
{
}

static int chan_dt_node(struct vdev *d, void *fdt)
{
	const struct chan_dev *c = to_chan(d);
	const struct guest_dt_channel dt = {
		.ipa = c->cfg.ipa, .size = c->cfg.size, .spi = c->cfg.spi,
		.chan_id = c->chan_id, .end = c->end, .name = c->cfg.name,
	};

	return c->attached ? guest_fdt_channel(fdt, &dt) : -ENODEV;
}

static json_t *chan_json(const struct vdev *d)
{
	const struct chan_dev *c = to_chan(d);
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:i}", "name", c->cfg.name, "peer",
			      c->cfg.peer, "size", (json_int_t)c->cfg.size, "ipa",
			      (json_int_t)c->cfg.ipa, "intid", (int)(32 + c->cfg.spi));

	if (o && c->attached) {
		json_object_set_new(o, "id", json_integer(c->chan_id));
		json_object_set_new(o, "end", json_integer(c->end));
	}
	return o;
}

static int chan_save(struct vdev *d, json_t **state)
{
	return -EOPNOTSUPP;
}

static int chan_restore(struct vdev *d, const json_t *state)
{
	return -EOPNOTSUPP;
}

/* The VM is removed: a channel with VM0 loses VM0's end as well, so the
 * region goes back to the pool (a guest only stopped keeps both). */
static void chan_destroy(struct vdev *d)
{
	struct chan_dev *c = to_chan(d);
	const struct vdev_host *h = vdev_host(d);

	if (c->attached && !strcmp(c->cfg.peer, KEEL_CHAN_VM0_NAME) && h->ops->chan_detach_vm0)
		h->ops->chan_detach_vm0(h->opaque, c->chan_id);
	free(c);
}

static const struct vdev_ops chan_ops = {
	.attach = chan_attach,
	.detach = chan_detach,
	.dt_node = chan_dt_node,
	.json = chan_json,
	.save = chan_save,
	.restore = chan_restore,
	.destroy = chan_destroy,
};

static unsigned chan_count(const struct vm_config *cfg)
{
	return cfg->nr_chans;
}

static int chan_create(struct vdev_registry *r, const struct vm_config *cfg, unsigned i,
		       struct vdev **out, char *err, size_t errlen)
{
	struct chan_dev *c = calloc(1, sizeof(*c));
	char name[VDEV_NAME_MAX];

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->cfg = cfg->chan[i];
	snprintf(name, sizeof(name), "channel %.15s", c->cfg.name);
	vdev_init(&c->vdev, r, &chan_type, &chan_ops, name);
	*out = &c->vdev;
	return 0;
}

const struct vdev_type chan_type = {
	.name = "channel",
	.json_key = "channels",
	.count = chan_count,
	.create = chan_create,
};
