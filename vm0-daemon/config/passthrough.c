// SPDX-License-Identifier: GPL-2.0
/*
 * Passthrough devices in a config: Keel's "passthrough" list (Shyper's
 * passthrough_device_list lands in the same struct cfg_pt, shyper_dev.c),
 * and the checks both share. keeld refuses here, with the entry named, what
 * the hypervisor would refuse with a bare errno (hyp/core/pt_check.c), plus
 * what only keeld knows: its own windows and interrupts, and identity_map.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "config/priv.h"

static const char *const pt_keys[] = { "name", "dt_path", "compatible", "regions", "irqs",
				       "irq_type", "dma", NULL };

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static uint64_t page_up(uint64_t n)
{
	return (n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static int parse_compat(struct pctx *p, const char *field, json_t *v, struct cfg_pt *pt)
{
	size_t i, at = 0;
	json_t *e;

	if (json_is_string(v))
		v = json_pack("[O]", v);
	else
		json_incref(v);
	if (!json_is_array(v) || !json_array_size(v)) {
		json_decref(v);
		return cfg_fail(p, EINVAL, field, NULL, "is not a string or a list of strings");
	}
	json_array_foreach(v, i, e) {
		const char *s = json_string_value(e);
		size_t n = s ? strlen(s) + 1 : 0;

		if (n < 2 || at + n > sizeof(pt->compat)) {
			json_decref(v);
			return cfg_fail(p, EINVAL, field, NULL, "needs non-empty strings, %zu bytes in all at most",
					sizeof(pt->compat));
		}
		memcpy(pt->compat + at, s, n);
		at += n;
	}
	pt->compat_len = (unsigned)at;
	json_decref(v);
	return 0;
}

static int parse_regions(struct pctx *p, const char *pfx, json_t *v, struct cfg_pt *pt)
{
	char field[96];
	size_t i;
	json_t *e;
	int r;

	if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > KEEL_PT_MAX_REGIONS)
		return cfg_fail(p, EINVAL, pfx, NULL, "regions: needs 1 to %d {\"base\", \"size\"} objects",
				KEEL_PT_MAX_REGIONS);
	json_array_foreach(v, i, e) {
		snprintf(field, sizeof(field), "%s.regions[%zu]", pfx, i);
		if (!json_is_object(e) || json_object_size(e) != 2)
			return cfg_fail(p, EINVAL, field, e, "is not {\"base\": ..., \"size\": ...}");
		uint64_t base, size;

		snprintf(field, sizeof(field), "%s.regions[%zu].base", pfx, i);
		if ((r = cfg_get_u64(p, field, json_object_get(e, "base"), &base)))
			return r;
		snprintf(field, sizeof(field), "%s.regions[%zu].size", pfx, i);
		if ((r = cfg_get_size(p, field, json_object_get(e, "size"), &size)))
			return r;
		pt->region[i] = (struct keel_pt_region){ base, size };
	}
	pt->nr_regions = (unsigned)json_array_size(v);
	return 0;
}

static int parse_irqs(struct pctx *p, const char *pfx, json_t *v, struct cfg_pt *pt)
{
	char field[96];
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > KEEL_PT_MAX_IRQS)
		return cfg_fail(p, EINVAL, pfx, NULL, "irqs: needs a list of at most %d INTIDs",
				KEEL_PT_MAX_IRQS);
	json_array_foreach(v, i, e) {
		snprintf(field, sizeof(field), "%s.irqs[%zu]", pfx, i);
		if (!json_is_integer(e) || json_integer_value(e) < 0)
			return cfg_fail(p, EINVAL, field, e, "is not an INTID");
		pt->irq[i] = (uint32_t)(json_integer_value(e) > 0xffff ? 0xffff : json_integer_value(e));
	}
	pt->nr_irqs = (unsigned)json_array_size(v);
	return 0;
}

static int parse_entry(struct pctx *p, json_t *e, unsigned i)
{
	struct cfg_pt *pt = &p->cfg->pt[i];
	char pfx[32], field[64];
	const char *key;
	json_t *v;
	int r;

	snprintf(pfx, sizeof(pfx), "passthrough[%u]", i);
	if (!json_is_object(e))
		return cfg_fail(p, EINVAL, pfx, e, "is not an object");
	json_object_foreach(e, key, v) {
		const char *const *k;

		for (k = pt_keys; *k && strcmp(*k, key); k++)
			;
		snprintf(field, sizeof(field), "%s.%s", pfx, key);
		if (!*k)
			return cfg_fail(p, EINVAL, field, NULL, "unknown field");
	}
	pt->entry = i;
	snprintf(field, sizeof(field), "%s.name", pfx);
	if ((r = cfg_get_string(p, field, json_object_get(e, "name"), pt->name, sizeof(pt->name))))
		return r;
	if (!pt->name[0])
		return cfg_fail(p, EINVAL, field, NULL, "is empty");
	if ((v = json_object_get(e, "dt_path"))) {
		snprintf(field, sizeof(field), "%s.dt_path", pfx);
		if ((r = cfg_get_string(p, field, v, pt->dt_path, sizeof(pt->dt_path))))
			return r;
		if (pt->dt_path[0] != '/')
			return cfg_fail(p, EINVAL, field, v, "is not a device-tree path (\"/pl031@9010000\")");
		if (json_object_get(e, "regions") || json_object_get(e, "irqs"))
			return cfg_fail(p, EINVAL, pfx, NULL,
					"has dt_path and regions/irqs: the node gives both, leave them out");
	} else {
		if ((r = parse_regions(p, pfx, json_object_get(e, "regions"), pt)))
			return r;
		if ((v = json_object_get(e, "irqs")) && (r = parse_irqs(p, pfx, v, pt)))
			return r;
	}
	if ((v = json_object_get(e, "compatible"))) {
		snprintf(field, sizeof(field), "%s.compatible", pfx);
		if ((r = parse_compat(p, field, v, pt)))
			return r;
	}
	if ((v = json_object_get(e, "irq_type"))) {
		const char *s = json_string_value(v);

		snprintf(field, sizeof(field), "%s.irq_type", pfx);
		if (!s || (strcmp(s, "level") && strcmp(s, "edge")))
			return cfg_fail(p, EINVAL, field, v, "is not \"level\" or \"edge\"");
		pt->edge = !strcmp(s, "edge");
	}
	if ((v = json_object_get(e, "dma"))) {
		snprintf(field, sizeof(field), "%s.dma", pfx);
		if (!json_is_boolean(v))
			return cfg_fail(p, EINVAL, field, v, "is not true or false");
		pt->dma = json_is_true(v);
	}
	return 0;
}

int cfg_parse_passthrough(struct pctx *p, json_t *list)
{
	size_t i;
	json_t *e;
	int r;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return cfg_fail(p, EINVAL, "passthrough", NULL, "is not a list of devices");
	if (json_array_size(list) > KEEL_PT_MAX_DEVICES)
		return cfg_fail(p, EINVAL, "passthrough", NULL, "lists %zu devices; at most %d",
				json_array_size(list), KEEL_PT_MAX_DEVICES);
	json_array_foreach(list, i, e)
		if ((r = parse_entry(p, e, (unsigned)i)))
			return r;
	p->cfg->nr_pt = (unsigned)json_array_size(list);
	return 0;
}

/* The interrupts keeld raises itself in this guest (its emulated devices). */
static bool irq_emulated(const struct vm_config *c, uint32_t intid)
{
	unsigned spi = intid - KEEL_GUEST_SPI_BASE;

	if (spi == c->uart_spi || spi == KEEL_GUEST_GPIO_SPI ||
	    ((c->consoles & CFG_CONSOLE_VIRTIO) && spi == c->vcon_spi))
		return true;
	for (unsigned i = 0; i < c->nr_disks; i++)
		if (spi == c->disk[i].spi)
			return true;
	for (unsigned i = 0; i < c->nr_nics; i++)
		if (spi == c->nic[i].spi)
			return true;
	return false;
}

static int check_entry(struct pctx *p, unsigned i)
{
	const struct vm_config *c = p->cfg;
	const struct cfg_pt *pt = &c->pt[i];
	const char *list = c->shyper ? "passthrough_device_list" : "passthrough";
	char field[64], what[64];
	int r;

	snprintf(field, sizeof(field), "%s[%u]", list, pt->entry);
	if (!pt->nr_regions)
		return cfg_fail(p, EINVAL, field, NULL, "'%s' has no MMIO region", pt->name);
	if (pt->dma && !c->identity_map)
		return cfg_fail(p, EINVAL, field, NULL,
				"'%s' does DMA, so the guest needs identity_map: true (no IOMMU: the device uses physical addresses, so guest RAM must be at IPA = PA)",
				pt->name);
	for (unsigned k = 0; k < pt->nr_regions; k++) {
		uint64_t b = pt->region[k].base, s = page_up(pt->region[k].size);

		if (!pt->region[k].size || (b & (PAGE_SIZE - 1)) || b + s < b ||
		    b + s > KEEL_GUEST_IPA_LIMIT)
			return cfg_fail(p, EINVAL, field, NULL,
					"'%s': region 0x%llx+0x%llx is not a non-empty, page-aligned range below 2^%d",
					pt->name, (unsigned long long)b,
					(unsigned long long)pt->region[k].size, KEEL_GUEST_IPA_BITS);
		/* An identity guest's RAM lands wherever the pool has room:
		 * the hypervisor checks that one. */
		if (cfg_range_taken(p, b, s, what, sizeof(what)) &&
		    !(c->identity_map && !strcmp(what, "guest RAM")))
			return cfg_fail(p, EINVAL, field, NULL,
					"'%s': region 0x%llx+0x%llx overlaps %s (devices are mapped at IPA = PA)",
					pt->name, (unsigned long long)b, (unsigned long long)s, what);
		for (unsigned j = 0; j <= i; j++)
			for (unsigned l = 0; l < (j == i ? k : c->pt[j].nr_regions); l++)
				if (overlap(b, s, c->pt[j].region[l].base, page_up(c->pt[j].region[l].size)))
					return cfg_fail(p, EINVAL, field, NULL,
							"'%s': region 0x%llx+0x%llx overlaps '%s' (the same pages)",
							pt->name, (unsigned long long)b, (unsigned long long)s,
							c->pt[j].name);
	}
	for (unsigned k = 0; k < pt->nr_irqs; k++) {
		/* keeld's own interrupts, and no SPI twice. */
		snprintf(field, sizeof(field), "%s[%u] '%s': interrupt", list, pt->entry, pt->name);
		json_t *n = json_integer(pt->irq[k]);

		r = cfg_check_spi(p, field, n, pt->irq[k]);
		json_decref(n);
		if (r)
			return r;
		if (irq_emulated(c, pt->irq[k]))
			return cfg_fail(p, EINVAL, field, NULL, "%u is the SPI of a device keeld emulates for this guest",
					pt->irq[k]);
		for (unsigned j = 0; j <= i; j++)
			for (unsigned l = 0; l < (j == i ? k : c->pt[j].nr_irqs); l++)
				if (c->pt[j].irq[l] == pt->irq[k])
					return cfg_fail(p, EINVAL, field, NULL, "%u is listed twice (also by '%s')",
							pt->irq[k], c->pt[j].name);
	}
	return 0;
}

int cfg_check_passthrough(struct pctx *p)
{
	int r;

	for (unsigned i = 0; i < p->cfg->nr_pt; i++)
		if (!p->cfg->pt[i].dt_path[0] && (r = check_entry(p, i)))
			return r;
	return 0;
}

/* ---- dt_path: the device as the host's device tree describes it ---- */

static uint64_t cells(const fdt32_t *c, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 32 | fdt32_to_cpu(c[i]);
	return v;
}

static int resolve_one(struct pctx *p, const void *fdt, struct cfg_pt *pt)
{
	int node = fdt_path_offset(fdt, pt->dt_path), parent, ac, sc, len;
	const fdt32_t *reg, *irq;
	const char *compat;
	char field[48];

	snprintf(field, sizeof(field), "passthrough[%u].dt_path", pt->entry);
	if (node < 0)
		return cfg_fail(p, ENOENT, field, NULL, "%s: no such node in the host's device tree",
				pt->dt_path);
	parent = fdt_parent_offset(fdt, node);
	ac = parent >= 0 ? fdt_address_cells(fdt, parent) : -1;
	sc = parent >= 0 ? fdt_size_cells(fdt, parent) : -1;
	if (ac < 1 || ac > 2 || sc < 1 || sc > 2)
		return cfg_fail(p, EINVAL, field, NULL, "%s: its bus has unsupported #address-cells/#size-cells",
				pt->dt_path);
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || len <= 0 || len % ((ac + sc) * 4) ||
	    len / ((ac + sc) * 4) > KEEL_PT_MAX_REGIONS)
		return cfg_fail(p, EINVAL, field, NULL, "%s: needs 1 to %d entries in 'reg'", pt->dt_path,
				KEEL_PT_MAX_REGIONS);
	pt->nr_regions = (unsigned)(len / ((ac + sc) * 4));
	for (unsigned i = 0; i < pt->nr_regions; i++, reg += ac + sc)
		pt->region[i] = (struct keel_pt_region){ cells(reg, ac), cells(reg + ac, sc) };
	/* Three-cell GIC specifiers (type, number, flags), SPIs only. */
	irq = fdt_getprop(fdt, node, "interrupts", &len);
	if (irq && (len % 12 || len / 12 > KEEL_PT_MAX_IRQS))
		return cfg_fail(p, EINVAL, field, NULL, "%s: 'interrupts' is not up to %d GIC specifiers",
				pt->dt_path, KEEL_PT_MAX_IRQS);
	pt->nr_irqs = irq ? (unsigned)(len / 12) : 0;
	for (unsigned i = 0; i < pt->nr_irqs; i++) {
		if (fdt32_to_cpu(irq[3 * i]) != 0)
			return cfg_fail(p, EINVAL, field, NULL, "%s: interrupt %u is not an SPI", pt->dt_path, i);
		pt->irq[i] = KEEL_GUEST_SPI_BASE + fdt32_to_cpu(irq[3 * i + 1]);
		pt->edge = (fdt32_to_cpu(irq[3 * i + 2]) & 0xf) == 1 || (fdt32_to_cpu(irq[3 * i + 2]) & 0xf) == 2;
	}
	compat = fdt_getprop(fdt, node, "compatible", &len);
	if (!pt->compat_len && compat && len > 1 && (size_t)len <= sizeof(pt->compat) && !compat[len - 1]) {
		memcpy(pt->compat, compat, (size_t)len);
		pt->compat_len = (unsigned)len;
	}
	if (!pt->dma)
		pt->dma = fdt_getprop(fdt, node, "dma-coherent", NULL) != NULL &&
			  !strncmp(pt->compat, "virtio,mmio", sizeof(pt->compat));
	return 0;
}

/* A device given by address (Shyper's lists, Keel's regions without a
 * compatible): the host node at that address tells the guest's driver
 * what it is. */
static void find_compat(const void *fdt, struct cfg_pt *pt)
{
	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0; node = fdt_next_node(fdt, node, NULL)) {
		int parent = fdt_parent_offset(fdt, node), ac, sc, len;
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
		const char *compat;

		ac = parent >= 0 ? fdt_address_cells(fdt, parent) : -1;
		sc = parent >= 0 ? fdt_size_cells(fdt, parent) : -1;
		if (!reg || ac < 1 || ac > 2 || sc < 0 || sc > 2 || len < (ac + sc) * 4 ||
		    cells(reg, ac) != pt->region[0].base)
			continue;
		compat = fdt_getprop(fdt, node, "compatible", &len);
		if (compat && len > 1 && (size_t)len <= sizeof(pt->compat) && !compat[len - 1]) {
			memcpy(pt->compat, compat, (size_t)len);
			pt->compat_len = (unsigned)len;
		}
		return;
	}
}

int config_resolve_passthrough(struct vm_config *cfg, const struct config_env *env,
			       const void *fdt, size_t len, char *err, size_t errlen)
{
	struct pctx p = { .env = env, .cfg = cfg, .err = err, .errlen = errlen };
	bool fdt_ok = fdt && !fdt_check_header(fdt) && fdt_totalsize(fdt) <= len &&
		      !fdt_check_full(fdt, fdt_totalsize(fdt));
	int r;

	for (unsigned i = 0; i < cfg->nr_pt; i++) {
		struct cfg_pt *pt = &cfg->pt[i];

		if (!pt->dt_path[0] && !pt->compat_len && pt->nr_regions && fdt_ok)
			find_compat(fdt, pt);
		if (!pt->dt_path[0] || pt->nr_regions)
			continue;
		if (!fdt_ok)
			return cfg_fail(&p, EINVAL, "passthrough", NULL,
					"dt_path needs the host's device tree, and it is not readable");
		if ((r = resolve_one(&p, fdt, pt)) || (r = check_entry(&p, i))) {
			pt->nr_regions = 0;  /* not resolved: the next try starts again */
			return r;
		}
	}
	return 0;
}
