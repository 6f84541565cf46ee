// SPDX-License-Identifier: GPL-2.0
/*
 * Rust-Shyper configs, their device lists: each emulated device type maps
 * to a Keel device through one table or is refused naming the entry, the
 * type and what Keel offers instead; passthrough entries are devices passed
 * through (struct cfg_pt, at IPA = PA) except the GIC CPU interface every
 * guest gets; DT entries describe the GIC (keeld's DT does) or a passed
 * UART.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <keel/hypercall.h>

#include "priv.h"
#include "vswitch/vswitch.h"

/* The EL1 virtual timer's INTID (PPI 11), which Shyper configs list among
 * a passthrough device's interrupts: every Keel guest gets the host's
 * virtual timer, whatever its INTID (guest/guest_fdt.c). */
#define SHYPER_VTIMER_INTID 27
/* The GIC maintenance interrupt, Shyper's irq_id of its vGIC entries: the
 * hypervisor keeps it, the guest never sees it. */
#define SHYPER_GIC_MAINT_INTID 25

/* One emulated_device_list entry being parsed. */
struct emu {
	size_t i;
	json_t *e;
	const char *name, *type;
	uint64_t base;
};

static void emu_field(const struct emu *d, const char *sub, char *out, size_t outlen)
{
	snprintf(out, outlen, "emulated_device_list[%zu]%s", d->i, sub);
}

/* "length", when given, holds at least one virtio-mmio register window. */
static int emu_virtio_length(struct pctx *p, const struct emu *d)
{
	json_t *v = json_object_get(d->e, "length");
	char field[80];
	uint64_t n;
	int r;

	if (!v)
		return 0;
	emu_field(d, ".length", field, sizeof(field));
	if ((r = cfg_get_size(p, field, v, &n)))
		return r;
	if (n < KEEL_GUEST_VIRTIO_SIZE)
		return cfg_fail(p, EINVAL, field, v,
				"is less than 0x200, the size of a virtio-mmio register window");
	return 0;
}

/* irq_id, an SPI of this machine (INTIDs, as everywhere in Shyper's configs). */
static int emu_spi(struct pctx *p, const struct emu *d, unsigned *spi)
{
	json_t *v = json_object_get(d->e, "irq_id");
	char field[80];
	uint64_t n;
	int r;

	emu_field(d, ".irq_id", field, sizeof(field));
	if ((r = cfg_get_u64(p, field, v, &n)) || (r = cfg_check_spi(p, field, v, n)))
		return r;
	*spi = (unsigned)(n - KEEL_GUEST_SPI_BASE);
	return 0;
}

/* A virtio-blk entry: {"base_ipa": "0xa000000", "length": "0x1000",
 * "irq_id": 48, "cfg_list": [mediated index, size in sectors]}. Where the
 * window and the interrupt may go is checked in check_common. */
static int emu_disk(struct pctx *p, const struct emu *d)
{
	struct vm_config *c = p->cfg;
	struct cfg_disk *k = &c->disk[c->nr_disks];
	json_t *v, *list;
	char field[80];
	uint64_t n;
	int r;

	emu_field(d, "", field, sizeof(field));
	if (c->nr_disks == CFG_MAX_DISKS)
		return cfg_fail(p, EINVAL, field, NULL,
				"is virtio-blk device number %d; at most %d are served", CFG_MAX_DISKS + 1,
				CFG_MAX_DISKS);
	k->entry = (unsigned)d->i;
	k->base = d->base;
	if ((r = emu_virtio_length(p, d)) || (r = emu_spi(p, d, &k->spi)))
		return r;
	emu_field(d, ".cfg_list", field, sizeof(field));
	list = json_object_get(d->e, "cfg_list");
	if (!json_is_array(list) || !json_array_size(list))
		return cfg_fail(p, EINVAL, field, list,
				list ? "is not a non-empty list [mediated index, size in sectors]"
				     : "missing (needs [mediated index, size in sectors])");
	emu_field(d, ".cfg_list[0]", field, sizeof(field));
	v = json_array_get(list, 0);
	if ((r = cfg_get_u64(p, field, v, &n)) || (r = cfg_check_mediated_index(p, field, v, n)))
		return r;
	k->mediated = (int)n;
	if ((v = json_array_get(list, 1))) {
		emu_field(d, ".cfg_list[1]", field, sizeof(field));
		if ((r = cfg_get_u64(p, field, v, &k->sectors)))
			return r;
		cfg_note(p, "%s: %s: %llu sectors ignored (a disk is the size of its backing)",
			 p->env->label, field, (unsigned long long)k->sectors);
	}
	if (!strcmp(d->type, "EMU_DEVICE_T_VIRTIO_BLK"))
		cfg_note(p, "%s: emulated_device_list[%zu]: EMU_DEVICE_T_VIRTIO_BLK is served as EMU_DEVICE_T_VIRTIO_BLK_MEDIATED: cfg_list[0] is an index into mediated-cfg.json",
			 p->env->label, d->i);
	c->nr_disks++;
	return 0;
}

/* A virtio-net entry: {"base_ipa": "0xa001000", "length": "0x1000",
 * "irq_id": 49, "cfg_list": [0x74, 0x56, 0xaa, 0x0f, 0x47, 0xd0]}: the MAC
 * as six numbers ([] or none: generated). Shyper's schema has no switch:
 * VSWITCH_DEFAULT. */
static int emu_nic(struct pctx *p, const struct emu *d)
{
	struct vm_config *c = p->cfg;
	struct cfg_nic *n = &c->nic[c->nr_nics];
	json_t *list, *v;
	char field[80];
	uint64_t b;
	size_t k;
	int r;

	emu_field(d, "", field, sizeof(field));
	if (c->nr_nics == CFG_MAX_NICS)
		return cfg_fail(p, EINVAL, field, NULL,
				"is virtio-net device number %d; at most %d are served", CFG_MAX_NICS + 1,
				CFG_MAX_NICS);
	n->entry = (unsigned)d->i;
	n->base = d->base;
	snprintf(n->sw, sizeof(n->sw), "%s", VSWITCH_DEFAULT);
	if ((r = emu_virtio_length(p, d)) || (r = emu_spi(p, d, &n->spi)))
		return r;
	emu_field(d, ".cfg_list", field, sizeof(field));
	list = json_object_get(d->e, "cfg_list");
	if (list && !(json_is_array(list) && (json_array_size(list) == 6 || !json_array_size(list))))
		return cfg_fail(p, EINVAL, field, list, "is not a MAC address as 6 numbers (or [])");
	json_array_foreach(list, k, v) {
		snprintf(field, sizeof(field), "emulated_device_list[%zu].cfg_list[%zu]", d->i, k);
		if ((r = cfg_get_u64(p, field, v, &b)))
			return r;
		if (b > 0xff)
			return cfg_fail(p, EINVAL, field, v, "is not a byte");
		n->mac[k] = (uint8_t)b;
		n->mac_given = true;
	}
	c->nr_nics++;
	return 0;
}

/* Shyper's virtio-console joins the guest to a console device of its MVM
 * (cfg_list: [MVM's VM id, that device's address there]); Keel's joins it
 * to /dev/hvc<id> in VM0, so the peer must be VM 0. */
static int emu_vcon(struct pctx *p, const struct emu *d)
{
	struct vm_config *c = p->cfg;
	json_t *list = json_object_get(d->e, "cfg_list"), *v;
	char field[80];
	uint64_t n;
	int r;

	emu_field(d, "", field, sizeof(field));
	if (c->vcon_entry >= 0)
		return cfg_fail(p, EINVAL, field, NULL,
				"is a second virtio-console (emulated_device_list[%d] is the first): a guest has one",
				c->vcon_entry);
	if ((r = emu_virtio_length(p, d)) || (r = emu_spi(p, d, &c->vcon_spi)))
		return r;
	emu_field(d, ".cfg_list", field, sizeof(field));
	if (list && !json_is_array(list))
		return cfg_fail(p, EINVAL, field, list, "is not a list [0, address]");
	if ((v = json_array_get(list, 0))) {
		emu_field(d, ".cfg_list[0]", field, sizeof(field));
		if ((r = cfg_get_u64(p, field, v, &n)))
			return r;
		if (n)
			return cfg_fail(p, EINVAL, field, v,
					"names VM %llu as the other end: a Keel guest's virtio-console ends in VM0's /dev/hvc<id> (use 0)",
					(unsigned long long)n);
	}
	if ((v = json_array_get(list, 1))) {
		emu_field(d, ".cfg_list[1]", field, sizeof(field));
		if ((r = cfg_get_u64(p, field, v, &n)))
			return r;
		cfg_note(p, "%s: %s: 0x%llx ignored (VM0's end is /dev/hvc<id>, not a device)",
			 p->env->label, field, (unsigned long long)n);
	}
	c->vcon_entry = (int)d->i;
	c->vcon_base = d->base;
	return 0;
}

static int emu_pl011(struct pctx *p, const struct emu *d)
{
	struct vm_config *c = p->cfg;
	json_t *v = json_object_get(d->e, "irq_id");
	char field[80];
	uint64_t irq = 0;
	int r;

	emu_field(d, ".base_ipa", field, sizeof(field));
	if (d->base & (PAGE_SIZE - 1))
		return cfg_fail(p, EINVAL, field, json_object_get(d->e, "base_ipa"),
				"is not page aligned");
	c->uart_base = d->base;
	emu_field(d, ".irq_id", field, sizeof(field));
	if (v && (r = cfg_get_u64(p, field, v, &irq)))
		return r;
	/* 0: Shyper's "the usual one". */
	if (irq && (r = cfg_check_spi(p, field, v, irq)))
		return r;
	if (irq)
		c->uart_spi = (unsigned)(irq - KEEL_GUEST_SPI_BASE);
	return 0;
}

/* Keel's vGIC: the guest's GIC is at the machine's addresses and its DT
 * says so (vm.c logs a different placement). */
static int emu_gic(struct pctx *p, const struct emu *d)
{
	struct vm_config *c = p->cfg;
	json_t *v = json_object_get(d->e, "irq_id");
	char field[80];
	uint64_t irq = 0;
	int r;

	emu_field(d, ".irq_id", field, sizeof(field));
	if (v && (r = cfg_get_u64(p, field, v, &irq)))
		return r;
	if (irq && irq != SHYPER_GIC_MAINT_INTID)
		return cfg_fail(p, EINVAL, field, v,
				"is not 0 or %d (the GIC maintenance interrupt): the vGIC has no interrupt of its own",
				SHYPER_GIC_MAINT_INTID);
	if (!strcmp(d->type, "EMU_DEVICE_T_GICR"))
		c->gicr_ipa = d->base;
	else
		c->gicd_ipa = d->base;
	return 0;
}

/* Every type in Shyper's EmuDeviceType: parse, or why not and what to use. */
static const struct {
	const char *type;
	int (*parse)(struct pctx *p, const struct emu *d);
	const char *instead;
} emu_types[] = {
	{ "EMU_DEVICE_T_CONSOLE", emu_pl011, NULL },
	{ "EMU_DEVICE_T_PL011", emu_pl011, NULL },
	{ "EMU_DEVICE_T_GICD", emu_gic, NULL },
	{ "EMU_DEVICE_T_GICR", emu_gic, NULL },
	{ "EMU_DEVICE_T_VIRTIO_BLK_MEDIATED", emu_disk, NULL },
	{ "EMU_DEVICE_T_VIRTIO_BLK", emu_disk, NULL },
	{ "EMU_DEVICE_T_VIRTIO_CONSOLE", emu_vcon, NULL },
	{ "EMU_DEVICE_T_VIRTIO_NET", emu_nic, NULL },
	{ "EMU_DEVICE_T_GPPT", NULL,
	  "GIC partial passthrough: Keel's vGIC emulates the whole GIC (EMU_DEVICE_T_GICD, and EMU_DEVICE_T_GICR on GICv3)" },
	{ "EMU_DEVICE_T_SHYPER", NULL,
	  "Rust-Shyper's hypercall device for its MVM tools: guests are managed from VM0 with the keel CLI" },
	{ "EMU_DEVICE_T_IOMMU", NULL,
	  "a virtual SMMU for passed-through devices: Keel passes no devices through yet" },
	{ "EMU_DEVICE_T_SRE", NULL,
	  "ICC_SRE trapping: Keel's vGIC serves the GICv3 system registers itself (EMU_DEVICE_T_GICR)" },
	{ "EMU_DEVICE_T_SGIR", NULL,
	  "ICC_SGI1R trapping: Keel's vGIC serves SGIs itself (EMU_DEVICE_T_GICR)" },
	{ "EMU_DEVICE_T_META", NULL, "migration metadata: Keel does not migrate guests" },
	{ "EMU_DEVICE_T_PLIC", NULL,
	  "the RISC-V interrupt controller: Keel guests are arm64 with a GIC (EMU_DEVICE_T_GICD)" },
};

#define NR_EMU_TYPES (sizeof(emu_types) / sizeof(emu_types[0]))

static int emu_refuse(struct pctx *p, const struct emu *d, const char *why)
{
	char served[256] = "";
	size_t used = 0;

	for (size_t k = 0; k < NR_EMU_TYPES && used < sizeof(served); k++)
		if (emu_types[k].parse)
			used += (size_t)snprintf(served + used, sizeof(served) - used, "%s%s",
						 used ? ", " : "", emu_types[k].type);
	snprintf(p->err, p->errlen,
		 "%s: emulated_device_list[%zu] '%s' (%s): not supported: %s; Keel serves %s",
		 p->env->label, d->i, d->name, d->type, why, served);
	return -EOPNOTSUPP;
}

static int shyper_emulated(struct pctx *p, json_t *emu)
{
	struct vm_config *c = p->cfg;
	json_t *list = json_object_get(emu, "emulated_device_list");
	bool pl011 = false;
	char field[80];
	int r;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return cfg_fail(p, EINVAL, "emulated_device.emulated_device_list", list, "is not a list");
	for (size_t i = 0; i < json_array_size(list); i++) {
		struct emu d = { .i = i, .e = json_array_get(list, i) };
		size_t k;

		d.name = json_string_value(json_object_get(d.e, "name"));
		d.type = json_string_value(json_object_get(d.e, "type"));
		emu_field(&d, "", field, sizeof(field));
		if (!json_is_object(d.e) || !d.type)
			return cfg_fail(p, EINVAL, field, d.e, "has no \"type\"");
		if (!d.name)
			d.name = "?";
		for (k = 0; k < NR_EMU_TYPES && strcmp(emu_types[k].type, d.type); k++)
			;
		if (k == NR_EMU_TYPES)
			return emu_refuse(p, &d, "not a Rust-Shyper emulated device type");
		if (!emu_types[k].parse)
			return emu_refuse(p, &d, emu_types[k].instead);
		emu_field(&d, ".base_ipa", field, sizeof(field));
		if ((r = cfg_get_u64(p, field, json_object_get(d.e, "base_ipa"), &d.base)))
			return r;
		if ((r = emu_types[k].parse(p, &d)))
			return r;
		pl011 |= emu_types[k].parse == emu_pl011;
	}
	/* Without a virtio-console entry the PL011 is the console, listed or
	 * not (Shyper's own configs often leave it out). With one, the PL011
	 * only if listed, and the main console is the one the command line
	 * names last, as for Linux's /dev/console. */
	if (c->vcon_entry >= 0) {
		const char *last = NULL;

		for (const char *s = c->cmdline; (s = strstr(s, "console=")); s += 8)
			if (s == c->cmdline || s[-1] == ' ')
				last = s + 8;
		c->consoles = CFG_CONSOLE_VIRTIO | (pl011 ? CFG_CONSOLE_PL011 : 0);
		c->console_main = pl011 && last && !strncmp(last, "ttyAMA", 6) ? CFG_CONSOLE_PL011
										   : CFG_CONSOLE_VIRTIO;
	}
	return 0;
}

/* A list of INTIDs of this machine. The virtual timer is every guest's
 * anyway; other interrupts are SPIs a device passes through, collected
 * into pt (NULL: the entry has no interrupt of its own). */
static int check_irq_list(struct pctx *p, const char *list_field, json_t *list, struct cfg_pt *pt)
{
	unsigned limit = p->env->nr_irqs && p->env->nr_irqs < KEEL_GUEST_INTID_LIMIT
				 ? p->env->nr_irqs : KEEL_GUEST_INTID_LIMIT;
	char field[112];
	json_t *v;
	size_t j;
	uint64_t n;
	int r;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return cfg_fail(p, EINVAL, list_field, list, "is not a list of interrupt numbers");
	json_array_foreach(list, j, v) {
		snprintf(field, sizeof(field), "%s[%zu]", list_field, j);
		if ((r = cfg_get_u64(p, field, v, &n)))
			return r;
		if (n >= limit)
			return cfg_fail(p, EINVAL, field, v, "is not an interrupt of this machine (0..%u)",
					limit - 1);
		if (n == SHYPER_VTIMER_INTID)
			continue;
		if (!pt)
			return cfg_fail(p, EINVAL, field, v,
					"is not the virtual timer (%d): this entry has no interrupt of its own",
					SHYPER_VTIMER_INTID);
		if ((r = cfg_check_spi(p, field, v, n)))
			return r;
		if (pt->nr_irqs == KEEL_PT_MAX_IRQS)
			return cfg_fail(p, EINVAL, field, v, "is more than %d interrupts for one device",
					KEEL_PT_MAX_IRQS);
		pt->irq[pt->nr_irqs++] = (uint32_t)n;
	}
	return 0;
}

/* A device passed through: at IPA = PA (Keel maps devices where they are). */
static int shyper_pt_device(struct pctx *p, json_t *e, size_t i, const char *name, uint64_t ipa,
			    uint64_t pa, uint64_t len)
{
	struct vm_config *c = p->cfg;
	struct cfg_pt *pt;
	json_t *dma = json_object_get(e, "dma");
	char field[96];

	snprintf(field, sizeof(field), "passthrough_device_list[%zu]", i);
	if (c->nr_pt == KEEL_PT_MAX_DEVICES)
		return cfg_fail(p, EINVAL, field, NULL, "'%s': more than %d passthrough devices", name,
				KEEL_PT_MAX_DEVICES);
	if (!json_object_get(e, "base_pa") || !len)
		return cfg_fail(p, EINVAL, field, NULL, "'%s' needs base_pa and a non-zero length", name);
	if (ipa != pa)
		return cfg_fail(p, EINVAL, field, NULL,
				"'%s': base_ipa 0x%llx is not base_pa 0x%llx: Keel maps a passed-through device at IPA = PA",
				name, (unsigned long long)ipa, (unsigned long long)pa);
	if (dma && !json_is_boolean(dma))
		return cfg_fail(p, EINVAL, "dma", dma, "is not true or false");
	pt = &c->pt[c->nr_pt];
	memset(pt, 0, sizeof(*pt));
	snprintf(pt->name, sizeof(pt->name), "%s", name);
	pt->entry = (unsigned)i;
	pt->nr_regions = 1;
	pt->region[0] = (struct keel_pt_region){ pa, len };
	pt->dma = dma && json_is_true(dma);
	snprintf(field, sizeof(field), "passthrough_device_list[%zu].irq_list", i);
	c->nr_pt++;
	return check_irq_list(p, field, json_object_get(e, "irq_list"), pt);
}

/* A passthrough entry is accepted when it is the GIC CPU interface every
 * GICv2 guest gets (Shyper maps GICV at the guest's GICC by hand): by its
 * name, or by the machine's GICC address. Anything else is a device. */
static int shyper_pt_entry(struct pctx *p, json_t *e, size_t i)
{
	const struct config_env *env = p->env;
	const char *name = json_string_value(json_object_get(e, "name"));
	char field[96];
	uint64_t ipa, pa = 0, len = 0;
	bool gicc;
	int r;

	snprintf(field, sizeof(field), "passthrough_device_list[%zu].base_ipa", i);
	if ((r = cfg_get_u64(p, field, json_object_get(e, "base_ipa"), &ipa)))
		return r;
	snprintf(field, sizeof(field), "passthrough_device_list[%zu].base_pa", i);
	if (json_object_get(e, "base_pa") && (r = cfg_get_u64(p, field, json_object_get(e, "base_pa"), &pa)))
		return r;
	snprintf(field, sizeof(field), "passthrough_device_list[%zu].length", i);
	if (json_object_get(e, "length") && (r = cfg_get_size(p, field, json_object_get(e, "length"), &len)))
		return r;
	if (!name)
		name = "?";
	gicc = !strcmp(name, "gicv") || !strcmp(name, "gicc") ||
	       (env->gic_version == KEEL_GIC_V2 && ipa == env->gicc);
	if (!gicc)
		return shyper_pt_device(p, e, i, name, ipa, pa, len);
	snprintf(field, sizeof(field), "passthrough_device_list[%zu].irq_list", i);
	if ((r = check_irq_list(p, field, json_object_get(e, "irq_list"), NULL)))
		return r;
	snprintf(field, sizeof(field), "passthrough_device_list[%zu].length", i);
	if (len > KEEL_GUEST_GICC_SIZE)
		return cfg_fail(p, EINVAL, field, NULL,
				"0x%llx is more than a GIC CPU interface (0x%llx)",
				(unsigned long long)len, KEEL_GUEST_GICC_SIZE);
	snprintf(field, sizeof(field), "passthrough_device_list[%zu].base_ipa", i);
	if (env->gic_version == KEEL_GIC_V2 && ipa != env->gicc)
		return cfg_fail(p, EINVAL, field, NULL,
				"0x%llx: this machine's guests get their GIC CPU interface at 0x%llx (their DT says so)",
				(unsigned long long)ipa, (unsigned long long)env->gicc);
	cfg_note(p, "%s: passthrough_device_list[%zu] '%s': %s", env->label, i, name,
		 env->gic_version == KEEL_GIC_V3
			 ? "not needed: GICv3 guests reach their CPU interface through system registers"
			 : "the GIC CPU interface every guest gets; interrupt 27 is its virtual timer");
	return 0;
}

/* A DTB_DEVICE_T_CONSOLE entry names the node of a passed-through PL011:
 * the passthrough entry at its address gets that compatible. */
static int shyper_dtb_console(struct pctx *p, json_t *e, const char *field, const char *name)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	uint64_t ipa;
	int r;

	if ((r = cfg_get_u64(p, field, json_object_get(e, "addr_region_ipa"), &ipa)))
		return r;
	for (unsigned k = 0; k < p->cfg->nr_pt; k++) {
		struct cfg_pt *pt = &p->cfg->pt[k];

		if (pt->region[0].base == ipa) {
			memcpy(pt->compat, compat, sizeof(compat));
			pt->compat_len = sizeof(compat);
			return 0;
		}
	}
	return cfg_fail(p, EINVAL, field, NULL,
			"'%s' (DTB_DEVICE_T_CONSOLE) at 0x%llx: no passthrough_device_list entry is there to describe",
			name, (unsigned long long)ipa);
}

/* DT entries: the GIC's are what keeld's DT describes anyway (at the
 * machine's addresses); a console's describes a passed-through UART. */
static int shyper_dtb_entry(struct pctx *p, json_t *e, size_t i)
{
	const char *type = json_string_value(json_object_get(e, "type"));
	const char *name = json_string_value(json_object_get(e, "name"));
	char field[96];
	int r;

	struct cfg_pt irqs = { 0 };

	snprintf(field, sizeof(field), "dtb_device_list[%zu].irq_list", i);
	if ((r = check_irq_list(p, field, json_object_get(e, "irq_list"), &irqs)))
		return r;
	snprintf(field, sizeof(field), "dtb_device_list[%zu]", i);
	if (!type)
		return cfg_fail(p, EINVAL, field, e, "has no \"type\"");
	if (!name)
		name = "?";
	if (!strcmp(type, "DTB_DEVICE_T_GICD") || !strcmp(type, "DTB_DEVICE_T_GICC") ||
	    !strcmp(type, "DTB_DEVICE_T_GICR")) {
		cfg_note(p, "%s: %s '%s': keeld's DT describes the guest's GIC at this machine's addresses",
			 p->env->label, field, name);
		return 0;
	}
	if (!strcmp(type, "DTB_DEVICE_T_CONSOLE"))
		return shyper_dtb_console(p, e, field, name);
	return cfg_fail(p, EOPNOTSUPP, field, NULL,
			"'%s' (%s): not supported: Keel's DT entries are DTB_DEVICE_T_GICD, DTB_DEVICE_T_GICC, DTB_DEVICE_T_GICR, DTB_DEVICE_T_CONSOLE",
			name, type);
}

static int shyper_list(struct pctx *p, json_t *root, const char *obj, const char *key,
		       int (*entry)(struct pctx *p, json_t *e, size_t i))
{
	json_t *list = json_object_get(json_object_get(root, obj), key), *e;
	char field[80];
	size_t i;
	int r;

	if (!list || json_is_null(list))
		return 0;
	snprintf(field, sizeof(field), "%s.%s", obj, key);
	if (!json_is_array(list))
		return cfg_fail(p, EINVAL, field, list, "is not a list");
	json_array_foreach(list, i, e) {
		snprintf(field, sizeof(field), "%s[%zu]", key, i);
		if (!json_is_object(e))
			return cfg_fail(p, EINVAL, field, e, "is not an object");
		if ((r = entry(p, e, i)))
			return r;
	}
	return 0;
}

int cfg_shyper_devices(struct pctx *p, json_t *root)
{
	int r;

	if ((r = shyper_emulated(p, json_object_get(root, "emulated_device"))))
		return r;
	if ((r = shyper_list(p, root, "passthrough_device", "passthrough_device_list",
			     shyper_pt_entry)))
		return r;
	return shyper_list(p, root, "dtb_device", "dtb_device_list", shyper_dtb_entry);
}
