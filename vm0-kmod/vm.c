// SPDX-License-Identifier: GPL-2.0
/*
 * VM lifecycle ioctls: each copies its argument in, checks what keel.ko can
 * check cheaply (the hypervisor range-checks everything again), and makes
 * one hypercall.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/nospec.h>

#include "keel.h"

/* First and last SPI INTID (GICv2 and GICv3 alike). */
#define KEEL_SPI_FIRST 32
#define KEEL_SPI_LAST 1019

/*
 * in: a whole struct keel_vm_desc (keeld chooses desc.id, 1..15);
 * out: desc.id = the id the hypervisor reports. Nothing else is written back.
 */
long keel_ioc_vm_create(struct keel_dev *kd, void __user *uarg)
{
	struct keel_vm_desc __user *udesc = uarg;
	struct keel_vm_desc *desc;
	u32 id = 0;
	long ret;

	desc = keel_hc_buf_alloc(sizeof(*desc));
	if (!desc)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(desc, udesc, sizeof(*desc)))
		goto out;
	ret = -EINVAL;
	if (desc->magic != KEEL_VM_DESC_MAGIC || desc->revision != KEEL_VM_DESC_REVISION ||
	    !keel_guest_id_ok(desc->id) ||
	    !desc->nr_vcpus || desc->nr_vcpus > KEEL_MAX_VCPUS ||
	    !desc->nr_mem || desc->nr_mem > KEEL_VM_MAX_MEM ||
	    !memchr(desc->name, '\0', sizeof(desc->name)))
		goto out;

	/*
	 * map_lock across the hypercall: the new VM must start with nothing
	 * mapped for userspace, and a VM_MAP of the new id running between
	 * the hypercall and the forget would have its region wiped (or a
	 * destroy and a create of the id would interleave with our forget).
	 */
	mutex_lock(&kd->map_lock);
	ret = keel_hc_vm_create(desc, &id);
	if (!ret && !keel_guest_id_ok(id)) {
		pr_err("VM_CREATE returned id %u\n", id);
		ret = -EPROTO;
	}
	if (!ret)
		keel_maps_forget(kd, id);
	mutex_unlock(&kd->map_lock);
	if (ret)
		goto out;
	ret = put_user(id, &udesc->id);
out:
	kfree(desc);
	return ret;
}

long keel_ioc_vm_start(void __user *uarg)
{
	struct keel_ioc_vm_start s;

	if (copy_from_user(&s, uarg, sizeof(s)))
		return -EFAULT;
	if (!keel_guest_id_ok(s.id) || s.pad)
		return -EINVAL;
	return keel_hc_vm_start(s.id, s.entry, s.x0);
}

/* A struct keel_ioc_vm_id naming a guest (vcpu must be 0); the id is
 * clamped against speculation since callers index tables with it. */
long keel_copy_vm_id(void __user *uarg, u32 *id)
{
	struct keel_ioc_vm_id v;

	if (copy_from_user(&v, uarg, sizeof(v)))
		return -EFAULT;
	if (!keel_guest_id_ok(v.id) || v.vcpu)
		return -EINVAL;
	*id = array_index_nospec(v.id, KEEL_MAX_VMS);
	return 0;
}

long keel_ioc_vm_stop(void __user *uarg)
{
	u32 id;
	long ret;

	ret = keel_copy_vm_id(uarg, &id);
	return ret ? ret : keel_hc_vm_stop(id);
}

/* How long VM_DESTROY waits for pinned guest pages to be let go (I/O in
 * flight finishing), and how often it looks. */
#define KEEL_PIN_WAIT_MS 2000
#define KEEL_PIN_POLL_MS 10

/*
 * The VM's memory goes back to the pool and on to the next guest: refuse
 * (-EBUSY) while any of it is still mmap()ed here, or, after waiting up to
 * KEEL_PIN_WAIT_MS, while any page of it is still pinned (I/O in flight
 * would otherwise land in the next guest's RAM). map_lock keeps a new
 * mmap() from slipping in between the checks and the hypercall; it is
 * dropped while waiting so other VMs' ioctls go on.
 */
long keel_ioc_vm_destroy(struct keel_dev *kd, void __user *uarg)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(KEEL_PIN_WAIT_MS), pinned;
	u32 id;
	long ret;

	ret = keel_copy_vm_id(uarg, &id);
	if (ret)
		return ret;
	for (;;) {
		mutex_lock(&kd->map_lock);
		if (keel_maps_busy(kd, id)) {
			ret = -EBUSY;
			break;
		}
		pinned = keel_maps_pinned(kd, id);
		if (!pinned) {
			ret = keel_hc_vm_destroy(id);
			if (!ret) {
				keel_maps_forget(kd, id);
				keel_shadows_forget(kd, id);
			}
			break;
		}
		if (time_after(jiffies, deadline)) {
			pr_warn("VM %u: %lu page(s) of its RAM still pinned: not destroyed\n", id,
				pinned);
			ret = -EBUSY;
			break;
		}
		mutex_unlock(&kd->map_lock);
		if (msleep_interruptible(KEEL_PIN_POLL_MS))
			return -EINTR;
	}
	mutex_unlock(&kd->map_lock);
	return ret;
}

/* in: info.id (0 = VM0 itself); out: the whole struct. */
long keel_ioc_vm_info(void __user *uarg)
{
	struct keel_vm_info __user *uinfo = uarg;
	struct keel_vm_info *info;
	u32 id;
	long ret;

	if (get_user(id, &uinfo->id))
		return -EFAULT;
	if (id >= KEEL_MAX_VMS)
		return -EINVAL;
	info = keel_hc_buf_alloc(sizeof(*info));
	if (!info)
		return -ENOMEM;
	ret = keel_hc_vm_info(id, info);
	if (ret)
		goto out;
	if (info->magic != KEEL_VM_INFO_MAGIC || info->id != id) {
		pr_warn("vm_info: magic %#x id %u for VM %u\n", info->magic, info->id, id);
		ret = -EPROTO;
		goto out;
	}
	/* The hypervisor wrote the name: terminate it for userspace's sake. */
	info->name[KEEL_VM_NAME_LEN - 1] = '\0';
	if (copy_to_user(uinfo, info, sizeof(*info)))
		ret = -EFAULT;
out:
	kfree(info);
	return ret;
}

long keel_ioc_mmio_register(void __user *uarg)
{
	struct keel_ioc_mmio m;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	/* The shape of each kind (pages, or one aligned doorbell) is the
	 * hypervisor's to check; here only what keel.ko itself relies on. */
	if (!keel_guest_id_ok(m.id) || m.pad ||
	    (m.flags != KEEL_MMIO_IOREQ && m.flags != KEEL_MMIO_DOORBELL) ||
	    (m.flags == KEEL_MMIO_IOREQ && m.cookie) || !m.size || m.base + m.size < m.base)
		return -EINVAL;
	return keel_hc_mmio_register(m.id, m.base, m.size, m.flags, m.cookie);
}

long keel_ioc_irq_line(void __user *uarg)
{
	struct keel_ioc_irq irq;

	if (copy_from_user(&irq, uarg, sizeof(irq)))
		return -EFAULT;
	if (!keel_guest_id_ok(irq.id) || irq.pad || irq.level > KEEL_IRQ_EDGE ||
	    irq.intid < KEEL_SPI_FIRST || irq.intid > KEEL_SPI_LAST)
		return -EINVAL;
	return keel_hc_irq_line(irq.id, irq.intid, irq.level);
}
