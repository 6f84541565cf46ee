/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The GICv3 virtual CPU interface of this pCPU: ICH_*_EL2, which are
 * system registers, so the arch's. The vGIC's v3 ops (core/vgic/vgic-v3.c)
 * reach them only through these. */
#ifndef ASM_ICH_H
#define ASM_ICH_H
#include <asm/sysreg.h>
#include <hyp/types.h>

/* ICH_LR<n>_EL2, n < 16 */
u64 ich_lr_read(u32 n);
void ich_lr_write(u32 n, u64 v);
/* ICH_AP<grp>R<n>_EL2, grp 0 or 1, n < 4 */
u64 ich_apr_read(u32 grp, u32 n);
void ich_apr_write(u32 grp, u32 n, u64 v);
/* Empty list registers and active priorities, VMCR 0, the interface
 * enabled: as a pCPU starts. */
void ich_reset(u32 nr_lrs, u32 nr_apr);

static inline u64 ich_vtr_read(void) { return read_sysreg(ICH_VTR_EL2); }
static inline u64 ich_hcr_read(void) { return read_sysreg(ICH_HCR_EL2); }
static inline void ich_hcr_write(u64 v) { write_sysreg(v, ICH_HCR_EL2); }
static inline u64 ich_vmcr_read(void) { return read_sysreg(ICH_VMCR_EL2); }
static inline void ich_vmcr_write(u64 v) { write_sysreg(v, ICH_VMCR_EL2); }
#endif
