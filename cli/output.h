/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Human output (aligned tables, sizes, uptimes) and --json output. Pure. */
#ifndef KEEL_CLI_OUTPUT_H
#define KEEL_CLI_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* "1h02m03s", "3m07s", "42s", "2d01h00m00s"; "-" when secs < 0 (unknown). */
void fmt_uptime(char *buf, size_t n, int64_t secs);
/* Whole MiB, rounded down: "512". */
void fmt_mib(char *buf, size_t n, uint64_t bytes);
/* "4 GiB", "512 MiB", "1.5 MiB", "640 KiB", "12 B". */
void fmt_size(char *buf, size_t n, uint64_t bytes);

/* A table of strings printed with columns padded to their widest cell. */
struct table;
struct table *table_new(int ncols, const char *const *heads, unsigned int right_mask);
int table_add(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

/* Indented JSON and a newline. */
void print_json(FILE *f, const json_t *v);
/* One JSON value as text for a table or key/value line (strings unquoted). */
char *json_cell(const json_t *v);

#endif
