/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef HYP_SPINLOCK_H
#define HYP_SPINLOCK_H
#include <asm/irqflags.h>
#include <asm/spinlock.h>
#include <hyp/types.h>

/*
 * Test-and-test-and-set lock. Not a ticket lock on purpose: when the host
 * (or a lower-priority guest) deschedules a waiter, a ticket lock cannot be
 * handed past it and every other pCPU spins behind the sleeper; here whoever
 * runs next takes the lock. Waiters sleep (asm/spinlock.h) until the
 * holder's store to the lock word wakes them. irq_save/irq_restore come
 * from asm/irqflags.h.
 */
typedef struct { u32 locked; } spinlock_t;
#define SPINLOCK_INIT { 0 }

static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(spinlock_t *l)
{
	while (!spin_trylock(l))
		arch_spin_wait(&l->locked);
}

static inline void spin_unlock(spinlock_t *l)
{
	/* Release: the critical section's accesses are ordered before the
	 * store that frees the lock. */
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
#endif
