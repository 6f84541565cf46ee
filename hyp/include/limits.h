/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Debian's libfdt_env.h includes <limits.h>. GCC's own limits.h recurses into
 * the C library's (#include_next) unless _LIBC_LIMITS_H_ says it was already
 * seen; at EL2 there is no C library, so say so and use GCC's alone.
 */
#ifdef KEEL_HYP
#ifndef _LIBC_LIMITS_H_
#define _LIBC_LIMITS_H_
#endif
#endif
#include_next <limits.h>
