// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config/mediated.h"

int mediated_parse(const char *text, size_t len, const char *label, bool check_files,
		   struct mediated_cfg *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *list, *e;
	size_t i;
	int r = 0;

	memset(out, 0, sizeof(*out));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s: line %d column %d: %s", label, jerr.line, jerr.column,
			 jerr.text);
		return -EINVAL;
	}
	list = json_object_get(root, "mediated");
	if (!json_is_array(list)) {
		snprintf(err, errlen, "%s: mediated: %s", label,
			 list ? "is not a list of paths" : "missing");
		r = -EINVAL;
		goto out;
	}
	if (json_array_size(list) > MEDIATED_MAX) {
		snprintf(err, errlen, "%s: mediated: %zu disks, at most %d", label,
			 json_array_size(list), MEDIATED_MAX);
		r = -E2BIG;
		goto out;
	}
	json_array_foreach(list, i, e) {
		const char *p = json_string_value(e);
		struct stat st;

		if (!p || p[0] != '/' || strlen(p) >= MEDIATED_PATH_MAX) {
			snprintf(err, errlen, "%s: mediated[%zu]: is not an absolute path", label, i);
			r = -EINVAL;
			goto out;
		}
		for (unsigned j = 0; j < out->n; j++)
			if (!strcmp(out->disk[j].path, p)) {
				snprintf(err, errlen, "%s: mediated[%zu]: \"%s\" is listed twice", label,
					 i, p);
				r = -EINVAL;
				goto out;
			}
		snprintf(out->disk[out->n].path, MEDIATED_PATH_MAX, "%s", p);
		if (check_files) {
			if (stat(p, &st) || access(p, R_OK | W_OK)) {
				r = -errno;
				snprintf(err, errlen, "%s: mediated[%zu]: \"%s\": %s", label, i, p,
					 strerror(-r));
				goto out;
			}
			if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
				snprintf(err, errlen,
					 "%s: mediated[%zu]: \"%s\" is not a file or a block device",
					 label, i, p);
				r = -EINVAL;
				goto out;
			}
			out->disk[out->n].block = S_ISBLK(st.st_mode);
		}
		out->n++;
	}
out:
	json_decref(root);
	return r;
}

int mediated_load(const char *path, struct mediated_cfg *out, char *err, size_t errlen)
{
	char buf[64 * 1024];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n == sizeof(buf)) {
		snprintf(err, errlen, "%s: larger than 64 KiB", path);
		return -EFBIG;
	}
	return mediated_parse(buf, n, path, true, out, err, errlen);
}
