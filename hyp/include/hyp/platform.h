/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* What the hypervisor learned from the boot device tree. */
#ifndef HYP_PLATFORM_H
#define HYP_PLATFORM_H
#include <hyp/config.h>
#include <hyp/types.h>

struct mem_range {
	u64 base;
	u64 size;
};

struct platform_gic {
	u32 version;          /* 2 or 3 */
	struct mem_range gicd;
	struct mem_range gicr;  /* v3: one region holding every redistributor */
	struct mem_range gicc;  /* v2 */
	struct mem_range gich;  /* v2 */
	struct mem_range gicv;  /* v2 */
	u32 maint_intid;      /* maintenance interrupt (INTID) */
	int node;             /* offset of the GIC node in the boot DT */
};

struct platform_module {
	u64 base;
	u64 size;
	const char *bootargs; /* points into the boot DT copy; may be NULL */
};

struct platform {
	const void *fdt;      /* private copy of the boot DT */
	u32 nr_cpus;
	u64 mpidr[MAX_PCPUS];
	u32 nr_ram;
	struct mem_range ram[MAX_RAM_RANGES];
	struct platform_gic gic;
	struct mem_range uart;
	u32 timer_intid[4];   /* secure phys, non-secure phys, virtual, hyp phys */
	struct platform_module kernel;
	struct platform_module initrd;
	const char *hyp_args; /* /chosen/bootargs: the hypervisor's own options */
	u64 psci_conduit_smc; /* 1: firmware PSCI through SMC, 0: HVC (unusable at EL2) */
};

extern struct platform plat;

/* Parse the boot DT into plat. Returns 0 or -errno after logging why. */
int platform_parse(const void *fdt);

/* Call cb for each MMIO range (CPU physical address) of the devices VM0 gets:
 * every enabled node with "reg" at the root or below simple-bus nodes (through
 * "ranges"), except memory, /cpus, /chosen, /reserved-memory and the GIC with
 * its children; plus the CPU-side windows of PCI host bridges' "ranges".
 * Stops at and returns the first non-zero cb result; else 0, or -EINVAL for a
 * malformed DT. Sizes are as in the DT (not page-rounded). */
int platform_for_each_device(const void *fdt,
			     int (*cb)(const char *path_or_name, u64 base, u64 size, void *arg),
			     void *arg);
#endif
