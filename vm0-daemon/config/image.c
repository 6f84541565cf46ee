// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-image fields of both config schemas (see config/image.h). What can
 * be checked without the file is checked here, at `keel vm config`; where
 * the image itself must fit is the loader's job at boot (loader.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

static const struct {
	const char *keel, *shyper;
	enum cfg_image_type type;
} image_types[] = {
	{ "linux", "VM_T_LINUX", CFG_IMAGE_LINUX },
	{ "baremetal", "VM_T_BARE_MATEL_APP", CFG_IMAGE_BARE },  /* sic, as Shyper spells it */
	{ "rtos", "VM_T_FREERTOS", CFG_IMAGE_BARE },
};

#define N_TYPES (sizeof(image_types) / sizeof(image_types[0]))

/* "label: field: value msg"; the load and entry fields sit in "image" in
 * Rust-Shyper's schema, "type" at the top level in both. */
static int image_fail(const struct vm_config *c, char *err, size_t errlen, int e, const char *field,
		      json_t *v, const char *msg)
{
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	bool in_image = c->shyper && strcmp(field, "type");

	snprintf(err, errlen, "%s: %s%s: %.48s%s%s", c->label, in_image ? "image." : "", field,
		 s ? s : "", s ? " " : "", msg);
	free(s);
	return -e;
}

static int parse_type(json_t *v, struct vm_config *c, char *err, size_t errlen)
{
	c->image_type = CFG_IMAGE_LINUX;
	if (!v)
		return 0;
	for (size_t i = 0; json_is_string(v) && i < N_TYPES; i++) {
		if (!strcmp(json_string_value(v), c->shyper ? image_types[i].shyper : image_types[i].keel)) {
			c->image_type = image_types[i].type;
			return 0;
		}
	}
	if (c->shyper)
		return image_fail(c, err, errlen, EOPNOTSUPP, "type", v,
				  "is not supported (\"VM_T_LINUX\", \"VM_T_BARE_MATEL_APP\" or \"VM_T_FREERTOS\")");
	return image_fail(c, err, errlen, EINVAL, "type", v, "is not \"linux\", \"baremetal\" or \"rtos\"");
}

/* An address as a JSON integer or a string ("0x40000000", "1073741824"). */
static int parse_addr(json_t *v, const struct vm_config *c, const char *field, uint64_t *out,
		      char *err, size_t errlen)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && !config_parse_size(json_string_value(v), out))
		return 0;
	return image_fail(c, err, errlen, EINVAL, field, v, "is not an address (a number or \"0x...\")");
}

static const struct keel_vm_mem *ram_of(const struct vm_config *c, uint64_t ipa)
{
	for (unsigned i = 0; i < c->nr_mem; i++)
		if (ipa >= c->mem[i].ipa && ipa - c->mem[i].ipa < c->mem[i].size)
			return &c->mem[i];
	return NULL;
}

static int check_in_ram(const struct vm_config *c, const char *field, json_t *v, uint64_t ipa,
			char *err, size_t errlen)
{
	char msg[128];

	if (ram_of(c, ipa))
		return 0;
	snprintf(msg, sizeof(msg), "is outside guest RAM (0x%llx..0x%llx%s)",
		 (unsigned long long)c->mem[0].ipa,
		 (unsigned long long)(c->mem[0].ipa + c->mem[0].size),
		 c->nr_mem > 1 ? " and more regions" : "");
	return image_fail(c, err, errlen, EINVAL, field, v, msg);
}

int config_image(json_t *type, json_t *img, struct vm_config *c, char *err, size_t errlen)
{
	json_t *load = json_object_get(img, "kernel_load_ipa");
	json_t *entry = json_object_get(img, "kernel_entry_point");
	uint64_t e = 0;
	int r;

	if ((r = parse_type(type, c, err, errlen)))
		return r;
	if (load && (r = parse_addr(load, c, "kernel_load_ipa", &c->kernel_ipa, err, errlen)))
		return r;
	if (entry && (r = parse_addr(entry, c, "kernel_entry_point", &e, err, errlen)))
		return r;
	if (c->kernel_ipa && (r = check_in_ram(c, "kernel_load_ipa", load, c->kernel_ipa, err, errlen)))
		return r;
	if (c->image_type == CFG_IMAGE_LINUX) {
		/* booting.rst: an Image starts at its first byte. */
		if (e && c->kernel_ipa && e != c->kernel_ipa)
			return image_fail(c, err, errlen, EINVAL, "kernel_entry_point", entry,
					  c->shyper ? "differs from image.kernel_load_ipa: an arm64 Image starts at its first byte"
						    : "differs from kernel_load_ipa: an arm64 Image starts at its first byte");
		return 0;
	}
	if (!entry)
		return 0;
	if ((r = check_in_ram(c, "kernel_entry_point", entry, e, err, errlen)))
		return r;
	if (e & 3)
		return image_fail(c, err, errlen, EINVAL, "kernel_entry_point", entry,
				  "is not 4-byte aligned (an instruction's address)");
	c->entry = e;
	return 0;
}
