// SPDX-License-Identifier: GPL-2.0
/*
 * Isolation probe, loaded inside a guest (docs/isolation.md):
 *  mode=regs  touches the PMU, debug, ACTLR, RAS and set/way operations and
 *             prints what it saw on one line: the hypervisor must trap them
 *             (PMU and debug read as zero and ignore writes).
 *  mode=ldp   loads a register pair from the guest's first virtio-mmio
 *             window: an access without syndrome, which must stop this
 *             guest (and nothing else). Printing "ldp returned" is a failure.
 *  mode=spin  a kthread that runs burst_us and sleeps sleep_us (0: only
 *             yields) until rmmod: a vCPU that wakes often and runs hard,
 *             which must not starve the VM0 vCPU on its pCPU.
 */
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_address.h>

static char *mode = "regs";
module_param(mode, charp, 0444);
static uint burst_us = 2000;
module_param(burst_us, uint, 0444);
static uint sleep_us = 50;
module_param(sleep_us, uint, 0444);

#define RD(reg) ({ u64 __v; asm volatile("mrs %0, " reg : "=r"(__v)); __v; })
#define WR(reg, v) asm volatile("msr " reg ", %0" : : "r"((u64)(v)))

#define PMCR_EL0 "s3_3_c9_c12_0"
#define PMCNTENSET_EL0 "s3_3_c9_c12_1"
#define PMINTENSET_EL1 "s3_0_c9_c14_1"
#define DBGBVR0_EL1 "s2_0_c0_c0_4"
#define MDSCR_EL1 "s2_0_c0_c2_2"
#define OSLSR_EL1 "s2_0_c1_c1_4"
#define ACTLR_EL1 "s3_0_c1_c0_1"
#define ERRIDR_EL1 "s3_0_c5_c3_0"
#define ID_AA64PFR0 "s3_0_c0_c4_0"
#define ID_AA64DFR0 "s3_0_c0_c5_0"
#define ID_AA64MMFR1 "s3_0_c0_c7_1"
#define MDSCR_MDE (1UL << 15)

static void probe_regs(void)
{
	u64 pmcr, cnten, inten, bvr, mdscr0, mdscr, oslsr, actlr, erridr = 0;
	u64 dfr0 = RD(ID_AA64DFR0), mmfr1 = RD(ID_AA64MMFR1), pfr0 = RD(ID_AA64PFR0);
	unsigned long flags;

	/* No preemption in between: the values are this vCPU's. */
	local_irq_save(flags);
	WR(PMCR_EL0, 1);          /* E: start VM0's counters, if we could */
	WR(PMCNTENSET_EL0, ~0UL);
	WR(PMINTENSET_EL1, 0);
	pmcr = RD(PMCR_EL0);
	cnten = RD(PMCNTENSET_EL0);
	inten = RD(PMINTENSET_EL1);
	WR(DBGBVR0_EL1, 0x1000);
	bvr = RD(DBGBVR0_EL1);
	WR(DBGBVR0_EL1, 0);
	mdscr0 = RD(MDSCR_EL1);
	WR(MDSCR_EL1, mdscr0 | MDSCR_MDE);
	mdscr = RD(MDSCR_EL1);
	WR(MDSCR_EL1, mdscr0);
	oslsr = RD(OSLSR_EL1);
	actlr = RD(ACTLR_EL1);
	if ((pfr0 >> 28) & 0xf)   /* RAS: ERRIDR exists */
		erridr = RD(ERRIDR_EL1);
	/* Set/way maintenance at level 1, set 0, way 0: must neither fault nor
	 * discard anybody's data. */
	asm volatile("dc isw, %0; dc csw, %0; dc cisw, %0" : : "r"(0UL) : "memory");
	local_irq_restore(flags);

	pr_info("isoprobe: pmcr=%#llx pmcntenset=%#llx pmintenset=%#llx pmuver=%llu dbgbvr0=%#llx "
		"mdscr_mde=%d oslsr=%#llx actlr=%#llx erridr=%#llx lo=%llu setway=done\n",
		pmcr, cnten, inten, (dfr0 >> 8) & 0xf, bvr, !!(mdscr & MDSCR_MDE), oslsr, actlr,
		erridr, (mmfr1 >> 16) & 0xf);
}

static int probe_ldp(void)
{
	struct device_node *np = of_find_compatible_node(NULL, NULL, "virtio,mmio");
	void __iomem *base;
	struct resource r;
	u32 a, b;

	if (!np || of_address_to_resource(np, 0, &r)) {
		pr_err("isoprobe: no virtio-mmio node\n");
		return -ENODEV;
	}
	base = of_iomap(np, 0);
	of_node_put(np);
	if (!base)
		return -ENOMEM;
	pr_info("isoprobe: ldp from virtio-mmio at %pa\n", &r.start);
	/* A load pair has no instruction syndrome (ISV = 0). */
	asm volatile("ldp %w0, %w1, [%2]" : "=&r"(a), "=&r"(b) : "r"(base) : "memory");
	pr_err("isoprobe: ldp returned %#x %#x\n", a, b);
	iounmap(base);
	return 0;
}

static struct task_struct *spinner;
static u64 spin_rounds;

static int spin_fn(void *unused)
{
	while (!kthread_should_stop()) {
		u64 end = ktime_get_ns() + (u64)burst_us * 1000;

		while (ktime_get_ns() < end)
			cpu_relax();
		spin_rounds++;
		if (sleep_us)
			usleep_range(sleep_us, sleep_us + 10);
		else
			cond_resched();
	}
	return 0;
}

static int __init isoprobe_init(void)
{
	if (!strcmp(mode, "regs")) {
		probe_regs();
		return 0;
	}
	if (!strcmp(mode, "ldp"))
		return probe_ldp();
	if (!strcmp(mode, "spin")) {
		spinner = kthread_run(spin_fn, NULL, "isoprobe-spin");
		if (IS_ERR(spinner))
			return PTR_ERR(spinner);
		pr_info("isoprobe: spinning, %u us bursts, %u us sleeps\n", burst_us, sleep_us);
		return 0;
	}
	pr_err("isoprobe: unknown mode '%s'\n", mode);
	return -EINVAL;
}

static void __exit isoprobe_exit(void)
{
	if (spinner) {
		kthread_stop(spinner);
		pr_info("isoprobe: spin stopped after %llu rounds\n", spin_rounds);
	}
}

module_init(isoprobe_init);
module_exit(isoprobe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Keel test: what a guest sees of PMU, debug and cache state");
