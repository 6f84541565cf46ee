/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef HYP_IRQ_H
#define HYP_IRQ_H
#include <hyp/types.h>

struct vm;

/* Physical interrupt entry (from the vectors, guest or hypervisor context). */
void irq_handle(void);
/* Who gets a physical interrupt: NULL = the hypervisor. */
void irq_set_owner(u32 intid, struct vm *vm);
struct vm *irq_owner(u32 intid);
#endif
