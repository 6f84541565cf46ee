/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef HYP_SPINLOCK_H
#define HYP_SPINLOCK_H
#include <hyp/types.h>

/*
 * Test-and-test-and-set lock. Not a ticket lock on purpose: when the host
 * (or a lower-priority guest) deschedules a waiter, a ticket lock cannot be
 * handed past it and every other pCPU spins behind the sleeper; here whoever
 * runs next takes the lock. Waiters sleep in WFE until the holder's store to
 * the lock word clears their exclusive monitor.
 */
typedef struct { u32 locked; } spinlock_t;
#define SPINLOCK_INIT { 0 }

static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(spinlock_t *l)
{
	u32 v;

	while (!spin_trylock(l)) {
		/* ldaxr arms the exclusive monitor: the holder's release store to
		 * the word wakes us from wfe (ARM DDI 0487 D1.6.1). */
		__asm__ volatile("sevl\n"
				 "1:\twfe\n\t"
				 "ldaxr %w0, [%1]\n\t"
				 "cbnz %w0, 1b"
				 : "=&r"(v)
				 : "r"(&l->locked)
				 : "memory");
	}
}

static inline void spin_unlock(spinlock_t *l)
{
	/* Release: the critical section's accesses are ordered before the
	 * store that frees the lock. */
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline u64 irq_save(void)
{
	u64 f;
	__asm__ volatile("mrs %0, daif\n\tmsr daifset, #2" : "=r"(f) :: "memory");
	return f;
}

static inline void irq_restore(u64 f)
{
	__asm__ volatile("msr daif, %0" :: "r"(f) : "memory");
}
#endif
