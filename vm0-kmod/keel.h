/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keel.ko internals: one struct keel_dev for the one hypervisor, and the
 * entry points each file offers the others.
 *
 *   main.c     probe/remove: the order things come up and go down
 *   dev.c      /dev/keel: open, ioctl dispatch, VERSION and SYSINFO
 *   hc.c       hypercall wrappers (0 or -errno)
 *   vm.c       VM lifecycle ioctls
 *   shared.c   the shared area and the doorbell interrupt (event ring)
 *   event.c    the event FIFO behind read()/poll() on /dev/keel
 *   ioreq.c    IOREQ_GET / IOREQ_COMPLETE on the shared slots
 *   mmap.c     VM_MAP and mmap() of guest RAM
 *   shadow.c   SHADOW_REGISTER: shadow register pages, and their mmap()
 *   console.c  /dev/hvc<id> consoles, a tty driver of our own
 *   debugfs.c  /sys/kernel/debug/keel: the shared area, raw IOREQ_COMPLETE
 */
#ifndef KEEL_KMOD_H
#define KEEL_KMOD_H

#include <linux/atomic.h>
#include <linux/kfifo.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <keel/hypercall.h>
#include <keel/ioctl.h>
#include <keel/shared.h>
#include <keel/vm.h>

struct arm_smccc_res;
struct file;
struct platform_device;
struct vm_area_struct;

/* One RAM region of a guest that VM_MAP made reachable for mmap(). */
struct keel_region {
	u64 pa;
	u64 size;
	u64 ipa;
	bool valid;
	bool pages;		/* pool memory with struct pages: mapped as pages */
	atomic_t mapcount;	/* live VMAs: VM_DESTROY waits for 0 */
};

struct keel_dev {
	struct device *dev;
	u32 version;
	u32 abi_revision;
	struct miscdevice misc;

	/* shared.c: NULL when the hypervisor has no KEEL_HC_SHARED_SETUP. */
	struct keel_shared *shared;
	size_t shared_alloc;	/* bytes from alloc_pages_exact() */
	int irq;
	bool irq_requested;
	spinlock_t ring_lock;	/* one drainer of the event ring at a time */
	u32 ev_tail;		/* our own copy: the shared one is only a report */

	/* ioreq.c: serialises VM0's writes to the ioreq slots. */
	struct mutex ioreq_lock;

	/* event.c */
	DECLARE_KFIFO_PTR(events, struct keel_event);
	spinlock_t ev_lock;	/* producers (IRQ, hvc callbacks, ioctls) */
	struct mutex ev_read_lock; /* one reader at a time */
	wait_queue_head_t ev_wait;
	bool ev_lost;		/* a RESCAN is queued in place of dropped events */

	/* mmap.c */
	struct mutex map_lock;
	struct keel_region regions[KEEL_MAX_VMS][KEEL_VM_MAX_MEM];
	/* shadow.c, under map_lock: pages the hypervisor writes until the VM
	 * is destroyed. */
	struct page *shadows[KEEL_MAX_VMS][KEEL_SHADOW_MAX_WINDOWS];
};

/* A guest's id: VM0 (0) is never the target of a guest operation. */
static inline bool keel_guest_id_ok(u32 id)
{
	return id >= 1 && id < KEEL_MAX_VMS;
}

/* hc.c */
long keel_hc_errno(unsigned long a0);
void *keel_hc_buf_alloc(size_t size);
long keel_hc_version(struct arm_smccc_res *res);
long keel_hc_sysinfo(void *info);
/* len bytes at most from *seq into buf (a kernel page); *seq moves on. */
long keel_hc_log_read(void *buf, u32 len, u64 *seq, u64 *got);
long keel_hc_stat(void *st, size_t size);
long keel_hc_shared_setup(phys_addr_t pa, size_t size);
long keel_hc_vm_create(void *desc, u32 *id);
long keel_hc_vm_start(u32 id, u64 entry, u64 x0);
long keel_hc_vm_stop(u32 id);
long keel_hc_vm_destroy(u32 id);
long keel_hc_vm_info(u32 id, void *info);
long keel_hc_mmio_register(u32 id, u64 base, u64 size, u32 flags, u32 cookie);
long keel_hc_irq_line(u32 id, u32 intid, u32 level);
long keel_hc_ioreq_complete(u32 id, u32 vcpu);
long keel_hc_vm_map(u32 id, u32 region, u64 *pa, u64 *size, u64 *ipa);
long keel_hc_shadow_register(void *desc);
long keel_hc_pt_assign(void *desc);
long keel_hc_chan_attach(void *desc, u32 *id, u32 *end, u64 *pa);

/* stat.c */
struct keel_stat;
struct keel_stat *keel_stat_alloc(void);
long keel_stat_read(struct keel_stat *st);
long keel_ioc_stat(void __user *uarg);

/* governor.c: the "keel" cpufreq governor */
int keel_governor_init(void);
void keel_governor_exit(void);

/* dev.c */
int keel_dev_register(struct keel_dev *kd);
void keel_dev_unregister(struct keel_dev *kd);

/* vm.c */
long keel_ioc_vm_create(struct keel_dev *kd, void __user *uarg);
long keel_ioc_vm_start(void __user *uarg);
long keel_copy_vm_id(void __user *uarg, u32 *id);
long keel_ioc_vm_stop(void __user *uarg);
long keel_ioc_vm_destroy(struct keel_dev *kd, void __user *uarg);
long keel_ioc_vm_info(void __user *uarg);
long keel_ioc_mmio_register(void __user *uarg);
long keel_ioc_irq_line(void __user *uarg);

/* shared.c */
int keel_shared_init(struct keel_dev *kd, struct platform_device *pdev);
void keel_shared_exit(struct keel_dev *kd);

/* debugfs.c */
void keel_debugfs_init(struct keel_dev *kd);
void keel_debugfs_exit(void);

/* event.c */
int keel_events_init(struct keel_dev *kd);
void keel_events_exit(struct keel_dev *kd);
void keel_event_push(struct keel_dev *kd, u32 type, u32 vm_id, u32 vcpu, u32 arg);
ssize_t keel_events_read(struct keel_dev *kd, struct file *file, char __user *buf,
			 size_t count);
__poll_t keel_events_poll(struct keel_dev *kd, struct file *file,
			  struct poll_table_struct *wait);

/* ioreq.c */
long keel_ioc_ioreq_get(struct keel_dev *kd, void __user *uarg);
long keel_ioc_ioreq_complete(struct keel_dev *kd, void __user *uarg);

/* mmap.c */
void keel_maps_init(struct keel_dev *kd);
long keel_ioc_vm_map(struct keel_dev *kd, void __user *uarg);
int keel_mmap(struct keel_dev *kd, struct vm_area_struct *vma);
bool keel_maps_busy(struct keel_dev *kd, u32 id);
unsigned long keel_maps_pinned(struct keel_dev *kd, u32 id);
void keel_maps_forget(struct keel_dev *kd, u32 id);
/* mmap offsets: KEEL_MMAP_* in proto/keel/ioctl.h */

/* shadow.c */
long keel_ioc_shadow_register(struct keel_dev *kd, void __user *uarg);

/* log.c */
long keel_ioc_log_read(void __user *uarg);
/* Caller holds map_lock; the hypervisor destroyed the VM (or never had it). */
void keel_shadows_forget(struct keel_dev *kd, u32 id);
int keel_shadow_mmap(struct keel_dev *kd, struct vm_area_struct *vma, u64 key, u64 within);

/* chan.c: VM0's channel ends (kchan/kchan.c) */
int keel_chans_init(struct keel_dev *kd);
void keel_chans_exit(void);
long keel_ioc_chan_attach(void __user *uarg);
long keel_ioc_chan_detach(void __user *uarg);
/* KEEL_EV_CHAN for channel id (any context); all: after an overflow. */
void keel_chan_event(u32 id);
void keel_chan_event_all(void);

/* console.c */
int keel_consoles_init(struct keel_dev *kd);
void keel_consoles_exit(void);
long keel_ioc_console_add(void __user *uarg);
long keel_ioc_console_remove(void __user *uarg);
long keel_ioc_console_write(void __user *uarg);
long keel_ioc_console_read(void __user *uarg);

/* passthrough.c */
long keel_ioc_pt_assign(void __user *uarg);

#endif
