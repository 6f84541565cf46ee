/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file stat.h
 * @brief CPU pools and the scheduler's accounting, as KEEL_HC_STAT reports
 * them to VM0 (`keel system stat`, `keel system pools`, keel.ko's cpufreq
 * governor).
 *
 * Times are nanoseconds of the hypervisor's clock since it booted; a reader
 * takes two snapshots and divides the differences by now_ns's.
 */
#ifndef KEEL_PROTO_STAT_H
#define KEEL_PROTO_STAT_H

#include "types.h"
#include "vm.h"

#define KEEL_STAT_MAGIC 0x5453534bU /* "KSST" */
#define KEEL_STAT_REVISION 2  /* 2: keel_stat_vcpu.migrations */

#define KEEL_STAT_MAX_PCPUS 16
#define KEEL_MAX_CPUPOOLS 4
#define KEEL_CPUPOOL_NAME_LEN 16
#define KEEL_STAT_MAX_VCPUS (KEEL_MAX_VMS * KEEL_MAX_VCPUS)

/** Pool kinds (keel_stat_pool.kind). */
#define KEEL_POOL_SHARED 0  /**< time-sliced by priority; WFI blocks the vCPU */
#define KEEL_POOL_BIND 1    /**< one vCPU per pCPU: no tick, WFI not trapped */

/** vCPU priorities (keel_vm_desc.priority): higher runs first. */
#define KEEL_PRIO_MAX 255
#define KEEL_PRIO_DEFAULT 128
/** Time slice bounds (keel_vm_desc.slice_us; 0 = KEEL_SLICE_DEFAULT_US). */
#define KEEL_SLICE_MIN_US 1000
#define KEEL_SLICE_MAX_US 1000000
#define KEEL_SLICE_DEFAULT_US 10000

/** vCPU states as accounted (keel_stat_vcpu.state). */
#define KEEL_VCPU_RUN 0      /**< on its pCPU (guest code or the hypervisor for it) */
#define KEEL_VCPU_WAIT 1     /**< runnable, waiting for its pCPU */
#define KEEL_VCPU_BLOCKED 2  /**< WFI with nothing pending, or waiting for VM0 */
#define KEEL_VCPU_OFF 3      /**< never started, CPU_OFF or its VM stopped */

struct keel_stat_pool {
	char name[KEEL_CPUPOOL_NAME_LEN]; /**< NUL-terminated */
	__u32 kind;                       /**< KEEL_POOL_* */
	__u32 pad;
	__u64 pcpus;                      /**< bit n: pCPU n */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_stat_pool) == 32, "keel_stat_pool layout");

struct keel_stat_pcpu {
	__u64 busy_ns;   /**< anything but the idle loop */
	__u64 idle_ns;   /**< the idle loop (WFI at EL2) */
	__u64 switches;  /**< times another vCPU was loaded here */
	__u32 pool;      /**< index in keel_stat.pool */
	__u32 nr_vcpus;  /**< vCPUs placed here */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_stat_pcpu) == 32, "keel_stat_pcpu layout");

struct keel_stat_vcpu {
	__u32 vm;
	__u32 vcpu;
	__u32 pcpu;
	__u32 state;      /**< KEEL_VCPU_* */
	__u32 priority;
	__u32 slice_us;
	__u64 run_ns;
	__u64 wait_ns;
	__u64 blocked_ns;
	__u64 migrations; /**< times it moved to another pCPU of its shared pool */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_stat_vcpu) == 56, "keel_stat_vcpu layout");

/** KEEL_HC_STAT fills one; vcpu[] holds nr_vcpus entries, by VM id then vCPU. */
struct keel_stat {
	__u32 magic;      /**< KEEL_STAT_MAGIC */
	__u32 revision;   /**< KEEL_STAT_REVISION */
	__u32 nr_pcpus;
	__u32 nr_pools;
	__u32 nr_vcpus;
	__u32 pad;
	__u64 now_ns;
	struct keel_stat_pool pool[KEEL_MAX_CPUPOOLS];
	struct keel_stat_pcpu pcpu[KEEL_STAT_MAX_PCPUS];
	struct keel_stat_vcpu vcpu[KEEL_STAT_MAX_VCPUS];
};
KEEL_STATIC_ASSERT(sizeof(struct keel_stat) ==
			   32 + 32 * KEEL_MAX_CPUPOOLS + 32 * KEEL_STAT_MAX_PCPUS + 56 * KEEL_STAT_MAX_VCPUS,
		   "keel_stat layout");
KEEL_STATIC_ASSERT(sizeof(struct keel_stat) < (1 << 14), "keel_stat fits an ioctl number");

/**
 * Load in per mille between two snapshots of one pCPU: busy time over all
 * the time accounted (not the wall clock, so a pCPU that came online late
 * is not shown idle before). Every reader (keel, keel.ko) computes it here.
 */
static inline __u32 keel_stat_load_permille(const struct keel_stat_pcpu *a,
					    const struct keel_stat_pcpu *b)
{
	__u64 busy = b->busy_ns > a->busy_ns ? b->busy_ns - a->busy_ns : 0;
	__u64 idle = b->idle_ns > a->idle_ns ? b->idle_ns - a->idle_ns : 0;

	return busy + idle ? (__u32)(busy * 1000 / (busy + idle)) : 0;
}

#endif
