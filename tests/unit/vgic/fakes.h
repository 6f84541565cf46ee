/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Test doubles for what the vGIC calls outside itself: the physical GIC,
 * the list registers, and the core (mmio_register, vcpu_kick, ...). */
#ifndef VGIC_TEST_FAKES_H
#define VGIC_TEST_FAKES_H
#include "vgic-priv.h"

enum gcall_op { G_ENABLE, G_ROUTE, G_EDGE, G_PRIO, G_PENDING, G_ACTIVE, G_DEACT };

struct gcall {
	enum gcall_op op;
	u32 intid;
	u32 arg;
	u32 pcpu;  /* pCPU the call was made on */
};

extern struct gcall gcalls[256];
extern int ngcalls;
extern bool fake_phys_pending[1024];

extern struct vgic_lr fake_lr[VGIC_MAX_LRS];
extern bool fake_underflow;
extern int fake_underflow_writes;  /* set_underflow calls: hardware accesses */

extern u32 kicked;  /* bitmask of vCPU ids passed to vcpu_kick */
extern struct mmio_region fake_regions[4];
extern int nr_fake_regions;

/* Build a VM with nr vCPUs; vCPU i runs on pCPU i, MPIDR from mpidr[i] or i. */
struct vm *fake_vm(u32 version, u32 nr, const u64 *mpidr);
void fake_reset(void);
int find_gcall(enum gcall_op op, u32 intid, u32 arg);  /* index or -1 */
#endif
