// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Device passthrough: who owns each passed device. A device leaves VM0
 * before the guest gets it (VM0's stage 2 loses the pages, the SPIs stop
 * being forwarded to it) and comes back after the guest is gone, so no two
 * VMs can ever reach it at once. The guest gets the pages at IPA = PA with
 * device attributes and the SPIs with the hardware link: its deactivation
 * ends the physical interrupt, no exit involved.
 */
#include <keel/guest.h>
#include <hyp/boot.h>
#include <hyp/errno.h>
#include <hyp/gic.h>
#include <hyp/irq.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/passthrough.h>
#include <hyp/platform.h>
#include <hyp/spinlock.h>
#include <hyp/stage2.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>
#include <string.h>

#define PT_MAX_SLOTS 32          /* devices passed at once, all guests */
#define PT_MAX_DEV_RANGES 128    /* device ranges of the boot DT */

struct pt_slot {
	u32 owner;                   /* VM id; 0: free */
	struct keel_pt_desc d;
};

static struct pt_slot slots[PT_MAX_SLOTS];
static spinlock_t pt_lock = SPINLOCK_INIT;   /* slots[], and every hand-over */
static struct mem_range dev_ranges[PT_MAX_DEV_RANGES];
static u32 nr_dev_ranges;
static bool dev_ranges_ready;

static int add_dev_range(const char *name, u64 base, u64 size, void *arg)
{
	u64 start = ALIGN_DOWN(base, PAGE_SIZE), end = ALIGN_UP(base + size, PAGE_SIZE);

	if (nr_dev_ranges == PT_MAX_DEV_RANGES) {
		pr_warn("passthrough: more than %u device ranges; %s and later ones cannot be passed",
			PT_MAX_DEV_RANGES, name);
		return 1;
	}
	dev_ranges[nr_dev_ranges++] = (struct mem_range){ start, end - start };
	return 0;
}

/* The machine as pt_desc_check sees it. The device list is the one VM0's
 * stage 2 was built from (vm0.c), read once. */
static void pt_platform_get(struct pt_platform *p, struct mem_range keep[8], u32 keep_irqs[2])
{
	u32 n = 0;

	if (!dev_ranges_ready) {
		platform_for_each_device(plat.fdt, add_dev_range, NULL);
		dev_ranges_ready = true;
	}
	keep[n++] = hyp_region;
	keep[n++] = plat.gic.gicd;
	if (plat.gic.version == 3) {
		keep[n++] = plat.gic.gicr;
	} else {
		keep[n++] = plat.gic.gicc;
		keep[n++] = plat.gic.gich;
		keep[n++] = plat.gic.gicv;
	}
	keep[n++] = (struct mem_range){ ALIGN_DOWN(plat.uart.base, PAGE_SIZE),
					plat.uart.size ? ALIGN_UP(plat.uart.size, PAGE_SIZE) : 0 };
	keep_irqs[0] = vm0_doorbell_intid;
	keep_irqs[1] = plat.gic.maint_intid;
	*p = (struct pt_platform){
		.ram = plat.ram,
		.nr_ram = plat.nr_ram,
		.keep = keep,
		.nr_keep = n,
		.dev = dev_ranges,
		.nr_dev = nr_dev_ranges,
		.nr_irqs = gic->nr_irqs,
		.keep_irqs = keep_irqs,
		.nr_keep_irqs = 2,
		.ipa_limit = KEEL_GUEST_IPA_LIMIT,
	};
}

static void vm0_s2(const struct keel_pt_desc *d, bool map)
{
	u64 f = irq_save();

	spin_lock(&vm0->s2_lock);
	for (u32 i = 0; i < d->nr_regions; i++) {
		if (map)
			stage2_map(&vm0->s2, d->region[i].base, d->region[i].base, d->region[i].size,
				   S2_DEVICE_RW);
		else
			stage2_unmap(&vm0->s2, d->region[i].base, d->region[i].size);  /* flushes the TLB */
	}
	spin_unlock(&vm0->s2_lock);
	irq_restore(f);
}

/* SPIs d->irq[0..n) back to VM0, forwarded as at boot. */
static void vm0_give_irqs(const struct keel_pt_desc *d, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		irq_set_owner(d->irq[i], vm0);
		vgic_assign_hw(vm0, d->irq[i]);
	}
}

static int vm0_take(const struct keel_pt_desc *d)
{
	for (u32 i = 0; i < d->nr_irqs; i++) {
		int ret = vgic_unassign_hw(vm0, d->irq[i], false);

		if (ret) {
			pr_warn("passthrough: '%s': VM0 is handling INTID %u", d->name, d->irq[i]);
			vm0_give_irqs(d, i);
			return ret;
		}
		irq_set_owner(d->irq[i], NULL);
	}
	/* Off VM0's stage 2 (and its TLBs) before the guest can map it. */
	vm0_s2(d, false);
	return 0;
}

static void vm0_give(const struct keel_pt_desc *d)
{
	vm0_s2(d, true);
	vm0_give_irqs(d, d->nr_irqs);
}

static int guest_give(struct vm *vm, const struct keel_pt_desc *d)
{
	int ret = 0;

	/* The guest has never run: its stage 2 is nobody's live table yet. */
	for (u32 i = 0; i < d->nr_regions && !ret; i++)
		ret = stage2_map(&vm->s2, d->region[i].base, d->region[i].base, d->region[i].size,
				 S2_DEVICE_RW);
	for (u32 i = 0; i < d->nr_irqs && !ret; i++) {
		ret = vgic_assign_hw(vm, d->irq[i]);
		if (!ret)
			irq_set_owner(d->irq[i], vm);
	}
	return ret;
}

static void guest_take(struct vm *vm, const struct keel_pt_desc *d)
{
	for (u32 i = 0; i < d->nr_irqs; i++) {
		irq_set_owner(d->irq[i], NULL);
		vgic_unassign_hw(vm, d->irq[i], true);
	}
	for (u32 i = 0; i < d->nr_regions; i++)
		stage2_unmap(&vm->s2, d->region[i].base, d->region[i].size);
}

/* Does the guest's own layout leave room for it at IPA = PA? */
static bool guest_layout_ok(struct vm *vm, const struct keel_pt_desc *d)
{
	for (u32 i = 0; i < d->nr_regions; i++) {
		u64 b = d->region[i].base, s = d->region[i].size;

		for (u32 j = 0; j < vm->nr_mem; j++)
			if (b < vm->mem[j].base + vm->mem[j].size && vm->mem[j].base < b + s)
				return false;
		for (u32 j = 0; j < vm->nr_mmio; j++)
			if (b < vm->mmio[j].base + vm->mmio[j].size && vm->mmio[j].base < b + s)
				return false;
	}
	return true;
}

static struct pt_slot *slot_conflict(const struct keel_pt_desc *d)
{
	for (u32 i = 0; i < PT_MAX_SLOTS; i++)
		if (slots[i].owner && pt_desc_conflict(&slots[i].d, d))
			return &slots[i];
	return NULL;
}

static struct pt_slot *slot_free(void)
{
	for (u32 i = 0; i < PT_MAX_SLOTS; i++)
		if (!slots[i].owner)
			return &slots[i];
	return NULL;
}

static u32 vm_devices(u32 id)
{
	u32 n = 0;

	for (u32 i = 0; i < PT_MAX_SLOTS; i++)
		n += slots[i].owner == id;
	return n;
}

static int pt_assign_locked(struct vm *vm, const struct keel_pt_desc *d)
{
	struct pt_slot *s = slot_conflict(d);
	int ret;

	if (s) {
		pr_warn("vm%u: device '%s' refused: in use by vm%u as '%s'", vm->id, d->name, s->owner,
			s->d.name);
		return -EBUSY;
	}
	if (vm_devices(vm->id) >= KEEL_PT_MAX_DEVICES || !(s = slot_free()))
		return -ENOSPC;
	ret = vm0_take(d);
	if (ret)
		return ret;
	ret = guest_give(vm, d);
	if (ret) {
		guest_take(vm, d);
		vm0_give(d);
		return ret;
	}
	s->d = *d;
	s->owner = vm->id;
	return 0;
}

int pt_assign(const struct keel_pt_desc *d)
{
	struct vm *vm = d->vm_id && d->vm_id < MAX_VMS ? vm_get(d->vm_id) : NULL;
	struct pt_platform p;
	struct mem_range keep[8];
	u32 keep_irqs[2];
	int ret;
	u64 f;

	if (!vm)
		return -ENOENT;
	if (vm->is_vm0 || vm->state != VM_CREATED) {
		/* Only a guest that has never run: its stage 2 is not live. */
		ret = vm->is_vm0 ? -ENOENT : -EBUSY;
		vm_put(vm);
		return ret;
	}
	f = irq_save();
	spin_lock(&pt_lock);
	pt_platform_get(&p, keep, keep_irqs);
	ret = pt_desc_check(d, &p, vm->flags & KEEL_VM_F_IDENTITY);
	if (!ret && !guest_layout_ok(vm, d))
		ret = -EINVAL;
	if (!ret)
		ret = pt_assign_locked(vm, d);
	spin_unlock(&pt_lock);
	irq_restore(f);
	if (!ret)
		pr_info("vm%u: device '%s' passed through: %#llx+%#llx, %u interrupt(s)%s", vm->id,
			d->name, (unsigned long long)d->region[0].base,
			(unsigned long long)d->region[0].size, d->nr_irqs,
			(d->flags & KEEL_PT_F_DMA) ? ", DMA" : "");
	else if (ret != -EBUSY)
		pr_warn("vm%u: device '%s' refused: %d", vm->id, d->name, ret);
	vm_put(vm);
	return ret;
}

void pt_release(struct vm *vm)
{
	u64 f = irq_save();

	spin_lock(&pt_lock);
	for (u32 i = 0; i < PT_MAX_SLOTS; i++) {
		if (slots[i].owner != vm->id)
			continue;
		guest_take(vm, &slots[i].d);
		vm0_give(&slots[i].d);
		pr_info("vm%u: device '%s' back to VM0", vm->id, slots[i].d.name);
		slots[i].owner = 0;
	}
	spin_unlock(&pt_lock);
	irq_restore(f);
}

bool pt_overlaps(const struct vm *vm, u64 base, u64 size)
{
	bool hit = false;
	u64 f = irq_save();

	spin_lock(&pt_lock);
	for (u32 i = 0; i < PT_MAX_SLOTS && !hit; i++) {
		const struct keel_pt_desc *d = &slots[i].d;

		if (slots[i].owner != vm->id)
			continue;
		for (u32 j = 0; j < d->nr_regions; j++)
			hit |= base < d->region[j].base + d->region[j].size &&
			       d->region[j].base < base + size;
	}
	spin_unlock(&pt_lock);
	irq_restore(f);
	return hit;
}
