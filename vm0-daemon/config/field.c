// SPDX-License-Identifier: GPL-2.0
/*
 * VM configs, the pieces both schemas use: messages that name the file,
 * the field and the value; numbers, sizes, strings, files; vCPU, pCPU,
 * interrupt and mediated-disk checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "priv.h"

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

int cfg_fail(struct pctx *p, int e, const char *field, json_t *v, const char *fmt, ...)
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

void cfg_note(struct pctx *p, const char *fmt, ...)
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

/* INTIDs a guest's SPIs may have: the vGIC has the host GIC's count. */
static unsigned intid_limit(const struct pctx *p)
{
	unsigned n = p->env->nr_irqs;

	return n && n < KEEL_GUEST_INTID_LIMIT ? n : KEEL_GUEST_INTID_LIMIT;
}

int cfg_check_spi(struct pctx *p, const char *field, json_t *v, uint64_t intid)
{
	if (intid < KEEL_GUEST_SPI_BASE || intid >= intid_limit(p))
		return cfg_fail(p, EINVAL, field, v, "is not an SPI%s (%u..%u)",
				p->env->nr_irqs ? " of this machine" : "", KEEL_GUEST_SPI_BASE,
				intid_limit(p) - 1);
	return 0;
}

/* A number as JSON integer or string ("0x8000000", "0b0110", "42"). */
int cfg_get_u64(struct pctx *p, const char *field, json_t *v, uint64_t *out)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return cfg_fail(p, EINVAL, field, v, "is negative");
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		int r = parse_uint(json_string_value(v), out);

		if (r == -ERANGE)
			return cfg_fail(p, ERANGE, field, v, "is too large");
		if (r)
			return cfg_fail(p, EINVAL, field, v, "is not a number (decimal, 0x.. or 0b..)");
		return 0;
	}
	return cfg_fail(p, EINVAL, field, v, v ? "is not a number" : "missing");
}

int cfg_get_size(struct pctx *p, const char *field, json_t *v, uint64_t *out)
{
	if (json_is_string(v)) {
		int r = config_parse_size(json_string_value(v), out);

		if (r)
			return cfg_fail(p, EINVAL, field, v,
					"is not a size (bytes, or a number with K, M or G)");
		return 0;
	}
	return cfg_get_u64(p, field, v, out);
}

int cfg_get_string(struct pctx *p, const char *field, json_t *v, char *out, size_t outlen)
{
	const char *s;

	if (!json_is_string(v))
		return cfg_fail(p, EINVAL, field, v, v ? "is not a string" : "missing");
	s = json_string_value(v);
	if (strlen(s) >= outlen)
		return cfg_fail(p, ENAMETOOLONG, field, v, "is longer than %zu characters", outlen - 1);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* A file name from the config, resolved against the config's folder and,
 * when asked, checked now rather than at boot: it must exist, allow amode
 * and be a regular file (or, with blk_ok, a block device). */
int cfg_get_path(struct pctx *p, const char *field, json_t *v, char *out, bool blk_ok,
		 int amode)
{
	char name[CFG_PATH_MAX];
	const char *dir = p->env->dir ? p->env->dir : "";
	struct stat st;
	int r;

	r = cfg_get_string(p, field, v, name, sizeof(name));
	if (r)
		return r;
	if (!name[0])
		return cfg_fail(p, EINVAL, field, v, "is empty");
	if (name[0] == '/' || !dir[0])
		r = snprintf(out, CFG_PATH_MAX, "%s", name);
	else
		r = snprintf(out, CFG_PATH_MAX, "%s/%s", dir, name);
	if (r < 0 || r >= CFG_PATH_MAX)
		return cfg_fail(p, ENAMETOOLONG, field, v, "makes a path that is too long");
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
		return cfg_fail(p, EINVAL, field, v, "(%s) is not a regular file or a block device",
				out);
	if (!blk_ok && !S_ISREG(st.st_mode))
		return cfg_fail(p, EINVAL, field, v, "(%s) is not a regular file", out);
	return 0;
}

int cfg_get_file(struct pctx *p, const char *field, json_t *v, char *out)
{
	return cfg_get_path(p, field, v, out, false, R_OK);
}

int cfg_check_name(struct pctx *p, const char *field, json_t *v)
{
	const char *s = p->cfg->name;

	if (!*s)
		return cfg_fail(p, EINVAL, field, v, "is empty");
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' || *s == '@'))
			return cfg_fail(p, EINVAL, field, v,
					"has a character other than letters, digits, '-', '_', '.', '@'");
	}
	return 0;
}

int cfg_check_vcpus(struct pctx *p, const char *field, json_t *v, uint64_t n)
{
	if (n < 1)
		return cfg_fail(p, EINVAL, field, v, "is less than 1");
	if (n > KEEL_MAX_VCPUS)
		return cfg_fail(p, EINVAL, field, v, "is more than %d", KEEL_MAX_VCPUS);
	p->cfg->nr_vcpus = (unsigned)n;
	return 0;
}

int cfg_check_pcpu(struct pctx *p, const char *field, json_t *v, uint64_t pcpu)
{
	unsigned n = p->env->nr_pcpus;

	if (pcpu > 255 || (n && pcpu >= n))
		return cfg_fail(p, EINVAL, field, v, "is not a pCPU of this machine (0..%u)",
				n ? n - 1 : 255);
	return 0;
}

int cfg_get_on(struct pctx *p, json_t *root, const char *key, const char *a, const char *b,
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
		return cfg_fail(p, EINVAL, key, v, "is not \"%s\" or \"%s\"", a, b);
	return 0;
}

/* An index into the daemon's mediated-cfg.json list; that the list is long
 * enough is checked when the VM is created (config_resolve_disks). */
int cfg_check_mediated_index(struct pctx *p, const char *field, json_t *v, uint64_t idx)
{
	if (idx >= MEDIATED_MAX)
		return cfg_fail(p, EINVAL, field, v,
				"is not an index into mediated-cfg.json's list (0..%d)", MEDIATED_MAX - 1);
	return 0;
}

/* A list entry that must be an object holding only keys of `keys`:
 * "FIELD: is not an object (shape)" or "FIELD.KEY: unknown field". */
int cfg_check_entry(struct pctx *p, json_t *e, const char *field, const char *const *keys,
		    const char *shape)
{
	const char *key;
	json_t *v;

	if (!json_is_object(e))
		return cfg_fail(p, EINVAL, field, e, "is not an object (%s)", shape);
	json_object_foreach(e, key, v) {
		const char *const *k;
		char sub[96];

		for (k = keys; *k && strcmp(*k, key); k++)
			;
		if (!*k) {
			snprintf(sub, sizeof(sub), "%s.%.48s", field, key);
			return cfg_fail(p, EINVAL, sub, NULL, "unknown field");
		}
	}
	return 0;
}
