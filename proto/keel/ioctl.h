/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file ioctl.h
 * @brief /dev/keel ioctls between VM0 userspace (keeld, keel) and keel.ko.
 *
 * Every struct starts with nothing but fixed-width fields; the ioctl numbers
 * encode their sizes, so a layout change is also a number change. Bump
 * KEEL_IOC_REVISION on any change here.
 */
#ifndef KEEL_PROTO_IOCTL_H
#define KEEL_PROTO_IOCTL_H

#include "types.h"
#include "hypercall.h"
#include "shared.h"
#include "stat.h"
#include "vm.h"
#include "passthrough.h"
#include "chan.h"

#ifndef KEEL_HYP
#include <linux/ioctl.h>
#endif

/** ioctl type byte: 'K' (0x4b). */
#define KEEL_IOC_MAGIC 0x4b
/** Revision of this file's layouts, reported by KEEL_IOC_VERSION. */
#define KEEL_IOC_REVISION 9  /* 4: keel_vm_info wait times; 5: KEEL_IOC_SHADOW_REGISTER; 6: KEEL_IOC_PT_ASSIGN; 7: LOG_READ, IOREQ_GET reclaim; 8: KEEL_IOC_STAT; 9: channels */

/** KEEL_IOC_VERSION: what the module and the hypervisor speak. */
struct keel_ioc_version {
	__u32 version;      /**< hypervisor KEEL_VERSION_CODE (major << 16 | minor) */
	__u32 abi_revision; /**< hypervisor KEEL_HC_ABI_REVISION */
	__u32 ioc_revision; /**< keel.ko's KEEL_IOC_REVISION */
	__u32 reserved;     /**< 0 */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_version) == 16, "keel_ioc_version layout");

#define KEEL_IOC_VERSION _IOR(KEEL_IOC_MAGIC, 0x00, struct keel_ioc_version)
/** KEEL_IOC_SYSINFO: struct keel_sysinfo (hypercall.h) from KEEL_HC_SYSINFO. */
#define KEEL_IOC_SYSINFO _IOR(KEEL_IOC_MAGIC, 0x01, struct keel_sysinfo)

/** Identifies a VM (and for some calls a vCPU). */
struct keel_ioc_vm_id {
	__u32 id;
	__u32 vcpu;   /**< 0 unless the call says otherwise */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_vm_id) == 8, "keel_ioc_vm_id layout");

struct keel_ioc_vm_start {
	__u32 id;
	__u32 pad;
	__u64 entry;  /**< guest IPA where vCPU 0 starts */
	__u64 x0;     /**< vCPU 0's x0: its device tree's IPA */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_vm_start) == 24, "keel_ioc_vm_start layout");

struct keel_ioc_mmio {
	__u32 id;
	__u32 flags;  /**< KEEL_MMIO_* */
	__u64 base;   /**< guest IPA: page aligned (IOREQ), aligned to size (DOORBELL) */
	__u64 size;   /**< page aligned (IOREQ), 1..8 (DOORBELL) */
	__u32 cookie; /**< DOORBELL: comes back in KEEL_EV_DOORBELL's vcpu field */
	__u32 pad;
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_mmio) == 32, "keel_ioc_mmio layout");

struct keel_ioc_irq {
	__u32 id;
	__u32 intid;  /**< an SPI of that VM */
	__u32 level;  /**< KEEL_IRQ_LOW, KEEL_IRQ_HIGH or KEEL_IRQ_EDGE */
	__u32 pad;
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_irq) == 16, "keel_ioc_irq layout");

struct keel_ioc_ioreq_done {
	__u32 id;
	__u32 vcpu;
	__u64 data;   /**< value for a read; ignored for a write */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_ioreq_done) == 16, "keel_ioc_ioreq_done layout");

/*
 * mmap() offsets on /dev/keel: guest RAM regions first (VM_MAP hands them
 * out), shadow pages after them. A shadow page's offset is fixed by its VM
 * and its slot (the order SHADOW_REGISTER filled them in), so a restarted
 * keeld maps the pages an earlier one registered without registering again.
 */
#define KEEL_MMAP_SHIFT 36
#define KEEL_MMAP_REGIONS (KEEL_MAX_VMS * KEEL_VM_MAX_MEM)
#define KEEL_MMAP_SHADOWS (KEEL_MAX_VMS * KEEL_SHADOW_MAX_WINDOWS)
#define KEEL_MMAP_SHADOW_OFFSET(id, slot)                                                          \
	((__u64)(KEEL_MMAP_REGIONS + (id) * KEEL_SHADOW_MAX_WINDOWS + (slot)) << KEEL_MMAP_SHIFT)

/**
 * KEEL_IOC_LOG_READ: up to len bytes of the hypervisor's log into buf,
 * starting at byte seq of everything it ever logged (0: the oldest it
 * still keeps). out: bytes, and seq of the byte after the last one given
 * (pass it back to read on). A seq older than the log keeps skips ahead.
 */
struct keel_ioc_log {
	__u64 buf;          /**< user pointer */
	__u32 len;
	__u32 pad;
	__u64 seq;          /**< in and out */
	__u64 bytes;        /**< out */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_log) == 32, "keel_ioc_log layout");

/** KEEL_IOC_VM_MAP: map one RAM region of a VM for mmap() on /dev/keel. */
struct keel_ioc_map {
	__u32 id;
	__u32 region;       /**< index in the VM's descriptor */
	__u64 ipa;          /**< out: guest IPA of the region */
	__u64 size;         /**< out: bytes */
	__u64 mmap_offset;  /**< out: pass to mmap(fd, size, ..., mmap_offset) */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_map) == 32, "keel_ioc_map layout");

/** Console bytes between keeld and /dev/hvc<id>. */
struct keel_ioc_console {
	__u32 id;
	__u32 len;    /**< in: buffer size; out: bytes moved */
	__u64 buf;    /**< user pointer */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_console) == 16, "keel_ioc_console layout");

/**
 * KEEL_IOC_SHADOW_REGISTER: shadow registers for one MMIO window of a guest
 * (shared.h). keel.ko allocates the zeroed page, registers it with
 * KEEL_HC_SHADOW_REGISTER and keeps it until the VM is destroyed; mmap()
 * of KEEL_SHADOW_PAGE_SIZE bytes at mmap_offset shows it to keeld (the
 * mapping keeps the page alive past the VM).
 */
struct keel_ioc_shadow {
	__u32 id;
	__u32 cookie;       /**< comes back in KEEL_EV_POSTED's vcpu field */
	__u64 base;         /**< guest IPA of the window */
	__u64 size;
	__u32 nr_regs;      /**< 1..KEEL_SHADOW_MAX_REGS */
	__u32 pad;
	__u64 mmap_offset;  /**< out */
	struct keel_shadow_reg reg[KEEL_SHADOW_MAX_REGS];
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_shadow) == 40 + 8 * KEEL_SHADOW_MAX_REGS,
		   "keel_ioc_shadow layout");

#define KEEL_IOC_VM_CREATE _IOWR(KEEL_IOC_MAGIC, 0x10, struct keel_vm_desc)
#define KEEL_IOC_VM_START _IOW(KEEL_IOC_MAGIC, 0x11, struct keel_ioc_vm_start)
#define KEEL_IOC_VM_STOP _IOW(KEEL_IOC_MAGIC, 0x12, struct keel_ioc_vm_id)
#define KEEL_IOC_VM_DESTROY _IOW(KEEL_IOC_MAGIC, 0x13, struct keel_ioc_vm_id)
/** in: info.id; out: the whole struct */
#define KEEL_IOC_VM_INFO _IOWR(KEEL_IOC_MAGIC, 0x14, struct keel_vm_info)
#define KEEL_IOC_MMIO_REGISTER _IOW(KEEL_IOC_MAGIC, 0x15, struct keel_ioc_mmio)
#define KEEL_IOC_IRQ_LINE _IOW(KEEL_IOC_MAGIC, 0x16, struct keel_ioc_irq)
/** in: vm_id, vcpu, state 0; out: a copy of that slot (READY -> INPROCESS).
 * in state KEEL_IOREQ_INPROCESS: also a slot already INPROCESS, which a
 * keeld that died took and never completed (a restarted keeld, once, before
 * it reads events: nobody else may hold slots then). */
#define KEEL_IOC_IOREQ_GET _IOWR(KEEL_IOC_MAGIC, 0x17, struct keel_ioreq)
#define KEEL_IOC_IOREQ_COMPLETE _IOW(KEEL_IOC_MAGIC, 0x18, struct keel_ioc_ioreq_done)
#define KEEL_IOC_VM_MAP _IOWR(KEEL_IOC_MAGIC, 0x19, struct keel_ioc_map)
/** Create / remove /dev/hvc<id> for a guest. */
#define KEEL_IOC_CONSOLE_ADD _IOW(KEEL_IOC_MAGIC, 0x1a, struct keel_ioc_vm_id)
#define KEEL_IOC_CONSOLE_REMOVE _IOW(KEEL_IOC_MAGIC, 0x1b, struct keel_ioc_vm_id)
/** Guest output -> /dev/hvc<id> readers. */
#define KEEL_IOC_CONSOLE_WRITE _IOWR(KEEL_IOC_MAGIC, 0x1c, struct keel_ioc_console)
/** Bytes typed into /dev/hvc<id> -> keeld (for the guest's UART). */
#define KEEL_IOC_CONSOLE_READ _IOWR(KEEL_IOC_MAGIC, 0x1d, struct keel_ioc_console)
#define KEEL_IOC_SHADOW_REGISTER _IOWR(KEEL_IOC_MAGIC, 0x1e, struct keel_ioc_shadow)
/** A device of the machine for a CREATED guest (passthrough.h); it returns
 * to VM0 when the guest is destroyed. */
#define KEEL_IOC_PT_ASSIGN _IOW(KEEL_IOC_MAGIC, 0x1f, struct keel_pt_desc)
/** The hypervisor's log (KEEL_HC_LOG_READ) from byte seq on. */
#define KEEL_IOC_LOG_READ _IOWR(KEEL_IOC_MAGIC, 0x20, struct keel_ioc_log)
/** KEEL_IOC_STAT: struct keel_stat (stat.h) from KEEL_HC_STAT. */
#define KEEL_IOC_STAT _IOR(KEEL_IOC_MAGIC, 0x21, struct keel_stat)

/**
 * KEEL_IOC_CHAN_ATTACH: attach one end of a channel (KEEL_HC_CHAN_ATTACH).
 * For VM0's own end (desc.vm_id 0) keel.ko also makes the end's devices:
 * /dev/ttyKC<n> and /dev/keelchan<n> (below); attaching it again is
 * -EBUSY from the hypervisor, and keel.ko answers that with the end it has.
 */
struct keel_ioc_chan {
	struct keel_chan_desc desc;
	__u32 chan_id;      /**< out: the hypervisor's id (KEEL_HC_CHAN_KICK) */
	__u32 end;          /**< out: 0 or 1 */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioc_chan) == 88, "keel_ioc_chan layout");
#define KEEL_IOC_CHAN_ATTACH _IOWR(KEEL_IOC_MAGIC, 0x22, struct keel_ioc_chan)
/**
 * KEEL_IOC_CHAN_DETACH: VM0's end of channel chan_id goes (its devices,
 * then KEEL_HC_CHAN_DETACH); the region is freed when the guest's end is
 * gone too. -EBUSY while its tty or raw device is open (or mapped).
 */
#define KEEL_IOC_CHAN_DETACH _IOW(KEEL_IOC_MAGIC, 0x23, struct keel_ioc_vm_id)

/**
 * A channel end's raw device, /dev/keelchan<n> (keel.ko in VM0, keelchan.ko
 * in a guest), for zero-copy users: mmap() of [0, size) is the shared
 * region; write() of 8 bytes (any value) kicks the peer; read() of 8 bytes
 * blocks until the peer kicked and returns how many kicks came since the
 * last read (eventfd-like), poll() says POLLIN then. The raw device and the
 * end's tty are exclusive: the tty's rings live in the same region.
 */
struct keel_chan_info {
	__u64 size;         /**< bytes of the region */
	__u32 chan_id;
	__u32 end;          /**< 0 or 1 */
	char name[KEEL_CHAN_NAME_LEN];
};
KEEL_STATIC_ASSERT(sizeof(struct keel_chan_info) == 32, "keel_chan_info layout");
#define KEEL_CHAN_IOC_INFO _IOR(KEEL_IOC_MAGIC, 0x40, struct keel_chan_info)

/*
 * read() on /dev/keel returns whole struct keel_event records (shared.h):
 * the hypervisor's events, plus these from keel.ko itself. poll() says
 * POLLIN while any are queued.
 */
#define KEEL_EV_CONSOLE_INPUT 100  /**< vm_id: bytes wait for KEEL_IOC_CONSOLE_READ */
#define KEEL_EV_RESCAN 101         /**< the event ring overflowed: rescan slots and VMs */

#endif
