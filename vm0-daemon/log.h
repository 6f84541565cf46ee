/* SPDX-License-Identifier: GPL-2.0 */
/* keeld logs to stderr with a "keeld: " prefix; the VM0 init script keeps it. */
#ifndef KEELD_LOG_H
#define KEELD_LOG_H

#if defined(__GNUC__)
#define KEELD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define KEELD_PRINTF(a, b)
#endif

void klog(const char *fmt, ...) KEELD_PRINTF(1, 2);

#endif
