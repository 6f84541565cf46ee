// SPDX-License-Identifier: GPL-2.0
/*
 * Keel and Rust-Shyper VM configs -> struct vm_config.
 *
 * Every error names the file, the field and the value, because the person
 * reading it has only the message and their JSON file in front of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include <keel/guest.h>

#include "config.h"
#include "config_image.h"

#define PAGE_SIZE KEEL_GUEST_PAGE_SIZE
#define CFG_MAX_FILE (1U << 20)

struct pctx {
	const struct config_env *env;
	struct vm_config *cfg;
	char *err;
	size_t errlen;
};

/* A JSON value as the user wrote it, short enough for one line. */
static void show_value(json_t *v, char *out, size_t outlen)
{
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;

	if (!s) {
		snprintf(out, outlen, "%s", v ? "?" : "");
		return;
	}
	if (strlen(s) > 48)
		snprintf(out, outlen, "%.45s...", s);
	else
		snprintf(out, outlen, "%s", s);
	free(s);
}

/* "label: field: value message" (value left out when v is NULL). */
static int fail(struct pctx *p, int e, const char *field, json_t *v, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail(struct pctx *p, int e, const char *field, json_t *v, const char *fmt, ...)
{
	char val[64], msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	show_value(v, val, sizeof(val));
	if (field && v)
		snprintf(p->err, p->errlen, "%s: %s: %s %s", p->env->label, field, val, msg);
	else if (field)
		snprintf(p->err, p->errlen, "%s: %s: %s", p->env->label, field, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->env->label, msg);
	return -e;
}

static void note(struct pctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct pctx *p, const char *fmt, ...)
{
	size_t used = strlen(p->cfg->notes);
	va_list ap;

	if (used + 2 >= sizeof(p->cfg->notes))
		return;
	if (used)
		p->cfg->notes[used++] = ';', p->cfg->notes[used++] = ' ', p->cfg->notes[used] = 0;
	va_start(ap, fmt);
	vsnprintf(p->cfg->notes + used, sizeof(p->cfg->notes) - used, fmt, ap);
	va_end(ap);
}

/* Unsigned integer text: decimal, 0x hex or 0b binary; no sign, no junk. */
static int parse_uint(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	if (!*s)
		return -EINVAL;
	for (; *s && *s != '_'; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (*s)
		return -EINVAL;
	*out = v;
	return 0;
}

int config_parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t n = 0;
	unsigned shift = 0;
	uint64_t v;

	while (*s == ' ')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		/* hex: no suffix */
		return parse_uint(s, out);
	}
	while (*s >= '0' && *s <= '9' && n + 1 < sizeof(num))
		num[n++] = *s++;
	num[n] = 0;
	if (!n || (*s >= '0' && *s <= '9'))
		return -EINVAL;
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	case 't': case 'T': shift = 40; s++; break;
	default: break;
	}
	if (shift && (s[0] == 'i' || s[0] == 'I') && (s[1] == 'B' || s[1] == 'b'))
		s += 2;
	else if (shift && (s[0] == 'B' || s[0] == 'b'))
		s += 1;
	while (*s == ' ')
		s++;
	if (*s || parse_uint(num, &v))
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

/* A number as JSON integer or string ("0x8000000", "0b0110", "42"). */
static int get_u64(struct pctx *p, const char *field, json_t *v, uint64_t *out)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return fail(p, EINVAL, field, v, "is negative");
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		int r = parse_uint(json_string_value(v), out);

		if (r == -ERANGE)
			return fail(p, ERANGE, field, v, "is too large");
		if (r)
			return fail(p, EINVAL, field, v, "is not a number (decimal, 0x.. or 0b..)");
		return 0;
	}
	return fail(p, EINVAL, field, v, v ? "is not a number" : "missing");
}

static int get_size(struct pctx *p, const char *field, json_t *v, uint64_t *out)
{
	if (json_is_string(v)) {
		int r = config_parse_size(json_string_value(v), out);

		if (r)
			return fail(p, EINVAL, field, v,
				    "is not a size (bytes, or a number with K, M or G)");
		return 0;
	}
	return get_u64(p, field, v, out);
}

static int get_string(struct pctx *p, const char *field, json_t *v, char *out, size_t outlen)
{
	const char *s;

	if (!json_is_string(v))
		return fail(p, EINVAL, field, v, v ? "is not a string" : "missing");
	s = json_string_value(v);
	if (strlen(s) >= outlen)
		return fail(p, ENAMETOOLONG, field, v, "is longer than %zu characters", outlen - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* A file name from the config, resolved against the config's folder and,
 * when asked, checked now rather than at boot: it must exist, allow amode
 * and be a regular file (or, with blk_ok, a block device). */
static int get_path(struct pctx *p, const char *field, json_t *v, char *out, bool blk_ok,
		    int amode)
{
	char name[CFG_PATH_MAX];
	const char *dir = p->env->dir ? p->env->dir : "";
	struct stat st;
	int r;

	r = get_string(p, field, v, name, sizeof(name));
	if (r)
		return r;
	if (!name[0])
		return fail(p, EINVAL, field, v, "is empty");
	if (name[0] == '/' || !dir[0])
		r = snprintf(out, CFG_PATH_MAX, "%s", name);
	else
		r = snprintf(out, CFG_PATH_MAX, "%s/%s", dir, name);
	if (r < 0 || r >= CFG_PATH_MAX)
		return fail(p, ENAMETOOLONG, field, v, "makes a path that is too long");
	if (!p->env->check_files)
		return 0;
	if (stat(out, &st) || access(out, amode)) {
		int e = errno;
		char val[64];

		show_value(v, val, sizeof(val));
		if (strcmp(out, name))
			snprintf(p->err, p->errlen, "%s: %s: %s (%s): %s", p->env->label, field, val,
				 out, strerror(e));
		else
			snprintf(p->err, p->errlen, "%s: %s: %s: %s", p->env->label, field, val,
				 strerror(e));
		return -e;
	}
	if (blk_ok && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return fail(p, EINVAL, field, v, "(%s) is not a regular file or a block device",
			    out);
	if (!blk_ok && !S_ISREG(st.st_mode))
		return fail(p, EINVAL, field, v, "(%s) is not a regular file", out);
	return 0;
}

static int get_file(struct pctx *p, const char *field, json_t *v, char *out)
{
	return get_path(p, field, v, out, false, R_OK);
}

static int check_name(struct pctx *p, const char *field, json_t *v)
{
	const char *s = p->cfg->name;

	if (!*s)
		return fail(p, EINVAL, field, v, "is empty");
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' || *s == '@'))
			return fail(p, EINVAL, field, v,
				    "has a character other than letters, digits, '-', '_', '.', '@'");
	}
	return 0;
}

static int check_vcpus(struct pctx *p, const char *field, json_t *v, uint64_t n)
{
	if (n < 1)
		return fail(p, EINVAL, field, v, "is less than 1");
	if (n > KEEL_MAX_VCPUS)
		return fail(p, EINVAL, field, v, "is more than %d", KEEL_MAX_VCPUS);
	p->cfg->nr_vcpus = (unsigned)n;
	return 0;
}

static int check_pcpu(struct pctx *p, const char *field, json_t *v, uint64_t pcpu)
{
	unsigned n = p->env->nr_pcpus;

	if (pcpu > 255 || (n && pcpu >= n))
		return fail(p, EINVAL, field, v, "is not a pCPU of this machine (0..%u)",
			    n ? n - 1 : 255);
	return 0;
}

/* vCPU i of VM id goes on pCPU 1 + (id - 1 + i) % (n - 1): pCPU 0 stays
 * VM0's, and VMs spread over the rest. */
static void default_pcpus(struct pctx *p)
{
	unsigned n = p->env->nr_pcpus, id = p->env->id ? p->env->id : 1;

	for (unsigned i = 0; i < p->cfg->nr_vcpus; i++)
		p->cfg->pcpu[i] = n > 1 ? 1 + (id - 1 + i) % (n - 1) : 0;
}

static int get_on(struct pctx *p, json_t *root, const char *key, const char *a, const char *b,
		  int *out)
{
	json_t *v = json_object_get(root, key);

	if (!v)
		return 0;
	if (json_is_string(v) && !strcmp(json_string_value(v), a))
		*out = 0;
	else if (json_is_string(v) && !strcmp(json_string_value(v), b))
		*out = 1;
	else
		return fail(p, EINVAL, key, v, "is not \"%s\" or \"%s\"", a, b);
	return 0;
}

/* ---- Keel's schema ---- */

static const char *const keel_keys[] = {
	"name", "vcpus", "pcpus", "memory", "kernel", "initramfs", "dtb", "cmdline",
	"identity_map", "on_poweroff", "on_reboot", "disks",
	"type", "kernel_load_ipa", "kernel_entry_point",  /* config_image.c */
	NULL,
};

static const char *const disk_keys[] = { "path", "mediated", "readonly", "serial", NULL };

/* An index into the daemon's mediated-cfg.json list; that the list is long
 * enough is checked when the VM is created (config_resolve_disks). */
static int check_mediated_index(struct pctx *p, const char *field, json_t *v, uint64_t idx)
{
	if (idx >= MEDIATED_MAX)
		return fail(p, EINVAL, field, v,
			    "is not an index into mediated-cfg.json's list (0..%d)", MEDIATED_MAX - 1);
	return 0;
}

/* "disks": [{"path": "/data/vm1.img", "readonly": false, "serial": "x"},
 * {"mediated": 0}]. Disk n gets virtio-mmio window n and SPI
 * KEEL_GUEST_VIRTIO_SPI + n, so the guest sees them as vda, vdb, ... */
static int parse_keel_disk(struct pctx *p, json_t *e, unsigned i)
{
	struct cfg_disk *d = &p->cfg->disk[i];
	json_t *path = json_object_get(e, "path"), *med = json_object_get(e, "mediated"), *v;
	char field[80];
	const char *key;
	int r;

	snprintf(field, sizeof(field), "disks[%u]", i);
	if (!json_is_object(e))
		return fail(p, EINVAL, field, e,
			    "is not an object ({\"path\": FILE} or {\"mediated\": INDEX})");
	json_object_foreach(e, key, v) {
		const char *const *k;

		for (k = disk_keys; *k && strcmp(*k, key); k++)
			;
		if (!*k) {
			snprintf(field, sizeof(field), "disks[%u].%.48s", i, key);
			return fail(p, EINVAL, field, NULL, "unknown field");
		}
	}
	d->entry = i;
	d->mediated = -1;
	d->base = KEEL_GUEST_VIRTIO_BASE + i * KEEL_GUEST_VIRTIO_STRIDE;
	d->spi = KEEL_GUEST_VIRTIO_SPI + i;
	if ((v = json_object_get(e, "readonly"))) {
		snprintf(field, sizeof(field), "disks[%u].readonly", i);
		if (!json_is_boolean(v))
			return fail(p, EINVAL, field, v, "is not true or false");
		d->readonly = json_is_true(v);
	}
	snprintf(field, sizeof(field), "disks[%u]", i);
	if (path && med)
		return fail(p, EINVAL, field, NULL,
			    "has both \"path\" and \"mediated\": give one or the other");
	if (!path && !med)
		return fail(p, EINVAL, field, NULL,
			    "needs \"path\" (a file or block device in VM0) or \"mediated\" (an index into mediated-cfg.json)");
	if (path) {
		snprintf(field, sizeof(field), "disks[%u].path", i);
		r = get_path(p, field, path, d->path, true, d->readonly ? R_OK : R_OK | W_OK);
		if (r)
			return r;
	} else {
		snprintf(field, sizeof(field), "disks[%u].mediated", i);
		if (!json_is_integer(med) || json_integer_value(med) < 0)
			return fail(p, EINVAL, field, med,
				    "is not an index into mediated-cfg.json's list");
		r = check_mediated_index(p, field, med, (uint64_t)json_integer_value(med));
		if (r)
			return r;
		d->mediated = (int)json_integer_value(med);
	}
	if ((v = json_object_get(e, "serial"))) {
		snprintf(field, sizeof(field), "disks[%u].serial", i);
		r = get_string(p, field, v, d->serial, sizeof(d->serial));
		if (r)
			return r;
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
		return fail(p, EINVAL, "disks", list,
			    "is not a list of {\"path\": FILE} or {\"mediated\": INDEX}");
	if (json_array_size(list) > CFG_MAX_DISKS)
		return fail(p, EINVAL, "disks", NULL, "%zu disks, at most %d",
			    json_array_size(list), CFG_MAX_DISKS);
	json_array_foreach(list, i, e) {
		r = parse_keel_disk(p, e, (unsigned)i);
		if (r)
			return r;
		p->cfg->nr_disks++;
	}
	return 0;
}

static int parse_keel(struct pctx *p, json_t *root)
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
			return fail(p, EINVAL, key, NULL, "unknown field");
	}

	if ((v = json_object_get(root, "name"))) {
		if ((r = get_string(p, "name", v, c->name, sizeof(c->name))) || (r = check_name(p, "name", v)))
			return r;
	}

	c->nr_vcpus = 1;
	if ((v = json_object_get(root, "vcpus"))) {
		if (!json_is_integer(v))
			return fail(p, EINVAL, "vcpus", v, "is not a number");
		if (json_integer_value(v) < 1)
			return fail(p, EINVAL, "vcpus", v, "is less than 1");
		if ((r = check_vcpus(p, "vcpus", v, (uint64_t)json_integer_value(v))))
			return r;
	}

	default_pcpus(p);
	if ((v = json_object_get(root, "pcpus"))) {
		char field[32];
		size_t i;
		json_t *e;

		if (!json_is_array(v))
			return fail(p, EINVAL, "pcpus", v, "is not a list of pCPU numbers");
		if (json_array_size(v) != c->nr_vcpus)
			return fail(p, EINVAL, "pcpus", v, "has %zu entries for %u vCPUs (vcpus)",
				    json_array_size(v), c->nr_vcpus);
		json_array_foreach(v, i, e) {
			snprintf(field, sizeof(field), "pcpus[%zu]", i);
			if (!json_is_integer(e) || json_integer_value(e) < 0)
				return fail(p, EINVAL, field, e, "is not a pCPU number");
			if ((r = check_pcpu(p, field, e, (uint64_t)json_integer_value(e))))
				return r;
			c->pcpu[i] = (uint8_t)json_integer_value(e);
		}
	}

	if ((r = get_size(p, "memory", json_object_get(root, "memory"), &n)))
		return r;
	c->nr_mem = 1;
	c->mem[0].ipa = KEEL_GUEST_RAM_BASE;
	c->mem[0].size = n;

	if ((r = get_file(p, "kernel", json_object_get(root, "kernel"), c->kernel)))
		return r;
	v = json_object_get(root, "initramfs");
	if (v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v)))
		if ((r = get_file(p, "initramfs", v, c->initramfs)))
			return r;
	v = json_object_get(root, "dtb");
	if (v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v)))
		if ((r = get_file(p, "dtb", v, c->dtb)))
			return r;
	if ((v = json_object_get(root, "cmdline")))
		if ((r = get_string(p, "cmdline", v, c->cmdline, sizeof(c->cmdline))))
			return r;
	if ((v = json_object_get(root, "identity_map"))) {
		if (!json_is_boolean(v))
			return fail(p, EINVAL, "identity_map", v, "is not true or false");
		c->identity_map = json_is_true(v);
	}
	tmp = CFG_POWEROFF_STOP;
	if ((r = get_on(p, root, "on_poweroff", "stop", "remove", &tmp)))
		return r;
	c->on_poweroff = tmp ? CFG_POWEROFF_REMOVE : CFG_POWEROFF_STOP;
	tmp = 0;
	if ((r = get_on(p, root, "on_reboot", "restart", "stop", &tmp)))
		return r;
	c->on_reboot = tmp ? CFG_REBOOT_STOP : CFG_REBOOT_RESTART;
	if ((r = config_image(json_object_get(root, "type"), root, c, p->err, p->errlen)))
		return r;
	return parse_keel_disks(p, json_object_get(root, "disks"));
}

/* ---- Rust-Shyper's schema ---- */

static int shyper_image(struct pctx *p, json_t *img)
{
	struct vm_config *c = p->cfg;
	json_t *v;
	int r;

	if (!json_is_object(img))
		return fail(p, EINVAL, "image", img, "is not an object");
	if ((r = get_file(p, "image.kernel_filename", json_object_get(img, "kernel_filename"),
			  c->kernel)))
		return r;
	v = json_object_get(img, "ramdisk_filename");
	if (json_is_string(v) && strcmp(json_string_value(v), "-") && *json_string_value(v)) {
		if ((r = get_file(p, "image.ramdisk_filename", v, c->initramfs)))
			return r;
		if ((v = json_object_get(img, "ramdisk_load_ipa")))
			if ((r = get_u64(p, "image.ramdisk_load_ipa", v, &c->initramfs_ipa)))
				return r;
	} else if (v && !json_is_string(v) && !json_is_null(v)) {
		return fail(p, EINVAL, "image.ramdisk_filename", v, "is not a string");
	}
	v = json_object_get(img, "device_tree_filename");
	if (json_is_string(v) && strcmp(json_string_value(v), "-") && *json_string_value(v)) {
		if ((r = get_file(p, "image.device_tree_filename", v, c->dtb)))
			return r;
	} else if (v && !json_is_string(v) && !json_is_null(v)) {
		return fail(p, EINVAL, "image.device_tree_filename", v, "is not a string");
	}
	if ((v = json_object_get(img, "device_tree_load_ipa")))
		if ((r = get_u64(p, "image.device_tree_load_ipa", v, &c->dtb_ipa)))
			return r;
	return 0;
}

static int shyper_memory(struct pctx *p, json_t *mem)
{
	struct vm_config *c = p->cfg;
	json_t *regions = json_object_get(mem, "region"), *e;
	char field[64];
	size_t i;
	int r;

	if (!json_is_object(mem))
		return fail(p, EINVAL, "memory", mem, mem ? "is not an object" : "missing");
	if (!json_is_array(regions) || !json_array_size(regions))
		return fail(p, EINVAL, "memory.region", regions,
			    regions ? "is not a non-empty list of {ipa_start, length}" : "missing");
	if (json_array_size(regions) > KEEL_VM_MAX_MEM)
		return fail(p, EINVAL, "memory.region", NULL, "%zu regions, at most %d",
			    json_array_size(regions), KEEL_VM_MAX_MEM);
	json_array_foreach(regions, i, e) {
		uint64_t ipa, size;

		snprintf(field, sizeof(field), "memory.region[%zu].ipa_start", i);
		if ((r = get_u64(p, field, json_object_get(e, "ipa_start"), &ipa)))
			return r;
		snprintf(field, sizeof(field), "memory.region[%zu].length", i);
		if ((r = get_size(p, field, json_object_get(e, "length"), &size)))
			return r;
		c->mem[i].ipa = ipa;
		c->mem[i].size = size;
	}
	c->nr_mem = (unsigned)json_array_size(regions);
	return 0;
}

static int shyper_cpu(struct pctx *p, json_t *cpu)
{
	struct vm_config *c = p->cfg;
	json_t *v, *bm, *mv;
	uint64_t n, bits, master = UINT64_MAX;
	unsigned i, k = 0;
	int r;

	if (!json_is_object(cpu))
		return fail(p, EINVAL, "cpu", cpu, cpu ? "is not an object" : "missing");
	v = json_object_get(cpu, "num");
	if ((r = get_u64(p, "cpu.num", v, &n)) || (r = check_vcpus(p, "cpu.num", v, n)))
		return r;
	default_pcpus(p);
	bm = json_object_get(cpu, "allocate_bitmap");
	if (!bm)
		return 0;
	if ((r = get_u64(p, "cpu.allocate_bitmap", bm, &bits)))
		return r;
	if (bits >> 63)
		return fail(p, EINVAL, "cpu.allocate_bitmap", bm, "names pCPU 63");
	for (i = 0; i < 64; i++)
		if ((bits >> i) & 1)
			if ((r = check_pcpu(p, "cpu.allocate_bitmap", bm, i)))
				return fail(p, EINVAL, "cpu.allocate_bitmap", bm,
					    "names pCPU %u; this machine has pCPUs 0..%u", i,
					    p->env->nr_pcpus - 1);
	if ((unsigned)__builtin_popcountll(bits) < c->nr_vcpus)
		return fail(p, EINVAL, "cpu.allocate_bitmap", bm, "names %d pCPUs for %u vCPUs (cpu.num)",
			    __builtin_popcountll(bits), c->nr_vcpus);
	mv = json_object_get(cpu, "master");
	if (mv && !(json_is_integer(mv) && json_integer_value(mv) < 0)) {
		if ((r = get_u64(p, "cpu.master", mv, &master)))
			return r;
		if (master >= 64 || !((bits >> master) & 1))
			return fail(p, EINVAL, "cpu.master", mv, "is not in cpu.allocate_bitmap");
	}
	/* vCPU 0 (the one that boots) goes on the master, the rest in bit order. */
	if (master != UINT64_MAX)
		c->pcpu[k++] = (uint8_t)master;
	for (i = 0; i < 64 && k < c->nr_vcpus; i++)
		if (((bits >> i) & 1) && i != master)
			c->pcpu[k++] = (uint8_t)i;
	return 0;
}

/* A virtio-blk entry: {"base_ipa": "0xa000000", "length": "0x1000",
 * "irq_id": 48, "cfg_list": [mediated index, size in sectors]}. irq_id is
 * an INTID, as everywhere in Shyper's configs. Where the window and the
 * interrupt may go is checked with everything else in check_common. */
static int shyper_disk(struct pctx *p, json_t *e, size_t i, uint64_t base, const char *type)
{
	struct vm_config *c = p->cfg;
	struct cfg_disk *d = &c->disk[c->nr_disks];
	json_t *v, *list;
	char field[80];
	uint64_t n;
	int r;

	if (c->nr_disks == CFG_MAX_DISKS) {
		snprintf(field, sizeof(field), "emulated_device_list[%zu]", i);
		return fail(p, EINVAL, field, NULL,
			    "is virtio-blk device number %d; at most %d are served", CFG_MAX_DISKS + 1,
			    CFG_MAX_DISKS);
	}
	d->entry = (unsigned)i;
	d->base = base;
	if ((v = json_object_get(e, "length"))) {
		snprintf(field, sizeof(field), "emulated_device_list[%zu].length", i);
		if ((r = get_size(p, field, v, &n)))
			return r;
		if (n < KEEL_GUEST_VIRTIO_STRIDE)
			return fail(p, EINVAL, field, v,
				    "is less than 0x200, the size of a virtio-mmio register window");
	}
	snprintf(field, sizeof(field), "emulated_device_list[%zu].irq_id", i);
	v = json_object_get(e, "irq_id");
	if ((r = get_u64(p, field, v, &n)))
		return r;
	if (n < 32 || n >= 1020)
		return fail(p, EINVAL, field, v, "is not an SPI (32..1019)");
	d->spi = (unsigned)(n - 32);

	snprintf(field, sizeof(field), "emulated_device_list[%zu].cfg_list", i);
	list = json_object_get(e, "cfg_list");
	if (!json_is_array(list) || !json_array_size(list))
		return fail(p, EINVAL, field, list,
			    list ? "is not a non-empty list [mediated index, size in sectors]"
				 : "missing (needs [mediated index, size in sectors])");
	snprintf(field, sizeof(field), "emulated_device_list[%zu].cfg_list[0]", i);
	v = json_array_get(list, 0);
	if ((r = get_u64(p, field, v, &n)) || (r = check_mediated_index(p, field, v, n)))
		return r;
	d->mediated = (int)n;
	if ((v = json_array_get(list, 1))) {
		snprintf(field, sizeof(field), "emulated_device_list[%zu].cfg_list[1]", i);
		if ((r = get_u64(p, field, v, &d->sectors)))
			return r;
		note(p, "%s: %s: %llu sectors ignored (a disk is the size of its backing)",
		     p->env->label, field, (unsigned long long)d->sectors);
	}
	if (!strcmp(type, "EMU_DEVICE_T_VIRTIO_BLK"))
		note(p, "%s: emulated_device_list[%zu]: EMU_DEVICE_T_VIRTIO_BLK is served as EMU_DEVICE_T_VIRTIO_BLK_MEDIATED: cfg_list[0] is an index into mediated-cfg.json",
		     p->env->label, i);
	c->nr_disks++;
	return 0;
}

static int shyper_emulated(struct pctx *p, json_t *emu)
{
	struct vm_config *c = p->cfg;
	json_t *list, *e;
	char field[80];
	size_t i;
	int r;

	if (!emu)
		return 0;
	list = json_object_get(emu, "emulated_device_list");
	if (!list)
		return 0;
	if (!json_is_array(list))
		return fail(p, EINVAL, "emulated_device.emulated_device_list", list, "is not a list");
	json_array_foreach(list, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *type = json_string_value(json_object_get(e, "type"));
		uint64_t base = 0, irq = 0;

		snprintf(field, sizeof(field), "emulated_device.emulated_device_list[%zu]", i);
		if (!json_is_object(e) || !type)
			return fail(p, EINVAL, field, e, "has no \"type\"");
		if (!name)
			name = "?";
		snprintf(field, sizeof(field), "emulated_device_list[%zu].base_ipa", i);
		if ((r = get_u64(p, field, json_object_get(e, "base_ipa"), &base)))
			return r;
		if (!strcmp(type, "EMU_DEVICE_T_GICD")) {
			c->gicd_ipa = base;
		} else if (!strcmp(type, "EMU_DEVICE_T_GICR")) {
			c->gicr_ipa = base;
		} else if (!strcmp(type, "EMU_DEVICE_T_CONSOLE") || !strcmp(type, "EMU_DEVICE_T_PL011")) {
			if (base & (PAGE_SIZE - 1))
				return fail(p, EINVAL, field, json_object_get(e, "base_ipa"),
					    "is not page aligned");
			c->uart_base = base;
			snprintf(field, sizeof(field), "emulated_device_list[%zu].irq_id", i);
			if (json_object_get(e, "irq_id")) {
				if ((r = get_u64(p, field, json_object_get(e, "irq_id"), &irq)))
					return r;
				if (irq && (irq < 32 || irq >= 1020))
					return fail(p, EINVAL, field, json_object_get(e, "irq_id"),
						    "is not an SPI (32..1019)");
				if (irq)
					c->uart_spi = (unsigned)(irq - 32);
			}
		} else if (!strcmp(type, "EMU_DEVICE_T_VIRTIO_BLK_MEDIATED") ||
			   !strcmp(type, "EMU_DEVICE_T_VIRTIO_BLK")) {
			if ((r = shyper_disk(p, e, i, base, type)))
				return r;
		} else {
			snprintf(p->err, p->errlen, "%s: emulated device '%s' (%s) is not served yet",
				 p->env->label, name, type);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static int parse_shyper(struct pctx *p, json_t *root)
{
	struct vm_config *c = p->cfg;
	json_t *v, *list;
	int r;

	c->shyper = true;
	if ((v = json_object_get(root, "name"))) {
		if ((r = get_string(p, "name", v, c->name, sizeof(c->name))) || (r = check_name(p, "name", v)))
			return r;
	}
	if ((v = json_object_get(root, "cmdline")))
		if ((r = get_string(p, "cmdline", v, c->cmdline, sizeof(c->cmdline))))
			return r;
	if ((r = shyper_image(p, json_object_get(root, "image"))))
		return r;
	if ((r = shyper_memory(p, json_object_get(root, "memory"))))
		return r;
	if ((r = config_image(json_object_get(root, "type"), json_object_get(root, "image"), c, p->err,
			      p->errlen)))
		return r;
	if ((r = shyper_cpu(p, json_object_get(root, "cpu"))))
		return r;
	if ((r = shyper_emulated(p, json_object_get(root, "emulated_device"))))
		return r;
	list = json_object_get(json_object_get(root, "passthrough_device"), "passthrough_device_list");
	if (list && !(json_is_array(list) && json_array_size(list) == 0))
		return fail(p, EOPNOTSUPP, "passthrough_device.passthrough_device_list", NULL,
			    "%zu devices: passthrough is not supported yet (leave the list empty)",
			    json_array_size(list));
	list = json_object_get(json_object_get(root, "dtb_device"), "dtb_device_list");
	if (json_is_array(list) && json_array_size(list))
		note(p, "%s: dtb_device.dtb_device_list: %zu entries ignored (keeld generates the DT)",
		     p->env->label, json_array_size(list));
	return 0;
}

/* ---- checks common to both schemas ---- */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int in_ram(const struct vm_config *c, uint64_t ipa)
{
	for (unsigned i = 0; i < c->nr_mem; i++)
		if (ipa >= c->mem[i].ipa && ipa - c->mem[i].ipa < c->mem[i].size)
			return 1;
	return 0;
}

/* "disks[1]" or "emulated_device_list[3]", then sub (".path", ...). */
static void disk_field(const struct vm_config *c, const struct cfg_disk *d, const char *sub,
		       char *out, size_t outlen)
{
	snprintf(out, outlen, "%s[%u]%s", c->shyper ? "emulated_device_list" : "disks", d->entry,
		 sub);
}

/* Two disks on one backing corrupt it unless neither writes. */
static int disk_shares(const struct vm_config *c, unsigned i)
{
	const struct cfg_disk *d = &c->disk[i];

	for (unsigned j = 0; j < i; j++) {
		const struct cfg_disk *o = &c->disk[j];

		if (d->readonly && o->readonly)
			continue;
		if ((d->path[0] && !strcmp(d->path, o->path)) ||
		    (d->mediated >= 0 && d->mediated == o->mediated))
			return (int)j;
	}
	return -1;
}

/* Where a disk's window and interrupt may go: not on RAM, another emulated
 * device or the GIC, not on another device's interrupt. */
static int check_disk_window(struct pctx *p, const struct cfg_disk *d)
{
	const struct vm_config *c = p->cfg;
	const uint64_t len = KEEL_GUEST_VIRTIO_STRIDE;
	const uint64_t gicr_len = (uint64_t)c->nr_vcpus * 0x20000;
	const char *irqsub = c->shyper ? ".irq_id" : "";
	char field[80], other[48];
	unsigned intid = 32 + d->spi;

	disk_field(c, d, c->shyper ? ".base_ipa" : "", field, sizeof(field));
	if (d->base & (len - 1))
		return fail(p, EINVAL, field, NULL, "0x%llx is not 0x200 aligned",
			    (unsigned long long)d->base);
	if (d->base + len < d->base || d->base + len > (1ULL << 48))
		return fail(p, EINVAL, field, NULL, "0x%llx+0x200 ends beyond 2^48",
			    (unsigned long long)d->base);
	for (unsigned j = 0; j < c->nr_mem; j++)
		if (overlaps(d->base, len, c->mem[j].ipa, c->mem[j].size))
			return fail(p, EINVAL, field, NULL, "0x%llx+0x200 overlaps guest RAM (%s)",
				    (unsigned long long)d->base,
				    c->shyper ? "memory.region" : "memory");
	if (overlaps(d->base, len, c->uart_base, KEEL_GUEST_UART_SIZE))
		return fail(p, EINVAL, field, NULL,
			    "0x%llx+0x200 overlaps the emulated UART (0x%llx)",
			    (unsigned long long)d->base, (unsigned long long)c->uart_base);
	if (overlaps(d->base, len, KEEL_GUEST_GPIO_BASE, KEEL_GUEST_GPIO_SIZE))
		return fail(p, EINVAL, field, NULL,
			    "0x%llx+0x200 overlaps the emulated GPIO (0x%llx)",
			    (unsigned long long)d->base, KEEL_GUEST_GPIO_BASE);
	/* The GIC's frames as the guest DT describes them: a GICv3
	 * distributor's 64 KiB, two 64 KiB redistributor frames per vCPU. */
	if (c->gicd_ipa && overlaps(d->base, len, c->gicd_ipa, 0x10000))
		return fail(p, EINVAL, field, NULL,
			    "0x%llx+0x200 overlaps the GIC distributor (0x%llx)",
			    (unsigned long long)d->base, (unsigned long long)c->gicd_ipa);
	if (c->gicr_ipa && overlaps(d->base, len, c->gicr_ipa, gicr_len))
		return fail(p, EINVAL, field, NULL,
			    "0x%llx+0x200 overlaps the GIC redistributors (0x%llx+0x%llx)",
			    (unsigned long long)d->base, (unsigned long long)c->gicr_ipa,
			    (unsigned long long)gicr_len);
	for (const struct cfg_disk *o = c->disk; o < d; o++) {
		disk_field(c, o, "", other, sizeof(other));
		if (overlaps(d->base, len, o->base, len))
			return fail(p, EINVAL, field, NULL, "0x%llx+0x200 overlaps %s (0x%llx)",
				    (unsigned long long)d->base, other,
				    (unsigned long long)o->base);
	}

	disk_field(c, d, irqsub, field, sizeof(field));
	if (d->spi == c->uart_spi)
		return fail(p, EINVAL, field, NULL, "%u is the emulated UART's interrupt", intid);
	if (d->spi == KEEL_GUEST_GPIO_SPI)
		return fail(p, EINVAL, field, NULL, "%u is the emulated GPIO's interrupt", intid);
	for (const struct cfg_disk *o = c->disk; o < d; o++) {
		disk_field(c, o, "", other, sizeof(other));
		if (d->spi == o->spi)
			return fail(p, EINVAL, field, NULL, "%u is also %s's interrupt", intid,
				    other);
	}
	return 0;
}

static int check_disks(struct pctx *p)
{
	const struct vm_config *c = p->cfg;
	char field[80], other[48];
	int r, j;

	if (c->nr_disks > CFG_MAX_DISKS)
		return fail(p, EINVAL, c->shyper ? "emulated_device_list" : "disks", NULL,
			    "%u disks, at most %d", c->nr_disks, CFG_MAX_DISKS);
	for (unsigned i = 0; i < c->nr_disks; i++) {
		const struct cfg_disk *d = &c->disk[i];

		if ((r = check_disk_window(p, d)))
			return r;
		/* An inline config has no folder to resolve a relative path
		 * against, and keeld's working directory means nothing to the
		 * user. */
		disk_field(c, d, ".path", field, sizeof(field));
		if (d->path[0] && d->path[0] != '/')
			return fail(p, EINVAL, field, NULL,
				    "\"%.64s\" is not an absolute path (and this config has no folder to resolve it against)",
				    d->path);
		disk_field(c, d, ".serial", field, sizeof(field));
		for (const char *s = d->serial; *s; s++)
			if (*s < 0x20 || *s > 0x7e) {
				json_t *v = json_string(d->serial);

				r = fail(p, EINVAL, field, v,
					 "has a character that is not printable ASCII");
				json_decref(v);
				return r;
			}
		if ((j = disk_shares(c, i)) >= 0) {
			disk_field(c, &c->disk[j], "", other, sizeof(other));
			if (d->mediated >= 0) {
				disk_field(c, d, c->shyper ? ".cfg_list[0]" : ".mediated", field,
					   sizeof(field));
				return fail(p, EINVAL, field, NULL,
					    "%d is also %s's backing: two disks on one backing need both to be read-only",
					    d->mediated, other);
			}
			disk_field(c, d, ".path", field, sizeof(field));
			return fail(p, EINVAL, field, NULL,
				    "\"%.64s\" is also %s's backing: two disks on one backing need both to be read-only",
				    d->path, other);
		}
	}
	return 0;
}

static int check_common(struct pctx *p)
{
	struct vm_config *c = p->cfg;
	const char *mf = c->shyper ? "memory.region" : "memory";
	uint64_t total = 0;
	char field[48];
	char val[32];

	for (unsigned i = 0; i < c->nr_mem; i++) {
		const struct keel_vm_mem *m = &c->mem[i];

		if (c->shyper)
			snprintf(field, sizeof(field), "memory.region[%u]", i);
		else
			snprintf(field, sizeof(field), "memory");
		if (!m->size)
			return fail(p, EINVAL, field, NULL, "size 0");
		if ((m->ipa | m->size) & (PAGE_SIZE - 1))
			return fail(p, EINVAL, field, NULL, "0x%llx+0x%llx is not 4 KiB aligned",
				    (unsigned long long)m->ipa, (unsigned long long)m->size);
		if (m->ipa + m->size < m->ipa || m->ipa + m->size > (1ULL << 48))
			return fail(p, EINVAL, field, NULL, "0x%llx+0x%llx ends beyond 2^48",
				    (unsigned long long)m->ipa, (unsigned long long)m->size);
		for (unsigned j = 0; j < i; j++)
			if (overlaps(m->ipa, m->size, c->mem[j].ipa, c->mem[j].size))
				return fail(p, EINVAL, field, NULL, "overlaps memory.region[%u]", j);
		if (overlaps(m->ipa, m->size, c->uart_base, KEEL_GUEST_UART_SIZE) ||
		    overlaps(m->ipa, m->size, KEEL_GUEST_GPIO_BASE, KEEL_GUEST_GPIO_SIZE))
			return fail(p, EINVAL, field, NULL,
				    "0x%llx+0x%llx overlaps the emulated UART or GPIO (0x9000000..0x9031000)",
				    (unsigned long long)m->ipa, (unsigned long long)m->size);
		total += m->size;
	}
	if (total < CFG_MIN_MEM) {
		snprintf(val, sizeof(val), "%llu MiB", (unsigned long long)(total >> 20));
		return fail(p, EINVAL, mf, NULL, "%s is less than the 32 MiB minimum", val);
	}
	if (c->kernel_ipa && !in_ram(c, c->kernel_ipa))
		return fail(p, EINVAL, "image.kernel_load_ipa", NULL, "0x%llx is outside guest RAM",
			    (unsigned long long)c->kernel_ipa);
	if (c->initramfs_ipa && !in_ram(c, c->initramfs_ipa))
		return fail(p, EINVAL, "image.ramdisk_load_ipa", NULL, "0x%llx is outside guest RAM",
			    (unsigned long long)c->initramfs_ipa);
	if (c->dtb_ipa && !in_ram(c, c->dtb_ipa))
		return fail(p, EINVAL, "image.device_tree_load_ipa", NULL,
			    "0x%llx is outside guest RAM", (unsigned long long)c->dtb_ipa);
	if (c->dtb_ipa & 7)
		return fail(p, EINVAL, "image.device_tree_load_ipa", NULL,
			    "0x%llx is not 8-byte aligned", (unsigned long long)c->dtb_ipa);
	if (c->initramfs_ipa & (PAGE_SIZE - 1))
		return fail(p, EINVAL, "image.ramdisk_load_ipa", NULL,
			    "0x%llx is not page aligned", (unsigned long long)c->initramfs_ipa);
	return check_disks(p);
}

int config_parse(const char *text, size_t len, const struct config_env *env,
		 struct vm_config *cfg, char *err, size_t errlen)
{
	struct config_env e = *env;
	struct pctx p = { .env = &e, .cfg = cfg, .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *root;
	int r;

	if (!e.label)
		e.label = "config";
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->label, sizeof(cfg->label), "%s", e.label);
	snprintf(cfg->cmdline, sizeof(cfg->cmdline), "console=ttyAMA0 earlycon");
	snprintf(cfg->name, sizeof(cfg->name), "vm%u", e.id);
	cfg->uart_base = KEEL_GUEST_UART_BASE;
	cfg->uart_spi = KEEL_GUEST_UART_SPI;

	/* JSON_DISABLE_EOF_CHECK off: trailing junk is an error. */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s: line %d column %d: %s", e.label, jerr.line, jerr.column,
			 jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		r = fail(&p, EINVAL, NULL, NULL, "is not a JSON object");
		goto out;
	}
	if (json_object_get(root, "image") || json_object_get(root, "cpu"))
		r = parse_shyper(&p, root);
	else
		r = parse_keel(&p, root);
	if (!r)
		r = check_common(&p);
out:
	json_decref(root);
	return r;
}

int config_resolve_disks(struct vm_config *cfg, const struct mediated_cfg *m, char *err,
			 size_t errlen)
{
	char field[80], other[48];
	int j;

	for (unsigned i = 0; i < cfg->nr_disks && i < CFG_MAX_DISKS; i++) {
		struct cfg_disk *d = &cfg->disk[i];

		if (d->mediated < 0)
			continue;
		disk_field(cfg, d, cfg->shyper ? ".cfg_list[0]" : ".mediated", field,
			   sizeof(field));
		if (!m) {
			snprintf(err, errlen, "%s: %s: %d, but keeld was started without a mediated-cfg.json",
				 cfg->label, field, d->mediated);
			return -EINVAL;
		}
		if ((unsigned)d->mediated >= m->n) {
			snprintf(err, errlen, "%s: %s: %d, but mediated-cfg.json lists %u disk%s",
				 cfg->label, field, d->mediated, m->n, m->n == 1 ? "" : "s");
			return -EINVAL;
		}
		snprintf(d->path, sizeof(d->path), "%s", m->disk[d->mediated].path);
	}
	/* Now that every disk has a path, a path disk and an index may name
	 * the same backing. */
	for (unsigned i = 0; i < cfg->nr_disks && i < CFG_MAX_DISKS; i++) {
		const struct cfg_disk *d = &cfg->disk[i];

		if ((j = disk_shares(cfg, i)) < 0)
			continue;
		disk_field(cfg, &cfg->disk[j], "", other, sizeof(other));
		if (d->mediated >= 0) {
			disk_field(cfg, d, cfg->shyper ? ".cfg_list[0]" : ".mediated", field,
				   sizeof(field));
			snprintf(err, errlen, "%s: %s: %d (%s) is also %s's backing: two disks on one backing need both to be read-only",
				 cfg->label, field, d->mediated, d->path, other);
		} else {
			disk_field(cfg, d, ".path", field, sizeof(field));
			snprintf(err, errlen, "%s: %s: \"%s\" is also %s's backing: two disks on one backing need both to be read-only",
				 cfg->label, field, d->path, other);
		}
		return -EINVAL;
	}
	return 0;
}

int config_load(const char *path, const struct config_env *env, struct vm_config *cfg,
		char *err, size_t errlen)
{
	struct config_env e = *env;
	char dir[CFG_PATH_MAX];
	const char *slash = strrchr(path, '/');
	char *buf = NULL;
	ssize_t n;
	size_t len = 0;
	int fd, r;

	e.label = slash ? slash + 1 : path;
	if (slash) {
		size_t dl = (size_t)(slash - path);

		if (dl >= sizeof(dir))
			dl = sizeof(dir) - 1;
		memcpy(dir, path, dl);
		dir[dl] = 0;
		if (!dl)
			snprintf(dir, sizeof(dir), "/");
		e.dir = dir;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	buf = malloc(CFG_MAX_FILE);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	while ((n = read(fd, buf + len, CFG_MAX_FILE - len)) > 0)
		len += (size_t)n;
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	} else if (len == CFG_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than 1 MiB", path);
		r = -EFBIG;
	} else {
		r = config_parse(buf, len, &e, cfg, err, errlen);
		if (!r)
			snprintf(cfg->source, sizeof(cfg->source), "%s", path);
	}
	free(buf);
	return r;
}
