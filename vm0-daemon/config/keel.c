// SPDX-License-Identifier: GPL-2.0
/* VM configs in Keel's own schema (configs/vm1.json). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/blkio.h"
#include "image.h"
#include "priv.h"
#include "vswitch/vswitch.h"

/* ---- Keel's schema ---- */

static const char *const keel_keys[] = {
	"name", "vcpus", "pcpus", "memory", "kernel", "initramfs", "dtb", "cmdline",
	"identity_map", "on_poweroff", "on_reboot", "disks", "console", "nics", "passthrough", "display",
	"autostart", "on_crash", "crash_restarts",  /* lifecycle.c */
	"type", "kernel_load_ipa", "kernel_entry_point",  /* image.c */
	"pool", "priority", "slice_ms",                   /* sched.c */
	"channels",  /* chan.c */
	NULL,
};

static const char *const disk_keys[] = { "path", "mediated", "readonly", "serial", "backend",
					  NULL };

/* "disks": [{"path": "/data/vm1.img", "readonly": false, "serial": "x"},
 * {"mediated": 0}]. Disk n gets virtio-mmio window n and SPI
 * KEEL_GUEST_VIRTIO_SPI + n, so the guest sees them as vda, vdb, ... */
static int parse_keel_disk(struct pctx *p, json_t *e, unsigned i)
{
	struct cfg_disk *d = &p->cfg->disk[i];
	json_t *path = json_object_get(e, "path"), *med = json_object_get(e, "mediated"), *v;
	char field[80];
	int r;

	snprintf(field, sizeof(field), "disks[%u]", i);
	if ((r = cfg_check_entry(p, e, field, disk_keys,
				   "{\"path\": FILE} or {\"mediated\": INDEX}")))
		return r;
	d->entry = i;
	d->mediated = -1;
	d->base = KEEL_GUEST_VIRTIO_BASE + i * KEEL_GUEST_VIRTIO_STRIDE;
	d->spi = KEEL_GUEST_VIRTIO_SPI + i;
	if ((v = json_object_get(e, "readonly"))) {
		snprintf(field, sizeof(field), "disks[%u].readonly", i);
		if (!json_is_boolean(v))
			return cfg_fail(p, EINVAL, field, v, "is not true or false");
		d->readonly = json_is_true(v);
	}
	snprintf(field, sizeof(field), "disks[%u]", i);
	if (path && med)
		return cfg_fail(p, EINVAL, field, NULL,
				"has both \"path\" and \"mediated\": give one or the other");
	if (!path && !med)
		return cfg_fail(p, EINVAL, field, NULL,
				"needs \"path\" (a file or block device in VM0) or \"mediated\" (an index into mediated-cfg.json)");
	if (path) {
		snprintf(field, sizeof(field), "disks[%u].path", i);
		r = cfg_get_path(p, field, path, d->path, true, d->readonly ? R_OK : R_OK | W_OK);
		if (r)
			return r;
	} else {
		snprintf(field, sizeof(field), "disks[%u].mediated", i);
		if (!json_is_integer(med) || json_integer_value(med) < 0)
			return cfg_fail(p, EINVAL, field, med,
					"is not an index into mediated-cfg.json's list");
		r = cfg_check_mediated_index(p, field, med, (uint64_t)json_integer_value(med));
		if (r)
			return r;
		d->mediated = (int)json_integer_value(med);
	}
	if ((v = json_object_get(e, "serial"))) {
		snprintf(field, sizeof(field), "disks[%u].serial", i);
		r = cfg_get_string(p, field, v, d->serial, sizeof(d->serial));
		if (r)
			return r;
	}
	/* "auto" (io_uring when the kernel gives keeld one), "uring" or
	 * "threadpool": how keeld does the disk's I/O (backend/blkio.h). */
	if ((v = json_object_get(e, "backend"))) {
		snprintf(field, sizeof(field), "disks[%u].backend", i);
		r = cfg_get_string(p, field, v, d->backend, sizeof(d->backend));
		if (r)
			return r;
		if (!blkio_name_ok(d->backend))
			return cfg_fail(p, EINVAL, field, v,
					"is not \"auto\", \"uring\" or \"threadpool\"");
	}
	return 0;
}

static int parse_keel_disks(struct pctx *p, json_t *list)
{
	json_t *e;
	size_t i;
	int r;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return cfg_fail(p, EINVAL, "disks", list,
				"is not a list of {\"path\": FILE} or {\"mediated\": INDEX}");
	if (json_array_size(list) > CFG_MAX_DISKS)
		return cfg_fail(p, EINVAL, "disks", NULL, "%zu disks, at most %d",
				json_array_size(list), CFG_MAX_DISKS);
	json_array_foreach(list, i, e) {
		r = parse_keel_disk(p, e, (unsigned)i);
		if (r)
			return r;
		p->cfg->nr_disks++;
	}
	return 0;
}

/* "console": "pl011" (the default), "virtio", or a list of both, the
 * first being the main one (input, stdout-path). */
static int parse_keel_console(struct pctx *p, json_t *v)
{
	static const struct {
		const char *name;
		enum cfg_console bit;
	} kinds[] = { { "pl011", CFG_CONSOLE_PL011 }, { "virtio", CFG_CONSOLE_VIRTIO } };
	const char *const hint = "is not \"pl011\", \"virtio\" or a list of them (the first is the main console)";
	struct vm_config *c = p->cfg;
	json_t *list = v, *e;
	char field[32];
	size_t i;

	if (!v)
		return 0;
	if (json_is_string(v)) {
		list = json_array();
		json_array_append(list, v);
	} else if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > 2) {
		return cfg_fail(p, EINVAL, "console", v, "%s", hint);
	}
	c->consoles = 0;
	json_array_foreach(list, i, e) {
		const char *s = json_string_value(e);
		size_t k;

		for (k = 0; s && k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (!strcmp(s, kinds[k].name))
				break;
		snprintf(field, sizeof(field), json_is_array(v) ? "console[%zu]" : "console", i);
		if (!s || k == sizeof(kinds) / sizeof(kinds[0]) || (c->consoles & kinds[k].bit)) {
			int r = cfg_fail(p, EINVAL, field, e, "%s",
					 s && k < sizeof(kinds) / sizeof(kinds[0]) ? "is named twice" : hint);

			if (list != v)
				json_decref(list);
			return r;
		}
		if (!i)
			c->console_main = kinds[k].bit;
		c->consoles |= kinds[k].bit;
	}
	if (list != v)
		json_decref(list);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly "xx:xx:xx:xx:xx:xx", hex digits in either case. */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	for (unsigned i = 0; i < 6; i++, s += 3) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (lo < 0 || s[2] != (i < 5 ? ':' : '\0'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static const char *const nic_keys[] = { "mac", "switch", NULL };

/* "nics": [{"mac": "02:00:00:00:00:01", "switch": "keel0"}, {}]. NIC n gets
 * the virtio-mmio window after the last possible disk's (CFG_MAX_DISKS +
 * n) and its SPI, so adding a disk never moves a NIC. A missing MAC is
 * generated (check.c), a missing switch is VSWITCH_DEFAULT. */
static int parse_keel_nic(struct pctx *p, json_t *e, unsigned i)
{
	struct cfg_nic *n = &p->cfg->nic[i];
	char field[80];
	json_t *v;
	int r;

	snprintf(field, sizeof(field), "nics[%u]", i);
	if ((r = cfg_check_entry(p, e, field, nic_keys,
				   "{\"mac\": MAC, \"switch\": NAME}, both optional")))
		return r;
	n->entry = i;
	n->base = KEEL_GUEST_VIRTIO_BASE + (CFG_MAX_DISKS + i) * KEEL_GUEST_VIRTIO_STRIDE;
	n->spi = KEEL_GUEST_VIRTIO_SPI + CFG_MAX_DISKS + i;
	snprintf(n->sw, sizeof(n->sw), "%s", VSWITCH_DEFAULT);
	if ((v = json_object_get(e, "mac"))) {
		snprintf(field, sizeof(field), "nics[%u].mac", i);
		if (!json_is_string(v) || !parse_mac(json_string_value(v), n->mac))
			return cfg_fail(p, EINVAL, field, v, "is not a MAC address (\"02:00:00:00:00:01\")");
		n->mac_given = true;
	}
	if ((v = json_object_get(e, "switch"))) {
		snprintf(field, sizeof(field), "nics[%u].switch", i);
		if ((r = cfg_get_string(p, field, v, n->sw, sizeof(n->sw))))
			return r;
	}
	return 0;
}

static int parse_keel_nics(struct pctx *p, json_t *list)
{
	json_t *e;
	size_t i;
	int r;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return cfg_fail(p, EINVAL, "nics", list, "is not a list of {\"mac\": MAC, \"switch\": NAME}");
	if (json_array_size(list) > CFG_MAX_NICS)
		return cfg_fail(p, EINVAL, "nics", NULL, "%zu NICs, at most %d", json_array_size(list),
				CFG_MAX_NICS);
	json_array_foreach(list, i, e) {
		if ((r = parse_keel_nic(p, e, (unsigned)i)))
			return r;
		p->cfg->nr_nics++;
	}
	return 0;
}

int cfg_parse_keel(struct pctx *p, json_t *root)
{
	struct vm_config *c = p->cfg;
	const char *key;
	json_t *v;
	uint64_t n;
	int r, tmp;

	json_object_foreach(root, key, v) {
		const char *const *k;

		for (k = keel_keys; *k && strcmp(*k, key); k++)
			;
		if (!*k)
			return cfg_fail(p, EINVAL, key, NULL, "unknown field");
	}

	if ((v = json_object_get(root, "name"))) {
		if ((r = cfg_get_string(p, "name", v, c->name, sizeof(c->name))) || (r = cfg_check_name(p, "name", v)))
			return r;
	}

	c->nr_vcpus = 1;
	if ((v = json_object_get(root, "vcpus"))) {
		if (!json_is_integer(v))
			return cfg_fail(p, EINVAL, "vcpus", v, "is not a number");
		if (json_integer_value(v) < 1)
			return cfg_fail(p, EINVAL, "vcpus", v, "is less than 1");
		if ((r = cfg_check_vcpus(p, "vcpus", v, (uint64_t)json_integer_value(v))))
			return r;
	}

	if ((r = cfg_parse_sched(p, root)))
		return r;
	cfg_default_pcpus(p);
	if ((v = json_object_get(root, "pcpus"))) {
		char field[32];
		size_t i;
		json_t *e;

		if (!json_is_array(v))
			return cfg_fail(p, EINVAL, "pcpus", v, "is not a list of pCPU numbers");
		if (json_array_size(v) != c->nr_vcpus)
			return cfg_fail(p, EINVAL, "pcpus", v, "has %zu entries for %u vCPUs (vcpus)",
					json_array_size(v), c->nr_vcpus);
		json_array_foreach(v, i, e) {
			snprintf(field, sizeof(field), "pcpus[%zu]", i);
			if (!json_is_integer(e) || json_integer_value(e) < 0)
				return cfg_fail(p, EINVAL, field, e, "is not a pCPU number");
			if ((r = cfg_check_pcpu(p, field, e, (uint64_t)json_integer_value(e))))
				return r;
			c->pcpu[i] = (uint8_t)json_integer_value(e);
		}
		c->pinned = true;
	}

	if ((r = cfg_get_size(p, "memory", json_object_get(root, "memory"), &n)))
		return r;
	c->nr_mem = 1;
	c->mem[0].ipa = KEEL_GUEST_RAM_BASE;
	c->mem[0].size = n;

	if ((r = cfg_get_file(p, "kernel", json_object_get(root, "kernel"), c->kernel)))
		return r;
	v = json_object_get(root, "initramfs");
	if (v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v)))
		if ((r = cfg_get_file(p, "initramfs", v, c->initramfs)))
			return r;
	v = json_object_get(root, "dtb");
	if (v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v)))
		if ((r = cfg_get_file(p, "dtb", v, c->dtb)))
			return r;
	if ((v = json_object_get(root, "cmdline")))
		if ((r = cfg_get_string(p, "cmdline", v, c->cmdline, sizeof(c->cmdline))))
			return r;
	if ((v = json_object_get(root, "identity_map"))) {
		if (!json_is_boolean(v))
			return cfg_fail(p, EINVAL, "identity_map", v, "is not true or false");
		c->identity_map = json_is_true(v);
	}
	tmp = CFG_POWEROFF_STOP;
	if ((r = cfg_get_on(p, root, "on_poweroff", "stop", "remove", &tmp)))
		return r;
	c->on_poweroff = tmp ? CFG_POWEROFF_REMOVE : CFG_POWEROFF_STOP;
	tmp = 0;
	if ((r = cfg_get_on(p, root, "on_reboot", "restart", "stop", &tmp)))
		return r;
	c->on_reboot = tmp ? CFG_REBOOT_STOP : CFG_REBOOT_RESTART;
	if ((r = cfg_parse_lifecycle(p, root)))
		return r;
	if ((r = config_image(json_object_get(root, "type"), root, c, p->err, p->errlen)))
		return r;
	if ((r = parse_keel_console(p, json_object_get(root, "console"))))
		return r;
	if ((r = parse_keel_disks(p, json_object_get(root, "disks"))))
		return r;
	if ((r = parse_keel_nics(p, json_object_get(root, "nics"))))
		return r;
	if ((r = cfg_parse_display(p, json_object_get(root, "display"))))
		return r;
	if ((r = cfg_parse_channels(p, json_object_get(root, "channels"))))
		return r;
	return cfg_parse_passthrough(p, json_object_get(root, "passthrough"));
}
