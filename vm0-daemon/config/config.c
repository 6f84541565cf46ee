// SPDX-License-Identifier: GPL-2.0
/*
 * Keel and Rust-Shyper VM configs -> struct vm_config: the entry points.
 *
 * Every error names the file, the field and the value, because the person
 * reading it has only the message and their JSON file in front of them.
 *
 *   field.c   messages, and reading numbers, sizes, strings, files
 *   keel.c    Keel's schema
 *   shyper.c  Rust-Shyper's schema
 *   check.c   checks common to both (the hypervisor's limits among them)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "priv.h"

void config_default_consoles(struct vm_config *cfg)
{
	cfg->uart_base = KEEL_GUEST_UART_BASE;
	cfg->uart_spi = KEEL_GUEST_UART_SPI;
	cfg->consoles = CFG_CONSOLE_PL011;
	cfg->console_main = CFG_CONSOLE_PL011;
	cfg->vcon_base = KEEL_GUEST_VIRTIO_BASE + KEEL_GUEST_VCON_SLOT * KEEL_GUEST_VIRTIO_STRIDE;
	cfg->vcon_spi = KEEL_GUEST_VIRTIO_SPI + KEEL_GUEST_VCON_SLOT;
	cfg->vcon_entry = -1;
}

int config_parse(const char *text, size_t len, const struct config_env *env,
		 struct vm_config *cfg, char *err, size_t errlen)
{
	struct config_env e = *env;
	struct pctx p = { .env = &e, .cfg = cfg, .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *root;
	int r;

	if (!e.label)
		e.label = "config";
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->label, sizeof(cfg->label), "%s", e.label);
	snprintf(cfg->cmdline, sizeof(cfg->cmdline), "console=ttyAMA0 earlycon");
	snprintf(cfg->name, sizeof(cfg->name), "vm%u", e.id);
	config_default_consoles(cfg);

	/* JSON_DISABLE_EOF_CHECK off: trailing junk is an error. */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s: line %d column %d: %s", e.label, jerr.line, jerr.column,
			 jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		r = cfg_fail(&p, EINVAL, NULL, NULL, "is not a JSON object");
		goto out;
	}
	if (json_object_get(root, "image") || json_object_get(root, "cpu"))
		r = cfg_parse_shyper(&p, root);
	else
		r = cfg_parse_keel(&p, root);
	if (!r)
		r = cfg_check_common(&p);
out:
	json_decref(root);
	return r;
}

int config_resolve_disks(struct vm_config *cfg, const struct mediated_cfg *m, char *err,
			 size_t errlen)
{
	char field[80], other[48];
	int j;

	for (unsigned i = 0; i < cfg->nr_disks && i < CFG_MAX_DISKS; i++) {
		struct cfg_disk *d = &cfg->disk[i];

		if (d->mediated < 0)
			continue;
		cfg_disk_field(cfg, d, cfg->shyper ? ".cfg_list[0]" : ".mediated", field,
			   sizeof(field));
		if (!m) {
			snprintf(err, errlen, "%s: %s: %d, but keeld was started without a mediated-cfg.json",
				 cfg->label, field, d->mediated);
			return -EINVAL;
		}
		if ((unsigned)d->mediated >= m->n) {
			snprintf(err, errlen, "%s: %s: %d, but mediated-cfg.json lists %u disk%s",
				 cfg->label, field, d->mediated, m->n, m->n == 1 ? "" : "s");
			return -EINVAL;
		}
		snprintf(d->path, sizeof(d->path), "%s", m->disk[d->mediated].path);
	}
	/* Now that every disk has a path, a path disk and an index may name
	 * the same backing. */
	for (unsigned i = 0; i < cfg->nr_disks && i < CFG_MAX_DISKS; i++) {
		const struct cfg_disk *d = &cfg->disk[i];

		if ((j = cfg_disk_shares(cfg, i)) < 0)
			continue;
		cfg_disk_field(cfg, &cfg->disk[j], "", other, sizeof(other));
		if (d->mediated >= 0) {
			cfg_disk_field(cfg, d, cfg->shyper ? ".cfg_list[0]" : ".mediated", field,
				   sizeof(field));
			snprintf(err, errlen, "%s: %s: %d (%s) is also %s's backing: two disks on one backing need both to be read-only",
				 cfg->label, field, d->mediated, d->path, other);
		} else {
			cfg_disk_field(cfg, d, ".path", field, sizeof(field));
			snprintf(err, errlen, "%s: %s: \"%s\" is also %s's backing: two disks on one backing need both to be read-only",
				 cfg->label, field, d->path, other);
		}
		return -EINVAL;
	}
	return 0;
}

int config_load(const char *path, const struct config_env *env, struct vm_config *cfg,
		char *err, size_t errlen)
{
	struct config_env e = *env;
	char dir[CFG_PATH_MAX];
	const char *slash = strrchr(path, '/');
	char *buf = NULL;
	ssize_t n;
	size_t len = 0;
	struct stat st;
	int fd, r;

	e.label = slash ? slash + 1 : path;
	if (slash) {
		size_t dl = (size_t)(slash - path);

		if (dl >= sizeof(dir))
			dl = sizeof(dir) - 1;
		memcpy(dir, path, dl);
		dir[dl] = 0;
		if (!dl)
			snprintf(dir, sizeof(dir), "/");
		e.dir = dir;
	}
	/* O_NONBLOCK: a FIFO or a tty named as a config must not stall
	 * keeld's loop in open() or read(); only regular files are configs. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	buf = malloc(CFG_MAX_FILE);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	while ((n = read(fd, buf + len, CFG_MAX_FILE - len)) > 0)
		len += (size_t)n;
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	} else if (len == CFG_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than 1 MiB", path);
		r = -EFBIG;
	} else {
		r = config_parse(buf, len, &e, cfg, err, errlen);
		if (!r)
			snprintf(cfg->source, sizeof(cfg->source), "%s", path);
	}
	free(buf);
	return r;
}
