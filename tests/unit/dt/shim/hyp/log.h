/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Host unit tests: stands in for hyp/include/hyp/log.h (same guard, same
 * pr_* names). Lines go to stderr and the last one is kept for asserts. */
#ifndef HYP_LOG_H
#define HYP_LOG_H
#include <stdarg.h>
#include <stddef.h>

void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last line logged ("" after log_clear()) and whether any line since
 * log_clear() contained needle. */
const char *log_last(void);
int log_seen(const char *needle);
void log_clear(void);

#define pr_info(fmt, ...) log_printf("keel: " fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) log_printf("keel: warning: " fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...) log_printf("keel: error: " fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) do { } while (0)
#endif
