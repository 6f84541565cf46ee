// SPDX-License-Identifier: GPL-2.0
/*
 * The per-VM device registry (vdev.h). Doorbell cookies are the registry's
 * own handles: the slot in bell[] and the attach generation, so a doorbell
 * registered by an earlier boot never reaches a device of this one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <keel/guest.h>
#include <keel/ioctl.h>

#include "log.h"
#include "vdev/vdev.h"

void vdev_init(struct vdev *d, struct vdev_registry *r, const struct vdev_type *type,
	       const struct vdev_ops *ops, const char *name)
{
	d->ops = ops;
	d->type = type;
	d->reg = r;
	d->attached = false;
	snprintf(d->name, sizeof(d->name), "%s", name);
}

const struct vdev_host *vdev_host(const struct vdev *d)
{
	return &d->reg->host;
}

void *vdev_live(const struct vdev *d)
{
	const struct vdev_registry *r = d->reg;

	for (unsigned i = 0; i < r->n && r->host.live; i++)
		if (r->dev[i] == d)
			return (uint8_t *)r->host.live + (size_t)i * VDEV_LIVE_PAGE;
	return NULL;
}

bool vdev_resuming(const struct vdev *d)
{
	return d->reg->resuming;
}

void vdev_changed(struct vdev *d)
{
	d->reg->dirty = true;
}

int vdev_irq(struct vdev *d, unsigned spi, unsigned level)
{
	const struct vdev_host *h = &d->reg->host;

	return h->ops->irq_line(h->opaque, 32 + spi, level);
}

int vdev_registry_create(struct vdev_registry *r, const struct vdev_host *host,
			 const struct vm_config *cfg, const struct vdev_type *const *types,
			 unsigned nr_types, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->host = *host;
	r->types = types;
	r->nr_types = nr_types;
	for (unsigned t = 0; t < nr_types; t++) {
		unsigned count = types[t]->count(cfg);

		for (unsigned i = 0; i < count; i++) {
			int e;

			if (r->n == VDEV_MAX) {
				snprintf(err, errlen, "%s: more than %u devices", host->label, VDEV_MAX);
				vdev_registry_destroy(r);
				return -ENOSPC;
			}
			e = types[t]->create(r, cfg, i, &r->dev[r->n], err, errlen);
			if (e) {
				vdev_registry_destroy(r);
				return e;
			}
			r->n++;
		}
	}
	return 0;
}

void vdev_registry_destroy(struct vdev_registry *r)
{
	vdev_registry_detach(r);
	while (r->n) {
		struct vdev *d = r->dev[--r->n];

		r->dev[r->n] = NULL;
		d->ops->destroy(d);
	}
}

/* Windows, doorbells and shadow pages belong to one attach. */
static void forget_claims(struct vdev_registry *r)
{
	vdev_shadow_forget(r);
	memset(&r->mmio, 0, sizeof(r->mmio));
	memset(r->window_dev, 0, sizeof(r->window_dev));
	memset(r->bell, 0, sizeof(r->bell));
	r->nr_bells = 0;
}

/* Devices [0, n) in reverse order: a later device may use an earlier one. */
static void detach_first(struct vdev_registry *r, unsigned n)
{
	while (n) {
		struct vdev *d = r->dev[--n];

		if (d->attached) {
			d->ops->detach(d);
			d->attached = false;
		}
	}
}

static int attach_all(struct vdev_registry *r, bool hyp, uint32_t generation, char *err,
		      size_t errlen)
{
	if (r->attached)
		vdev_registry_detach(r);
	forget_claims(r);
	r->hyp = hyp;
	r->generation = generation & VDEV_COOKIE_GEN_MASK;
	r->unknown_logged = false;
	r->bad_doorbell_logged = false;
	r->bad_posted_logged = false;
	for (unsigned i = 0; i < r->n; i++) {
		struct vdev *d = r->dev[i];
		int e;

		/* Marked first: detach must also undo a half-done attach. */
		d->attached = true;
		e = d->ops->attach(d, err, errlen);
		if (e) {
			detach_first(r, i + 1);
			forget_claims(r);
			return e;
		}
	}
	r->attached = true;
	return 0;
}

int vdev_registry_attach(struct vdev_registry *r, bool hyp, char *err, size_t errlen)
{
	return attach_all(r, hyp, r->generation + 1, err, errlen);
}

int vdev_registry_resume(struct vdev_registry *r, const json_t *saved, char *err, size_t errlen)
{
	json_t *devs = json_object_get(saved, "devices");
	json_int_t gen;
	int e;

	if (json_unpack((json_t *)saved, "{s:I}", "generation", &gen) || !json_is_array(devs) ||
	    json_array_size(devs) != r->n) {
		snprintf(err, errlen, "vm %u: saved device state does not match its config",
			 r->host.vm_id);
		return -EINVAL;
	}
	r->resuming = true;
	e = attach_all(r, false, (uint32_t)gen, err, errlen);
	for (unsigned i = 0; !e && i < r->n; i++) {
		struct vdev *d = r->dev[i];
		json_t *s = json_array_get(devs, i);
		const char *type = json_string_value(json_object_get(s, "type"));

		e = type && !strcmp(type, d->type->name) && d->ops->restore ?
			    d->ops->restore(d, json_object_get(s, "state")) : -EINVAL;
		if (e)
			snprintf(err, errlen, "vm %u: %s: restoring its state: %s", r->host.vm_id,
				 d->name, strerror(-e));
	}
	r->resuming = false;
	if (e)
		vdev_registry_detach(r);
	return e;
}

void vdev_registry_detach(struct vdev_registry *r)
{
	/* The guest's last posted stores (a panic message) still count. */
	vdev_shadow_drain_all(r);
	detach_first(r, r->n);
	forget_claims(r);
	r->attached = false;
}

int vdev_window(struct vdev *d, uint64_t base, uint64_t size, const struct mmio_ops *ops,
		void *opaque, char *err, size_t errlen)
{
	struct vdev_registry *r = d->reg;
	const struct vdev_host *h = &r->host;
	uint64_t first = base & ~(KEEL_GUEST_PAGE_SIZE - 1);
	uint64_t end = (base + size + KEEL_GUEST_PAGE_SIZE - 1) & ~(KEEL_GUEST_PAGE_SIZE - 1);
	unsigned slot = r->mmio.n;
	int e = mmio_add(&r->mmio, base, size, ops, opaque);

	if (e) {
		const struct vdev *other = vdev_registry_find(r, base);

		snprintf(err, errlen, "vm %u: %s: window 0x%llx+0x%llx: %s%s%s", h->vm_id, d->name,
			 (unsigned long long)base, (unsigned long long)size, strerror(-e),
			 e == -EEXIST && other ? ", overlaps " : "", e == -EEXIST && other ? other->name : "");
		return e;
	}
	r->window_dev[slot] = d;
	if (!r->hyp)
		return ops->nr_shadow ? vdev_shadow_claim(r, d, slot, err, errlen) : 0;
	/* Windows may share a page (virtio's stride is 0x200): the first one
	 * in a page registers it, the others find it there. */
	e = h->ops->mmio_register(h->opaque, first, end - first, KEEL_MMIO_IOREQ, 0);
	if (e && e != -EEXIST) {
		snprintf(err, errlen, "vm %u: %s: KEEL_IOC_MMIO_REGISTER of 0x%llx+0x%llx: %s",
			 h->vm_id, d->name, (unsigned long long)first,
			 (unsigned long long)(end - first), strerror(-e));
		return e;
	}
	return ops->nr_shadow ? vdev_shadow_claim(r, d, slot, err, errlen) : 0;
}

int vdev_doorbell(struct vdev *d, uint64_t addr, unsigned size, uint32_t tag, char *err,
		  size_t errlen)
{
	struct vdev_registry *r = d->reg;
	const struct vdev_host *h = &r->host;
	uint32_t cookie = vdev_cookie(r, r->nr_bells);
	int e = 0;

	if (r->nr_bells == VDEV_MAX_DOORBELLS)
		e = -ENOSPC;
	else if (r->hyp)
		e = h->ops->mmio_register(h->opaque, addr, size, KEEL_MMIO_DOORBELL, cookie);
	if (e) {
		snprintf(err, errlen, "vm %u: %s: doorbell at 0x%llx: %s", h->vm_id, d->name,
			 (unsigned long long)addr, strerror(-e));
		return e;
	}
	r->bell[r->nr_bells++] = (struct vdev_doorbell){ d, tag };
	return 0;
}

struct vdev *vdev_registry_find(const struct vdev_registry *r, uint64_t addr)
{
	for (unsigned i = 0; i < r->mmio.n; i++)
		if (addr >= r->mmio.r[i].base && addr - r->mmio.r[i].base < r->mmio.r[i].size)
			return r->window_dev[i];
	return NULL;
}

int vdev_registry_access(struct vdev_registry *r, uint64_t addr, unsigned size, bool write,
			 uint64_t *data)
{
	int e;

	/* Posted stores the guest made before this access come first. */
	vdev_shadow_drain_all(r);
	e = mmio_access(&r->mmio, addr, size, write, data);

	if (e && !r->unknown_logged) {
		r->unknown_logged = true;
		klog("vm %u: %u-byte %s at 0x%llx: no device there (reads 0, writes ignored; logged once)",
		     r->host.vm_id, size, write ? "write" : "read", (unsigned long long)addr);
	}
	return e;
}

int vdev_registry_kick(struct vdev_registry *r, uint32_t cookie, uint32_t value)
{
	unsigned slot;
	struct vdev *d;

	if (!vdev_cookie_slot(r, cookie, r->nr_bells, &slot)) {
		if (!r->bad_doorbell_logged)
			klog_vm(r->host.vm_id,
				"vm %u: doorbell with cookie 0x%x, which no device of this boot registered (logged once)",
				r->host.vm_id, cookie);
		r->bad_doorbell_logged = true;
		return -ENOENT;
	}
	d = r->bell[slot].dev;
	d->ops->kick(d, r->bell[slot].tag, value);
	return 0;
}

void vdev_registry_kick_all(struct vdev_registry *r)
{
	vdev_shadow_drain_all(r);
	for (unsigned i = 0; i < r->n; i++)
		if (r->dev[i]->attached && r->dev[i]->ops->kick_all)
			r->dev[i]->ops->kick_all(r->dev[i]);
}

void vdev_registry_signal(struct vdev_registry *r, enum vdev_signal s, bool level)
{
	for (unsigned i = 0; i < r->n; i++)
		if (r->dev[i]->attached && r->dev[i]->ops->signal)
			r->dev[i]->ops->signal(r->dev[i], s, level);
}

int vdev_registry_dt(struct vdev_registry *r, void *fdt)
{
	for (unsigned i = 0; i < r->n; i++) {
		int e = r->dev[i]->ops->dt_node(r->dev[i], fdt);

		if (e)
			return e;
	}
	return 0;
}

bool vdev_registry_stdout(const struct vdev_registry *r, char *buf, size_t len)
{
	for (unsigned i = 0; i < r->n; i++) {
		if (r->dev[i]->ops->stdout_path && r->dev[i]->ops->stdout_path(r->dev[i], buf, len))
			return true;
	}
	return false;
}

void vdev_registry_json(const struct vdev_registry *r, json_t *o)
{
	for (unsigned t = 0; t < r->nr_types; t++) {
		json_t *a;

		if (!r->types[t]->json_key)
			continue;
		a = json_array();
		for (unsigned i = 0; i < r->n; i++) {
			json_t *j;

			if (r->dev[i]->type != r->types[t] || !r->dev[i]->ops->json)
				continue;
			if ((j = r->dev[i]->ops->json(r->dev[i])))
				json_array_append_new(a, j);
		}
		json_object_set_new(o, r->types[t]->json_key, a);
	}
}

int vdev_registry_save(struct vdev_registry *r, json_t **out, char *err, size_t errlen)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < r->n; i++) {
		struct vdev *d = r->dev[i];
		json_t *state = NULL;
		int e = d->ops->save ? d->ops->save(d, &state) : -EOPNOTSUPP;

		if (e) {
			snprintf(err, errlen, "vm %u: %s: saving its state: %s", r->host.vm_id, d->name,
				 strerror(-e));
			json_decref(a);
			return e;
		}
		json_array_append_new(a, json_pack("{s:s, s:s, s:o}", "type", d->type->name, "name",
						   d->name, "state", state));
	}
	*out = json_pack("{s:I, s:o}", "generation", (json_int_t)r->generation, "devices", a);
	r->dirty = false;
	return 0;
}
