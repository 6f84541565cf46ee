// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

void klog(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	/* One fprintf per line so lines from the loop never interleave. */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "keeld: %s\n", line);
}
