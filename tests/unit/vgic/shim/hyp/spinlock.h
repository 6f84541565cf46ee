/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Host shim for <hyp/spinlock.h>: single-threaded tests, but a lock taken
 * twice (self-deadlock in the hypervisor) or released unheld is an error. */
#ifndef HYP_SPINLOCK_H
#define HYP_SPINLOCK_H
#include <assert.h>
#include <asm/irqflags.h>
#include <hyp/types.h>

typedef struct { u32 next; u32 owner; } spinlock_t;
#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(spinlock_t *l)
{
	assert(l->next == l->owner && "vgic test: lock already held");
	l->next++;
}

static inline void spin_unlock(spinlock_t *l)
{
	assert(l->next == l->owner + 1 && "vgic test: unlock of a free lock");
	l->owner++;
}
#endif
