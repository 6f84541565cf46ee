// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The GICv3 virtual CPU interface registers (ICH_*_EL2): asm/ich.h. */
#include <asm/ich.h>
#include <asm/sysreg.h>
#include <hyp/gic.h>

#define ICH_LR_N(n) S3_4_C12_C12_##n
#define ICH_LR_M(n) S3_4_C12_C13_##n
#define ICH_AP0R(n) S3_4_C12_C8_##n
#define ICH_AP1R(n) S3_4_C12_C9_##n

/* System register names are part of the instruction: one switch. */
u64 ich_lr_read(u32 n)
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

void ich_lr_write(u32 n, u64 v)
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

u64 ich_apr_read(u32 grp, u32 n)
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

void ich_apr_write(u32 grp, u32 n, u64 v)
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

void ich_reset(u32 nr_lrs, u32 nr_apr)
{
	for (u32 i = 0; i < nr_lrs; i++)
		ich_lr_write(i, 0);
	for (u32 i = 0; i < nr_apr; i++) {
		ich_apr_write(0, i, 0);
		ich_apr_write(1, i, 0);
	}
	write_sysreg(0, ICH_VMCR_EL2);
	write_sysreg(ICH_HCR_EN, ICH_HCR_EL2);
	isb();  /* the virtual interface is set up before any guest entry */
}
