// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Keel hypercalls: HVC #0 with a function ID in the SMCCC vendor-specific
 * hypervisor range, dispatched through a table indexed by function number.
 * Management calls come from VM0 only; anyone else gets NOT_SUPPORTED, as
 * SMCCC prescribes for a function the caller may not see. Every argument is
 * read once from the saved registers (HC_ARG) and range-checked before use.
 */
#include <keel/hypercall.h>
#include <keel/stat.h>
#include <keel/vm.h>
#include <hyp/boot.h>
#include <hyp/chan.h>
#include <hyp/errno.h>
#include <hyp/guest.h>
#include <hyp/ioreq.h>
#include <hyp/pool.h>
#include <hyp/gic.h>
#include <hyp/hypercall.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/passthrough.h>
#include <hyp/platform.h>
#include <hyp/pcpu.h>
#include <hyp/stat.h>
#include <hyp/vm.h>
#include <string.h>

#define HC_ARG(v, n) READ_ONCE((v)->regs.x[(n)])

struct hc_result {
	s64 ret;
	u64 x1, x2, x3;
};

typedef void (*hc_handler_t)(struct vcpu *v, struct hc_result *r);


/* VM0 is identity-mapped: a buffer it passes is at IPA = PA, and must lie
 * wholly inside its RAM (never in the hypervisor's or a guest's memory). */
static void *vm0_buffer(struct vcpu *v, u64 ipa, u64 len)
{
	if (!len || !vm_ram_contains(v->vm, ipa, len))
		return NULL;
	return (void *)(uintptr_t)ipa;
}

static void hc_version(struct vcpu *v, struct hc_result *r)
{
	r->ret = 0;
	r->x1 = KEEL_VERSION_CODE;
	r->x2 = KEEL_HC_ABI_REVISION;
	r->x3 = KEEL_HC_MAGIC;
}

static void hc_log_read(struct vcpu *v, struct hc_result *r)
{
	u64 ipa = HC_ARG(v, 1), len = HC_ARG(v, 2), seq = HC_ARG(v, 3);
	char *buf;

	if (len > (1 << 20)) {
		r->ret = -EINVAL;
		return;
	}
	buf = vm0_buffer(v, ipa, len);
	if (!buf) {
		r->ret = -EFAULT;
		return;
	}
	r->x1 = log_read(buf, len, &seq);
	r->x2 = seq;
	/* VM0 reads the buffer through its cacheable mapping: nothing to clean. */
	r->ret = 0;
}

static void hc_sysinfo(struct vcpu *v, struct hc_result *r)
{
	struct keel_sysinfo info = {
		.magic = KEEL_SYSINFO_MAGIC,
		.revision = KEEL_SYSINFO_REVISION,
		.version = KEEL_VERSION_CODE,
		.abi_revision = KEEL_HC_ABI_REVISION,
		.nr_pcpus = plat.nr_cpus,
		.gic_version = plat.gic.version,
		.ram_bytes = ram_total_bytes,
		.hyp_bytes = hyp_reserved_bytes,
		.pool_free_bytes = pool_free_total(),
		.nr_vms = 1 + guest_count(),
		.doorbell_intid = vm0_doorbell_intid,
		.pool_bytes = pool_total(),
		.gicd_base = plat.gic.gicd.base,
		.gicr_base = plat.gic.version == 3 ? plat.gic.gicr.base : 0,
		.gicc_base = plat.gic.version == 2 ? plat.gic.gicc.base : 0,
		.nr_irqs = gic->nr_irqs,
		.max_vms = MAX_VMS,
	};
	void *buf = vm0_buffer(v, HC_ARG(v, 1), sizeof(info));

	if (!buf) {
		r->ret = -EFAULT;
		return;
	}
	memcpy(buf, &info, sizeof(info));
	r->ret = 0;
}

static void hc_shared_setup(struct vcpu *v, struct hc_result *r)
{
	r->ret = ioreq_shared_setup(HC_ARG(v, 1), HC_ARG(v, 2));
}

static void hc_vm_create(struct vcpu *v, struct hc_result *r)
{
	struct keel_vm_desc desc;
	const void *src = vm0_buffer(v, HC_ARG(v, 1), sizeof(desc));
	u32 id = 0;

	if (!src) {
		r->ret = -EFAULT;
		return;
	}
	/* One copy into private memory; only the copy is checked and used. */
	memcpy(&desc, src, sizeof(desc));
	r->ret = guest_create(&desc, &id);
	r->x1 = id;
}

static void hc_vm_start(struct vcpu *v, struct hc_result *r)
{
	r->ret = guest_start((u32)HC_ARG(v, 1), HC_ARG(v, 2), HC_ARG(v, 3));
}

static void hc_vm_stop(struct vcpu *v, struct hc_result *r)
{
	r->ret = guest_stop((u32)HC_ARG(v, 1));
}

static void hc_vm_destroy(struct vcpu *v, struct hc_result *r)
{
	r->ret = guest_destroy((u32)HC_ARG(v, 1));
}

static void hc_vm_info(struct vcpu *v, struct hc_result *r)
{
	struct keel_vm_info info;
	void *buf = vm0_buffer(v, HC_ARG(v, 2), sizeof(info));

	if (!buf) {
		r->ret = -EFAULT;
		return;
	}
	r->ret = guest_info((u32)HC_ARG(v, 1), &info);
	if (!r->ret)
		memcpy(buf, &info, sizeof(info));
}

static void hc_mmio_register(struct vcpu *v, struct hc_result *r)
{
	u64 flags = HC_ARG(v, 4);

	r->ret = flags > 0xffffffffULL ? -EINVAL :
		 guest_mmio_register((u32)HC_ARG(v, 1), HC_ARG(v, 2), HC_ARG(v, 3), (u32)flags,
				     HC_ARG(v, 5));
}

static void hc_irq_line(struct vcpu *v, struct hc_result *r)
{
	u64 intid = HC_ARG(v, 2), level = HC_ARG(v, 3);

	r->ret = intid > 0xffffffffULL || level > 0xffffffffULL ? -EINVAL :
		 guest_irq_line((u32)HC_ARG(v, 1), (u32)intid, (u32)level);
}

static void hc_ioreq_complete(struct vcpu *v, struct hc_result *r)
{
	u64 id = HC_ARG(v, 1), vcpu = HC_ARG(v, 2);

	r->ret = id >= KEEL_MAX_VMS || vcpu >= KEEL_MAX_VCPUS ? -EINVAL :
		 ioreq_complete((u32)id, (u32)vcpu);
}

static void hc_vm_map(struct vcpu *v, struct hc_result *r)
{
	u64 region = HC_ARG(v, 2);

	r->ret = region >= KEEL_VM_MAX_MEM ? -EINVAL :
		 guest_map((u32)HC_ARG(v, 1), (u32)region, &r->x1, &r->x2, &r->x3);
}

static void hc_shadow_register(struct vcpu *v, struct hc_result *r)
{
	struct keel_shadow_desc desc;
	const void *src = vm0_buffer(v, HC_ARG(v, 1), sizeof(desc));

	if (!src) {
		r->ret = -EFAULT;
		return;
	}
	/* One copy into private memory; only the copy is checked and used. */
	memcpy(&desc, src, sizeof(desc));
	r->ret = guest_shadow_register(&desc);
}

static void hc_pt_assign(struct vcpu *v, struct hc_result *r)
{
	struct keel_pt_desc desc;
	const void *src = vm0_buffer(v, HC_ARG(v, 1), sizeof(desc));

	if (!src) {
		r->ret = -EFAULT;
		return;
	}
	/* One copy into private memory; only the copy is checked and used. */
	memcpy(&desc, src, sizeof(desc));
	r->ret = pt_assign(&desc);
}

/* The buffer is VM0's and only written: a size it gets wrong cannot make
 * us read anything back from it. */
static void hc_stat(struct vcpu *v, struct hc_result *r)
{
	struct keel_stat *buf;

	if (HC_ARG(v, 2) != sizeof(*buf)) {
		r->ret = -EINVAL;
		return;
	}
	buf = vm0_buffer(v, HC_ARG(v, 1), sizeof(*buf));
	if (!buf) {
		r->ret = -EFAULT;
		return;
	}
	stat_fill(buf);
	r->ret = 0;
}

static void hc_chan_attach(struct vcpu *v, struct hc_result *r)
{
	struct keel_chan_desc desc;
	const void *src = vm0_buffer(v, HC_ARG(v, 1), sizeof(desc));
	struct vm *vm;
	u32 id = 0, end = 0;
	u64 pa = 0;

	if (!src) {
		r->ret = -EFAULT;
		return;
	}
	/* One copy into private memory; only the copy is checked and used. */
	memcpy(&desc, src, sizeof(desc));
	vm = desc.vm_id ? vm_get(desc.vm_id) : vm0;
	if (!vm) {
		r->ret = -ENOENT;
		return;
	}
	r->ret = chan_attach(vm, &desc, &id, &end, &pa);
	if (vm != vm0)
		vm_put(vm);
	r->x1 = id;
	r->x2 = end;
	r->x3 = pa;
}

static void hc_chan_detach(struct vcpu *v, struct hc_result *r)
{
	r->ret = chan_detach_vm0(HC_ARG(v, 1));
}

/* Any VM, for its own channel ends only (chan_kick checks). */
static void hc_chan_kick(struct vcpu *v, struct hc_result *r)
{
	r->ret = chan_kick(v->vm, HC_ARG(v, 1));
}

static const hc_handler_t hc_table[KEEL_HC_NR] = {
	[KEEL_HC_VERSION_FN] = hc_version,
	[KEEL_HC_LOG_READ_FN] = hc_log_read,
	[KEEL_HC_SYSINFO_FN] = hc_sysinfo,
	[KEEL_HC_SHARED_SETUP_FN] = hc_shared_setup,
	[KEEL_HC_VM_CREATE_FN] = hc_vm_create,
	[KEEL_HC_VM_START_FN] = hc_vm_start,
	[KEEL_HC_VM_STOP_FN] = hc_vm_stop,
	[KEEL_HC_VM_DESTROY_FN] = hc_vm_destroy,
	[KEEL_HC_VM_INFO_FN] = hc_vm_info,
	[KEEL_HC_MMIO_REGISTER_FN] = hc_mmio_register,
	[KEEL_HC_IRQ_LINE_FN] = hc_irq_line,
	[KEEL_HC_IOREQ_COMPLETE_FN] = hc_ioreq_complete,
	[KEEL_HC_VM_MAP_FN] = hc_vm_map,
	[KEEL_HC_SHADOW_REGISTER_FN] = hc_shadow_register,
	[KEEL_HC_PT_ASSIGN_FN] = hc_pt_assign,
	[KEEL_HC_STAT_FN] = hc_stat,
	[KEEL_HC_CHAN_ATTACH_FN] = hc_chan_attach,
	[KEEL_HC_CHAN_KICK_FN] = hc_chan_kick,
	[KEEL_HC_CHAN_DETACH_FN] = hc_chan_detach,
};

/* The calls a guest may make; the rest are VM0's. */
#define HC_GUEST_OK BIT(KEEL_HC_CHAN_KICK_FN)

void hypercall_handle(struct vcpu *v)
{
	u32 id = (u32)v->regs.x[0];
	u32 fn = KEEL_HC_FN(id);
	struct hc_result r = { .ret = KEEL_SMCCC_NOT_SUPPORTED };

	/* Bits other than the function number must be exactly the Keel base. */
	if ((id & ~0xffffU) == KEEL_HC_BASE && fn < KEEL_HC_NR && hc_table[fn] &&
	    (v->vm->is_vm0 || (HC_GUEST_OK & BIT(fn))))
		hc_table[fn](v, &r);
	v->regs.x[0] = (u64)r.ret;
	v->regs.x[1] = r.x1;
	v->regs.x[2] = r.x2;
	v->regs.x[3] = r.x3;
}
