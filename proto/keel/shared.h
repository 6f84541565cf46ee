/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file shared.h
 * @brief Memory VM0 shares with the hypervisor: per-vCPU ioreq slots and the
 * event ring behind VM0's doorbell interrupt.
 *
 * keel.ko allocates it in VM0's RAM and registers it with
 * KEEL_HC_SHARED_SETUP. The hypervisor never trusts it: it copies a slot to
 * private memory before looking at it, and keeps every fact it relies on
 * (which register a read goes to, whether a vCPU waits) to itself.
 *
 * Ioreq slot states: NONE -> READY (hyp: a guest access waits) -> INPROCESS
 * (VM0 took it) -> DONE (VM0 wrote the result; KEEL_HC_IOREQ_COMPLETE) -> NONE.
 *
 * Event ring: the hypervisor writes entries at head and raises the doorbell
 * interrupt; VM0 consumes at tail, so one interrupt drains many entries. Entries
 * keep the order in which guests made them: a posted doorbell is seen before
 * a later ioreq of the same vCPU. When the ring is full the hypervisor sets
 * `overflow` instead of writing: VM0 must then rescan every slot for READY
 * and every VM with KEEL_HC_VM_INFO, so nothing is lost.
 */
#ifndef KEEL_PROTO_SHARED_H
#define KEEL_PROTO_SHARED_H

#include "types.h"
#include "vm.h"

#define KEEL_SHARED_MAGIC 0x5248534bU /* "KSHR" */
#define KEEL_SHARED_REVISION 2

#define KEEL_IOREQ_NONE 0
#define KEEL_IOREQ_READY 1
#define KEEL_IOREQ_INPROCESS 2
#define KEEL_IOREQ_DONE 3

#define KEEL_IOREQ_READ 0
#define KEEL_IOREQ_WRITE 1

struct keel_ioreq {
	__u32 state;  /**< KEEL_IOREQ_NONE..DONE */
	__u32 vm_id;
	__u32 vcpu;
	__u8 dir;     /**< KEEL_IOREQ_READ or KEEL_IOREQ_WRITE */
	__u8 size;    /**< 1, 2, 4 or 8 bytes */
	__u8 pad[2];
	__u64 addr;   /**< guest IPA */
	__u64 data;   /**< value written, or (VM0 fills it) value read */
	__u64 seq;    /**< increments per request on this slot */
	__u8 pad2[24];
};
KEEL_STATIC_ASSERT(sizeof(struct keel_ioreq) == 64, "keel_ioreq layout");

/** Event types */
#define KEEL_EV_IOREQ 1       /**< vm_id/vcpu: that slot is READY */
#define KEEL_EV_VM_STOPPED 2  /**< vm_id stopped; arg = KEEL_STOP_* */
/** A posted doorbell rang (KEEL_MMIO_DOORBELL): the vcpu field carries the
 * doorbell's cookie, arg the low 32 bits the guest wrote (a virtio queue
 * index). When the ring is full the overflow rescan stands for every
 * doorbell of every VM: VM0 then checks all its queues. */
#define KEEL_EV_DOORBELL 3

struct keel_event {
	__u32 type;
	__u32 vm_id;
	__u32 vcpu;
	__u32 arg;
};
KEEL_STATIC_ASSERT(sizeof(struct keel_event) == 16, "keel_event layout");

#define KEEL_EVENT_RING 256   /**< entries, power of two */

struct keel_shared {
	__u32 magic;          /**< KEEL_SHARED_MAGIC, written by keel.ko */
	__u32 revision;       /**< KEEL_SHARED_REVISION */
	__u32 ev_head;        /**< next entry the hypervisor writes (free-running) */
	__u32 ev_tail;        /**< next entry VM0 reads (free-running) */
	__u32 overflow;       /**< set by the hypervisor when the ring was full */
	__u32 pad[11];
	struct keel_event ring[KEEL_EVENT_RING];
	struct keel_ioreq ioreq[KEEL_MAX_VMS][KEEL_MAX_VCPUS];
};
KEEL_STATIC_ASSERT(sizeof(struct keel_shared) == 64 + 16 * 256 + 64 * 16 * 8, "keel_shared layout");

#endif
