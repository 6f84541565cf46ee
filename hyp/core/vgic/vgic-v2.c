/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* GICv2 virtual CPU interface: list registers in the GICH frame, and the
 * guest's GICC mapped straight onto the GICV frame. */
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/platform.h>
#include <hyp/stage2.h>

#include "vgic-priv.h"

static u64 gich;

static int v2_probe(void)
{
	gich = plat.gic.gich.base;
	if (!gich || !plat.gic.gicv.base) {
		pr_err("vgic: GICv2 without GICH/GICV in the device tree\n");
		return -ENODEV;
	}
	return (int)MIN((gic_read32(gich + GICH_VTR) & GICH_VTR_LISTREGS_MASK) + 1, (u32)VGIC_MAX_LRS);
}

static void v2_cpu_init(void)
{
	for (u32 i = 0; i < vgic_nr_lrs; i++)
		gic_write32(gich + GICH_LR0 + 4 * i, 0);
	gic_write32(gich + GICH_APR, 0);
	gic_write32(gich + GICH_VMCR, 0);
	gic_write32(gich + GICH_HCR, GICH_HCR_EN);
}

static int v2_vm_init(struct vm *vm)
{
	/* The guest's GICC page(s) become the GICV: GICC_DIR sits at 0x1000,
	 * so two pages at least, and never more than the GICV frame has. */
	u64 size = MIN(plat.gic.gicc.size, plat.gic.gicv.size);

	size = ALIGN_UP(MAX(size, VGIC_GICC_MIN_SIZE), PAGE_SIZE);
	return stage2_map(&vm->s2, vm->vgic.cpuif_base, plat.gic.gicv.base, size, S2_DEVICE_RW);
}

static void v2_read_lr(u32 n, struct vgic_lr *lr)
{
	vgic_v2_lr_unpack(gic_read32(gich + GICH_LR0 + 4 * n), lr);
}

static void v2_write_lr(u32 n, const struct vgic_lr *lr)
{
	gic_write32(gich + GICH_LR0 + 4 * n, vgic_v2_lr_pack(lr));
}

static void v2_clear_lr(u32 n)
{
	gic_write32(gich + GICH_LR0 + 4 * n, 0);
}

static void v2_set_underflow(bool on)
{
	u32 hcr = gic_read32(gich + GICH_HCR);
	u32 want = on ? hcr | (u32)GICH_HCR_UIE : hcr & ~(u32)GICH_HCR_UIE;

	if (want != hcr)
		gic_write32(gich + GICH_HCR, want);
}

static void v2_save(struct vgic_cpu *c)
{
	c->vmcr = gic_read32(gich + GICH_VMCR);
	c->ap0r[0] = gic_read32(gich + GICH_APR);
	c->hcr = gic_read32(gich + GICH_HCR);
}

static void v2_restore(const struct vgic_cpu *c)
{
	gic_write32(gich + GICH_VMCR, (u32)c->vmcr);
	gic_write32(gich + GICH_APR, (u32)c->ap0r[0]);
	gic_write32(gich + GICH_HCR, GICH_HCR_EN);
}

const struct vgic_ops vgic_v2_ops = {
	.name = "vGICv2",
	.version = 2,
	.probe = v2_probe,
	.cpu_init = v2_cpu_init,
	.vm_init = v2_vm_init,
	.read_lr = v2_read_lr,
	.write_lr = v2_write_lr,
	.clear_lr = v2_clear_lr,
	.set_underflow = v2_set_underflow,
	.save = v2_save,
	.restore = v2_restore,
};
