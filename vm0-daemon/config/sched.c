// SPDX-License-Identifier: GPL-2.0
/*
 * Where a guest's vCPUs run: its CPU pool, priority and slice ("pool",
 * "priority", "slice_ms" in Keel's schema), the default pCPUs, and the
 * placement checks the hypervisor would make (keel/stat.h), refused here
 * first with the pCPU or pool named.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <keel/stat.h>

#include "priv.h"

/* The pools the machine has: keeld's STAT snapshot, or without one (unit
 * tests, fuzzing) the default pool over every pCPU. */
static unsigned nr_pools(const struct pctx *p)
{
	return p->env->stat ? p->env->stat->nr_pools : 1;
}

static const char *pool_name(const struct pctx *p, unsigned i)
{
	return p->env->stat ? p->env->stat->pool[i].name : "default";
}

static uint64_t pool_pcpus(const struct pctx *p, unsigned i)
{
	unsigned n = p->env->nr_pcpus ? p->env->nr_pcpus : KEEL_STAT_MAX_PCPUS;

	if (p->env->stat)
		return p->env->stat->pool[i].pcpus;
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

static bool pool_bind(const struct pctx *p, unsigned i)
{
	return p->env->stat && p->env->stat->pool[i].kind == KEEL_POOL_BIND;
}

/* The VM whose vCPU holds pCPU pcpu, or -1. */
static int holder(const struct pctx *p, unsigned pcpu, unsigned *vcpu)
{
	const struct keel_stat *st = p->env->stat;

	for (unsigned i = 0; st && i < st->nr_vcpus && i < KEEL_STAT_MAX_VCPUS; i++) {
		if (st->vcpu[i].pcpu == pcpu) {
			*vcpu = st->vcpu[i].vcpu;
			return (int)st->vcpu[i].vm;
		}
	}
	return -1;
}

static int get_uint(struct pctx *p, const char *field, json_t *v, unsigned lo, unsigned hi,
		    unsigned *out)
{
	if (!json_is_integer(v))
		return cfg_fail(p, EINVAL, field, v, "is not a number");
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return cfg_fail(p, EINVAL, field, v, "is not in %u..%u", lo, hi);
	*out = (unsigned)json_integer_value(v);
	return 0;
}

int cfg_parse_sched(struct pctx *p, json_t *root)
{
	struct vm_config *c = p->cfg;
	json_t *v;
	int r;

	c->pool = 0;
	c->priority = KEEL_PRIO_DEFAULT;
	c->slice_us = 0;
	if ((v = json_object_get(root, "pool"))) {
		char names[KEEL_MAX_CPUPOOLS * (KEEL_CPUPOOL_NAME_LEN + 2)] = "";
		unsigned i;

		if (!json_is_string(v))
			return cfg_fail(p, EINVAL, "pool", v, "is not a pool name");
		for (i = 0; i < nr_pools(p); i++)
			if (!strcmp(json_string_value(v), pool_name(p, i)))
				break;
		if (i == nr_pools(p)) {
			for (unsigned j = 0; j < nr_pools(p); j++)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
					 j ? ", " : "", pool_name(p, j));
			return cfg_fail(p, EINVAL, "pool", v, "is not a CPU pool of this machine (%s)",
					names);
		}
		c->pool = i;
	}
	if ((v = json_object_get(root, "priority")) &&
	    (r = get_uint(p, "priority", v, 0, KEEL_PRIO_MAX, &c->priority)))
		return r;
	if ((v = json_object_get(root, "slice_ms"))) {
		if ((r = get_uint(p, "slice_ms", v, KEEL_SLICE_MIN_US / 1000, KEEL_SLICE_MAX_US / 1000,
				  &c->slice_us)))
			return r;
		c->slice_us *= 1000;
	}
	if (pool_bind(p, c->pool) && json_object_get(root, "slice_ms"))
		return cfg_fail(p, EINVAL, "slice_ms", json_object_get(root, "slice_ms"),
				"means nothing in bind pool %s (no time slices there)",
				pool_name(p, c->pool));
	return 0;
}

/*
 * Shared pools: vCPU i of VM id on the pool's pCPUs in turn from (id - 1 +
 * i), leaving pCPU 0 (VM0's first) alone while the pool has others. Bind
 * pools: the free pCPUs in order (cfg_check_sched says when there are too
 * few).
 */
void cfg_default_pcpus(struct pctx *p)
{
	uint64_t mask = pool_pcpus(p, p->cfg->pool);
	unsigned cpus[64], n = 0, id = p->env->id ? p->env->id : 1, vcpu;

	if (mask & ~1ULL)
		mask &= ~1ULL;
	for (unsigned c = 0; c < 64; c++)
		if ((mask & (1ULL << c)) && !(pool_bind(p, p->cfg->pool) && holder(p, c, &vcpu) >= 0))
			cpus[n++] = c;
	for (unsigned i = 0; i < p->cfg->nr_vcpus; i++) {
		if (pool_bind(p, p->cfg->pool)) {
			p->cfg->pcpu[i] = i < n ? (uint8_t)cpus[i] : 0xff;
			continue;
		}
		p->cfg->pcpu[i] = n ? (uint8_t)cpus[(id - 1 + i) % n] : 0;
	}
}

int cfg_check_sched(struct pctx *p)
{
	const struct vm_config *c = p->cfg;
	const char *pf = c->shyper ? "cpu.allocate_bitmap" : "pcpus";
	const char *pool = pool_name(p, c->pool);
	uint64_t mask = pool_pcpus(p, c->pool), seen = 0;
	char field[32];

	for (unsigned i = 0; i < c->nr_vcpus; i++) {
		unsigned pc = c->pcpu[i], hv;
		int vm;

		snprintf(field, sizeof(field), c->shyper ? "%s" : "%s[%u]", pf, i);
		if (pc == 0xff)
			return cfg_fail(p, EBUSY, "pool", NULL,
					"bind pool %s has no free pCPU left for vCPU %u", pool, i);
		if (pc >= 64 || !(mask & (1ULL << pc)))
			return cfg_fail(p, EINVAL, field, NULL, "pCPU %u is not in pool %s", pc, pool);
		if (!pool_bind(p, c->pool))
			continue;
		if (seen & (1ULL << pc))
			return cfg_fail(p, EINVAL, field, NULL,
					"pCPU %u of bind pool %s is given to two vCPUs", pc, pool);
		seen |= 1ULL << pc;
		if ((vm = holder(p, pc, &hv)) >= 0)
			return cfg_fail(p, EBUSY, field, NULL,
					"pCPU %u of bind pool %s runs vm %d's vCPU %u already", pc, pool,
					vm, hv);
	}
	return 0;
}
