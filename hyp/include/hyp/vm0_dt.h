/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file vm0_dt.h
 * @brief VM0's device tree, derived from the boot device tree.
 *
 * VM0 sees the machine as booted, minus what the hypervisor keeps: CPUs
 * beyond its vCPU count, the hypervisor's memory (reserved, no-map), the boot
 * modules, the GIC's MSI parts (ITS / v2m frames) and its virtualization
 * interface; plus a KEEL_DT_COMPAT node carrying the doorbell interrupt.
 */
#ifndef HYP_VM0_DT_H
#define HYP_VM0_DT_H
#include <hyp/platform.h>
#include <hyp/types.h>

struct vm0_dt_params {
	const void *host_fdt;             /**< boot DT (read only) */
	void *out;                        /**< output buffer; must not overlap host_fdt */
	u32 out_size;
	u32 nr_vcpus;                     /**< keep the first nr_vcpus CPU nodes (DT order) */
	const struct mem_range *reserved; /**< hypervisor memory: /reserved-memory, no-map */
	u32 nr_reserved;
	const struct mem_range *mem;      /**< VM0's RAM (IPA = PA): the memory node(s) become exactly these */
	u32 nr_mem;
	/** the guest pool: in the memory node too, and in /reserved-memory
	 *  without no-map (Linux gives it struct pages but never allocates it) */
	const struct mem_range *pool;
	u32 nr_pool;
	u64 initrd_start, initrd_end;     /**< 0, 0: no initrd */
	const char *bootargs;             /**< VM0's command line; NULL: none */
	u32 doorbell_intid;               /**< SPI INTID (>= 32) of VM0's doorbell */
	u32 gicr_size;                    /**< GICv3: nr_vcpus * 0x20000 */
};

/**
 * Build VM0's DT into p->out (a packed, valid DTB on success).
 * @return 0, -ENOSPC if p->out is too small, -EINVAL for bad parameters or a
 *         boot DT that lacks what VM0 needs (logged).
 */
int vm0_dt_build(const struct vm0_dt_params *p);

/* Device-tree helpers shared by platform.c (which defines them) and
 * vm0_dt.c. They validate what they read and log what was wrong. */
u64 dt_read_cells(const void *cells, int n);          /* n big-endian cells -> u64 */
const char *dt_node_name(const void *fdt, int node);  /* never NULL */
/* A NUL-terminated string property; *err = 0, -ENOENT or -EINVAL (logged). */
const char *dt_get_string(const void *fdt, int node, const char *prop, int *err);
/* The cells node's children use; -EINVAL unless 1..2 address, 0..2 size cells. */
int dt_bus_cells(const void *fdt, int bus, int *ac, int *sc);
bool dt_is_enabled(const void *fdt, int node);         /* status absent, "okay" or "ok" */
/* Offset of the GIC and its version (2, 3); -ENODEV with *compat naming what
 * interrupt controller was found instead (NULL: none at all). */
int dt_find_gic(const void *fdt, u32 *version, const char **compat);
#endif
