/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Helpers shared by the DT unit tests. */
#ifndef DT_TEST_H
#define DT_TEST_H
#include <stddef.h>

/* argv[1], argv[2] of every DT test: the GICv2 and GICv3 QEMU fixtures. */
extern const char *dtb_path[2];
enum { GICV2, GICV3 };

/* The fixture read into a fresh malloc'd buffer of at least extra bytes more
 * than its size, opened (fdt_open_into) so it can be edited. */
void *dtb_load(int which, size_t extra);
#endif
