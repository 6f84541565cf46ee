/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Hypervisor log: every line goes to the UART and to a ring VM0 can read. */
#ifndef HYP_LOG_H
#define HYP_LOG_H
#include <hyp/types.h>
#include <stdarg.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* A line guest vm can cause at will: rate-limited per VM (core/log.c). */
void log_guest(u32 vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copy log bytes from sequence number *seq on; returns bytes copied. */
size_t log_read(char *dst, size_t size, u64 *seq);
/* Print what was logged before the UART was set up. */
void log_replay(void);

#define pr_info(fmt, ...) log_printf("keel: " fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) log_printf("keel: warning: " fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...) log_printf("keel: error: " fmt, ##__VA_ARGS__)
#define pr_guest_warn(vm, fmt, ...) log_guest(vm, "keel: warning: " fmt, ##__VA_ARGS__)
#ifdef HYP_DEBUG
#define pr_debug(fmt, ...) log_printf("keel: debug: " fmt, ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...) do { } while (0)
#endif

/* Stop the whole machine: only for failures before VM0 exists, and faults
 * of the hypervisor itself (arch: hyp_fault dumps the registers first).
 * core/panic.c. */
void __noreturn hyp_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define BUG_ON(c) do { if (unlikely(c)) hyp_panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c); } while (0)
#endif
