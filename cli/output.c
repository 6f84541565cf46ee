// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Tables, sizes, uptimes and JSON for keel's output. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define MIB ((uint64_t)1024 * 1024)

void fmt_uptime(char *buf, size_t n, int64_t secs)
{
	int64_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60, s = secs % 60;

	if (secs < 0)
		snprintf(buf, n, "-");
	else if (d)
		snprintf(buf, n, "%" PRId64 "d%02" PRId64 "h%02" PRId64 "m%02" PRId64 "s", d, h, m,
			 s);
	else if (h)
		snprintf(buf, n, "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s", h, m, s);
	else if (m)
		snprintf(buf, n, "%" PRId64 "m%02" PRId64 "s", m, s);
	else
		snprintf(buf, n, "%" PRId64 "s", s);
}

void fmt_mib(char *buf, size_t n, uint64_t bytes)
{
	snprintf(buf, n, "%" PRIu64, bytes / MIB);
}

void fmt_size(char *buf, size_t n, uint64_t bytes)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	uint64_t scale = 1;
	int u = 0;

	while (u < 4 && bytes >= scale * 1024) {
		scale *= 1024;
		u++;
	}
	/* Exact values stay whole; others get one decimal, rounded down. */
	if (bytes % scale == 0)
		snprintf(buf, n, "%" PRIu64 " %s", bytes / scale, unit[u]);
	else
		snprintf(buf, n, "%" PRIu64 ".%" PRIu64 " %s", bytes / scale,
			 bytes % scale * 10 / scale, unit[u]);
}

struct table {
	int ncols, nrows, cap;
	unsigned int right_mask; /* bit i: column i right-aligned */
	char **cells;		 /* (nrows + 1) * ncols: the heads first */
};

static int table_push(struct table *t, const char *const *cells)
{
	if (t->nrows + 1 >= t->cap) {
		int cap = t->cap ? t->cap * 2 : 8;
		char **c = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof(*c));

		if (!c)
			return -1;
		t->cells = c;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++) {
		char *s = strdup(cells[i] ? cells[i] : "-");

		if (!s)
			return -1;
		t->cells[(t->nrows + 1) * t->ncols + i] = s;
	}
	t->nrows++;
	return 0;
}

struct table *table_new(int ncols, const char *const *heads, unsigned int right_mask)
{
	struct table *t;

	if (ncols < 1 || ncols > 32)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ncols = ncols;
	t->right_mask = right_mask;
	/* The heads are row -1: push then un-count them. */
	t->nrows = -1;
	if (table_push(t, heads)) {
		table_free(t);
		return NULL;
	}
	return t;
}

int table_add(struct table *t, const char *const *cells)
{
	return table_push(t, cells);
}

void table_print(const struct table *t, FILE *f)
{
	int width[32] = {0};

	for (int r = 0; r <= t->nrows; r++)
		for (int c = 0; c < t->ncols && c < 32; c++) {
			int w = (int)strlen(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (int r = 0; r <= t->nrows; r++) {
		for (int c = 0; c < t->ncols && c < 32; c++) {
			const char *s = t->cells[r * t->ncols + c];
			bool last = c == t->ncols - 1;

			if (t->right_mask & (1U << c))
				fprintf(f, "%*s", width[c], s);
			else if (last)
				fputs(s, f); /* no trailing blanks */
			else
				fprintf(f, "%-*s", width[c], s);
			fputs(last ? "\n" : "  ", f);
		}
	}
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (int i = 0; i < (t->nrows + 1) * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void print_json(FILE *f, const json_t *v)
{
	json_dumpf(v, f, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fputc('\n', f);
}

char *json_cell(const json_t *v)
{
	if (!v || json_is_null(v))
		return strdup("-");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}
