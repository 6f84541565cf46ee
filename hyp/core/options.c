// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The hypervisor's own command line: "vm0_mem=1G vm0_cpus=2 ...". */
#include <hyp/config.h>
#include <hyp/cpupool.h>
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/options.h>
#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int digit(char c, unsigned int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return (unsigned int)d < base ? d : -1;
}

/* Unsigned decimal or 0x-hex over exactly len characters, no suffix. */
static int parse_number(const char *s, size_t len, u64 *out)
{
	unsigned int base = 10;
	u64 v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int d = digit(s[i], base);

		if (d < 0 || v > (~0ULL - (u64)d) / base)
			return -EINVAL;
		v = v * base + (u64)d;
	}
	*out = v;
	return 0;
}

int options_parse_size(const char *s, size_t len, u64 *out)
{
	unsigned int shift = 0;
	u64 v;

	if (len) {
		switch (s[len - 1]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		}
		if (shift)
			len--;
	}
	if (parse_number(s, len, &v) || (shift && v > (~0ULL >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

static int parse_u32(const char *s, size_t len, u32 max, u32 *out)
{
	u64 v;

	if (parse_number(s, len, &v) || v > max)
		return -EINVAL;
	*out = (u32)v;
	return 0;
}

/* Log a token that is not NUL-terminated, cut to a sane length. */
static int bad_token(const char *tok, size_t len, const char *why)
{
	char buf[64];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	pr_err("command line: '%s': %s", buf, why);
	return -EINVAL;
}

static bool key_is(const char *tok, size_t klen, const char *key)
{
	return strlen(key) == klen && !strncmp(tok, key, klen);
}

static int apply(const char *tok, size_t len, struct hyp_options *o)
{
	const char *eq = memchr(tok, '=', len);
	size_t klen, vlen;
	const char *val;

	if (!eq)
		return bad_token(tok, len, "expected name=value");
	klen = (size_t)(eq - tok);
	val = eq + 1;
	vlen = len - klen - 1;

	if (key_is(tok, klen, "vm0_mem")) {
		if (options_parse_size(val, vlen, &o->vm0_mem) || (o->vm0_mem & (PAGE_SIZE - 1)))
			return bad_token(tok, len, "expected a size in whole pages (e.g. 512M)");
	} else if (key_is(tok, klen, "pool")) {
		if (options_parse_size(val, vlen, &o->pool) || (o->pool & (PAGE_SIZE - 1)))
			return bad_token(tok, len, "expected a size in whole pages (e.g. 256M)");
	} else if (key_is(tok, klen, "vm0_cpus")) {
		if (parse_u32(val, vlen, MAX_PCPUS, &o->vm0_cpus))
			return bad_token(tok, len, "expected a vCPU count (0 = all pCPUs)");
	} else if (key_is(tok, klen, "cpupool")) {
		return cpupool_parse(&o->pools, val, vlen);
	} else if (key_is(tok, klen, "vm0_pool")) {
		if (!vlen || vlen >= sizeof(o->pools.vm0_pool))
			return bad_token(tok, len, "expected a pool name (1..15 characters)");
		memcpy(o->pools.vm0_pool, val, vlen);
		o->pools.vm0_pool[vlen] = '\0';
	} else if (key_is(tok, klen, "loglevel")) {
		if (parse_u32(val, vlen, 7, &o->loglevel))
			return bad_token(tok, len, "expected 0..7");
	} else {
		return bad_token(tok, len, "unknown option");
	}
	return 0;
}

int options_parse(const char *args, struct hyp_options *o)
{
	*o = (struct hyp_options){ .loglevel = LOGLEVEL_DEFAULT };
	cpupool_init(&o->pools);
	if (!args)
		return 0;
	while (*args) {
		const char *tok;
		int ret;

		while (is_space(*args))
			args++;
		tok = args;
		while (*args && !is_space(*args))
			args++;
		if (args == tok)
			break;
		ret = apply(tok, (size_t)(args - tok), o);
		if (ret)
			return ret;
	}
	return 0;
}
