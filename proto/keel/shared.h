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
 *
 * Shadow registers (KEEL_HC_SHADOW_REGISTER) live in pages of their own,
 * one per guest MMIO window: see struct keel_shadow_page below.
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
/** A shadow window's posted-write ring went from empty to not empty: the
 * vcpu field carries the window's cookie (KEEL_HC_SHADOW_REGISTER), arg 0.
 * VM0 drains that ring. The overflow rescan stands for these too. */
#define KEEL_EV_POSTED 4
/** The peer of one of VM0's channel ends kicked it (chan.h): vm_id 0, the
 * vcpu field carries the channel id, arg 0. keel.ko serves it itself. The
 * overflow rescan stands for these too. */
#define KEEL_EV_CHAN 5

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

/*
 * Shadow registers: registers of a guest MMIO window the hypervisor answers
 * itself from words in a page VM0 shares with it, so the guest's vCPU never
 * waits for VM0. The hypervisor knows offsets, kinds and access sizes, never
 * what a register means.
 *
 * Per register (struct keel_shadow_reg), one kind:
 *  - READ: a guest load returns word[word] (zero-extended to the access).
 *    VM0 keeps the word current.
 *  - W1C: a guest store clears the bits it writes in word[word], atomically:
 *    an acknowledge register aimed at a status register's word. A bit VM0
 *    sets while the guest acknowledges others survives.
 *  - POSTED: a guest store is appended to the window's posted-write ring and
 *    the guest goes on at once. A full ring makes the store an ordinary
 *    ioreq (never dropped): VM0 drains the ring before it serves any ioreq
 *    of the guest, so the writes keep the guest's order.
 *  - LATCH: a store register whose value the guest reads back (a control
 *    register): the store sets word[word] to the value stored (zero-extended
 *    from the access) and then goes the way of a POSTED store (into the
 *    ring, or an ioreq when it is full), so VM0 still sees every write in
 *    order. A READ register on the same word answers the guest's loads
 *    without VM0. The word is the hypervisor's once the guest runs: VM0
 *    sets it only before (the register's reset value) and reads it after
 *    (a posted store VM0 applies late must not undo a later one).
 * A load register and a store register may share an offset (a data register
 * whose writes are posted and whose reads are not). Any other access (a
 * load of a store-only register, a size outside `sizes`, an offset inside a
 * register but not at its start) is an ordinary ioreq.
 *
 * Ordering, both sides with atomics on the words (they are 32-bit, aligned,
 * in normal cacheable memory):
 *  - VM0 sets bits with an atomic OR (release: what the bit announces, a used
 *    ring, is written first), then a full barrier, then raises the
 *    interrupt: the bit is visible before the interrupt is.
 *  - The hypervisor's READ is a load-acquire and its W1C an atomic AND-NOT
 *    with acquire, pairing with that release: what the guest reads after
 *    the status or the acknowledge includes what the bits announced.
 *  - Posted ring: the hypervisor writes an entry, then posted_head (release);
 *    VM0 reads posted_head (acquire), the entries, then posted_tail
 *    (release). Notification is suppressed while VM0 is behind: the
 *    hypervisor raises KEEL_EV_POSTED only when, after publishing the head
 *    and a full barrier, it reads posted_tail equal to the index of the
 *    entry it wrote (VM0 had caught up). VM0, after storing posted_tail,
 *    issues a full barrier and reads posted_head again before it sleeps.
 *    One of the two always sees the other's store, so no entry is left
 *    without a drain.
 * The hypervisor keeps its own copy of posted_head; it reads posted_tail once
 * per store and treats any value that makes the ring look over-full as full.
 */
#define KEEL_SHADOW_MAGIC 0x5744534bU    /* "KSDW" */
#define KEEL_SHADOW_REVISION 1
#define KEEL_SHADOW_PAGE_SIZE 4096       /**< bytes VM0 gives per window: page aligned */
#define KEEL_SHADOW_MAX_REGS 8           /**< registers per window */
#define KEEL_SHADOW_MAX_WINDOWS 16       /**< windows per guest */
#define KEEL_SHADOW_WINDOW_MAX 0x10000   /**< bytes: the largest window */
#define KEEL_SHADOW_WORDS 32             /**< shadow words per page */
#define KEEL_SHADOW_RING 128             /**< posted-write entries, power of two */

/** keel_shadow_reg.kind */
#define KEEL_SHADOW_READ 1
#define KEEL_SHADOW_W1C 2
#define KEEL_SHADOW_POSTED 3
#define KEEL_SHADOW_LATCH 4

/** keel_shadow_reg.sizes: which access sizes the register takes (bit = bytes). */
#define KEEL_SHADOW_SIZE_1 0x1
#define KEEL_SHADOW_SIZE_2 0x2
#define KEEL_SHADOW_SIZE_4 0x4
#define KEEL_SHADOW_SIZES (KEEL_SHADOW_SIZE_1 | KEEL_SHADOW_SIZE_2 | KEEL_SHADOW_SIZE_4)

struct keel_shadow_reg {
	__u32 offset;  /**< from the window's base: 4-byte aligned, < window size */
	__u8 kind;     /**< KEEL_SHADOW_READ, _W1C, _POSTED or _LATCH */
	__u8 sizes;    /**< KEEL_SHADOW_SIZE_* mask, non-empty */
	__u16 word;    /**< READ, W1C, LATCH: index into keel_shadow_page.word; POSTED: 0 */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_shadow_reg) == 8, "keel_shadow_reg layout");

/** One posted guest store. */
struct keel_posted {
	__u32 offset;  /**< from the window's base */
	__u32 size;    /**< 1, 2 or 4 */
	__u64 data;    /**< the value stored, zero-extended */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_posted) == 16, "keel_posted layout");

/** The page behind one shadow window. VM0 writes magic and revision and
 * zeroes the rest before registering it; afterwards the hypervisor writes
 * posted_head and ring[], VM0 posted_tail, and both the words (atomics). */
struct keel_shadow_page {
	__u32 magic;        /**< KEEL_SHADOW_MAGIC */
	__u32 revision;     /**< KEEL_SHADOW_REVISION */
	__u32 posted_head;  /**< next entry the hypervisor writes (free-running) */
	__u32 posted_tail;  /**< next entry VM0 reads (free-running) */
	__u32 pad[12];
	__u32 word[KEEL_SHADOW_WORDS];
	struct keel_posted ring[KEEL_SHADOW_RING];
};
KEEL_STATIC_ASSERT(sizeof(struct keel_shadow_page) == 64 + 4 * 32 + 16 * 128,
		   "keel_shadow_page layout");
KEEL_STATIC_ASSERT(sizeof(struct keel_shadow_page) <= KEEL_SHADOW_PAGE_SIZE,
		   "keel_shadow_page fits its page");

#define KEEL_SHADOW_DESC_MAGIC 0x4453534bU /* "KSSD" */
#define KEEL_SHADOW_DESC_REVISION 1

/** KEEL_HC_SHADOW_REGISTER's argument, in VM0 memory; copied once. */
struct keel_shadow_desc {
	__u32 magic;     /**< KEEL_SHADOW_DESC_MAGIC */
	__u32 revision;  /**< KEEL_SHADOW_DESC_REVISION */
	__u32 vm_id;     /**< a guest */
	__u32 nr_regs;   /**< 1..KEEL_SHADOW_MAX_REGS */
	__u64 base;      /**< guest IPA of the window: 4-byte aligned */
	__u64 size;      /**< 4..KEEL_SHADOW_WINDOW_MAX; no overlap with another window */
	__u64 page;      /**< VM0 PA of the keel_shadow_page: page aligned, VM0 RAM */
	__u32 cookie;    /**< comes back in KEEL_EV_POSTED's vcpu field */
	__u32 pad;
	struct keel_shadow_reg reg[KEEL_SHADOW_MAX_REGS];
};
KEEL_STATIC_ASSERT(sizeof(struct keel_shadow_desc) == 48 + 8 * KEEL_SHADOW_MAX_REGS,
		   "keel_shadow_desc layout");

#endif
