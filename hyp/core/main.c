// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The boot sequence, in order. The boot pCPU comes here from head.S with the
 * DT's address; secondaries come to secondary_main once we start them.
 */
#include <asm/firmware.h>
#include <asm/timer.h>
#include <keel/hypercall.h>
#include <hyp/boot.h>
#include <hyp/errno.h>
#include <hyp/gic.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/options.h>
#include <hyp/pcpu.h>
#include <hyp/platform.h>
#include <hyp/sched.h>
#include <asm/sysreg.h>
#include <hyp/uart.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>
#include <libfdt.h>
#include <string.h>

struct pcpu pcpus[MAX_PCPUS];
struct hyp_options opts;
struct mem_range hyp_region;
u64 hyp_reserved_bytes, ram_total_bytes;
u32 vm0_doorbell_intid;
u32 vm0_pool;             /* VM0's CPU pool: an index in opts.pools */

extern char hyp_stacks[];
void mmu_init(u64 dtb);
void mmu_enable(void);
void mmu_map_ram(u64 base, u64 size);
void el2_cpu_setup(void);
void secondary_entry(void);
void secondary_main(u64 id);
void hyp_main(u64 dtb_pa);

static void pcpu_setup(u32 id)
{
	struct pcpu *pc = &pcpus[id];

	pc->id = id;
	pc->mpidr = plat.mpidr[id];
	pc->stack_top = (u64)(uintptr_t)(hyp_stacks + (id + 1) * HYP_STACK_SIZE);
	arch_cpu_local_set(pc);
	el2_cpu_setup();
	gic->cpu_init();
	vgic_cpu_init();
	/* The EL2 physical timer: time slices and wake-ups on shared pCPUs.
	 * The EL1 virtual timer is off until a vCPU loads its own: its reset
	 * state is unknown, and a stale one would interrupt an idle pCPU. */
	arch_timer_disarm();
	arch_vtimer_stop();
	gic->set_enable(plat.timer_intid[3], true);
}

static void __noreturn boot_fail(const char *what, int err)
{
	pr_err("%s failed (%d): cannot start VM0; powering off", what, err);
	firmware_system_off();
}

/* The boot pCPU becomes pCPU 0 whatever its place in the DT, so pCPU ids,
 * stacks and VM0's vCPU ids all line up. */
static void boot_cpu_first(void)
{
	u64 me = mpidr_read() & MPIDR_AFF_MASK;

	for (u32 i = 1; i < plat.nr_cpus; i++) {
		if ((plat.mpidr[i] & MPIDR_AFF_MASK) == me) {
			plat.mpidr[i] = plat.mpidr[0];
			plat.mpidr[0] = me;
		}
	}
}

static void start_secondaries(void)
{
	u32 up = 1;

	for (u32 i = 1; i < plat.nr_cpus; i++) {
		s64 r = firmware_cpu_on(plat.mpidr[i], (u64)(uintptr_t)secondary_entry, i);

		if (r) {
			pr_err("pCPU %u (MPIDR %#llx) did not start: PSCI %lld", i,
			       (unsigned long long)plat.mpidr[i], (long long)r);
			continue;
		}
		/* Bounded wait: a pCPU that never arrives is reported, not waited for. */
		for (u64 spin = 0; spin < 200000000 && !READ_ONCE(pcpus[i].online); spin++)
			;
		if (READ_ONCE(pcpus[i].online))
			up++;
		else
			pr_err("pCPU %u accepted CPU_ON but never came up", i);
	}
	if (up != plat.nr_cpus) {
		pr_warn("only %u of %u pCPUs online: VM0 gets %u vCPUs", up, plat.nr_cpus, up);
		plat.nr_cpus = up;  /* the started ones are the first 'up' in order */
	}
}

void secondary_main(u64 id)
{
	mmu_enable();
	pcpu_setup((u32)id);
	pcpus[id].online = true;
	sched_idle_enter();
}

void hyp_main(u64 dtb_pa)
{
	const void *boot_fdt = (const void *)(uintptr_t)dtb_pa;
	void *fdt;
	u32 fdt_size;
	int ret;

	arch_cpu_local_set(&pcpus[0]);
	mmu_init(dtb_pa);
	mmu_enable();

	if (!dtb_pa || fdt_check_header(boot_fdt))
		firmware_system_off();  /* no DT: no UART to say so on either */
	/* Keep a private copy: VM0's DT will be written over the original. */
	fdt_size = fdt_totalsize(boot_fdt);
	hyp_region.base = (u64)(uintptr_t)__hyp_start;
	hyp_region.size = ALIGN_UP((u64)(uintptr_t)__hyp_end + HYP_HEAP_SIZE, SZ_2M) - hyp_region.base;
	hyp_reserved_bytes = hyp_region.size;
	mem_init(ALIGN_UP((u64)(uintptr_t)__hyp_end, PAGE_SIZE),
		 hyp_region.base + hyp_region.size - ALIGN_UP((u64)(uintptr_t)__hyp_end, PAGE_SIZE));
	fdt = mem_zalloc(fdt_size);
	if (!fdt)
		firmware_system_off();
	memcpy(fdt, boot_fdt, fdt_size);

	ret = platform_parse(fdt);
	if (plat.uart.base) {
		uart_init(plat.uart.base);
		log_replay();  /* anything platform_parse said before the UART was known */
	}
	pr_info("Keel hypervisor %u.%u (ABI %u) starting", KEEL_VERSION_MAJOR, KEEL_VERSION_MINOR,
		KEEL_HC_ABI_REVISION);
	if (ret)
		boot_fail("reading the device tree", ret);
	for (u32 i = 0; i < plat.nr_ram; i++)
		mmu_map_ram(plat.ram[i].base, plat.ram[i].size);
	ret = options_parse(plat.hyp_args, &opts);
	if (ret)
		boot_fail("reading the hypervisor options (/chosen/bootargs)", ret);
	if (plat.nr_cpus > MAX_PCPUS)
		plat.nr_cpus = MAX_PCPUS;
	boot_cpu_first();

	ret = gic_probe(&plat.gic);
	if (ret)
		boot_fail("setting up the interrupt controller", ret);
	ret = vgic_global_init();
	if (ret)
		boot_fail("setting up the virtual GIC", ret);
	pcpu_setup(0);
	pcpus[0].online = true;
	start_secondaries();
	pr_info("%u pCPUs, GICv%u (%s, %u interrupts), hypervisor memory %#llx-%#llx",
		plat.nr_cpus, plat.gic.version, gic->name, gic->nr_irqs,
		(unsigned long long)hyp_region.base,
		(unsigned long long)(hyp_region.base + hyp_region.size));

	ret = cpupool_finish(&opts.pools, plat.nr_cpus, &vm0_pool);
	if (ret)
		boot_fail("setting up the CPU pools (cpupool=, vm0_pool=)", ret);
	sched_pools_setup();
	ret = vm0_create(fdt, dtb_pa);
	if (ret)
		boot_fail("building VM0", ret);
	sched_idle_enter();
}
