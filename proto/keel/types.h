/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Fixed-width types for every structure that crosses a Keel boundary.
 *
 * The same headers compile at EL2 (freestanding, KEEL_HYP defined), in the
 * VM0 kernel module and in userspace. The kernel and userspace both get the
 * __u8..__u64 names from <linux/types.h>; EL2 has no libc, so it defines them.
 */
#ifndef KEEL_PROTO_TYPES_H
#define KEEL_PROTO_TYPES_H

#ifdef KEEL_HYP
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
#else
#include <linux/types.h>
#endif

#define KEEL_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

#endif
