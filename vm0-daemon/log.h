/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keeld logs to stderr with a "keeld: " prefix; VM0's init script points
 * stderr at /var/log/keeld.log, which lives in RAM. So:
 *
 *  - When stderr is a regular file, it is rotated at KLOG_MAX_BYTES: the
 *    file becomes <path>.1 (replacing the previous one) and a new file is
 *    opened at <path>, so the log never takes more than twice that.
 *  - Every line a guest's actions can cause is rate-limited per guest by a
 *    token bucket (KLOG_BURST lines, then one per KLOG_REFILL_NS); lines
 *    dropped are counted and reported, as "N lines suppressed", before the
 *    guest's next line that gets through. Such lines are either logged
 *    with klog_vm(), or with klog() while keeld handles an event of that
 *    guest (klog_guest_enter/leave around it), so code below the event
 *    dispatch (virtio, disks) needs not know which guest it serves.
 *
 * Safe from any thread; the guest context is per thread.
 */
#ifndef KEELD_LOG_H
#define KEELD_LOG_H

#include <stdint.h>

#if defined(__GNUC__)
#define KEELD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define KEELD_PRINTF(a, b)
#endif

#define KLOG_MAX_BYTES (1ULL << 20)
#define KLOG_BURST     10
#define KLOG_REFILL_NS 1000000000ULL
/* The bucket for lines guests cause but no single guest can be named for
 * (an event ring overflow, an event for a VM id out of range). */
#define KLOG_ANY_GUEST 0

void klog(const char *fmt, ...) KEELD_PRINTF(1, 2);
/* A line guest vm's actions caused: rate-limited in vm's bucket. */
void klog_vm(unsigned vm, const char *fmt, ...) KEELD_PRINTF(2, 3);
/* Until klog_guest_leave, klog() on this thread counts against vm's
 * bucket (ids past the table: KLOG_ANY_GUEST). Not nested. */
void klog_guest_enter(unsigned vm);
void klog_guest_leave(void);

/* For tests: the clock (CLOCK_MONOTONIC in ns by default; NULL restores
 * it) and the rotation size. */
void klog_set_clock(uint64_t (*now_ns)(void));
void klog_set_max_bytes(uint64_t max);

#endif
