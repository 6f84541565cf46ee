/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* GICv3 virtual CPU interface: the ICH_* system registers, read and written
 * through asm/ich.h. The guest uses its ICC_* registers, which
 * HCR_EL2.IMO/FMO redirect to the ICV_* view. */
#include <asm/ich.h>
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/platform.h>

#include "vgic-priv.h"

static u32 nr_apr;  /* ICH_AP<g>R<n>_EL2 implemented: 1, 2 or 4 */

static int v3_probe(void)
{
	u64 vtr = ich_vtr_read();
	u32 pre = ((vtr >> ICH_VTR_PREBITS_SHIFT) & ICH_VTR_PREBITS_MASK) + 1;

	/* 5 preemption bits: one APR per group, 6: two, 7: four. */
	nr_apr = pre >= 7 ? 4 : pre == 6 ? 2 : 1;
	return (int)MIN((vtr & ICH_VTR_LISTREGS_MASK) + 1, (u64)VGIC_MAX_LRS);
}

static void v3_cpu_init(void)
{
	ich_reset(vgic_nr_lrs, nr_apr);
}

static void v3_read_lr(u32 n, struct vgic_lr *lr)
{
	/* No barrier: a trap to EL2 is context synchronizing, and the guest
	 * reached the virtual interface only through system registers. */
	vgic_v3_lr_unpack(ich_lr_read(n), lr);
}

static void v3_write_lr(u32 n, const struct vgic_lr *lr)
{
	/* Takes effect at the ERET into the guest (context synchronizing). */
	ich_lr_write(n, vgic_v3_lr_pack(lr));
}

static void v3_clear_lr(u32 n)
{
	ich_lr_write(n, 0);
}

static void v3_set_underflow(bool on)
{
	u64 hcr = ich_hcr_read();
	u64 want = on ? hcr | ICH_HCR_UIE : hcr & ~(u64)ICH_HCR_UIE;

	if (want != hcr)
		ich_hcr_write(want);
}

static void v3_save(struct vgic_cpu *c)
{
	c->vmcr = ich_vmcr_read();
	for (u32 i = 0; i < nr_apr && i < ARRAY_SIZE(c->ap0r); i++) {
		c->ap0r[i] = ich_apr_read(0, i);
		c->ap1r[i] = ich_apr_read(1, i);
	}
	c->hcr = (u32)ich_hcr_read();
}

static void v3_restore(const struct vgic_cpu *c)
{
	ich_vmcr_write(c->vmcr);
	for (u32 i = 0; i < nr_apr && i < ARRAY_SIZE(c->ap0r); i++) {
		ich_apr_write(0, i, c->ap0r[i]);
		ich_apr_write(1, i, c->ap1r[i]);
	}
	/* The list registers are refilled by vgic_flush; UIE with them. */
	ich_hcr_write(ICH_HCR_EN);
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
