/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* GICv3 virtual CPU interface: ICH_* system registers. The guest uses its
 * ICC_* registers, which HCR_EL2.IMO/FMO redirect to the ICV_* view. */
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/platform.h>
#include <asm/sysreg.h>

#include "vgic-priv.h"

#define ICH_LR_N(n) S3_4_C12_C12_##n
#define ICH_LR_M(n) S3_4_C12_C13_##n
#define ICH_AP0R(n) S3_4_C12_C8_##n
#define ICH_AP1R(n) S3_4_C12_C9_##n

static u32 nr_apr;  /* ICH_AP<g>R<n>_EL2 implemented: 1, 2 or 4 */

/* System register names are part of the instruction: one switch. */
static u64 lr_read(u32 n)
{
	switch (n) {
	case 0: return read_sysreg(ICH_LR_N(0));
	case 1: return read_sysreg(ICH_LR_N(1));
	case 2: return read_sysreg(ICH_LR_N(2));
	case 3: return read_sysreg(ICH_LR_N(3));
	case 4: return read_sysreg(ICH_LR_N(4));
	case 5: return read_sysreg(ICH_LR_N(5));
	case 6: return read_sysreg(ICH_LR_N(6));
	case 7: return read_sysreg(ICH_LR_N(7));
	case 8: return read_sysreg(ICH_LR_M(0));
	case 9: return read_sysreg(ICH_LR_M(1));
	case 10: return read_sysreg(ICH_LR_M(2));
	case 11: return read_sysreg(ICH_LR_M(3));
	case 12: return read_sysreg(ICH_LR_M(4));
	case 13: return read_sysreg(ICH_LR_M(5));
	case 14: return read_sysreg(ICH_LR_M(6));
	case 15: return read_sysreg(ICH_LR_M(7));
	}
	return 0;
}

static void lr_write(u32 n, u64 v)
{
	switch (n) {
	case 0: write_sysreg(v, ICH_LR_N(0)); break;
	case 1: write_sysreg(v, ICH_LR_N(1)); break;
	case 2: write_sysreg(v, ICH_LR_N(2)); break;
	case 3: write_sysreg(v, ICH_LR_N(3)); break;
	case 4: write_sysreg(v, ICH_LR_N(4)); break;
	case 5: write_sysreg(v, ICH_LR_N(5)); break;
	case 6: write_sysreg(v, ICH_LR_N(6)); break;
	case 7: write_sysreg(v, ICH_LR_N(7)); break;
	case 8: write_sysreg(v, ICH_LR_M(0)); break;
	case 9: write_sysreg(v, ICH_LR_M(1)); break;
	case 10: write_sysreg(v, ICH_LR_M(2)); break;
	case 11: write_sysreg(v, ICH_LR_M(3)); break;
	case 12: write_sysreg(v, ICH_LR_M(4)); break;
	case 13: write_sysreg(v, ICH_LR_M(5)); break;
	case 14: write_sysreg(v, ICH_LR_M(6)); break;
	case 15: write_sysreg(v, ICH_LR_M(7)); break;
	}
}

static u64 apr_read(u32 grp, u32 n)
{
	switch (grp * 4 + n) {
	case 0: return read_sysreg(ICH_AP0R(0));
	case 1: return read_sysreg(ICH_AP0R(1));
	case 2: return read_sysreg(ICH_AP0R(2));
	case 3: return read_sysreg(ICH_AP0R(3));
	case 4: return read_sysreg(ICH_AP1R(0));
	case 5: return read_sysreg(ICH_AP1R(1));
	case 6: return read_sysreg(ICH_AP1R(2));
	case 7: return read_sysreg(ICH_AP1R(3));
	}
	return 0;
}

static void apr_write(u32 grp, u32 n, u64 v)
{
	switch (grp * 4 + n) {
	case 0: write_sysreg(v, ICH_AP0R(0)); break;
	case 1: write_sysreg(v, ICH_AP0R(1)); break;
	case 2: write_sysreg(v, ICH_AP0R(2)); break;
	case 3: write_sysreg(v, ICH_AP0R(3)); break;
	case 4: write_sysreg(v, ICH_AP1R(0)); break;
	case 5: write_sysreg(v, ICH_AP1R(1)); break;
	case 6: write_sysreg(v, ICH_AP1R(2)); break;
	case 7: write_sysreg(v, ICH_AP1R(3)); break;
	}
}

static int v3_probe(void)
{
	u64 vtr = read_sysreg(ICH_VTR_EL2);
	u32 pre = ((vtr >> ICH_VTR_PREBITS_SHIFT) & ICH_VTR_PREBITS_MASK) + 1;

	/* 5 preemption bits: one APR per group, 6: two, 7: four. */
	nr_apr = pre >= 7 ? 4 : pre == 6 ? 2 : 1;
	return (int)MIN((vtr & ICH_VTR_LISTREGS_MASK) + 1, (u64)VGIC_MAX_LRS);
}

static void v3_cpu_init(void)
{
	for (u32 i = 0; i < vgic_nr_lrs; i++)
		lr_write(i, 0);
	for (u32 i = 0; i < nr_apr; i++) {
		apr_write(0, i, 0);
		apr_write(1, i, 0);
	}
	write_sysreg(0, ICH_VMCR_EL2);
	write_sysreg(ICH_HCR_EN, ICH_HCR_EL2);
	isb();  /* the virtual interface is set up before any guest entry */
}

static void v3_read_lr(u32 n, struct vgic_lr *lr)
{
	/* No barrier: a trap to EL2 is context synchronizing, and the guest
	 * reached the virtual interface only through system registers. */
	vgic_v3_lr_unpack(lr_read(n), lr);
}

static void v3_write_lr(u32 n, const struct vgic_lr *lr)
{
	/* Takes effect at the ERET into the guest (context synchronizing). */
	lr_write(n, vgic_v3_lr_pack(lr));
}

static void v3_clear_lr(u32 n)
{
	lr_write(n, 0);
}

static void v3_set_underflow(bool on)
{
	u64 hcr = read_sysreg(ICH_HCR_EL2);
	u64 want = on ? hcr | ICH_HCR_UIE : hcr & ~(u64)ICH_HCR_UIE;

	if (want != hcr)
		write_sysreg(want, ICH_HCR_EL2);
}

static void v3_save(struct vgic_cpu *c)
{
	c->vmcr = read_sysreg(ICH_VMCR_EL2);
	for (u32 i = 0; i < nr_apr && i < ARRAY_SIZE(c->ap0r); i++) {
		c->ap0r[i] = apr_read(0, i);
		c->ap1r[i] = apr_read(1, i);
	}
	c->hcr = (u32)read_sysreg(ICH_HCR_EL2);
}

static void v3_restore(const struct vgic_cpu *c)
{
	write_sysreg(c->vmcr, ICH_VMCR_EL2);
	for (u32 i = 0; i < nr_apr && i < ARRAY_SIZE(c->ap0r); i++) {
		apr_write(0, i, c->ap0r[i]);
		apr_write(1, i, c->ap1r[i]);
	}
	/* The list registers are refilled by vgic_flush; UIE with them. */
	write_sysreg(ICH_HCR_EN, ICH_HCR_EL2);
}

const struct vgic_ops vgic_v3_ops = {
	.name = "vGICv3",
	.version = 3,
	.probe = v3_probe,
	.cpu_init = v3_cpu_init,
	.vm_init = NULL,
	.read_lr = v3_read_lr,
	.write_lr = v3_write_lr,
	.clear_lr = v3_clear_lr,
	.set_underflow = v3_set_underflow,
	.save = v3_save,
	.restore = v3_restore,
};
