// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Host stand-in for hyp/core/log.c. */
#include <stdio.h>
#include <string.h>
#include <hyp/log.h>

static char last[512];
static char all[8192];

void log_printf(const char *fmt, ...)
{
	va_list ap;
	size_t used = strlen(all);

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	fputs(last, stderr);
	if (used + 1 < sizeof(all))
		snprintf(all + used, sizeof(all) - used, "%s", last);
}

const char *log_last(void)
{
	return last;
}

int log_seen(const char *needle)
{
	return strstr(all, needle) != NULL;
}

void log_clear(void)
{
	last[0] = '\0';
	all[0] = '\0';
}
