/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Inside the vGIC. The files split as:
 *   vgic.c        interrupt state, injection, forwarding, routing
 *   vgic-lr.c     list register fill (flush) and read-back (sync)
 *   vgic-mmio.c   register-table dispatch and the per-INTID register handlers
 *   vgic-dist.c   the distributor register table (GICv2 and GICv3)
 *   vgic-redist.c the GICv3 redistributor register table
 *   vgic-sgi.c    guest SGIs: GICD_SGIR (v2), ICC_SGI1R_EL1 traps (v3)
 *   vgic-lrfmt.c  list register encodings
 *   vgic-v2.c, vgic-v3.c, vgic-hw.c: the hardware (EL2 only)
 * Everything but the last three is pure logic and is also built for the
 * host unit tests (tests/unit/vgic). */
#ifndef VGIC_PRIV_H
#define VGIC_PRIV_H
#include <keel/guest.h>
#include <hyp/gic.h>
#include <hyp/mmio.h>
#include <asm/sysreg.h>
#include <hyp/vcpu.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>

/* Priority bits a guest can set: GICv2 list registers hold five. */
#define VGIC_PRIO_MASK 0xf8
#define VGIC_IIDR 0x4b00043bU  /* ProductID 'K', implementer Arm (JEP106 0x43b) */
#define VGIC_GICD_SIZE KEEL_GUEST_GICD_SIZE
#define VGIC_GICC_MIN_SIZE 0x2000ULL

/* A list register, independent of the GIC version. */
struct vgic_lr {
	u32 vintid;
	u32 pintid;     /* HW = 1: physical INTID; GICv2 SGIs: source CPU */
	u8 priority;
	u8 state;       /* VGIC_LR_PENDING | VGIC_LR_ACTIVE, 0 = invalid */
	bool group1;
	bool hw;
	bool eoi;       /* HW = 0: maintenance interrupt when the guest deactivates it */
};
#define VGIC_LR_PENDING 1
#define VGIC_LR_ACTIVE 2

/* What differs between GICv2 (GICH MMIO) and GICv3 (ICH_* sysregs). */
struct vgic_ops {
	const char *name;
	u32 version;
	int (*probe)(void);                 /* returns the number of list registers */
	void (*cpu_init)(void);
	int (*vm_init)(struct vm *vm);      /* v2: GICC -> GICV stage-2 mapping */
	void (*read_lr)(u32 n, struct vgic_lr *lr);
	void (*write_lr)(u32 n, const struct vgic_lr *lr);
	void (*clear_lr)(u32 n);
	void (*set_underflow)(bool on);
	void (*save)(struct vgic_cpu *c);   /* VMCR and active priorities */
	void (*restore)(const struct vgic_cpu *c);
};

extern const struct vgic_ops *vgic_hw;
extern u32 vgic_nr_lrs;

/* vgic-lrfmt.c */
u64 vgic_v3_lr_pack(const struct vgic_lr *lr);
void vgic_v3_lr_unpack(u64 v, struct vgic_lr *lr);
u32 vgic_v2_lr_pack(const struct vgic_lr *lr);
void vgic_v2_lr_unpack(u32 v, struct vgic_lr *lr);

/* vgic.c: state and locking. Whoever touches a vgic_irq holds the lock that
 * guards it (see vgic.h): its vCPU's for an SGI/PPI, its home's for an SPI.
 * Lock order: vgic_dist.lock, vCPU locks by ascending id, unrouted_lock
 * (VGIC_NO_TARGET sorts last). All with IRQs off: the maintenance interrupt
 * and forwarded interrupts take vCPU locks from IRQ context. */
spinlock_t *vgic_home_lock(struct vm *vm, u32 home);
/* Take/drop the locks of homes a and b (once if equal), in order. */
void vgic_lock_pair(struct vm *vm, u32 a, u32 b);
void vgic_unlock_pair(struct vm *vm, u32 a, u32 b);
/* Find intid (SGIs/PPIs of owner) and lock what guards it; *home tells
 * vgic_unlock_home which lock that was. NULL, nothing locked: no such INTID.
 * IRQs must be off. */
struct vgic_irq *vgic_lock_irq(struct vm *vm, struct vcpu *owner, u32 intid, u32 *home);
void vgic_unlock_home(struct vm *vm, u32 home);
/* SGIs/PPIs of vcpu, or an SPI of vm; NULL when intid does not exist. */
struct vgic_irq *vgic_get_irq(struct vm *vm, struct vcpu *vcpu, u32 intid);
/* Would the guest see it as pending (latch, line, or GICv2 SGI sources)? */
bool vgic_irq_is_pending(const struct vm *vm, const struct vgic_irq *irq);
/* Pending, enabled, and its group enabled in GICD_CTLR. */
bool vgic_irq_deliverable(const struct vm *vm, const struct vgic_irq *irq);
/* vCPU id that would take irq (owner for private ones), or VGIC_NO_TARGET. */
u32 vgic_irq_target(const struct vgic_irq *irq, const struct vcpu *owner);
/* vCPUs to kick if irq (locked) is deliverable: its target, and for an SPI
 * still in its old home's list registers, that home. */
u32 vgic_irq_kick(const struct vm *vm, const struct vgic_irq *irq, const struct vcpu *owner);
/* SPI routing register write: route = ((route & ~mask) | (val & mask)) & valid,
 * decoded into target_vcpu, and the SPI moved to its new home. Takes the
 * locks itself (IRQs must be off, no vGIC lock held). Returns vCPUs to kick. */
u32 vgic_set_route(struct vm *vm, struct vgic_irq *irq, u64 mask, u64 val, u64 valid);
/* An SPI its old home just let go of (no longer in_lr): move it to
 * target_vcpu. Takes the locks itself. Returns vCPUs to kick. */
u32 vgic_irq_migrate(struct vm *vm, struct vgic_irq *irq);
/* vcpu_kick every vCPU in the id mask except the calling one. Unlocked. */
void vgic_kick_mask(struct vm *vm, u32 mask, const struct vcpu *self);

/* vgic-sgi.c; return a mask of vCPU ids to kick. */
u32 vgic_v2_send_sgi(struct vm *vm, struct vcpu *src, u32 sgir);
u32 vgic_v3_send_sgi(struct vm *vm, struct vcpu *src, u64 sgi1r);

/* vgic-mmio.c: a register block described as data. */
struct vgic_mmio_ctx {
	struct vm *vm;
	struct vcpu *vcpu;    /* the vCPU making the access */
	struct vcpu *owner;   /* whose SGIs/PPIs INTIDs 0..31 mean; NULL: RAZ/WI */
	u32 kick;             /* vCPU ids to kick once the locks are dropped */
};

typedef u64 (*vgic_read_t)(struct vgic_mmio_ctx *c, u32 arg, u32 size);
typedef void (*vgic_write_t)(struct vgic_mmio_ctx *c, u32 arg, u32 size, u64 val);

struct vgic_reg {
	u32 offset;
	u32 len;            /* bytes covered */
	u8 bits_per_irq;    /* 0: arg = byte offset into the register; else first INTID */
	u8 sizes;           /* allowed access widths: VGIC_SZ_* */
	u8 versions;        /* VGIC_V2 | VGIC_V3 */
	vgic_read_t read;   /* NULL: reads as zero */
	vgic_write_t write; /* NULL: writes ignored */
};
#define VGIC_SZ_1 BIT(0)
#define VGIC_SZ_2 BIT(1)
#define VGIC_SZ_4 BIT(2)
#define VGIC_SZ_8 BIT(3)
#define VGIC_V2 BIT(0)
#define VGIC_V3 BIT(1)

/* Find the register, check width and alignment, run it with IRQs off (the
 * handlers lock what they touch), then kick. Bad accesses read as zero and
 * are ignored. */
void vgic_mmio_access(const struct vgic_reg *regs, size_t nr, struct vgic_mmio_ctx *c,
		      struct mmio_access *acc, u64 offset);

/* Per-INTID register handlers shared by the GICD and GICR tables. */
u64 vgic_mmio_read_group(struct vgic_mmio_ctx *c, u32 intid, u32 size);
void vgic_mmio_write_group(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val);
u64 vgic_mmio_read_enable(struct vgic_mmio_ctx *c, u32 intid, u32 size);
void vgic_mmio_write_senable(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val);
void vgic_mmio_write_cenable(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val);
u64 vgic_mmio_read_pending(struct vgic_mmio_ctx *c, u32 intid, u32 size);
void vgic_mmio_write_spending(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val);
void vgic_mmio_write_cpending(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val);
u64 vgic_mmio_read_active(struct vgic_mmio_ctx *c, u32 intid, u32 size);
void vgic_mmio_write_sactive(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val);
void vgic_mmio_write_cactive(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val);
u64 vgic_mmio_read_priority(struct vgic_mmio_ctx *c, u32 intid, u32 size);
void vgic_mmio_write_priority(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val);
u64 vgic_mmio_read_config(struct vgic_mmio_ctx *c, u32 intid, u32 size);
void vgic_mmio_write_config(struct vgic_mmio_ctx *c, u32 intid, u32 size, u64 val);

/* vgic-dist.c, vgic-redist.c: the mmio_register handlers. */
int vgic_dist_mmio(struct vcpu *vcpu, struct mmio_access *acc, void *priv);
int vgic_redist_mmio(struct vcpu *vcpu, struct mmio_access *acc, void *priv);
#endif
