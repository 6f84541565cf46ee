// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <libfdt.h>
#include "dt_test.h"

const char *dtb_path[2];

void *dtb_load(int which, size_t extra)
{
	FILE *f = fopen(dtb_path[which], "rb");
	long size;
	void *raw, *buf;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	raw = malloc(size);
	assert_non_null(raw);
	assert_int_equal(fread(raw, 1, size, f), (size_t)size);
	fclose(f);
	assert_int_equal(fdt_check_header(raw), 0);
	buf = malloc(size + extra);
	assert_non_null(buf);
	assert_int_equal(fdt_open_into(raw, buf, size + extra), 0);
	free(raw);
	return buf;
}
