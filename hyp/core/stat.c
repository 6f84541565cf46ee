// SPDX-License-Identifier: GPL-2.0 OR MIT
/* KEEL_HC_STAT: the CPU pools and the scheduler's accounts (keel/stat.h). */
#include <keel/stat.h>
#include <hyp/boot.h>
#include <hyp/guest.h>
#include <hyp/platform.h>
#include <hyp/sched.h>
#include <hyp/stat.h>
#include <hyp/vm.h>
#include <string.h>

void stat_fill(struct keel_stat *st)
{
	u32 n = 0;

	memset(st, 0, sizeof(*st));
	st->magic = KEEL_STAT_MAGIC;
	st->revision = KEEL_STAT_REVISION;
	st->nr_pcpus = MIN(plat.nr_cpus, KEEL_STAT_MAX_PCPUS);
	st->nr_pools = opts.pools.nr;
	st->now_ns = hyp_now_ns();
	for (u32 i = 0; i < opts.pools.nr; i++) {
		memcpy(st->pool[i].name, opts.pools.pool[i].name, KEEL_CPUPOOL_NAME_LEN);
		st->pool[i].kind = opts.pools.pool[i].kind;
		st->pool[i].pcpus = opts.pools.pool[i].pcpus;
	}
	for (u32 i = 0; i < st->nr_pcpus; i++)
		sched_stat_pcpu(i, &st->pcpu[i]);
	/* A reference per VM: it cannot be freed while its vCPUs are read. */
	for (u32 id = 0; id < MAX_VMS; id++) {
		struct vm *vm = vm_get(id);

		if (!vm)
			continue;
		for (u32 i = 0; i < vm->nr_vcpus && n < KEEL_STAT_MAX_VCPUS; i++)
			sched_stat_vcpu(vm->vcpus[i], &st->vcpu[n++]);
		vm_put(vm);
	}
	st->nr_vcpus = n;
}
