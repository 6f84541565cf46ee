/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The physical GIC, as the hypervisor drives it. One implementation per
 * architecture version (drivers/gic/gicv2.c, gicv3.c) behind gic_ops. The
 * hypervisor runs its CPU interface with EOImode = 1: gic_eoi() only drops
 * priority, and an interrupt forwarded to a guest stays active until the
 * guest's deactivation reaches it through a list register with HW = 1. */
#ifndef HYP_GIC_H
#define HYP_GIC_H
#include <hyp/platform.h>
#include <hyp/types.h>

#define GIC_INTID_SPURIOUS 1023
#define GIC_NR_PRIVATE 32
#define GIC_PRIO_DEFAULT 0xa0

/* SGIs the hypervisor keeps for itself; guests' SGIs are virtual only. */
#define SGI_KICK 0        /* re-examine this pCPU's vCPU (new interrupt, wake-up) */
#define SGI_STOP 1        /* park this pCPU */

struct gic_ops {
	const char *name;
	int (*init)(const struct platform_gic *g); /* once, on the boot pCPU */
	void (*cpu_init)(void);                    /* on every pCPU */
	u32 (*ack)(void);                          /* returns the INTID */
	void (*eoi)(u32 intid);                    /* priority drop */
	void (*deactivate)(u32 intid);
	void (*send_sgi)(u32 pcpu, u32 sgi);
	void (*set_enable)(u32 intid, bool enable);  /* PPIs/SGIs: this pCPU */
	void (*set_route)(u32 intid, u32 pcpu);      /* SPIs only */
	void (*set_edge)(u32 intid, bool edge);
	void (*set_priority)(u32 intid, u8 prio);
	void (*set_pending)(u32 intid, bool pending);
	void (*set_active)(u32 intid, bool active);
	bool (*is_pending)(u32 intid);
	bool (*is_active)(u32 intid);
	u32 nr_irqs;                               /* INTIDs 0..nr_irqs-1 exist */
};

extern const struct gic_ops *gic;
extern struct gic_ops gicv2_ops;   /* nr_irqs filled in by init */
extern struct gic_ops gicv3_ops;

/* Distributor registers (GICv2 and GICv3 share these offsets). */
#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_TYPER2 0x000c
#define GICD_STATUSR 0x0010
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICD_ISACTIVER 0x0300
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ITARGETSR 0x0800
#define GICD_ICFGR 0x0c00
#define GICD_IGRPMODR 0x0d00
#define GICD_NSACR 0x0e00
#define GICD_SGIR 0x0f00          /* v2 */
#define GICD_CPENDSGIR 0x0f10     /* v2 */
#define GICD_SPENDSGIR 0x0f20     /* v2 */
#define GICD_IROUTER 0x6000       /* v3, 64-bit per INTID */
#define GICD_PIDR2_V2 0x0fe8
#define GICD_PIDR2_V3 0xffe8

#define GICD_CTLR_ENABLE_G0 BIT(0)
#define GICD_CTLR_ENABLE_G1 BIT(1)  /* EnableGrp1 (DS=1) / EnableGrp1A (NS view) */
#define GICD_CTLR_ARE BIT(4)
#define GICD_CTLR_DS BIT(6)
#define GICD_CTLR_RWP BIT(31)
#define GICD_TYPER_ITLINES_MASK 0x1f
#define GICD_TYPER_CPUS_SHIFT 5
#define GICD_TYPER_CPUS_MASK 0x7
#define GICD_TYPER_IDBITS_SHIFT 19
#define GICD_TYPER_IDBITS_MASK 0x1f
#define GICD_TYPER_NO1N BIT(25)
#define GICD_SGIR_TARGET_SHIFT 16
#define GICD_SGIR_TARGET_MASK 0xff
#define GICD_SGIR_FILTER_SHIFT 24
#define GICD_SGIR_FILTER_MASK 0x3
#define GICD_SGIR_INTID_MASK 0xf
#define GIC_PIDR2_ARCH_SHIFT 4
#define GICD_IROUTER_IRM BIT(31)

/* GICv3 redistributor: an RD frame, then an SGI frame 64 KiB later. */
#define GICR_FRAME_SIZE 0x10000
#define GICR_STRIDE 0x20000
#define GICR_CTLR 0x0000
#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008
#define GICR_STATUSR 0x0010
#define GICR_WAKER 0x0014
#define GICR_PROPBASER 0x0070
#define GICR_PENDBASER 0x0078
#define GICR_PIDR2 0xffe8
#define GICR_SGI_BASE GICR_FRAME_SIZE  /* registers below: offsets in the SGI frame */
#define GICR_CTLR_RWP BIT(3)
#define GICR_TYPER_VLPIS BIT(1)
#define GICR_TYPER_LAST BIT(4)
#define GICR_TYPER_PROC_SHIFT 8
#define GICR_TYPER_AFF_SHIFT 32
#define GICR_WAKER_PROCESSOR_SLEEP BIT(1)
#define GICR_WAKER_CHILDREN_ASLEEP BIT(2)

/* GICv2 CPU interface */
#define GICC_CTLR 0x0000
#define GICC_PMR 0x0004
#define GICC_BPR 0x0008
#define GICC_IAR 0x000c
#define GICC_EOIR 0x0010
#define GICC_DIR 0x1000
#define GICC_CTLR_ENABLE_G0 BIT(0)
#define GICC_CTLR_ENABLE_G1 BIT(1)
#define GICC_CTLR_EOIMODE BIT(9)     /* no Security Extensions / Secure copy */
#define GICC_CTLR_EOIMODE_NS BIT(10)
#define GICC_IAR_INTID_MASK 0x3ff

/* GICv2 virtual interface control (GICH) */
#define GICH_HCR 0x0000
#define GICH_VTR 0x0004
#define GICH_VMCR 0x0008
#define GICH_MISR 0x0010
#define GICH_EISR0 0x0020
#define GICH_ELRSR0 0x0030
#define GICH_APR 0x00f0
#define GICH_LR0 0x0100
#define GICH_HCR_EN BIT(0)
#define GICH_HCR_UIE BIT(1)
#define GICH_VTR_LISTREGS_MASK 0x3f

/* GICv3 CPU interface fields */
#define ICC_SRE_SRE BIT(0)
#define ICC_SRE_DFB BIT(1)
#define ICC_SRE_DIB BIT(2)
#define ICC_SRE_EL2_ENABLE BIT(3)
#define ICC_CTLR_EOIMODE BIT(1)
#define ICC_IAR_INTID_MASK 0xffffff
#define ICC_SGI1R_TARGETS_MASK 0xffff
#define ICC_SGI1R_AFF1_SHIFT 16
#define ICC_SGI1R_INTID_SHIFT 24
#define ICC_SGI1R_INTID_MASK 0xf
#define ICC_SGI1R_AFF2_SHIFT 32
#define ICC_SGI1R_IRM BIT(40)
#define ICC_SGI1R_RS_SHIFT 44
#define ICC_SGI1R_RS_MASK 0xf
#define ICC_SGI1R_AFF3_SHIFT 48
#define ICH_HCR_EN BIT(0)
#define ICH_HCR_UIE BIT(1)
#define ICH_VTR_LISTREGS_MASK 0x1f
#define ICH_VTR_PREBITS_SHIFT 26
#define ICH_VTR_PREBITS_MASK 0x7

/* MPIDR affinity fields */
#define MPIDR_AFF0(m) ((u32)((m) & 0xff))
#define MPIDR_AFF1(m) ((u32)(((m) >> 8) & 0xff))
#define MPIDR_AFF2(m) ((u32)(((m) >> 16) & 0xff))
#define MPIDR_AFF3(m) ((u32)(((m) >> 32) & 0xff))

/* Hypervisor-owned PPIs */
#define GIC_PPI_MAINT_DEFAULT 25
#define GIC_PPI_HYP_TIMER 26

/* Memory-mapped GIC registers. The hypervisor is identity-mapped and GIC
 * frames are Device-nGnRE, so accesses to one frame stay in program order. */
static inline u32 gic_read32(u64 addr) { return *(volatile u32 *)addr; }
static inline void gic_write32(u64 addr, u32 v) { *(volatile u32 *)addr = v; }
static inline u64 gic_read64(u64 addr) { return *(volatile u64 *)addr; }
static inline void gic_write64(u64 addr, u64 v) { *(volatile u64 *)addr = v; }
static inline u8 gic_read8(u64 addr) { return *(volatile u8 *)addr; }
static inline void gic_write8(u64 addr, u8 v) { *(volatile u8 *)addr = v; }

int gic_probe(const struct platform_gic *g);
#endif
