/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file cpupool.h
 * @brief CPU pools: which pCPUs are time-shared and which each belong to one
 * vCPU (the seed paper's shared and bind pools).
 *
 * The hypervisor's command line names pools, one token each:
 *   cpupool=NAME:KIND:CPUS   KIND is "shared" or "bind"; CPUS a list of
 *                            pCPU numbers and ranges ("2", "1-3", "0,2-3")
 *   vm0_pool=NAME            VM0's pool (default "default")
 * Pool 0 is "default", shared, and holds every pCPU no other pool names.
 * VM0 gets one vCPU per pCPU of its pool (vm0_cpus caps that). Pure
 * logic: also built for host unit tests (tests/unit/cpupool).
 */
#ifndef HYP_CPUPOOL_H
#define HYP_CPUPOOL_H
#include <keel/stat.h>
#include <hyp/types.h>

#define CPUPOOL_DEFAULT "default"

struct cpupool {
	char name[KEEL_CPUPOOL_NAME_LEN];
	u32 kind;   /* KEEL_POOL_* */
	u64 pcpus;  /* bit n: pCPU n */
};

struct cpupool_set {
	u32 nr;                                  /* pool[0] is the default pool */
	struct cpupool pool[KEEL_MAX_CPUPOOLS];
	char vm0_pool[KEEL_CPUPOOL_NAME_LEN];    /* "" until vm0_pool= names one */
};

/** An empty set: the default pool alone, with no pCPUs yet. */
void cpupool_init(struct cpupool_set *s);
/** Add the pool "NAME:KIND:CPUS" (len characters, not NUL-terminated).
 * @return 0, -EINVAL (malformed, duplicate name, a pCPU named twice), or
 *         -ENOSPC (more than KEEL_MAX_CPUPOOLS pools); logs why. */
int cpupool_parse(struct cpupool_set *s, const char *tok, size_t len);
/** Once the pCPU count is known: every pool's pCPUs exist, the default pool
 * takes the rest, VM0's pool exists and has a pCPU. @return 0 or -EINVAL. */
int cpupool_finish(struct cpupool_set *s, u32 nr_pcpus, u32 *vm0_pool);
/** The pool pcpu belongs to (after cpupool_finish). */
u32 cpupool_of(const struct cpupool_set *s, u32 pcpu);
/** Can n vCPUs of one VM go to pcpus[] of pool? Every pCPU in the pool,
 * and on a bind pool no pCPU twice (whether another VM holds one is the
 * scheduler's to say, under its lock). @return 0 or -EINVAL. */
int cpupool_check(const struct cpupool_set *s, u32 pool, const u8 *pcpus, u32 n);

#endif
