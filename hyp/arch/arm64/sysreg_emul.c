// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * System registers the hypervisor traps so that no VM reaches state that is
 * not switched between vCPUs (docs/isolation.md):
 * - PMU (MDCR_EL2.TPM/TPMCR, guests only): read as zero, writes ignored. The
 *   PMU is VM0's; guests are told by ID_AA64DFR0_EL1.PMUVer = 0 that there
 *   is none, and cannot read, stop or unmask VM0's counters.
 * - debug (MDCR_EL2.TDA/TDOSA/TDRA, guests only): breakpoint, watchpoint, OS
 *   lock and DCC registers read as zero and ignore writes; MDSCR_EL1 keeps
 *   only software step, so no guest arms VM0's breakpoints for itself.
 * - ACTLR_EL1 (HCR_EL2.TACR) and RAS error records (TERR): read as zero,
 *   writes ignored, for every VM: both are the machine's, not a VM's.
 * - cache maintenance by set/way (HCR_EL2.TSW), every VM: DC ISW would
 *   discard other VMs' (and the hypervisor's) dirty lines. Each op is done
 *   as DC CISW on the same set/way, which never loses data and gives the VM
 *   at least what it asked for on its (bound) pCPU.
 * LORegions (TLOR) are hidden (ID_AA64MMFR1_EL1.LO = 0) and UNDEFINED.
 * The table is matched first to last; a key nobody matches is the caller's.
 */
#include <asm/id_regs.h>
#include <hyp/errno.h>
#include <asm/sysreg.h>
#include <hyp/vcpu.h>

/* MDSCR_EL1 bits a guest may set: SS (software step) and KDE (debug
 * exceptions at EL1, needed to step its kernel). Not MDE: the breakpoint and
 * watchpoint registers hold VM0's values. */
#define MDSCR_SS BIT(0)
#define MDSCR_KDE BIT(13)
#define MDSCR_GUEST_MASK (MDSCR_SS | MDSCR_KDE)

#define KEY_OP0 SYS_KEY(3, 0, 0, 0, 0)
#define KEY_OP1 SYS_KEY(0, 7, 0, 0, 0)
#define KEY_CRN SYS_KEY(0, 0, 15, 0, 0)
#define KEY_CRM SYS_KEY(0, 0, 0, 15, 0)
#define KEY_OP2 SYS_KEY(0, 0, 0, 0, 7)
#define KEY_ALL (KEY_OP0 | KEY_OP1 | KEY_CRN | KEY_CRM | KEY_OP2)

typedef int (*sysreg_fn)(struct vcpu *v, u64 key, bool read, u64 *val);

struct sysreg_rule {
	u64 key, mask;   /* (esr key & mask) == key */
	sysreg_fn fn;
};

static int raz_wi(struct vcpu *v, u64 key, bool read, u64 *val)
{
	(void)v;
	(void)key;
	if (read)
		*val = 0;
	return 0;
}

static int mdscr_access(struct vcpu *v, u64 key, bool read, u64 *val)
{
	(void)v;
	(void)key;
	/* The vCPU is loaded (we handle its exit): the live register is its. */
	if (read)
		*val = read_sysreg(mdscr_el1);
	else
		write_sysreg(*val & MDSCR_GUEST_MASK, mdscr_el1);
	return 0;
}

static int set_way(struct vcpu *v, u64 key, bool read, u64 *val)
{
	(void)v;
	(void)key;
	if (read)
		return -EINVAL;  /* DC is write-only; a "read" encoding is not one */
	/* Clean and invalidate never discards data, whatever set/way/level the
	 * value names (an out-of-range one acts on some line or none). */
	__asm__ volatile("dc cisw, %0" : : "r"(*val) : "memory");
	dsb(nsh);  /* the maintenance completes before the guest goes on */
	return 0;
}

static const struct sysreg_rule rules[] = {
	/* MDSCR_EL1 before the op0 = 2 catch-all. */
	{ SYS_KEY(2, 0, 0, 2, 2), KEY_ALL, mdscr_access },
	/* Every op0 = 2 register that traps is a debug one (TDA/TDOSA/TDRA). */
	{ SYS_KEY(2, 0, 0, 0, 0), KEY_OP0, raz_wi },
	/* PMU: PMCR..PMOVSSET (op1 3, CRn 9, CRm 12-14), PMINTEN*, PMMIR
	 * (op1 0, CRn 9, CRm 14), PMEVCNTR/PMEVTYPER/PMCCFILTR (op1 3, CRn 14,
	 * CRm 8-15). CRn 14, CRm 0-3 are the timers: not here. */
	{ SYS_KEY(3, 3, 9, 12, 0), KEY_OP0 | KEY_OP1 | KEY_CRN | KEY_CRM, raz_wi },
	{ SYS_KEY(3, 3, 9, 13, 0), KEY_OP0 | KEY_OP1 | KEY_CRN | KEY_CRM, raz_wi },
	{ SYS_KEY(3, 3, 9, 14, 0), KEY_OP0 | KEY_OP1 | KEY_CRN | KEY_CRM, raz_wi },
	{ SYS_KEY(3, 0, 9, 14, 0), KEY_OP0 | KEY_OP1 | KEY_CRN | KEY_CRM, raz_wi },
	{ SYS_KEY(3, 3, 14, 8, 0), KEY_OP0 | KEY_OP1 | KEY_CRN | SYS_KEY(0, 0, 0, 8, 0), raz_wi },
	/* ACTLR_EL1 */
	{ SYS_KEY(3, 0, 1, 0, 1), KEY_ALL, raz_wi },
	/* RAS: ERRIDR, ERRSELR (CRm 3), ERX* (CRm 4, 5); CRm 1-2 are AFSR/ESR. */
	{ SYS_KEY(3, 0, 5, 3, 0), KEY_OP0 | KEY_OP1 | KEY_CRN | KEY_CRM, raz_wi },
	{ SYS_KEY(3, 0, 5, 4, 0), KEY_OP0 | KEY_OP1 | KEY_CRN | KEY_CRM, raz_wi },
	{ SYS_KEY(3, 0, 5, 5, 0), KEY_OP0 | KEY_OP1 | KEY_CRN | KEY_CRM, raz_wi },
	/* DC ISW, DC CSW, DC CISW */
	{ SYS_KEY(1, 0, 7, 6, 2), KEY_ALL, set_way },
	{ SYS_KEY(1, 0, 7, 10, 2), KEY_ALL, set_way },
	{ SYS_KEY(1, 0, 7, 14, 2), KEY_ALL, set_way },
};

int sysreg_emulate(struct vcpu *v, u64 key, bool read, u64 *val)
{
	for (u32 i = 0; i < ARRAY_SIZE(rules); i++)
		if ((key & rules[i].mask) == rules[i].key)
			return rules[i].fn(v, key, read, val);
	return -ENOENT;
}
