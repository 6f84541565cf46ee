/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the config parser: one parse's context, and the helpers its
 * files share (config/field.c). Not for the rest of keeld: it has
 * config.h.
 */
#ifndef KEELD_CONFIG_PRIV_H
#define KEELD_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <keel/guest.h>

#include "config/config.h"

#define PAGE_SIZE KEEL_GUEST_PAGE_SIZE
#define CFG_MAX_FILE (1U << 20)

struct pctx {
	const struct config_env *env;
	struct vm_config *cfg;
	char *err;
	size_t errlen;
};

/* "label: field: value message" (value left out when v is NULL); returns -e. */
/* lifecycle.c: autostart, on_crash, crash_restarts */
int cfg_parse_lifecycle(struct pctx *p, json_t *root);
int cfg_check_entry(struct pctx *p, json_t *e, const char *field, const char *const *keys,
		    const char *shape);
int cfg_fail(struct pctx *p, int e, const char *field, json_t *v, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A line for the log about something ignored. */
void cfg_note(struct pctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cfg_get_u64(struct pctx *p, const char *field, json_t *v, uint64_t *out);
int cfg_get_size(struct pctx *p, const char *field, json_t *v, uint64_t *out);
int cfg_get_string(struct pctx *p, const char *field, json_t *v, char *out, size_t outlen);
int cfg_get_path(struct pctx *p, const char *field, json_t *v, char *out, bool blk_ok,
		 int amode);
int cfg_get_file(struct pctx *p, const char *field, json_t *v, char *out);
int cfg_get_on(struct pctx *p, json_t *root, const char *key, const char *a, const char *b,
	       int *out);
int cfg_check_name(struct pctx *p, const char *field, json_t *v);
int cfg_check_vcpus(struct pctx *p, const char *field, json_t *v, uint64_t n);
int cfg_check_pcpu(struct pctx *p, const char *field, json_t *v, uint64_t pcpu);
/* config/sched.c: pool, priority and slice; default pCPUs in the pool
 * (after cfg_parse_sched); placement checks (from cfg_check_common). */
int cfg_parse_sched(struct pctx *p, json_t *root);
void cfg_default_pcpus(struct pctx *p);
int cfg_check_sched(struct pctx *p);
int cfg_check_spi(struct pctx *p, const char *field, json_t *v, uint64_t intid);
int cfg_check_mediated_index(struct pctx *p, const char *field, json_t *v, uint64_t idx);

/* The schemas (config/keel.c, config/shyper.c) and the checks common to
 * both (config/check.c), in the order config_parse runs them. */
int cfg_parse_keel(struct pctx *p, json_t *root);
int cfg_parse_shyper(struct pctx *p, json_t *root);
/* config/shyper_dev.c: Shyper's emulated, passthrough and dtb device lists. */
int cfg_shyper_devices(struct pctx *p, json_t *root);
int cfg_check_common(struct pctx *p);
/* config/passthrough.c: Keel's "passthrough" list; the checks of both schemas. */
int cfg_parse_passthrough(struct pctx *p, json_t *list);
int cfg_check_passthrough(struct pctx *p);
/* Does [base, base + size) of the guest's IPA space hold something keeld
 * gives it (RAM, the emulated UART/GPIO, the GIC, a virtio window)? what
 * names it. */
bool cfg_range_taken(const struct pctx *p, uint64_t base, uint64_t size, char *what, size_t len);
/* config/display.c: Keel's "display" (NULL: none). */
int cfg_parse_display(struct pctx *p, json_t *v);
/* config/chan.c: Keel's "channels" (after memory). */
int cfg_parse_channels(struct pctx *p, json_t *list);

/* "disks[1]" or "emulated_device_list[3]", then sub (".path", ...). */
void cfg_disk_field(const struct vm_config *c, const struct cfg_disk *d, const char *sub,
		    char *out, size_t outlen);
/* The earlier disk whose backing disk i shares while one of them writes, or -1. */
int cfg_disk_shares(const struct vm_config *c, unsigned i);

#endif
