/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Device passthrough (proto/keel/passthrough.h): devices of the machine that
 * leave VM0 for one guest and come back when it is destroyed. The hypervisor
 * only owns, maps and routes: no device model lives here. */
#ifndef HYP_PASSTHROUGH_H
#define HYP_PASSTHROUGH_H
#include <keel/passthrough.h>
#include <hyp/platform.h>
#include <hyp/types.h>

struct vm;

/* What a descriptor is checked against (pt_check.c, pure: unit-tested). */
struct pt_platform {
	const struct mem_range *ram;       /* all RAM */
	u32 nr_ram;
	const struct mem_range *keep;      /* never passed: GIC frames, the hypervisor's UART and memory */
	u32 nr_keep;
	const struct mem_range *dev;       /* device ranges VM0 got (page-rounded) */
	u32 nr_dev;
	u32 nr_irqs;                       /* INTIDs below this exist */
	const u32 *keep_irqs;              /* never passed: VM0's doorbell, the maintenance interrupt */
	u32 nr_keep_irqs;
	u64 ipa_limit;                     /* guest IPAs end here */
};

/* 0, or -EINVAL for a descriptor that is malformed or names something that is
 * not a device of the machine, -EPERM for a DMA device on a guest whose RAM
 * is not identity-mapped. Says nothing of who owns what. */
int pt_desc_check(const struct keel_pt_desc *d, const struct pt_platform *p, bool identity);
/* Do two descriptors share a page or an SPI? */
bool pt_desc_conflict(const struct keel_pt_desc *a, const struct keel_pt_desc *b);

/* KEEL_HC_PT_ASSIGN: d is a private copy of VM0's descriptor. -EBUSY when
 * another VM owns part of it (or VM0 is handling one of its interrupts). */
int pt_assign(const struct keel_pt_desc *d);
/* The guest is being destroyed (no vCPU loaded): its devices go back to VM0. */
void pt_release(struct vm *vm);
/* Does [base, base + size) touch a device passed to this VM? */
bool pt_overlaps(const struct vm *vm, u64 base, u64 size);
#endif
