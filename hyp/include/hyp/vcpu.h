/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef HYP_VCPU_H
#define HYP_VCPU_H
#include <hyp/config.h>
#include <hyp/sched_acct.h>
#include <hyp/types.h>
#include <hyp/vgic.h>

struct vm;

/* Saved on every exception from a lower EL; asm-offsets exports the layout.
 * It is the first member of struct vcpu. */
struct cpu_regs {
	u64 x[31];
	u64 elr;   /* ELR_EL2 */
	u64 spsr;  /* SPSR_EL2 */
	u64 pad;
};

/* EL1 state switched when another vCPU takes the pCPU. */
struct el1_sysregs {
	u64 sctlr, cpacr, ttbr0, ttbr1, tcr, esr, afsr0, afsr1, far, mair, amair;
	u64 vbar, contextidr, tpidr_el0, tpidrro_el0, tpidr_el1, sp_el0, sp_el1;
	u64 elr_el1, spsr_el1, par, cntkctl, csselr, mdscr;
	u64 cntv_ctl, cntv_cval;
	u64 pmcr, pmuserenr;  /* VM0's only: its PMU is parked while guests run */
	u64 apia_lo, apia_hi, apib_lo, apib_hi, apda_lo, apda_hi, apdb_lo, apdb_hi;
	u64 apga_lo, apga_hi;
};

/* Layout fixed by fpsimd.S. */
struct fpsimd_state {
	u64 v[64];       /* V0-V31, 16 bytes each */
	u64 fpsr, fpcr;
} __aligned(16);

enum vcpu_state {
	VCPU_OFF,       /* never started or PSCI CPU_OFF */
	VCPU_RUNNABLE,  /* on a run queue */
	VCPU_BLOCKED,   /* WFI with nothing pending */
	VCPU_STOPPED,   /* VM stopped: never runs again until reset */
};

struct vcpu {
	struct cpu_regs regs;
	struct vm *vm;
	u32 id;              /* index in its VM */
	u32 pcpu;            /* the pCPU it runs on */
	u64 vmpidr;          /* MPIDR the guest sees */
	volatile enum vcpu_state state;
	bool sys_dirty;      /* sys holds state not yet loaded to the CPU */
	struct el1_sysregs sys;
	struct fpsimd_state fp;
	struct vgic_cpu vgic;
	/* The exit being handled. */
	u64 esr, far, hpfar;
	/* PSCI CPU_ON request, consumed when the vCPU is next entered. */
	volatile bool reset_pending;
	u64 reset_pc, reset_ctx;
	struct vcpu *rq_next;
	u64 nr_exits;
	u64 nr_ioreqs, nr_doorbells;  /* written by its own pCPU only */
	bool loaded;          /* its state is in some pCPU's registers */
	u64 hcr;              /* HCR_EL2 while it runs (the VM's, plus TWI on shared pCPUs) */
	bool timer_phys_active; /* physical virtual-timer PPI was active when put */
	/* A virtual SError for this vCPU not yet taken: HCR_EL2.VSE while it,
	 * and only it, runs. */
	bool vserror_pending;
	/* Scheduling: the WFIT timeout it blocks until (CNTVCT; 0: none) and its
	 * virtual run time (CNTPCT ticks, sched_policy.h). */
	u64 wake_at;
	u64 vrun;
	/* Its priority (higher first, keel/stat.h), the slice it gets on a
	 * shared pCPU (CNTPCT ticks), and where its time went (under its
	 * pCPU's rq_lock). */
	u32 prio;
	u64 slice_ticks;
	struct sched_acct acct;
	/* It may move between the pCPUs of its shared pool (a guest placed by
	 * default, not pinned by its config), and how often it did (under
	 * its pCPU's rq_lock; sched_balance.c). */
	bool movable;
	u64 nr_migrations;
	/* An MMIO access VM0 is serving; what to do with the answer stays here,
	 * never in the shared slot. */
	volatile bool ioreq_wait;
	u32 ioreq_rt, ioreq_size;
	bool ioreq_write, ioreq_sse, ioreq_sf;
	u8 ioreq_ilen;          /* 2 or 4: the faulting instruction's length */
	u64 ioreq_seq;
	/* Where an ioreq's time goes (CNTPCT; under its pCPU's rq_lock): when
	 * it blocked, when VM0 answered (0: not waiting to resume), and the
	 * sums reported by VM_INFO. */
	u64 ioreq_blocked_at, ioreq_answered_at;
	u64 ioreq_answer_ticks, ioreq_resume_ticks;
};

/* Registers: x31 reads as zero (xzr) and ignores writes. */
static inline u64 vcpu_get_reg(struct vcpu *v, u32 r) { return r < 31 ? v->regs.x[r] : 0; }
static inline void vcpu_set_reg(struct vcpu *v, u32 r, u64 val) { if (r < 31) v->regs.x[r] = val; }

/* Inject a synchronous external abort (data or instruction) into EL1. */
void vcpu_inject_abort(struct vcpu *v, bool is_iabt, u64 addr);
/* Inject an undefined-instruction exception into EL1. */
void vcpu_inject_undef(struct vcpu *v);
/* Wake a vCPU (or ask its pCPU to re-examine it). From any pCPU. */
void vcpu_kick(struct vcpu *v);
/* Stop the vCPU's VM after logging why and dumping the vCPU's registers. */
void vcpu_fatal(struct vcpu *v, const char *why);
void vcpu_dump(struct vcpu *v);
/* Arrange for the vCPU to start at pc with x0 = ctx, EL1h, MMU off. */
void vcpu_reset(struct vcpu *v, u64 pc, u64 ctx);
void vcpu_sysregs_reset(struct vcpu *v);
/* Finish an emulated MMIO access: the read value into its register; step past it. */
void vcpu_mmio_result(struct vcpu *v, u64 data);
void vcpu_mmio_done(struct vcpu *v);
void vcpu_load(struct vcpu *v);    /* EL1 state, vGIC, timer onto this pCPU */
void vcpu_put(struct vcpu *v);     /* and back */
#endif
