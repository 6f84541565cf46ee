// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: keeld's JSON parsers for what VM0's admin (or anyone
 * who can write a config file or talk to the socket) hands it: VM configs
 * in Keel's and Rust-Shyper's schema (config.c), mediated-cfg.json
 * (mediated.c) and memory sizes.
 *
 * The input is a flags byte, then the text. Crashes are not the only
 * failure: a config the parser accepts must satisfy what vm.c and the
 * hypervisor rely on without checking again (counts within proto limits,
 * strings terminated, RAM aligned and disjoint, disks in their windows),
 * and a refusal must carry a message that names the file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/guest.h>

#include "config/config.h"
#include "log.h"
#include "config/mediated.h"

#define LABEL "fuzz.json"

/* A failed check is a finding: print why and crash so libFuzzer keeps it. */
static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_config: %s (%s)\n", what, detail);
	abort();
}

static void check_str(const char *s, size_t cap, const char *what)
{
	if (!memchr(s, 0, cap))
		fail("string not terminated", what);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Passthrough devices: what KEEL_HC_PT_ASSIGN is built from unchecked. A
 * dt_path entry has no regions until resolved from the host DT. */
static void check_passthrough(const struct vm_config *c)
{
	if (c->nr_pt > KEEL_PT_MAX_DEVICES)
		fail("more passthrough devices than KEEL_PT_MAX_DEVICES", c->name);
	for (unsigned i = 0; i < c->nr_pt; i++) {
		const struct cfg_pt *pt = &c->pt[i];

		check_str(pt->name, sizeof(pt->name), "passthrough name");
		check_str(pt->dt_path, sizeof(pt->dt_path), "passthrough dt_path");
		if (pt->nr_regions > KEEL_PT_MAX_REGIONS || pt->nr_irqs > KEEL_PT_MAX_IRQS ||
		    pt->compat_len > sizeof(pt->compat) || (!pt->nr_regions && !pt->dt_path[0]))
			fail("passthrough counts out of range", pt->name);
		if (pt->compat_len && pt->compat[pt->compat_len - 1])
			fail("passthrough compatible not NUL-terminated", pt->name);
		if (pt->dma && !c->identity_map)
			fail("a DMA device on a guest that is not identity-mapped", pt->name);
		for (unsigned k = 0; k < pt->nr_regions; k++)
			if (!pt->region[k].size || pt->region[k].base & (KEEL_GUEST_PAGE_SIZE - 1) ||
			    pt->region[k].base + pt->region[k].size < pt->region[k].base)
				fail("passthrough region empty, unaligned or wrapping", pt->name);
		for (unsigned k = 0; k < pt->nr_irqs; k++)
			if (pt->irq[k] < KEEL_GUEST_SPI_BASE || pt->irq[k] >= KEEL_GUEST_INTID_LIMIT)
				fail("passthrough interrupt that is not an SPI", pt->name);
	}
}

/* What keeld and the hypervisor take for granted in an accepted config. */
static void check_accepted(const struct vm_config *c, const struct config_env *env)
{
	check_str(c->label, sizeof(c->label), "label");
	check_str(c->name, sizeof(c->name), "name");
	check_str(c->kernel, sizeof(c->kernel), "kernel");
	check_str(c->initramfs, sizeof(c->initramfs), "initramfs");
	check_str(c->dtb, sizeof(c->dtb), "dtb");
	check_str(c->cmdline, sizeof(c->cmdline), "cmdline");
	check_str(c->notes, sizeof(c->notes), "notes");
	if (!c->name[0])
		fail("accepted an empty name", c->name);
	if (!c->kernel[0])
		fail("accepted a config without a kernel", c->name);
	if (c->nr_vcpus < 1 || c->nr_vcpus > KEEL_MAX_VCPUS)
		fail("vCPU count outside 1..KEEL_MAX_VCPUS", c->name);
	for (unsigned i = 0; i < c->nr_vcpus; i++)
		if (env->nr_pcpus && c->pcpu[i] >= env->nr_pcpus)
			fail("vCPU on a pCPU the machine lacks", c->name);
	if (c->nr_mem < 1 || c->nr_mem > KEEL_VM_MAX_MEM)
		fail("RAM region count outside 1..KEEL_VM_MAX_MEM", c->name);
	for (unsigned i = 0; i < c->nr_mem; i++) {
		const struct keel_vm_mem *m = &c->mem[i];

		if (!m->size || (m->ipa | m->size) & (KEEL_GUEST_PAGE_SIZE - 1) ||
		    m->ipa + m->size < m->ipa)
			fail("RAM region empty, unaligned or wrapping", c->name);
		for (unsigned j = 0; j < i; j++)
			if (overlaps(m->ipa, m->size, c->mem[j].ipa, c->mem[j].size))
				fail("RAM regions overlap", c->name);
		if (overlaps(m->ipa, m->size, c->uart_base, KEEL_GUEST_UART_SIZE))
			fail("RAM over the UART", c->name);
	}
	if (c->nr_disks > CFG_MAX_DISKS)
		fail("more disks than CFG_MAX_DISKS", c->name);
	for (unsigned i = 0; i < c->nr_disks; i++) {
		const struct cfg_disk *d = &c->disk[i];

		check_str(d->path, sizeof(d->path), "disk path");
		check_str(d->serial, sizeof(d->serial), "disk serial");
		if (d->mediated < -1 || d->mediated >= MEDIATED_MAX)
			fail("mediated index out of range", c->name);
		if (d->mediated < 0 && !d->path[0])
			fail("disk with neither a path nor a mediated index", c->name);
		for (unsigned j = 0; j < c->nr_mem; j++)
			if (overlaps(d->base, KEEL_GUEST_VIRTIO_STRIDE, c->mem[j].ipa, c->mem[j].size))
				fail("virtio window inside guest RAM", c->name);
		for (unsigned j = 0; j < i; j++)
			if (overlaps(d->base, KEEL_GUEST_VIRTIO_STRIDE, c->disk[j].base,
				     KEEL_GUEST_VIRTIO_STRIDE) || d->spi == c->disk[j].spi)
				fail("two disks share a window or an SPI", c->name);
	}
	check_passthrough(c);
}

/* A refusal reaches the user as is: it must exist and name the file. */
static void check_refused(int r, const char *err, const char *label)
{
	if (r >= 0)
		fail("error that is not a negative errno", err);
	check_str(err, CFG_ERR_MAX, "error message");
	if (strncmp(err, label, strlen(label)))
		fail("error message does not name the file", err);
}

static void fuzz_vm_config(const char *text, size_t len, uint8_t flags)
{
	static const struct mediated_cfg med = {
		.n = 2,
		.disk = { { "/dev/vdb1", true }, { "/srv/vm1.img", false } },
	};
	struct config_env env = {
		.id = 1 + (flags >> 4) % (KEEL_MAX_VMS - 1),
		.nr_pcpus = (flags >> 1) & 7,  /* 0: unknown */
		.check_files = false,          /* a pure function of the text */
		.dir = "/var/lib/keel",
		.label = LABEL,
	};
	struct vm_config *cfg = malloc(sizeof(*cfg));
	char err[CFG_ERR_MAX];
	int r;

	if (!cfg)
		abort();
	memset(err, 0x55, sizeof(err)); /* unterminated unless the parser writes one */
	r = config_parse(text, len, &env, cfg, err, sizeof(err));
	if (r) {
		check_refused(r, err, LABEL);
	} else {
		check_accepted(cfg, &env);
		/* As vm_create does; idempotent, so twice. */
		memset(err, 0x55, sizeof(err));
		r = config_resolve_disks(cfg, flags & 0x80 ? NULL : &med, err, sizeof(err));
		if (r) {
			check_refused(r, err, LABEL);
		} else {
			r = config_resolve_disks(cfg, flags & 0x80 ? NULL : &med, err, sizeof(err));
			if (r)
				fail("config_resolve_disks is not idempotent", err);
			for (unsigned i = 0; i < cfg->nr_disks; i++)
				if (!cfg->disk[i].path[0])
					fail("a resolved disk has no path", cfg->name);
		}
		/* No host DT here: dt_path entries are refused, by name. */
		memset(err, 0x55, sizeof(err));
		r = config_resolve_passthrough(cfg, &env, NULL, 0, err, sizeof(err));
		if (r)
			check_refused(r, err, LABEL);
	}
	free(cfg);
}

static void fuzz_mediated(const char *text, size_t len)
{
	struct mediated_cfg *m = malloc(sizeof(*m));
	char err[CFG_ERR_MAX];
	int r;

	if (!m)
		abort();
	memset(err, 0x55, sizeof(err));
	r = mediated_parse(text, len, "mediated-cfg.json", false, m, err, sizeof(err));
	if (r) {
		check_refused(r, err, "mediated-cfg.json");
	} else {
		if (m->n > MEDIATED_MAX)
			fail("more mediated disks than MEDIATED_MAX", "");
		for (unsigned i = 0; i < m->n; i++) {
			check_str(m->disk[i].path, sizeof(m->disk[i].path), "mediated path");
			if (m->disk[i].path[0] != '/')
				fail("relative mediated path", m->disk[i].path);
		}
	}
	free(m);
}

static void fuzz_size(const char *text, size_t len)
{
	/* config_parse_size takes a C string: cut at the first NUL. */
	char *s = strndup(text, len);
	uint64_t v = 0;

	if (!s)
		abort();
	(void)config_parse_size(s, &v);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t flags;
	char *text;

	if (!size)
		return 0;
	flags = data[0];
	/* An exact-size copy: ASan sees any read past the text's end. */
	text = malloc(size - 1 ? size - 1 : 1);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	switch (flags & 1 ? (flags >> 1) & 1 : 2) {
	case 0: fuzz_mediated(text, size - 1); break;
	case 1: fuzz_size(text, size - 1); break;
	default: fuzz_vm_config(text, size - 1, flags); break;
	}
	free(text);
	return 0;
}
