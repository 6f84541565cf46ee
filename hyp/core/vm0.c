// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * VM0, the management VM: the machine as booted, minus the hypervisor.
 * Its RAM is identity-mapped (IPA = PA) so the devices it owns can DMA
 * without an IOMMU; every device the hypervisor does not keep is passed
 * through (MMIO mapped, interrupts forwarded); its vCPU i runs on pCPU i.
 */
#include <keel/guest.h>
#include <keel/hypercall.h>
#include <keel/stat.h>
#include <hyp/boot.h>
#include <hyp/errno.h>
#include <hyp/gic.h>
#include <hyp/irq.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/platform.h>
#include <hyp/pool.h>
#include <hyp/sched.h>
#include <hyp/stage2.h>
#include <asm/sysreg.h>
#include <hyp/vm.h>
#include <hyp/vm0_dt.h>
#include <libfdt.h>
#include <string.h>

#define LINUX_IMAGE_MAGIC 0x644d5241U  /* "ARM\x64" */
#define VM0_DT_SLACK 0x10000           /* room for the nodes we add */

/* The PMU's PPI (Arm's recommended INTID, which QEMU virt uses; the host
 * DT's pmu node is not parsed). VM0 owns the PMU (docs/isolation.md). */
#define VM0_PMU_PPI 23

struct linux_image_header {
	u32 code0, code1;
	u64 text_offset, image_size, flags, res2, res3, res4;
	u32 magic, res5;
};

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* VM0's RAM: all RAM minus the hypervisor's region, capped at vm0_mem; the
 * guest pool gets what is left plus pool= bytes from the top of VM0's share
 * (default: a quarter of RAM when neither option is given). */
static int vm0_plan_memory(struct vm *vm)
{
	u64 want = opts.vm0_mem ? opts.vm0_mem : ~0ULL, got = 0, pool;

	for (u32 i = 0; i < plat.nr_ram; i++)
		ram_total_bytes += plat.ram[i].size;
	pool = opts.pool ? opts.pool : (opts.vm0_mem ? 0 : ALIGN_DOWN(ram_total_bytes / 4, SZ_2M));
	vm->nr_mem = 0;
	for (u32 i = 0; i < plat.nr_ram; i++) {
		struct mem_range r = plat.ram[i];
		struct mem_range parts[2];
		u32 n = 0;

		if (overlaps(r.base, r.size, hyp_region.base, hyp_region.size)) {
			if (hyp_region.base > r.base)
				parts[n++] = (struct mem_range){ r.base, hyp_region.base - r.base };
			if (hyp_region.base + hyp_region.size < r.base + r.size)
				parts[n++] = (struct mem_range){ hyp_region.base + hyp_region.size,
								 r.base + r.size - hyp_region.base - hyp_region.size };
		} else {
			parts[n++] = r;
		}
		for (u32 j = 0; j < n; j++) {
			u64 take = vm->nr_mem < MAX_RAM_RANGES ? MIN(parts[j].size, want - got) : 0;

			if (take)
				vm->mem[vm->nr_mem++] = (struct mem_range){ parts[j].base, take };
			got += take;
			pool_add(parts[j].base + take, parts[j].size - take);
		}
	}
	/* pool= comes off the top of VM0's share, 2 MiB aligned. */
	while (pool && vm->nr_mem) {
		struct mem_range *last = &vm->mem[vm->nr_mem - 1];
		u64 end = last->base + last->size;
		u64 cut = MIN(pool, end - ALIGN_UP(last->base, SZ_2M));

		cut = ALIGN_DOWN(cut, SZ_2M);
		if (!cut)
			break;
		last->size -= cut;
		pool -= MIN(pool, cut);
		got -= cut;
		pool_add(end - cut, cut);
		if (!last->size)
			vm->nr_mem--;
	}
	if (got < VM0_MIN_MEM) {
		pr_err("not enough memory for VM0: %llu MiB left after the hypervisor's %llu MiB and the %llu MiB guest pool, need at least %llu MiB",
		       (unsigned long long)(got >> 20), (unsigned long long)(hyp_region.size >> 20),
		       (unsigned long long)(pool_total() >> 20), (unsigned long long)(VM0_MIN_MEM >> 20));
		return -ENOMEM;
	}
	return 0;
}

static int map_device(const char *name, u64 base, u64 size, void *arg)
{
	struct vm *vm = arg;
	u64 start = ALIGN_DOWN(base, PAGE_SIZE), end = ALIGN_UP(base + size, PAGE_SIZE);
	int ret;

	if (overlaps(start, end - start, hyp_region.base, hyp_region.size)) {
		pr_warn("device %s at %#llx overlaps the hypervisor: not given to VM0", name,
			(unsigned long long)base);
		return 0;
	}
	ret = stage2_map(&vm->s2, start, start, end - start, S2_DEVICE_RW);
	if (ret)
		pr_err("cannot map device %s at %#llx for VM0: %d", name, (unsigned long long)base, ret);
	return ret;
}

static int vm0_map(struct vm *vm, const void *fdt)
{
	int ret;

	for (u32 i = 0; i < vm->nr_mem; i++) {
		ret = stage2_map(&vm->s2, vm->mem[i].base, vm->mem[i].base, vm->mem[i].size, S2_NORMAL_RW);
		if (ret)
			return ret;
	}
	return platform_for_each_device(fdt, map_device, vm);
}

static int vm0_irqs(struct vm *vm)
{
	u64 redist = plat.gic.version == 3 ? plat.gic.gicr.base : plat.gic.gicc.base;
	int ret = vgic_vm_init(vm, plat.gic.gicd.base, redist);

	if (ret) {
		pr_err("vGIC for VM0: %d", ret);
		return ret;
	}
	vm0_doorbell_intid = gic->nr_irqs - 1;
	for (u32 intid = GIC_NR_PRIVATE; intid < gic->nr_irqs; intid++) {
		if (intid == vm0_doorbell_intid)
			continue;
		ret = vgic_assign_hw(vm, intid);
		if (ret)
			return ret;
		irq_set_owner(intid, vm);
	}
	/* PPIs VM0 takes straight from the hardware: the PMU, its virtual
	 * and EL1 physical timers (their INTIDs from the host DT). */
	const u32 vm0_ppis[] = { VM0_PMU_PPI, plat.timer_intid[KEEL_TIMER_VIRT],
				 plat.timer_intid[KEEL_TIMER_PHYS] };

	for (u32 i = 0; i < ARRAY_SIZE(vm0_ppis); i++) {
		ret = vgic_assign_hw(vm, vm0_ppis[i]);
		if (ret)
			return ret;
		vm->hw_ppis |= BIT(vm0_ppis[i] - 16);
	}
	return 0;
}

/* Check the kernel module is a Linux arm64 Image placed where it may run. */
static int vm0_check_kernel(struct vm *vm, u64 *image_size)
{
	const struct linux_image_header *h = (const void *)(uintptr_t)plat.kernel.base;

	if (plat.kernel.size < sizeof(*h) || READ_ONCE(h->magic) != LINUX_IMAGE_MAGIC) {
		pr_err("VM0 kernel at %#llx is not an arm64 Image (no \"ARM\\x64\" magic)",
		       (unsigned long long)plat.kernel.base);
		return -ENOEXEC;
	}
	*image_size = h->image_size ? h->image_size : plat.kernel.size;
	if (!IS_ALIGNED(plat.kernel.base - h->text_offset, SZ_2M)) {
		pr_err("VM0 kernel at %#llx: an arm64 Image must sit text_offset (%#llx) past a 2 MiB boundary",
		       (unsigned long long)plat.kernel.base, (unsigned long long)h->text_offset);
		return -EINVAL;
	}
	if (!vm_ram_contains(vm, plat.kernel.base, *image_size)) {
		pr_err("VM0 kernel at %#llx + %#llx is not inside VM0's RAM (overlaps the hypervisor at %#llx-%#llx?)",
		       (unsigned long long)plat.kernel.base, (unsigned long long)*image_size,
		       (unsigned long long)hyp_region.base,
		       (unsigned long long)(hyp_region.base + hyp_region.size));
		return -EINVAL;
	}
	if (plat.initrd.size && !vm_ram_contains(vm, plat.initrd.base, plat.initrd.size)) {
		pr_err("VM0 initramfs at %#llx is not inside VM0's RAM", (unsigned long long)plat.initrd.base);
		return -EINVAL;
	}
	if (overlaps(plat.kernel.base, *image_size, plat.initrd.base, plat.initrd.size)) {
		pr_err("VM0 initramfs at %#llx overlaps the kernel's %#llx bytes at %#llx",
		       (unsigned long long)plat.initrd.base, (unsigned long long)*image_size,
		       (unsigned long long)plat.kernel.base);
		return -EINVAL;
	}
	return 0;
}

/* Where VM0's DT goes: where the boot DT was, unless the kernel or initramfs
 * need that room; then after them. */
static u64 vm0_dt_place(struct vm *vm, u64 boot_pa, u64 size, u64 image_size)
{
	u64 at = ALIGN_UP(boot_pa, 8);

	if (overlaps(at, size, plat.kernel.base, image_size) ||
	    overlaps(at, size, plat.initrd.base, plat.initrd.size) || !vm_ram_contains(vm, at, size))
		at = ALIGN_UP(MAX(plat.kernel.base + image_size, plat.initrd.base + plat.initrd.size), SZ_2M);
	return vm_ram_contains(vm, at, size) ? at : 0;
}

int vm0_create(const void *fdt, u64 boot_fdt_pa)
{
	u64 pool_cpus = opts.pools.pool[vm0_pool].pcpus;
	u32 in_pool = (u32)__builtin_popcountll(pool_cpus);
	u32 nr = opts.vm0_cpus ? MIN(opts.vm0_cpus, in_pool) : in_pool;
	struct vm *vm = vm_alloc(0, nr);
	u64 image_size, dt_size, dt_pa;
	struct mem_range pool[POOL_MAX_RANGES];
	struct vm0_dt_params p;
	int ret;

	if (!vm)
		return -ENOMEM;
	vm->is_vm0 = true;
	vm->hcr = HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_TSC | HCR_TID3 | HCR_RW | HCR_API |
		  HCR_APK;
	vm->cnthctl = CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN;
	/* VM0's vCPU i runs on the i-th pCPU of its pool; it keeps the MPIDR
	 * of pCPU i, which its DT describes. */
	for (u32 i = 0, c = 0; i < nr; i++, c++) {
		while (!(pool_cpus & BIT(c)))
			c++;
		vm->vcpus[i]->pcpu = c;
		vm->vcpus[i]->vmpidr = plat.mpidr[i] | BIT(31);  /* bit 31 is RES1 */
		sched_set_params(vm->vcpus[i], KEEL_PRIO_DEFAULT, 0);
	}
	ret = vm0_plan_memory(vm);
	if (!ret)
		ret = vm0_check_kernel(vm, &image_size);
	if (!ret)
		ret = vm0_map(vm, fdt);
	if (!ret)
		ret = vm0_irqs(vm);
	if (ret)
		return ret;
	for (u32 i = 0; i < nr; i++) {
		vgic_vcpu_init(vm->vcpus[i]);
		sched_bind(vm->vcpus[i]);
	}

	dt_size = fdt_totalsize(fdt) + VM0_DT_SLACK;
	dt_pa = vm0_dt_place(vm, boot_fdt_pa, dt_size, image_size);
	if (!dt_pa) {
		pr_err("no room in VM0's RAM for its device tree");
		return -ENOMEM;
	}
	p = (struct vm0_dt_params){
		.host_fdt = fdt,
		.out = (void *)(uintptr_t)dt_pa,
		.out_size = (u32)dt_size,
		.nr_vcpus = nr,
		.reserved = &hyp_region,
		.nr_reserved = 1,
		.mem = vm->mem,
		.nr_mem = vm->nr_mem,
		.pool = pool,
		.nr_pool = pool_ranges(pool, POOL_MAX_RANGES),
		.initrd_start = plat.initrd.size ? plat.initrd.base : 0,
		.initrd_end = plat.initrd.size ? plat.initrd.base + plat.initrd.size : 0,
		.bootargs = plat.kernel.bootargs,
		.doorbell_intid = vm0_doorbell_intid,
		.gicr_size = nr * 2 * GICR_FRAME_SIZE,  /* RD + SGI frames per vCPU */
	};
	ret = vm0_dt_build(&p);
	if (ret) {
		pr_err("cannot build VM0's device tree: %d", ret);
		return ret;
	}
	/* VM0 starts with its MMU and caches off: the DT we wrote must be in
	 * memory, not only in our caches. The kernel and initramfs we never
	 * wrote; the boot protocol makes whoever loaded them clean them to the
	 * point of coherency (and walking 90 MB of lines costs ~1 s under TCG). */
	dcache_clean_range(dt_pa, fdt_totalsize(p.out));

	vm0 = vm;
	vm->state = VM_RUNNING;
	vcpu_reset(vm->vcpus[0], plat.kernel.base, dt_pa);
	u64 vm0_bytes = 0;

	for (u32 i = 0; i < vm->nr_mem; i++)
		vm0_bytes += vm->mem[i].size;
	pr_info("VM0: %u vCPUs, %llu MiB RAM, kernel %#llx, initramfs %#llx (%llu KiB), DT %#llx, doorbell INTID %u",
		nr, (unsigned long long)(vm0_bytes >> 20),
		(unsigned long long)plat.kernel.base, (unsigned long long)plat.initrd.base,
		(unsigned long long)(plat.initrd.size >> 10), (unsigned long long)dt_pa,
		vm0_doorbell_intid);
	vm->vcpus[0]->state = VCPU_BLOCKED;
	sched_enqueue(vm->vcpus[0]);
	return 0;
}
