/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file options.h
 * @brief The hypervisor's own command line (/chosen/bootargs of the boot DT).
 *
 * Tokens are separated by spaces; each is "name=value":
 *  - vm0_mem=SIZE   VM0's RAM; 0 (default) = all RAM not kept by the
 *                   hypervisor or the guest pool
 *  - vm0_cpus=N     VM0's vCPUs; 0 (default) = one per pCPU; at most MAX_PCPUS
 *  - pool=SIZE      memory set aside for guests (default 0)
 *  - loglevel=N     0..7 with Linux's meaning (3 err, 4 warn, 6 info, 7 debug)
 *  - cpupool=NAME:KIND:CPUS, vm0_pool=NAME   CPU pools (cpupool.h)
 * SIZE is decimal or 0x-hex with an optional K, M or G suffix.
 */
#ifndef HYP_OPTIONS_H
#define HYP_OPTIONS_H
#include <hyp/cpupool.h>
#include <hyp/types.h>

#define LOGLEVEL_DEFAULT 6

struct hyp_options {
	u64 vm0_mem;   /**< bytes; 0 = all that is left */
	u32 vm0_cpus;  /**< 0 = all pCPUs */
	u32 loglevel;  /**< 0..7 */
	u64 pool;      /**< guest pool bytes */
	struct cpupool_set pools; /**< CPU pools as named; cpupool_finish completes them */
};

/**
 * Fill @o with the defaults, then apply @args (may be NULL or empty).
 * @return 0, or -EINVAL after logging the offending token; @o then holds the
 *         defaults plus the options before that token.
 */
int options_parse(const char *args, struct hyp_options *o);

/**
 * Parse one size ("512M", "0x1000", "2G"). Exposed for tests and callers
 * that take sizes from elsewhere.
 * @return 0 or -EINVAL (empty, junk, or overflow).
 */
int options_parse_size(const char *s, size_t len, u64 *out);
#endif
