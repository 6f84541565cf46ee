// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Guest VMs: created from a descriptor VM0 hands over, RAM from the guest
 * pool (zeroed: no data crosses from one guest to the next), their own
 * stage 2 and VMID, vCPUs on the pCPUs the descriptor names. A guest can
 * reach its RAM and the MMIO ranges VM0 serves for it, nothing else.
 */
#include <asm/sysreg.h>  /* HCR_EL2 and CNTHCTL_EL2 bits of a guest */
#include <asm/timer.h>
#include <keel/guest.h>
#include <keel/hypercall.h>
#include <keel/shared.h>
#include <hyp/boot.h>
#include <hyp/cpupool.h>
#include <hyp/chan.h>
#include <hyp/errno.h>
#include <hyp/gic.h>
#include <hyp/guest.h>
#include <hyp/ioreq.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/passthrough.h>
#include <hyp/pcpu.h>
#include <hyp/platform.h>
#include <hyp/pool.h>
#include <hyp/sched.h>
#include <hyp/shadow.h>
#include <hyp/stage2.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>
#include <string.h>

/* The limits keeld checks too: proto/keel/guest.h. */
#define GICD_SIZE KEEL_GUEST_GICD_SIZE
#define GICC_SIZE KEEL_GUEST_GICC_SIZE
#define GUEST_IPA_LIMIT KEEL_GUEST_IPA_LIMIT
/* A guest's virtual timer is the physical one, handed through at the INTID
 * the host's device tree gives it (platform.c, parse_timer). */
#define GUEST_TIMER_PPI (plat.timer_intid[KEEL_TIMER_VIRT])

u64 hyp_ticks_ns(u64 ticks)
{
	u64 freq = arch_timer_freq();

	return freq ? (ticks / freq) * 1000000000ULL + (ticks % freq) * 1000000000ULL / freq : 0;
}

u64 hyp_now_ns(void)
{
	return hyp_ticks_ns(arch_timer_now());
}

static bool ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Everything a descriptor says is checked here, before anything is built.
 * keeld's config.c refuses the same things first, with messages. */
static int desc_check(const struct keel_vm_desc *d)
{
	if (d->magic != KEEL_VM_DESC_MAGIC || d->revision != KEEL_VM_DESC_REVISION)
		return -EINVAL;
	if (d->id == 0 || d->id >= MAX_VMS)
		return -EINVAL;
	if (d->flags & ~(KEEL_VM_F_IDENTITY | KEEL_VM_F_PINNED))
		return -EINVAL;
	if (!d->nr_vcpus || d->nr_vcpus > MAX_VCPUS || d->nr_vcpus > KEEL_MAX_VCPUS)
		return -EINVAL;
	if (!d->nr_mem || d->nr_mem > KEEL_VM_MAX_MEM)
		return -EINVAL;
	if (plat.gic.version == 2 && d->nr_vcpus > KEEL_GUEST_GICV2_MAX_VCPUS)
		return -EINVAL;
	for (u32 i = 0; i < d->nr_vcpus; i++)
		if (d->vcpu_pcpu[i] >= plat.nr_cpus)
			return -EINVAL;
	if (cpupool_check(&opts.pools, d->pool, d->vcpu_pcpu, d->nr_vcpus) ||
	    d->priority > KEEL_PRIO_MAX || d->pad ||
	    (d->slice_us && (d->slice_us < KEEL_SLICE_MIN_US || d->slice_us > KEEL_SLICE_MAX_US)))
		return -EINVAL;
	if (memchr(d->name, '\0', sizeof(d->name)) == NULL)
		return -EINVAL;
	for (u32 i = 0; i < d->nr_mem; i++) {
		const struct keel_vm_mem *m = &d->mem[i];

		if (!m->size || !IS_ALIGNED(m->ipa | m->size, KEEL_GUEST_RAM_ALIGN) ||
		    m->ipa + m->size < m->ipa || m->ipa + m->size > GUEST_IPA_LIMIT)
			return -EINVAL;
		if (ranges_overlap(m->ipa, m->size, d->gicd_ipa, GICD_SIZE))
			return -EINVAL;
		if (plat.gic.version == 3 &&
		    ranges_overlap(m->ipa, m->size, d->gicr_ipa, d->nr_vcpus * KEEL_GUEST_GICR_STRIDE))
			return -EINVAL;
		if (plat.gic.version == 2 && ranges_overlap(m->ipa, m->size, d->gicc_ipa, GICC_SIZE))
			return -EINVAL;
		for (u32 j = 0; j < i; j++)
			if (ranges_overlap(m->ipa, m->size, d->mem[j].ipa, d->mem[j].size))
				return -EINVAL;
	}
	if (!IS_ALIGNED(d->gicd_ipa, PAGE_SIZE) || !IS_ALIGNED(d->gicr_ipa | d->gicc_ipa, PAGE_SIZE))
		return -EINVAL;
	return 0;
}

static void guest_free_memory(struct vm *vm)
{
	for (u32 i = 0; i < vm->nr_mem; i++) {
		if (vm->mem_pa[i])
			pool_free(vm->mem_pa[i], vm->mem[i].size);
		vm->mem_pa[i] = 0;
	}
}

static void guest_free(struct vm *vm)
{
	guest_free_memory(vm);
	vgic_vm_destroy(vm);
	vm_free(vm);
}

int guest_create(const struct keel_vm_desc *d, u32 *id)
{
	struct vm *vm;
	int ret = desc_check(d);

	if (ret)
		return ret;
	if (vm_find(d->id))
		return -EEXIST;
	/* From here the id is ours, the VM CREATING: no other hypercall can
	 * reach it until vm_publish, however long building it takes. */
	vm = vm_alloc(d->id, d->nr_vcpus);
	if (!vm)
		return vm_find(d->id) ? -EEXIST : -ENOMEM;
	memcpy(vm->name, d->name, sizeof(vm->name));
	vm->flags = d->flags;
	vm->hcr = HCR_VM | HCR_SWIO | HCR_FMO | HCR_IMO | HCR_AMO | HCR_TSC | HCR_TID3 | HCR_RW |
		  HCR_API | HCR_APK;
	/* The physical counter may be read; the EL1 physical timer is not the
	 * guest's (it traps, and the guest gets an undefined instruction). */
	vm->cnthctl = CNTHCTL_EL1PCTEN;
	for (u32 i = 0; i < d->nr_vcpus; i++) {
		vm->vcpus[i]->pcpu = d->vcpu_pcpu[i];
		vm->vcpus[i]->vmpidr = BIT(31) | i;
		sched_set_params(vm->vcpus[i], d->priority, d->slice_us);
		vm->vcpus[i]->movable = opts.pools.pool[d->pool].kind == KEEL_POOL_SHARED &&
					!(d->flags & KEEL_VM_F_PINNED);
	}

	/* RAM: each region one contiguous, zeroed block of the pool. */
	vm->nr_mem = d->nr_mem;
	for (u32 i = 0; i < d->nr_mem; i++) {
		u64 pa = pool_alloc(d->mem[i].size);

		vm->mem[i] = (struct mem_range){ d->mem[i].ipa, d->mem[i].size };
		if (!pa) {
			pr_err("vm%u: no %llu MiB block left in the guest pool (%llu MiB free)", d->id,
			       (unsigned long long)(d->mem[i].size >> 20),
			       (unsigned long long)(pool_free_total() >> 20));
			ret = -ENOMEM;
			goto fail;
		}
		vm->mem_pa[i] = pa;
		if (d->flags & KEEL_VM_F_IDENTITY)
			vm->mem[i].base = pa;
		memset((void *)(uintptr_t)pa, 0, d->mem[i].size);
		/* The zeroes reach memory: a guest with its MMU off (or a
		 * non-cacheable mapping) reads past the caches, where the
		 * previous tenant's data would otherwise still be. */
		dcache_clean_inval_range(pa, d->mem[i].size);
		ret = stage2_map(&vm->s2, vm->mem[i].base, pa, d->mem[i].size, S2_NORMAL_RW);
		if (ret)
			goto fail;
	}
	ret = vgic_vm_init(vm, d->gicd_ipa, plat.gic.version == 3 ? d->gicr_ipa : d->gicc_ipa);
	if (ret)
		goto fail;
	ret = vgic_assign_hw(vm, GUEST_TIMER_PPI);
	if (ret)
		goto fail;
	vm->hw_ppis |= BIT(GUEST_TIMER_PPI - 16);
	for (u32 i = 0; i < d->nr_vcpus; i++) {
		vgic_vcpu_init(vm->vcpus[i]);
		ret = sched_bind(vm->vcpus[i]);
		if (ret) {
			pr_err("vm%u: pCPU %u of bind pool %s has its vCPU already", d->id,
			       d->vcpu_pcpu[i], opts.pools.pool[d->pool].name);
			while (i--)
				sched_unbind(vm->vcpus[i]);
			goto fail;
		}
	}
	vm_publish(vm);
	*id = d->id;
	pr_info("vm%u '%s' created: %u vCPUs, %llu MiB%s", d->id, vm->name, d->nr_vcpus,
		(unsigned long long)(vm_ram_bytes(vm) >> 20),
		(d->flags & KEEL_VM_F_IDENTITY) ? ", identity-mapped" : "");
	return 0;
fail:
	vm_unpublish(vm);
	guest_free(vm);
	return ret;
}

/* A reference to a built guest (never VM0), held until guest_put: every
 * handler below runs with one, so the VM cannot be freed under it. */
static struct vm *guest_get(u32 id)
{
	struct vm *vm = id ? vm_get(id) : NULL;

	if (vm && vm->is_vm0) {
		vm_put(vm);
		return NULL;
	}
	return vm;
}

static int guest_put(struct vm *vm, int ret)
{
	vm_put(vm);
	return ret;
}

/*
 * Guest RAM in VM0's stage 2, at IPA = PA, where nothing of VM0's own can
 * be: the pool is outside VM0's RAM and device ranges. VM0's stage 2 is
 * live (its vCPUs walk it on every pCPU) and VM_MAP and VM_DESTROY edit it
 * from any of them: one lock orders the edits and the mem_mapped bits that
 * say what destroy must take back.
 */
static int guest_vm0_map(struct vm *vm, u32 region)
{
	u64 flags = irq_save();
	int ret = 0;

	spin_lock(&vm0->s2_lock);
	if (!(vm->mem_mapped & BIT(region))) {
		ret = stage2_map(&vm0->s2, vm->mem_pa[region], vm->mem_pa[region],
				 vm->mem[region].size, S2_NORMAL_RW);
		if (!ret)
			vm->mem_mapped |= BIT(region);
	}
	spin_unlock(&vm0->s2_lock);
	irq_restore(flags);
	return ret;
}

static void guest_vm0_unmap(struct vm *vm)
{
	u64 flags = irq_save();

	spin_lock(&vm0->s2_lock);
	for (u32 i = 0; i < vm->nr_mem; i++)
		if (vm->mem_mapped & BIT(i))
			stage2_unmap(&vm0->s2, vm->mem_pa[i], vm->mem[i].size);
	vm->mem_mapped = 0;
	spin_unlock(&vm0->s2_lock);
	irq_restore(flags);
}

int guest_start(u32 id, u64 entry, u64 x0)
{
	struct vm *vm = guest_get(id);
	struct vcpu *v;

	if (!vm)
		return -ENOENT;
	if (!vm_ram_contains(vm, entry, 4) || (entry & 3))
		return guest_put(vm, -EINVAL);
	if (vm_start(vm, hyp_now_ns()))
		return guest_put(vm, -EBUSY);
	/* keeld wrote the images through VM0's data caches (and cleaned them to
	 * PoC); no instruction cache may still hold a previous tenant's code. */
	icache_inval_all();
	v = vm->vcpus[0];
	vcpu_reset(v, entry, x0);
	v->state = VCPU_BLOCKED;
	sched_enqueue(v);
	pr_info("vm%u '%s' started at %#llx", id, vm->name, (unsigned long long)entry);
	return guest_put(vm, 0);
}

/* Wait (bounded) until no pCPU holds the state of one of its vCPUs. */
static int guest_wait_unloaded(struct vm *vm)
{
	for (u64 spin = 0; spin < 100000000; spin++) {
		bool busy = false;

		for (u32 i = 0; i < vm->nr_vcpus; i++)
			busy |= READ_ONCE(vm->vcpus[i]->loaded);
		if (!busy)
			return 0;
	}
	return -EBUSY;
}

int guest_stop(u32 id)
{
	struct vm *vm = guest_get(id);

	if (!vm)
		return -ENOENT;
	if (vm->state != VM_STOPPED) {
		vm->stop_reason = KEEL_STOP_REQUEST;
		vm_stop(vm, "stopped");
	}
	return guest_put(vm, guest_wait_unloaded(vm));
}

int guest_destroy(u32 id)
{
	struct vm *vm = guest_get(id);
	int ret;

	if (!vm)
		return -ENOENT;
	if (vm->state == VM_RUNNING)
		return guest_put(vm, -EBUSY);  /* vm_kill checks again, under the lock */
	/* A STOPPED VM's vCPUs never load again (the scheduler runs only a
	 * RUNNING VM's), so once they are off every pCPU they stay off. */
	ret = guest_wait_unloaded(vm);
	/* RUNNING refuses; else DYING, and our reference is the last. */
	if (!ret)
		ret = vm_kill(vm, 1);
	if (ret)
		return guest_put(vm, ret);
	for (u32 i = 0; i < vm->nr_vcpus; i++)
		sched_unbind(vm->vcpus[i]);
	chan_vm_gone(vm);  /* no kick can reach it now: vm_kill made it DYING */
	/* VM0 stops seeing the RAM before it goes back to the pool; its
	 * passed-through devices return to it. */
	guest_vm0_unmap(vm);
	pt_release(vm);
	vm_unpublish(vm);
	pr_info("vm%u '%s' destroyed", id, vm->name);
	vm_put(vm);
	guest_free(vm);
	return 0;
}

static void guest_info_fill(struct vm *vm, struct keel_vm_info *info)
{
	*info = (struct keel_vm_info){
		.magic = KEEL_VM_INFO_MAGIC,
		.id = vm->id,
		.state = vm->state == VM_RUNNING ? KEEL_VM_RUNNING :
			 vm->state == VM_STOPPED ? KEEL_VM_STOPPED : KEEL_VM_CREATED,
		.stop_reason = vm->stop_reason,
		.nr_vcpus = vm->nr_vcpus,
		.flags = vm->flags,
		.mem_bytes = vm_ram_bytes(vm),
		.started_ns = vm->started_ns,
		.now_ns = hyp_now_ns(),
	};
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		info->exits += READ_ONCE(vm->vcpus[i]->nr_exits);
		info->ioreqs += READ_ONCE(vm->vcpus[i]->nr_ioreqs);
		info->doorbells += READ_ONCE(vm->vcpus[i]->nr_doorbells);
		info->ioreq_answer_ns += READ_ONCE(vm->vcpus[i]->ioreq_answer_ticks);
		info->ioreq_resume_ns += READ_ONCE(vm->vcpus[i]->ioreq_resume_ticks);
	}
	info->ioreq_answer_ns = hyp_ticks_ns(info->ioreq_answer_ns);
	info->ioreq_resume_ns = hyp_ticks_ns(info->ioreq_resume_ns);
	info->irqs = __atomic_load_n(&vm->nr_irqs, __ATOMIC_RELAXED);
	memcpy(info->name, vm->name, sizeof(info->name));
	info->name[sizeof(info->name) - 1] = '\0';
}

int guest_info(u32 id, struct keel_vm_info *info)
{
	struct vm *vm = guest_get(id);

	if (!vm)
		return -ENOENT;
	guest_info_fill(vm, info);
	return guest_put(vm, 0);
}

static bool guest_gic_overlaps(struct vm *vm, u64 base, u64 size)
{
	if (ranges_overlap(base, size, vm->vgic.dist_base, GICD_SIZE))
		return true;
	if (plat.gic.version == 3)
		return ranges_overlap(base, size, vm->vgic.redist_base, vm->nr_vcpus * GICR_STRIDE);
	return ranges_overlap(base, size, vm->vgic.cpuif_base, GICC_SIZE);
}

/* A range VM0 serves with ioreqs: whole pages (stage 2 traps by page). */
static bool mmio_ioreq_shape_ok(u64 base, u64 size, u64 cookie)
{
	return size && IS_ALIGNED(base | size, PAGE_SIZE) && !cookie;
}

/* A posted doorbell: one naturally aligned access of up to 8 bytes. */
static bool mmio_doorbell_shape_ok(u64 base, u64 size, u64 cookie)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) && IS_ALIGNED(base, size) &&
	       cookie <= 0xffffffffULL;
}

static const struct {
	bool (*shape_ok)(u64 base, u64 size, u64 cookie);
	mmio_handler_t handler;
	bool overlay;
} mmio_kinds[] = {
	[KEEL_MMIO_IOREQ] = { mmio_ioreq_shape_ok, ioreq_mmio, false },
	[KEEL_MMIO_DOORBELL] = { mmio_doorbell_shape_ok, ioreq_doorbell, true },
};

static int guest_mmio_check(struct vm *vm, u64 base, u64 size, u32 flags, u64 cookie)
{
	/* flags names exactly one kind. */
	if (flags >= ARRAY_SIZE(mmio_kinds) || !mmio_kinds[flags].shape_ok ||
	    !mmio_kinds[flags].shape_ok(base, size, cookie) || base + size < base ||
	    base + size > GUEST_IPA_LIMIT)
		return -EINVAL;
	for (u32 i = 0; i < vm->nr_mem; i++)
		if (ranges_overlap(base, size, vm->mem[i].base, vm->mem[i].size))
			return -EINVAL;
	if (guest_gic_overlaps(vm, base, size) || pt_overlaps(vm, base, size))
		return -EINVAL;
	return 0;
}

int guest_mmio_register(u32 id, u64 base, u64 size, u32 flags, u64 cookie)
{
	struct vm *vm = guest_get(id);
	int ret;

	if (!vm)
		return -ENOENT;
	ret = guest_mmio_check(vm, base, size, flags, cookie);
	if (!ret)
		ret = mmio_register(vm, base, size, mmio_kinds[flags].handler,
				    (void *)(uintptr_t)cookie, mmio_kinds[flags].overlay);
	return guest_put(vm, ret);
}

int guest_shadow_register(const struct keel_shadow_desc *d)
{
	struct vm *vm = guest_get(d->vm_id);

	if (!vm)
		return -ENOENT;
	return guest_put(vm, shadow_register(vm, d));
}

int guest_irq_line(u32 id, u32 intid, u32 level)
{
	struct vm *vm = guest_get(id);
	int ret;

	if (!vm)
		return -ENOENT;
	if (intid < GIC_NR_PRIVATE || intid >= vm->vgic.nr_irqs || level > KEEL_IRQ_EDGE)
		return guest_put(vm, -EINVAL);
	if (level != KEEL_IRQ_LOW)
		__atomic_fetch_add(&vm->nr_irqs, 1, __ATOMIC_RELAXED);
	if (level == KEEL_IRQ_EDGE) {
		ret = vgic_inject(vm, 0, intid, true);
		if (!ret)
			ret = vgic_inject(vm, 0, intid, false);
		return guest_put(vm, ret);
	}
	return guest_put(vm, vgic_inject(vm, 0, intid, level == KEEL_IRQ_HIGH));
}

int guest_map(u32 id, u32 region, u64 *pa, u64 *size, u64 *ipa)
{
	struct vm *vm = guest_get(id);
	int ret;

	if (!vm)
		return -ENOENT;
	if (region >= vm->nr_mem)
		return guest_put(vm, -EINVAL);
	ret = guest_vm0_map(vm, region);
	if (!ret) {
		*pa = vm->mem_pa[region];
		*size = vm->mem[region].size;
		*ipa = vm->mem[region].base;
	}
	return guest_put(vm, ret);
}

u32 guest_count(void)
{
	u32 n = 0;

	for (u32 id = 1; id < MAX_VMS; id++)
		n += vm_find(id) != NULL;
	return n;
}

void guest_stopped(struct vm *vm, u32 reason)
{
	vm->stop_reason = reason;
	ioreq_post_event(KEEL_EV_VM_STOPPED, vm->id, 0, reason);
}
