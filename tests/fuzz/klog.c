// SPDX-License-Identifier: GPL-2.0
/*
 * keeld's log for the fuzz targets: every line is still formatted (so the
 * sanitizers check the arguments a guest or a client can make keeld log)
 * but goes nowhere, since millions of lines a second would drown libFuzzer.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static void klog_discard(const char *fmt, va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
}

void klog(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	klog_discard(fmt, ap);
	va_end(ap);
}

void klog_vm(unsigned vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	klog_discard(fmt, ap);
	va_end(ap);
}

void klog_guest_enter(unsigned vm)
{
}

void klog_guest_leave(void)
{
}
