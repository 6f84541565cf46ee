// SPDX-License-Identifier: GPL-2.0 OR MIT
/* CPU pools from the command line (cpupool.h). */
#include <hyp/cpupool.h>
#include <hyp/errno.h>
#include <hyp/log.h>
#include <string.h>

/* The token is not NUL-terminated (log's printf has no "%.*s"). */
static int pool_fail(const char *tok, size_t len, const char *why)
{
	char buf[64];

	len = MIN(len, sizeof(buf) - 1);
	memcpy(buf, tok, len);
	buf[len] = '\0';
	pr_err("cpupool=%s: %s", buf, why);
	return -EINVAL;
}

void cpupool_init(struct cpupool_set *s)
{
	memset(s, 0, sizeof(*s));
	s->nr = 1;
	memcpy(s->pool[0].name, CPUPOOL_DEFAULT, sizeof(CPUPOOL_DEFAULT));
	s->pool[0].kind = KEEL_POOL_SHARED;
}

static int find(const struct cpupool_set *s, const char *name, size_t len)
{
	for (u32 i = 0; i < s->nr; i++)
		if (strlen(s->pool[i].name) == len && !strncmp(s->pool[i].name, name, len))
			return (int)i;
	return -1;
}

/* "1-3,5" over len characters into a mask; pCPU numbers below 64. */
static int parse_cpus(const char *p, size_t len, u64 *mask)
{
	const char *end = p + len;

	*mask = 0;
	while (p < end) {
		u32 lo = 0, hi;
		const char *d = p;

		while (p < end && *p >= '0' && *p <= '9' && lo < 64)
			lo = lo * 10 + (u32)(*p++ - '0');
		if (p == d || lo >= 64)
			return -EINVAL;
		hi = lo;
		if (p < end && *p == '-') {
			d = ++p;
			hi = 0;
			while (p < end && *p >= '0' && *p <= '9' && hi < 64)
				hi = hi * 10 + (u32)(*p++ - '0');
			if (p == d || hi >= 64 || hi < lo)
				return -EINVAL;
		}
		for (u32 c = lo; c <= hi; c++)
			*mask |= BIT(c);
		if (p < end && *p++ != ',')
			return -EINVAL;
		if (p == end && p[-1] == ',')
			return -EINVAL;
	}
	return *mask ? 0 : -EINVAL;
}

int cpupool_parse(struct cpupool_set *s, const char *tok, size_t len)
{
	const char *c1 = memchr(tok, ':', len), *c2, *end = tok + len;
	struct cpupool *p;
	size_t nlen, klen;
	u64 mask;

	if (!c1 || !(c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1))))
		return pool_fail(tok, len, "expected NAME:KIND:CPUS");
	nlen = (size_t)(c1 - tok);
	klen = (size_t)(c2 - c1 - 1);
	if (!nlen || nlen >= KEEL_CPUPOOL_NAME_LEN)
		return pool_fail(tok, len, "pool name must be 1..15 characters");
	for (size_t i = 0; i < nlen; i++) {
		char ch = tok[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_'))
			return pool_fail(tok, len, "pool name: letters, digits, '-' and '_' only");
	}
	if (find(s, tok, nlen) >= 0)
		return pool_fail(tok, len, "a pool of that name exists already");
	if (parse_cpus(c2 + 1, (size_t)(end - c2 - 1), &mask))
		return pool_fail(tok, len, "CPUS: expected pCPU numbers and ranges below 64, e.g. 1-2,4");
	for (u32 i = 1; i < s->nr; i++)
		if (s->pool[i].pcpus & mask)
			return pool_fail(tok, len, "a pCPU is in another pool already");
	if (s->nr == KEEL_MAX_CPUPOOLS) {
		pool_fail(tok, len, "too many pools");
		return -ENOSPC;
	}
	p = &s->pool[s->nr];
	if (klen == 6 && !strncmp(c1 + 1, "shared", 6))
		p->kind = KEEL_POOL_SHARED;
	else if (klen == 4 && !strncmp(c1 + 1, "bind", 4))
		p->kind = KEEL_POOL_BIND;
	else
		return pool_fail(tok, len, "KIND: expected shared or bind");
	memcpy(p->name, tok, nlen);
	p->name[nlen] = '\0';
	p->pcpus = mask;
	s->nr++;
	return 0;
}

int cpupool_finish(struct cpupool_set *s, u32 nr_pcpus, u32 *vm0_pool)
{
	u64 all = nr_pcpus >= 64 ? ~0ULL : BIT(nr_pcpus) - 1, named = 0;
	const char *vm0 = s->vm0_pool[0] ? s->vm0_pool : CPUPOOL_DEFAULT;
	int i;

	for (u32 n = 1; n < s->nr; n++) {
		if (s->pool[n].pcpus & ~all) {
			pr_err("cpupool %s: names a pCPU this machine lacks (it has %u)", s->pool[n].name,
			       nr_pcpus);
			return -EINVAL;
		}
		named |= s->pool[n].pcpus;
	}
	s->pool[0].pcpus = all & ~named;
	i = find(s, vm0, strlen(vm0));
	if (i < 0 || !s->pool[i].pcpus) {
		pr_err("vm0_pool=%s: %s", vm0, i < 0 ? "no such pool" : "the pool has no pCPU");
		return -EINVAL;
	}
	*vm0_pool = (u32)i;
	return 0;
}

u32 cpupool_of(const struct cpupool_set *s, u32 pcpu)
{
	for (u32 i = 1; i < s->nr; i++)
		if (pcpu < 64 && (s->pool[i].pcpus & BIT(pcpu)))
			return i;
	return 0;
}

int cpupool_check(const struct cpupool_set *s, u32 pool, const u8 *pcpus, u32 n)
{
	u64 seen = 0;

	if (pool >= s->nr)
		return -EINVAL;
	for (u32 i = 0; i < n; i++) {
		if (pcpus[i] >= 64 || !(s->pool[pool].pcpus & BIT(pcpus[i])))
			return -EINVAL;
		if (s->pool[pool].kind == KEEL_POOL_BIND && (seen & BIT(pcpus[i])))
			return -EINVAL;
		seen |= BIT(pcpus[i]);
	}
	return 0;
}
