/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Debian's libfdt_env.h includes <stdlib.h> but uses nothing from it. EL2 has
 * no allocator; only strtoul (hyp/lib/string.c) is offered. Outside EL2 the
 * real libc header answers.
 */
#ifndef KEEL_HYP
#include_next <stdlib.h>
#else
#ifndef HYP_STDLIB_H
#define HYP_STDLIB_H
#include <stddef.h>

unsigned long strtoul(const char *s, char **end, int base);
#endif
#endif
