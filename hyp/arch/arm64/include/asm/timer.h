/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The clock and the per-pCPU EL2 timer the scheduler runs on: CNTPCT for
 * time, the EL2 physical timer (CNTHP) for slice ends and wake-ups. Core
 * code (sched.c, main.c, guest.c, log.c) calls these, never the registers.
 */
#ifndef ASM_TIMER_H
#define ASM_TIMER_H
#include <asm/sysreg.h>
#include <hyp/types.h>

#define CNTx_CTL_ENABLE BIT(0)
#define CNTx_CTL_IMASK BIT(1)

/* Ticks of the system counter, and how many make a second. */
static inline u64 arch_timer_now(void) { return read_sysreg(cntpct_el0); }
static inline u64 arch_timer_freq(void) { return read_sysreg(cntfrq_el0); }

/* Interrupt this pCPU when the counter reaches deadline. */
static inline void arch_timer_arm(u64 deadline)
{
	write_sysreg(deadline, cnthp_cval_el2);
	write_sysreg(CNTx_CTL_ENABLE, cnthp_ctl_el2);
}

static inline void arch_timer_disarm(void) { write_sysreg(0, cnthp_ctl_el2); }

/* Stop the EL1 virtual timer (a vCPU's, or whatever firmware left): it must
 * not interrupt whoever runs here next. */
static inline void arch_vtimer_stop(void) { write_sysreg(0, cntv_ctl_el0); }
#endif
