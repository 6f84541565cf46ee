/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* List register layouts (GICv3 ICH_LR<n>_EL2, GICv2 GICH_LR<n>). */
#include "vgic-priv.h"

#define ICH_LR_VINTID_MASK 0xffffffffULL
#define ICH_LR_PINTID_SHIFT 32
#define ICH_LR_PINTID_MASK 0x1fffULL
#define ICH_LR_EOI BIT(41)
#define ICH_LR_PRIO_SHIFT 48
#define ICH_LR_PRIO_MASK 0xffULL
#define ICH_LR_GROUP BIT(60)
#define ICH_LR_HW BIT(61)
#define ICH_LR_STATE_SHIFT 62
#define ICH_LR_STATE_MASK 0x3ULL

#define GICH_LR_VID_MASK 0x3ffU
#define GICH_LR_PID_SHIFT 10
#define GICH_LR_PID_MASK 0x3ffU
#define GICH_LR_CPUID_MASK 0x7U
#define GICH_LR_EOI BIT(19)
#define GICH_LR_PRIO_SHIFT 23
#define GICH_LR_PRIO_MASK 0x1fU
#define GICH_LR_STATE_SHIFT 28
#define GICH_LR_STATE_MASK 0x3U
#define GICH_LR_GRP1 BIT(30)
#define GICH_LR_HW BIT(31)

/* Both layouts encode state as bit 0 = pending, bit 1 = active, which is
 * how VGIC_LR_PENDING / VGIC_LR_ACTIVE are defined. */

u64 vgic_v3_lr_pack(const struct vgic_lr *lr)
{
	u64 v = lr->vintid & ICH_LR_VINTID_MASK;

	if (lr->hw)
		v |= ICH_LR_HW | ((lr->pintid & ICH_LR_PINTID_MASK) << ICH_LR_PINTID_SHIFT);
	else if (lr->eoi)
		v |= ICH_LR_EOI;
	if (lr->group1)
		v |= ICH_LR_GROUP;
	v |= (u64)lr->priority << ICH_LR_PRIO_SHIFT;
	v |= ((u64)lr->state & ICH_LR_STATE_MASK) << ICH_LR_STATE_SHIFT;
	return v;
}

void vgic_v3_lr_unpack(u64 v, struct vgic_lr *lr)
{
	lr->vintid = v & ICH_LR_VINTID_MASK;
	lr->hw = !!(v & ICH_LR_HW);
	lr->pintid = lr->hw ? (v >> ICH_LR_PINTID_SHIFT) & ICH_LR_PINTID_MASK : 0;
	lr->eoi = !lr->hw && (v & ICH_LR_EOI);
	lr->group1 = !!(v & ICH_LR_GROUP);
	lr->priority = (v >> ICH_LR_PRIO_SHIFT) & ICH_LR_PRIO_MASK;
	lr->state = (v >> ICH_LR_STATE_SHIFT) & ICH_LR_STATE_MASK;
}

u32 vgic_v2_lr_pack(const struct vgic_lr *lr)
{
	u32 v = lr->vintid & GICH_LR_VID_MASK;

	if (lr->hw) {
		v |= GICH_LR_HW | ((lr->pintid & GICH_LR_PID_MASK) << GICH_LR_PID_SHIFT);
	} else {
		/* HW = 0: bits 12:10 carry an SGI's source CPU, bit 19 EOI. */
		v |= (lr->pintid & GICH_LR_CPUID_MASK) << GICH_LR_PID_SHIFT;
		if (lr->eoi)
			v |= GICH_LR_EOI;
	}
	if (lr->group1)
		v |= GICH_LR_GRP1;
	v |= ((u32)(lr->priority >> 3) & GICH_LR_PRIO_MASK) << GICH_LR_PRIO_SHIFT;
	v |= ((u32)lr->state & GICH_LR_STATE_MASK) << GICH_LR_STATE_SHIFT;
	return v;
}

void vgic_v2_lr_unpack(u32 v, struct vgic_lr *lr)
{
	lr->vintid = v & GICH_LR_VID_MASK;
	lr->hw = !!(v & GICH_LR_HW);
	if (lr->hw) {
		lr->pintid = (v >> GICH_LR_PID_SHIFT) & GICH_LR_PID_MASK;
		lr->eoi = false;
	} else {
		lr->pintid = (v >> GICH_LR_PID_SHIFT) & GICH_LR_CPUID_MASK;
		lr->eoi = !!(v & GICH_LR_EOI);
	}
	lr->group1 = !!(v & GICH_LR_GRP1);
	lr->priority = ((v >> GICH_LR_PRIO_SHIFT) & GICH_LR_PRIO_MASK) << 3;
	lr->state = (v >> GICH_LR_STATE_SHIFT) & GICH_LR_STATE_MASK;
}
