// SPDX-License-Identifier: GPL-2.0
/*
 * Hypercall wrappers: HVC #0 per the SMC Calling Convention v1.1, function
 * IDs from proto/keel/hypercall.h. Each returns 0 or a negative errno.
 *
 * VM0 is identity-mapped (IPA = PA), so a buffer the hypervisor reads or
 * writes is passed as virt_to_phys() of linear-map memory. The hypervisor
 * runs on this CPU during the HVC and maps VM0's RAM cacheable like we do,
 * so no cache maintenance is needed around a call.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/arm-smccc.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "keel.h"

/*
 * Results are 0 or a negative Linux errno; SMCCC's "unknown function" (-1)
 * is -EPERM by number, so name it explicitly. Anything else is a protocol
 * error, never passed up as if it were an errno.
 */
long keel_hc_errno(unsigned long a0)
{
	long ret = (long)a0;

	if (ret == KEEL_SMCCC_NOT_SUPPORTED)
		return -EOPNOTSUPP;
	if (ret < -MAX_ERRNO || ret > 0)
		return -EIO;
	return ret;
}

/*
 * A zeroed buffer for the hypervisor to read or write by physical address.
 * kmalloc() memory is physically contiguous, and a power-of-two kmalloc()
 * object is naturally aligned, so rounding up keeps a structure of at most
 * a page inside one page (the hypervisor may check it page by page).
 */
void *keel_hc_buf_alloc(size_t size)
{
	if (WARN_ON(!size || size > PAGE_SIZE))
		return NULL;
	return kzalloc(roundup_pow_of_two(size), GFP_KERNEL);
}

static long keel_hc(u32 fn, unsigned long a1, unsigned long a2, unsigned long a3,
		    unsigned long a4, struct arm_smccc_res *res)
{
	arm_smccc_1_1_hvc(fn, a1, a2, a3, a4, res);
	return keel_hc_errno(res->a0);
}

long keel_hc_version(struct arm_smccc_res *res)
{
	arm_smccc_1_1_hvc(KEEL_HC_VERSION, res);
	return keel_hc_errno(res->a0);
}

long keel_hc_sysinfo(void *info)
{
	struct arm_smccc_res res;

	return keel_hc(KEEL_HC_SYSINFO, virt_to_phys(info), 0, 0, 0, &res);
}

long keel_hc_stat(void *st, size_t size)
{
	struct arm_smccc_res res;

	return keel_hc(KEEL_HC_STAT, virt_to_phys(st), size, 0, 0, &res);
}

long keel_hc_shared_setup(phys_addr_t pa, size_t size)
{
	struct arm_smccc_res res;

	return keel_hc(KEEL_HC_SHARED_SETUP, pa, size, 0, 0, &res);
}

long keel_hc_vm_create(void *desc, u32 *id)
{
	struct arm_smccc_res res;
	long ret;

	ret = keel_hc(KEEL_HC_VM_CREATE, virt_to_phys(desc), 0, 0, 0, &res);
	if (!ret)
		*id = (u32)res.a1;
	return ret;
}

long keel_hc_vm_start(u32 id, u64 entry, u64 x0)
{
	struct arm_smccc_res res;

	return keel_hc(KEEL_HC_VM_START, id, entry, x0, 0, &res);
}

long keel_hc_vm_stop(u32 id)
{
	struct arm_smccc_res res;

	return keel_hc(KEEL_HC_VM_STOP, id, 0, 0, 0, &res);
}

long keel_hc_log_read(void *buf, u32 len, u64 *seq, u64 *got)
{
	struct arm_smccc_res res;
	long ret = keel_hc(KEEL_HC_LOG_READ, virt_to_phys(buf), len, *seq, 0, &res);

	if (!ret) {
		*got = res.a1;
		*seq = res.a2;
	}
	return ret;
}

long keel_hc_vm_destroy(u32 id)
{
	struct arm_smccc_res res;

	return keel_hc(KEEL_HC_VM_DESTROY, id, 0, 0, 0, &res);
}

long keel_hc_vm_info(u32 id, void *info)
{
	struct arm_smccc_res res;

	return keel_hc(KEEL_HC_VM_INFO, id, virt_to_phys(info), 0, 0, &res);
}

long keel_hc_mmio_register(u32 id, u64 base, u64 size, u32 flags, u32 cookie)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_hvc(KEEL_HC_MMIO_REGISTER, id, base, size, flags, cookie, &res);
	return keel_hc_errno(res.a0);
}

long keel_hc_shadow_register(void *desc)
{
	struct arm_smccc_res res;

	return keel_hc(KEEL_HC_SHADOW_REGISTER, virt_to_phys(desc), 0, 0, 0, &res);
}

long keel_hc_pt_assign(void *desc)
{
	struct arm_smccc_res res;

	return keel_hc(KEEL_HC_PT_ASSIGN, virt_to_phys(desc), 0, 0, 0, &res);
}

long keel_hc_irq_line(u32 id, u32 intid, u32 level)
{
	struct arm_smccc_res res;

	return keel_hc(KEEL_HC_IRQ_LINE, id, intid, level, 0, &res);
}

long keel_hc_ioreq_complete(u32 id, u32 vcpu)
{
	struct arm_smccc_res res;

	return keel_hc(KEEL_HC_IOREQ_COMPLETE, id, vcpu, 0, 0, &res);
}

long keel_hc_vm_map(u32 id, u32 region, u64 *pa, u64 *size, u64 *ipa)
{
	struct arm_smccc_res res;
	long ret;

	ret = keel_hc(KEEL_HC_VM_MAP, id, region, 0, 0, &res);
	if (!ret) {
		*pa = res.a1;
		*size = res.a2;
		*ipa = res.a3;
	}
	return ret;
}

long keel_hc_chan_attach(void *desc, u32 *id, u32 *end, u64 *pa)
{
	struct arm_smccc_res res;
	long ret;

	ret = keel_hc(KEEL_HC_CHAN_ATTACH, virt_to_phys(desc), 0, 0, 0, &res);
	if (!ret) {
		*id = (u32)res.a1;
		*end = (u32)res.a2;
		*pa = res.a3;
	}
	return ret;
}
