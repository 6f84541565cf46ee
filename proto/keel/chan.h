/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file chan.h
 * @brief Inter-VM channels: a shared memory region plus a doorbell in each
 * direction between two VMs (VM0 may be one end).
 *
 * keeld attaches each end with KEEL_HC_CHAN_ATTACH (VM0 only): the
 * hypervisor takes the region from its pool on the first attach of a name,
 * maps it into the end's stage 2 and says which end (0 or 1) it is. Either
 * end rings the other with KEEL_HC_CHAN_KICK (any VM): the hypervisor
 * raises the peer's channel SPI (a guest) or posts KEEL_EV_CHAN (VM0),
 * without VM0's userspace. The region is freed when both ends are gone.
 *
 * The region's content is the two ends' business; Keel's drivers (keel.ko
 * for VM0, keelchan.ko in guests) lay it out as struct keel_chan_hdr and
 * two byte rings. Each end treats everything in it as hostile.
 */
#ifndef KEEL_PROTO_CHAN_H
#define KEEL_PROTO_CHAN_H

#include "types.h"
#include "vm.h"

#define KEEL_CHAN_NAME_LEN 16        /**< with the NUL: [A-Za-z0-9_-]{1,15} */
#define KEEL_CHAN_MAX 32             /**< channels the hypervisor holds at once */
#define KEEL_CHAN_MIN_SIZE 0x2000ULL /**< header page + one page of rings */
#define KEEL_CHAN_MAX_SIZE 0x1000000ULL /**< 16 MiB */
/** The name a channel end gives for VM0 (guests cannot be named so). */
#define KEEL_CHAN_VM0_NAME "vm0"

/*
 * Where a guest sees its channels (keeld's default placement): channel n
 * of its config at KEEL_GUEST_CHAN_BASE + n * KEEL_CHAN_MAX_SIZE, raised
 * on SPI KEEL_GUEST_CHAN_SPI + n. Below guest RAM, above the virtio-mmio
 * windows; SPIs clear of QEMU virt's platform devices (1..9, 16..47, 64..95).
 */
#define KEEL_GUEST_CHAN_BASE 0x10000000ULL
#define KEEL_GUEST_CHAN_MAX 8        /**< channels per guest */
#define KEEL_GUEST_CHAN_SPI 112      /**< channel n: SPI 112 + n (INTID 144 + n) */

#define KEEL_CHAN_DESC_MAGIC 0x4e48434bU /* "KCHN" */
#define KEEL_CHAN_DESC_REVISION 1

/** KEEL_HC_CHAN_ATTACH's argument: one end of a channel. */
struct keel_chan_desc {
	__u32 magic;                    /**< KEEL_CHAN_DESC_MAGIC */
	__u32 revision;                 /**< KEEL_CHAN_DESC_REVISION */
	__u32 vm_id;                    /**< the end being attached: 0 (VM0) or a guest */
	__u32 intid;                    /**< guest: the SPI (INTID) its peer's kicks raise; VM0: 0 */
	__u64 size;                     /**< page multiple, KEEL_CHAN_MIN_SIZE..KEEL_CHAN_MAX_SIZE */
	__u64 ipa;                      /**< guest: page aligned, off RAM, GIC, MMIO, other channels; VM0: 0 (IPA = PA) */
	char name[KEEL_CHAN_NAME_LEN];  /**< NUL-terminated */
	char peer[KEEL_VM_NAME_LEN];    /**< the other end's VM name, or KEEL_CHAN_VM0_NAME */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_chan_desc) == 80, "keel_chan_desc layout");

/*
 * The byte-stream layout Keel's drivers put in the region. Direction d
 * carries bytes from end d to end 1 - d through a single-producer,
 * single-consumer ring of KEEL_CHAN_RING_BYTES(size) bytes at
 * KEEL_CHAN_RING_OFF(size, d). head and tail count bytes (free-running,
 * modulo 2^32); head - tail is the ring's fill and is never trusted beyond
 * the ring's size.
 */
#define KEEL_CHAN_HDR_MAGIC 0x474e524bU /* "KRNG" */
#define KEEL_CHAN_HDR_REVISION 1

struct keel_chan_dir {
	__u32 head;          /**< written by the producer: bytes published */
	__u32 pad0[15];      /**< head alone on its cache line */
	__u32 tail;          /**< written by the consumer: bytes consumed */
	__u32 want_space;    /**< producer: "kick me when you consume"; consumer clears */
	__u32 pad1[14];
};
KEEL_STATIC_ASSERT(sizeof(struct keel_chan_dir) == 128, "keel_chan_dir layout");

struct keel_chan_hdr {
	__u32 magic[2];      /**< each end writes its own: KEEL_CHAN_HDR_MAGIC */
	__u32 revision[2];   /**< each end writes its own: KEEL_CHAN_HDR_REVISION */
	__u32 pad[12];
	struct keel_chan_dir dir[2];
};
KEEL_STATIC_ASSERT(sizeof(struct keel_chan_hdr) == 320, "keel_chan_hdr layout");

#define KEEL_CHAN_HDR_BYTES 0x1000ULL /**< the header's page */
/** Largest power of two that fits twice in what follows the header page. */
#define KEEL_CHAN_RING_BYTES(size) \
	(1ULL << (63 - __builtin_clzll(((size) - KEEL_CHAN_HDR_BYTES) / 2)))
#define KEEL_CHAN_RING_OFF(size, d) (KEEL_CHAN_HDR_BYTES + (__u64)(d) * KEEL_CHAN_RING_BYTES(size))

#endif
