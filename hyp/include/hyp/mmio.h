/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Emulated MMIO regions of a VM: a trapped stage-2 data abort inside one of
 * them is decoded into a struct mmio_access and handed to its handler. */
#ifndef HYP_MMIO_H
#define HYP_MMIO_H
#include <hyp/types.h>

struct vcpu;
struct vm;

struct mmio_access {
	u64 addr;    /* guest IPA of the access */
	u64 offset;  /* addr - region base */
	u32 size;    /* bytes: 1, 2, 4 or 8 */
	bool write;
	u64 data;    /* value written, or value to return on a read */
};

/* Returns 0, MMIO_DEFERRED (the vCPU waits: VM0 serves the access), or a
 * negative errno: the access then gets an external abort. */
#define MMIO_DEFERRED 1
typedef int (*mmio_handler_t)(struct vcpu *vcpu, struct mmio_access *acc, void *priv);

struct mmio_region {
	u64 base;
	u64 size;
	mmio_handler_t handler;
	void *priv;
	bool overlay;
};

/* -EINVAL empty/wrapping, -EEXIST overlap, -ENOSPC table full. An overlay
 * (a posted doorbell) lies wholly inside one ordinary region, or outside all
 * of them, and never overlaps another overlay; ordinary regions never
 * overlap each other. An access finds the smallest region holding it, so an
 * overlay wins over the region around it. */
int mmio_register(struct vm *vm, u64 base, u64 size, mmio_handler_t handler, void *priv,
		  bool overlay);
const struct mmio_region *mmio_find(struct vm *vm, u64 addr);
#endif
