/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The virtual GIC: a distributor (and GICv3 redistributors) emulated in hyp,
 * delivery through list registers. GICv2 and GICv3 share the distributor and
 * interrupt state; vgic_ops holds what differs (list registers, CPU
 * interface, redistributor or SGIR). */
#ifndef HYP_VGIC_H
#define HYP_VGIC_H
#include <hyp/config.h>
#include <hyp/spinlock.h>
#include <hyp/types.h>

struct vcpu;
struct vm;

#define VGIC_MAX_LRS 16

/* State of one virtual interrupt. SGIs/PPIs live per vCPU, SPIs per VM.
 * Locking (see vgic.c): an SGI/PPI is guarded by its vCPU's vgic_cpu.lock;
 * an SPI by the lock of its `home` vCPU (vgic_dist.unrouted_lock when it has
 * none). `home` follows target_vcpu, except that an SPI rerouted while in
 * its old home's list registers moves when that vCPU syncs them. */
struct vgic_irq {
	u32 intid;
	u8 priority;
	u8 enabled : 1;
	u8 pending : 1;     /* pending latch: edge seen, ISPENDR, forwarded */
	u8 line_level : 1;  /* level-triggered virtual interrupts: input line */
	u8 active : 1;
	u8 edge : 1;
	u8 hw : 1;          /* forwarded from the physical interrupt of the same INTID */
	u8 in_lr : 1;       /* currently held in a list register */
	u8 group1 : 1;
	u8 target_vcpu;     /* SPIs: vCPU it is routed to, VGIC_NO_TARGET if none */
	u8 active_source;   /* GICv2 SGIs: source vCPU of the active instance */
	u64 route;          /* GICD_IROUTER / ITARGETSR value as written */
	u16 sgi_source;     /* GICv2 SGIs: bitmap of source vCPUs still pending */
	s8 lr;              /* list register index when in_lr */
	u8 home;            /* SPIs: vCPU whose lock guards it, VGIC_NO_TARGET: unrouted */
};

#define VGIC_NO_TARGET 0xff

struct vgic_cpu {
	struct vgic_irq private_irqs[32];
	u32 nr_lrs;
	u64 lr[VGIC_MAX_LRS];   /* saved list registers while descheduled */
	u64 vmcr;
	u64 ap0r[4], ap1r[4];
	u32 hcr;
	u32 redist_waker;       /* GICv3 GICR_WAKER as seen by the guest */
	u32 redist_ctlr;
	spinlock_t lock;        /* this vCPU's interrupts, list registers, SPIs homed here */
	u32 used_lrs;           /* list registers 0..used_lrs-1 hold lr_intid[] */
	u16 lr_intid[VGIC_MAX_LRS];
	u32 ppi_hw_dirty;       /* forwarded PPIs whose enable must reach this pCPU's GIC */
	bool underflow;         /* UIE as set in the hardware while this vCPU is loaded */
};

struct vgic_dist {
	u32 version;            /* 2 or 3 */
	u32 nr_irqs;            /* INTIDs 0..nr_irqs-1 */
	u32 ctlr;               /* written under lock, read without */
	u64 dist_base;          /* guest IPA of the GICD */
	u64 redist_base;        /* v3: IPA of the first GICR frame */
	u64 cpuif_base;         /* v2: IPA of the GICC (mapped to the GICV) */
	struct vgic_irq *spis;  /* nr_irqs - 32 entries */
	spinlock_t lock;        /* GICD_CTLR, ICFGR writes, reset; taken before vCPU locks */
	spinlock_t unrouted_lock;  /* SPIs routed nowhere; taken after every vCPU lock */
};

/* Per-VM and per-vCPU set-up; vgic_vm_init registers the GICD (and GICR)
 * MMIO handlers with mmio_register and, for v2, maps GICC -> GICV. */
int vgic_vm_init(struct vm *vm, u64 dist_base, u64 redist_or_cpuif_base);
void vgic_vcpu_init(struct vcpu *vcpu);
/* Back to power-on state (guest reboot), keeping forwarded-interrupt
 * assignments; forwarded interrupts are disabled and deactivated. Every
 * vCPU must be stopped and vgic_save'd: -EBUSY otherwise. */
int vgic_vm_reset(struct vm *vm);
/* Reset, then free the interrupt state (VM teardown). */
void vgic_vm_destroy(struct vm *vm);

/* Make a virtual interrupt pending (edge) or set its line (level), and kick
 * the target vCPU. Safe from any pCPU. Returns 0 or -EINVAL. */
int vgic_inject(struct vm *vm, u32 vcpu_id, u32 intid, bool level);

/* A physical interrupt owned by a VM arrived on this pCPU (already acked,
 * priority dropped): inject it with HW = 1 so the guest deactivates it. */
void vgic_forward_phys(struct vm *vm, u32 intid);

/* Mark a physical SPI (or PPI for every vCPU) as forwarded to this VM. */
int vgic_assign_hw(struct vm *vm, u32 intid);
/* An SPI stops being forwarded to this VM (passthrough hands it to another):
 * its virtual state keeps enable, priority and route for when it comes back;
 * the physical line is disabled. -EBUSY while the VM has it in hand (in a
 * list register, or active), unless force: a VM being destroyed, whose
 * vCPUs are off every pCPU, never ends it. */
int vgic_unassign_hw(struct vm *vm, u32 intid, bool force);

/* Around each guest entry/exit on this pCPU. */
void vgic_flush(struct vcpu *vcpu);  /* pending -> list registers */
void vgic_sync(struct vcpu *vcpu);   /* list registers -> state */
void vgic_save(struct vcpu *vcpu);   /* when descheduling */
void vgic_restore(struct vcpu *vcpu);

/* Maintenance interrupt (list registers ran short). */
void vgic_maintenance(void);

/* Trapped ICC_SGI1R_EL1 and friends (GICv3). Returns 0 or -errno. */
int vgic_sysreg(struct vcpu *vcpu, u64 key, bool read, u64 *val);

/* Does this vCPU have a pending, enabled interrupt (wake it from WFI)? */
bool vgic_has_pending(struct vcpu *vcpu);

/* Hypervisor-wide init on the boot pCPU after gic_probe, and per-pCPU. */
int vgic_global_init(void);
void vgic_cpu_init(void);
#endif
