// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input at the hypercall level: values keel.ko lets through (it checks
 * only what it relies on itself) and the hypervisor alone must refuse. Each
 * refusal must leave nothing behind: no VM, no pool memory taken.
 */
#include <string.h>

#include "keeltest.h"

#define MiB (1ULL << 20)
#define SZ_2M (2 * MiB)
#define ALIGN_DOWN_2M(x) ((x) & ~(SZ_2M - 1))

void test_desc_init(struct keel_vm_desc *d, unsigned int id, const struct keel_sysinfo *si)
{
	*d = (struct keel_vm_desc){
		.magic = KEEL_VM_DESC_MAGIC, .revision = KEEL_VM_DESC_REVISION,
		.id = id, .nr_vcpus = 1, .nr_mem = 1, .vcpu_pcpu = { 1 },
		.mem = { { .ipa = TEST_RAM_IPA, .size = 16 * MiB } },
		.gicd_ipa = si->gicd_base, .gicr_ipa = si->gicr_base, .gicc_ipa = si->gicc_base,
		.name = "keeltest",
	};
}

/* One way to spoil a good descriptor, and what the hypervisor must say. */
struct bad_desc {
	const char *what;
	void (*spoil)(struct keel_vm_desc *d, const struct keel_sysinfo *si);
	int want;
};

static void unknown_flag(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->flags = 0x80;
}

static void pcpu_past_last(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->vcpu_pcpu[0] = si->nr_pcpus;
}

static void second_vcpu_past_last(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->nr_vcpus = 2;
	d->vcpu_pcpu[1] = 200;
}

static void mem_size_zero(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->nr_mem = 2;
	d->mem[1] = (struct keel_vm_mem){ .ipa = 0x80000000, .size = 0 };
}

static void mem_ipa_unaligned(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->mem[0].ipa += 0x1000;
}

static void mem_size_unaligned(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->mem[0].size += 0x1000;
}

static void mem_wraps(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->mem[0] = (struct keel_vm_mem){ .ipa = 0ULL - SZ_2M, .size = 2 * SZ_2M };
}

static void mem_past_ipa_space(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->mem[0].ipa = (1ULL << 40) - SZ_2M;
	d->mem[0].size = 2 * SZ_2M;
}

static void mem_overlap(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->nr_mem = 2;
	d->mem[1] = (struct keel_vm_mem){ .ipa = TEST_RAM_IPA + 14 * MiB, .size = 4 * MiB };
}

static void mem_over_gicd(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->mem[0] = (struct keel_vm_mem){ .ipa = ALIGN_DOWN_2M(si->gicd_base), .size = SZ_2M };
}

/* The GICv3 redistributors or the GICv2 CPU interface, whichever it has. */
static void mem_over_gic_cpu(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	unsigned long long base = si->gic_version == 3 ? si->gicr_base : si->gicc_base;

	d->mem[0] = (struct keel_vm_mem){ .ipa = ALIGN_DOWN_2M(base), .size = SZ_2M };
}

static void gicd_unaligned(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->gicd_ipa += 0x10;
}

/* The first region fits, the second is bigger than the whole pool: the
 * first must go back when the second fails. */
static void more_than_pool(struct keel_vm_desc *d, const struct keel_sysinfo *si)
{
	d->nr_mem = 2;
	d->mem[1] = (struct keel_vm_mem){ .ipa = 0x100000000ULL,
					  .size = (si->pool_bytes + 2 * SZ_2M) & ~(SZ_2M - 1) };
}

static const struct bad_desc bad_descs[] = {
	{ "unknown flag", unknown_flag, -EINVAL },
	{ "vCPU on a pCPU past the last", pcpu_past_last, -EINVAL },
	{ "second vCPU on pCPU 200", second_vcpu_past_last, -EINVAL },
	{ "RAM region of size 0", mem_size_zero, -EINVAL },
	{ "RAM IPA not 2 MiB aligned", mem_ipa_unaligned, -EINVAL },
	{ "RAM size not 2 MiB aligned", mem_size_unaligned, -EINVAL },
	{ "RAM wrapping past 2^64", mem_wraps, -EINVAL },
	{ "RAM past the IPA space", mem_past_ipa_space, -EINVAL },
	{ "two RAM regions overlapping", mem_overlap, -EINVAL },
	{ "RAM over the GIC distributor", mem_over_gicd, -EINVAL },
	{ "RAM over the GIC CPU interface/redistributors", mem_over_gic_cpu, -EINVAL },
	{ "GICD IPA not page aligned", gicd_unaligned, -EINVAL },
	{ "more RAM than the pool has", more_than_pool, -ENOMEM },
};

void test_bad_desc(int kfd, unsigned int id, const struct keel_sysinfo *si)
{
	struct keel_vm_info info = { .id = id };
	struct keel_sysinfo after;
	struct keel_vm_desc d;
	int ret;

	for (unsigned int i = 0; i < sizeof(bad_descs) / sizeof(bad_descs[0]); i++) {
		test_desc_init(&d, id, si);
		bad_descs[i].spoil(&d, si);
		ret = kio(kfd, KEEL_IOC_VM_CREATE, &d);
		CHECK(ret == bad_descs[i].want, "VM_CREATE with %s: %d", bad_descs[i].what, ret);
		if (!ret) {
			struct keel_ioc_vm_id vid = { .id = id };

			kio(kfd, KEEL_IOC_VM_DESTROY, &vid);
		}
	}
	ret = kio(kfd, KEEL_IOC_VM_INFO, &info);
	CHECK(ret == -ENOENT, "no VM %u after the bad descriptors: %d", id, ret);
	ret = kio(kfd, KEEL_IOC_SYSINFO, &after);
	CHECK(ret == 0 && after.pool_free_bytes == si->pool_free_bytes && after.nr_vms == si->nr_vms,
	      "pool whole after the bad descriptors: %llu of %llu bytes free, %u VMs",
	      (unsigned long long)after.pool_free_bytes, (unsigned long long)si->pool_free_bytes,
	      after.nr_vms);
}

/* VM id is CREATED with 16 MiB at TEST_RAM_IPA. */
void test_bad_start(int kfd, unsigned int id)
{
	static const struct {
		const char *what;
		unsigned long long entry;
	} bad[] = {
		{ "below RAM", 0x10000000 },
		{ "not 4-byte aligned", TEST_RAM_IPA + 2 },
		{ "last 2 bytes of RAM", TEST_RAM_IPA + 16 * MiB - 2 },
		{ "just past RAM", TEST_RAM_IPA + 16 * MiB },
		{ "at 2^64 - 4", ~3ULL },
	};
	struct keel_ioc_vm_start start = { .id = id };
	struct keel_vm_info info = { .id = id };
	int ret;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start.entry = bad[i].entry;
		ret = kio(kfd, KEEL_IOC_VM_START, &start);
		CHECK(ret == -EINVAL, "VM_START with entry %s (%#llx): %d", bad[i].what,
		      bad[i].entry, ret);
	}
	start = (struct keel_ioc_vm_start){ .id = 14, .entry = TEST_RAM_IPA };
	ret = kio(kfd, KEEL_IOC_VM_START, &start);
	CHECK(ret == -ENOENT, "VM_START of VM 14 that does not exist: %d", ret);
	ret = kio(kfd, KEEL_IOC_VM_INFO, &info);
	CHECK(ret == 0 && info.state == KEEL_VM_CREATED, "still CREATED after bad starts: %d state %u",
	      ret, info.state);
}

/* VM id is RUNNING. */
void test_start_twice(int kfd, unsigned int id)
{
	struct keel_ioc_vm_start start = { .id = id, .entry = TEST_RAM_IPA };
	int ret = kio(kfd, KEEL_IOC_VM_START, &start);

	CHECK(ret == -EBUSY, "VM_START of a running VM: %d", ret);
}

void test_bad_irq(int kfd, unsigned int id, const struct keel_sysinfo *si)
{
	struct keel_ioc_irq irq = { .id = id, .level = KEEL_IRQ_LOW };
	int ret;

	/* keel.ko lets every INTID up to 1019 through; the guest has
	 * INTIDs below the GIC's count only. */
	if (si->nr_irqs > 1019) {
		printf("skip: IRQ_LINE past the last interrupt (the GIC has %u)\n", si->nr_irqs);
		return;
	}
	irq.intid = si->nr_irqs - 1;
	ret = kio(kfd, KEEL_IOC_IRQ_LINE, &irq);
	CHECK(ret == 0, "IRQ_LINE low on the last SPI %u: %d", irq.intid, ret);
	irq.intid = si->nr_irqs;
	irq.level = KEEL_IRQ_EDGE;
	ret = kio(kfd, KEEL_IOC_IRQ_LINE, &irq);
	CHECK(ret == -EINVAL, "IRQ_LINE on %u, one past the last: %d", irq.intid, ret);
	irq.intid = 1019;
	ret = kio(kfd, KEEL_IOC_IRQ_LINE, &irq);
	CHECK(ret == -EINVAL, "IRQ_LINE on 1019: %d", ret);
}
