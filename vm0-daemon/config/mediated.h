/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mediated-cfg.json (Rust-Shyper's format): {"mediated": ["/root/vm1.img", "/dev/vdb1"]},
 * the files and partitions VM0 serves to guests as disks. Parsed and checked
 * here; the disks themselves are served by a later part of keeld.
 */
#ifndef KEELD_MEDIATED_H
#define KEELD_MEDIATED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEDIATED_MAX 16
#define MEDIATED_PATH_MAX 1024

struct mediated_disk {
	char path[MEDIATED_PATH_MAX];
	bool block;       /* a block device rather than a file */
};

struct mediated_cfg {
	unsigned n;
	struct mediated_disk disk[MEDIATED_MAX];
};

/* Pure: JSON text -> list. check_files: each path must exist and be a
 * regular file or a block device, readable and writable. */
int mediated_parse(const char *text, size_t len, const char *label, bool check_files,
		   struct mediated_cfg *out, char *err, size_t errlen);
int mediated_load(const char *path, struct mediated_cfg *out, char *err, size_t errlen);

#endif
