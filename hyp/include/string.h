/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The string functions EL2 has (hyp/lib/string.c). Debian's libfdt_env.h
 * includes <string.h>; at EL2 this header answers. Anywhere else (host unit
 * tests put hyp/include on the include path too) the real libc header does.
 */
#ifndef KEEL_HYP
#include_next <string.h>
#else
#ifndef HYP_STRING_H
#define HYP_STRING_H
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif
#endif
