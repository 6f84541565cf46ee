/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A channel end in Linux (kchan.c): /dev/ttyKC<n>, a byte stream over the
 * region's rings, and /dev/keelchan<n>, the raw region for zero-copy users.
 * The same code serves a guest's ends (keelchan.ko: the DT node, an SPI)
 * and VM0's (keel.ko: KEEL_IOC_CHAN_ATTACH, KEEL_EV_CHAN events).
 */
#ifndef KCHAN_H
#define KCHAN_H

#include <linux/types.h>

#define KCHAN_MAX_ENDS 16  /* ends one kernel serves: tty lines ttyKC0..15 */

struct device;
struct kchan;

/* Driver-wide: the tty driver (kchan_init at module init, kchan_exit at
 * exit, after every end is destroyed). */
int kchan_init(void);
void kchan_exit(void);

/* An end over the region [pa, pa + size): maps it, makes its devices.
 * chan_id is the hypervisor's (KEEL_HC_CHAN_KICK), end 0 or 1. */
struct kchan *kchan_create(struct device *parent, phys_addr_t pa, u64 size, u32 chan_id,
			   u32 end, const char *name);
void kchan_destroy(struct kchan *c);
/* No tty or raw user now, and none from here on: 0, else -EBUSY (the end
 * is in use and stays). Before kchan_destroy when the region goes away
 * under the end (VM0's end detached from the hypervisor). */
int kchan_retire(struct kchan *c);
/* The peer kicked us: any context (hard IRQ, spinlocks held). */
void kchan_notify(struct kchan *c);
u32 kchan_id(const struct kchan *c);
u32 kchan_end(const struct kchan *c);

#endif
