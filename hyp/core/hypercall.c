// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Keel hypercalls: HVC #0 with a function ID in the SMCCC vendor-specific
 * hypervisor range, dispatched through a table indexed by function number.
 * Management calls come from VM0 only; anyone else gets NOT_SUPPORTED, as
 * SMCCC prescribes for a function the caller may not see. Every argument is
 * read once from the saved registers (HC_ARG) and range-checked before use.
 */
#include <keel/hypercall.h>
#include <hyp/errno.h>
#include <hyp/gic.h>
#include <hyp/hypercall.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/platform.h>
#include <hyp/pcpu.h>
#include <hyp/vm.h>
#include <string.h>

#define HC_ARG(v, n) READ_ONCE((v)->regs.x[(n)])

struct hc_result {
	s64 ret;
	u64 x1, x2, x3;
};

typedef void (*hc_handler_t)(struct vcpu *v, struct hc_result *r);

extern u64 hyp_reserved_bytes, pool_free_bytes, ram_total_bytes;
extern u32 vm0_doorbell_intid;

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
		.pool_free_bytes = pool_free_bytes,
		.nr_vms = 1,
		.doorbell_intid = vm0_doorbell_intid,
	};
	void *buf = vm0_buffer(v, HC_ARG(v, 1), sizeof(info));

	if (!buf) {
		r->ret = -EFAULT;
		return;
	}
	memcpy(buf, &info, sizeof(info));
	r->ret = 0;
}

static const hc_handler_t hc_table[KEEL_HC_NR] = {
	[KEEL_HC_VERSION_FN] = hc_version,
	[KEEL_HC_LOG_READ_FN] = hc_log_read,
	[KEEL_HC_SYSINFO_FN] = hc_sysinfo,
};

void hypercall_handle(struct vcpu *v)
{
	u32 id = (u32)v->regs.x[0];
	u32 fn = KEEL_HC_FN(id);
	struct hc_result r = { .ret = KEEL_SMCCC_NOT_SUPPORTED };

	/* Bits other than the function number must be exactly the Keel base. */
	if ((id & ~0xffffU) == KEEL_HC_BASE && fn < KEEL_HC_NR && hc_table[fn] && v->vm->is_vm0)
		hc_table[fn](v, &r);
	v->regs.x[0] = (u64)r.ret;
	v->regs.x[1] = r.x1;
	v->regs.x[2] = r.x2;
	v->regs.x[3] = r.x3;
}
