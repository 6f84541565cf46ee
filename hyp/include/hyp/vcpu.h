/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef HYP_VCPU_H
#define HYP_VCPU_H
#include <asm/vcpu.h>
#include <hyp/config.h>
#include <hyp/sched_acct.h>
#include <hyp/types.h>
#include <hyp/vgic.h>

struct vm;

enum vcpu_state {
	VCPU_OFF,       /* never started or PSCI CPU_OFF */
	VCPU_RUNNABLE,  /* on a run queue */
	VCPU_BLOCKED,   /* WFI with nothing pending */
	VCPU_STOPPED,   /* VM stopped: never runs again until reset */
};

struct vcpu {
	struct cpu_regs regs;  /* first: the vectors save into it (asm/vcpu.h) */
	struct vm *vm;
	u32 id;              /* index in its VM */
	u32 pcpu;            /* the pCPU it runs on */
	u64 vmpidr;          /* MPIDR the guest sees */
	volatile enum vcpu_state state;
	bool sys_dirty;      /* reset: arch state not yet loaded to the CPU */
	struct vcpu_arch arch;  /* saved EL1 state, exit syndrome (asm/vcpu.h) */
	struct vgic_cpu vgic;
	/* PSCI CPU_ON request, consumed when the vCPU is next entered. */
	volatile bool reset_pending;
	u64 reset_pc, reset_ctx;
	struct vcpu *rq_next;
	u64 nr_exits;
	u64 nr_ioreqs, nr_doorbells;  /* written by its own pCPU only */
	bool loaded;          /* its state is in some pCPU's registers */
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
/* Arrange for the vCPU to start at pc with x0 = ctx, EL1h, MMU off. */
void vcpu_reset(struct vcpu *v, u64 pc, u64 ctx);
/* Finish an emulated MMIO access: the read value into its register; step past it. */
void vcpu_mmio_result(struct vcpu *v, u64 data);
void vcpu_mmio_done(struct vcpu *v);
/* The vCPU's state onto this pCPU (its arch state, then its vGIC
 * interface), and back: the vCPU switch (sched.c). core/vcpu.c. */
void vcpu_load(struct vcpu *v);
void vcpu_put(struct vcpu *v);
#endif
