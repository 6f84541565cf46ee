/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Host shim for <hyp/pcpu.h>: the test chooses which pCPU "runs". */
#ifndef HYP_PCPU_H
#define HYP_PCPU_H
#include <hyp/config.h>
#include <hyp/types.h>

struct vcpu;

struct pcpu {
	u32 id;
	struct vcpu *current;
};

extern struct pcpu shim_pcpu;

static inline struct pcpu *this_cpu(void) { return &shim_pcpu; }
static inline u32 this_cpu_id(void) { return this_cpu()->id; }
#endif
