// SPDX-License-Identifier: GPL-2.0
/*
 * cpufreq_rec: a TEST DOUBLE for frequency-scaling hardware, which QEMU's
 * virt machine lacks. It registers a cpufreq driver with one policy per
 * CPU and five made-up operating points (200..1000 MHz), and only records
 * what is asked: the last frequency per CPU (scaling_cur_freq, and `get`)
 * and how many requests came (the module parameter `requests`). No clock
 * changes. tests/system/test_sched.py loads it in VM0 to watch the keel
 * governor (vm0-kmod/governor.c) decide; never part of a real VM0.
 */
#define pr_fmt(fmt) "cpufreq_rec: " fmt

#include <linux/cpufreq.h>
#include <linux/module.h>
#include <linux/percpu.h>

static struct cpufreq_frequency_table rec_table[] = {
	{ .frequency = 200000 },
	{ .frequency = 400000 },
	{ .frequency = 600000 },
	{ .frequency = 800000 },
	{ .frequency = 1000000 },
	{ .frequency = CPUFREQ_TABLE_END },
};

static DEFINE_PER_CPU(unsigned int, rec_khz);
static unsigned int requests;
module_param(requests, uint, 0444);
MODULE_PARM_DESC(requests, "frequency changes asked for so far (all CPUs)");

static int rec_init(struct cpufreq_policy *policy)
{
	per_cpu(rec_khz, policy->cpu) = rec_table[0].frequency;
	policy->freq_table = rec_table;
	policy->cpuinfo.transition_latency = 100000;  /* ns: made up, like the rest */
	cpumask_set_cpu(policy->cpu, policy->cpus);
	return 0;
}

static int rec_target_index(struct cpufreq_policy *policy, unsigned int index)
{
	per_cpu(rec_khz, policy->cpu) = rec_table[index].frequency;
	WRITE_ONCE(requests, requests + 1);
	return 0;
}

static unsigned int rec_get(unsigned int cpu)
{
	return per_cpu(rec_khz, cpu);
}

static struct cpufreq_driver rec_driver = {
	.name = "cpufreq_rec",
	.flags = CPUFREQ_NEED_INITIAL_FREQ_CHECK,
	.init = rec_init,
	.verify = cpufreq_generic_frequency_table_verify,
	.target_index = rec_target_index,
	.get = rec_get,
	.attr = cpufreq_generic_attr,
};

static int __init rec_mod_init(void)
{
	return cpufreq_register_driver(&rec_driver);
}

static void __exit rec_mod_exit(void)
{
	cpufreq_unregister_driver(&rec_driver);
}

module_init(rec_mod_init);
module_exit(rec_mod_exit);
MODULE_DESCRIPTION("Test double: a cpufreq driver that records requested frequencies");
MODULE_LICENSE("GPL");
