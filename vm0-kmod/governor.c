// SPDX-License-Identifier: GPL-2.0
/*
 * The "keel" cpufreq governor: ondemand's decision, but on the load the
 * hypervisor measures on each pCPU (KEEL_HC_STAT) instead of VM0's own
 * view. VM0 cannot see a guest spinning on the pCPU under its idle vCPU;
 * the hypervisor can (its idle loop ran or not). The frequency then goes
 * to VM0's native cpufreq driver, which on a board drives the SoC's clocks.
 *
 * One sampler for all policies: every sampling_ms it takes a STAT snapshot
 * and, per policy, the busiest pCPU under the policy's CPUs decides: above
 * up_threshold the top frequency, else the one closest to min + load *
 * (max - min), as ondemand does. VM0's CPU n is its vCPU n (the hypervisor lists VM0's
 * vCPUs in its DT in that order); STAT says which pCPU that vCPU runs on.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/cpufreq.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <keel/stat.h>

#include "keel.h"

static unsigned int sampling_ms = 100;
module_param(sampling_ms, uint, 0644);
MODULE_PARM_DESC(sampling_ms, "keel governor: sampling period (ms, 10..10000)");
static unsigned int up_threshold = 80;
module_param(up_threshold, uint, 0644);
MODULE_PARM_DESC(up_threshold, "keel governor: load (%) above which a policy runs at its top");

struct gov_policy {
	struct list_head node;
	struct cpufreq_policy *policy;
};

/* gov_lock: the list of started policies and the two snapshots. */
static DEFINE_MUTEX(gov_lock);
static LIST_HEAD(gov_policies);
static struct keel_stat *gov_snap[2];
static int gov_cur;          /* gov_snap[gov_cur] is the newest */
static bool gov_have_prev;   /* the other one is a usable earlier snapshot */
static struct delayed_work gov_work;

static unsigned long gov_period(void)
{
	return msecs_to_jiffies(clamp(READ_ONCE(sampling_ms), 10U, 10000U));
}

/* Load (per mille) of the pCPU that VM0's CPU cpu runs on, 0 if unknown. */
static u32 cpu_load(const struct keel_stat *a, const struct keel_stat *b, unsigned int cpu)
{
	for (u32 i = 0; i < b->nr_vcpus; i++) {
		u32 p = b->vcpu[i].pcpu;

		if (b->vcpu[i].vm == 0 && b->vcpu[i].vcpu == cpu && p < b->nr_pcpus)
			return keel_stat_load_permille(&a->pcpu[p], &b->pcpu[p]);
	}
	return 0;
}

/* ondemand's rule on a load in per mille. */
static unsigned int next_freq(u32 load, unsigned int min, unsigned int max)
{
	if (load >= READ_ONCE(up_threshold) * 10)
		return max;
	return min + (unsigned int)((u64)(max - min) * load / 1000);
}

static void gov_apply(struct cpufreq_policy *policy, const struct keel_stat *a,
		      const struct keel_stat *b)
{
	unsigned int cpu, f;
	u32 load = 0;

	for_each_cpu(cpu, policy->cpus)
		load = max(load, cpu_load(a, b, cpu));
	f = next_freq(load, policy->min, policy->max);
	/* stop() holds policy->rwsem and waits for this work: never block on
	 * it here, skip this period instead. */
	if (!down_write_trylock(&policy->rwsem))
		return;
	if (f != policy->cur)
		__cpufreq_driver_target(policy, f, CPUFREQ_RELATION_C);
	up_write(&policy->rwsem);
}

static void gov_sample(struct work_struct *work)
{
	struct gov_policy *g;
	int next;

	mutex_lock(&gov_lock);
	if (list_empty(&gov_policies)) {
		mutex_unlock(&gov_lock);
		return;
	}
	next = !gov_cur;
	if (keel_stat_read(gov_snap[next])) {
		gov_have_prev = false;
	} else {
		if (gov_have_prev)
			list_for_each_entry(g, &gov_policies, node)
				gov_apply(g->policy, gov_snap[gov_cur], gov_snap[next]);
		gov_cur = next;
		gov_have_prev = true;
	}
	schedule_delayed_work(&gov_work, gov_period());
	mutex_unlock(&gov_lock);
}

static int gov_start(struct cpufreq_policy *policy)
{
	struct gov_policy *g = kzalloc(sizeof(*g), GFP_KERNEL);

	if (!g)
		return -ENOMEM;
	g->policy = policy;
	policy->governor_data = g;
	mutex_lock(&gov_lock);
	if (list_empty(&gov_policies)) {
		gov_have_prev = false;
		schedule_delayed_work(&gov_work, 0);
	}
	list_add(&g->node, &gov_policies);
	mutex_unlock(&gov_lock);
	return 0;
}

static void gov_stop(struct cpufreq_policy *policy)
{
	struct gov_policy *g = policy->governor_data;
	bool last;

	mutex_lock(&gov_lock);
	list_del(&g->node);
	last = list_empty(&gov_policies);
	mutex_unlock(&gov_lock);
	policy->governor_data = NULL;
	kfree(g);
	if (!last)
		return;
	cancel_delayed_work_sync(&gov_work);
	/* Another policy may have started while we cancelled: its sampler. */
	mutex_lock(&gov_lock);
	if (!list_empty(&gov_policies))
		schedule_delayed_work(&gov_work, 0);
	mutex_unlock(&gov_lock);
}

static void gov_limits(struct cpufreq_policy *policy)
{
	cpufreq_policy_apply_limits(policy);
}

static struct cpufreq_governor keel_governor = {
	.name = "keel",
	.owner = THIS_MODULE,
	.flags = CPUFREQ_GOV_DYNAMIC_SWITCHING,
	.start = gov_start,
	.stop = gov_stop,
	.limits = gov_limits,
};

int keel_governor_init(void)
{
	int ret;

	INIT_DELAYED_WORK(&gov_work, gov_sample);
	gov_snap[0] = keel_stat_alloc();
	gov_snap[1] = keel_stat_alloc();
	if (!gov_snap[0] || !gov_snap[1]) {
		ret = -ENOMEM;
		goto err;
	}
	ret = cpufreq_register_governor(&keel_governor);
	if (ret)
		goto err;
	return 0;
err:
	kfree(gov_snap[1]);
	kfree(gov_snap[0]);
	return ret;
}

void keel_governor_exit(void)
{
	/* Every policy using it is switched away (stop) first. */
	cpufreq_unregister_governor(&keel_governor);
	kfree(gov_snap[1]);
	kfree(gov_snap[0]);
}
