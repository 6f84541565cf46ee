// SPDX-License-Identifier: GPL-2.0
/* VM configs in Rust-Shyper's VM JSON, so Shyper users can bring their files. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "image.h"
#include "priv.h"
#include "vswitch/vswitch.h"

/* ---- Rust-Shyper's schema ---- */

static int shyper_image(struct pctx *p, json_t *img)
{
	struct vm_config *c = p->cfg;
	json_t *v;
	int r;

	if (!json_is_object(img))
		return cfg_fail(p, EINVAL, "image", img, "is not an object");
	if ((r = cfg_get_file(p, "image.kernel_filename", json_object_get(img, "kernel_filename"),
			      c->kernel)))
		return r;
	v = json_object_get(img, "ramdisk_filename");
	if (json_is_string(v) && strcmp(json_string_value(v), "-") && *json_string_value(v)) {
		if ((r = cfg_get_file(p, "image.ramdisk_filename", v, c->initramfs)))
			return r;
		if ((v = json_object_get(img, "ramdisk_load_ipa")))
			if ((r = cfg_get_u64(p, "image.ramdisk_load_ipa", v, &c->initramfs_ipa)))
				return r;
	} else if (v && !json_is_string(v) && !json_is_null(v)) {
		return cfg_fail(p, EINVAL, "image.ramdisk_filename", v, "is not a string");
	}
	v = json_object_get(img, "device_tree_filename");
	if (json_is_string(v) && strcmp(json_string_value(v), "-") && *json_string_value(v)) {
		if ((r = cfg_get_file(p, "image.device_tree_filename", v, c->dtb)))
			return r;
	} else if (v && !json_is_string(v) && !json_is_null(v)) {
		return cfg_fail(p, EINVAL, "image.device_tree_filename", v, "is not a string");
	}
	if ((v = json_object_get(img, "device_tree_load_ipa")))
		if ((r = cfg_get_u64(p, "image.device_tree_load_ipa", v, &c->dtb_ipa)))
			return r;
	return 0;
}

static int shyper_memory(struct pctx *p, json_t *mem)
{
	struct vm_config *c = p->cfg;
	json_t *regions = json_object_get(mem, "region"), *e;
	char field[64];
	size_t i;
	int r;

	if (!json_is_object(mem))
		return cfg_fail(p, EINVAL, "memory", mem, mem ? "is not an object" : "missing");
	if (!json_is_array(regions) || !json_array_size(regions))
		return cfg_fail(p, EINVAL, "memory.region", regions,
				regions ? "is not a non-empty list of {ipa_start, length}" : "missing");
	if (json_array_size(regions) > KEEL_VM_MAX_MEM)
		return cfg_fail(p, EINVAL, "memory.region", NULL, "%zu regions, at most %d",
				json_array_size(regions), KEEL_VM_MAX_MEM);
	json_array_foreach(regions, i, e) {
		uint64_t ipa, size;

		snprintf(field, sizeof(field), "memory.region[%zu].ipa_start", i);
		if ((r = cfg_get_u64(p, field, json_object_get(e, "ipa_start"), &ipa)))
			return r;
		snprintf(field, sizeof(field), "memory.region[%zu].length", i);
		if ((r = cfg_get_size(p, field, json_object_get(e, "length"), &size)))
			return r;
		c->mem[i].ipa = ipa;
		c->mem[i].size = size;
	}
	c->nr_mem = (unsigned)json_array_size(regions);
	return 0;
}

static int shyper_cpu(struct pctx *p, json_t *cpu)
{
	struct vm_config *c = p->cfg;
	json_t *v, *bm, *mv;
	uint64_t n, bits, master = UINT64_MAX;
	unsigned i, k = 0;
	int r;

	if (!json_is_object(cpu))
		return cfg_fail(p, EINVAL, "cpu", cpu, cpu ? "is not an object" : "missing");
	v = json_object_get(cpu, "num");
	if ((r = cfg_get_u64(p, "cpu.num", v, &n)) || (r = cfg_check_vcpus(p, "cpu.num", v, n)))
		return r;
	cfg_default_pcpus(p);
	bm = json_object_get(cpu, "allocate_bitmap");
	if (!bm)
		return 0;
	if ((r = cfg_get_u64(p, "cpu.allocate_bitmap", bm, &bits)))
		return r;
	if (bits >> 63)
		return cfg_fail(p, EINVAL, "cpu.allocate_bitmap", bm, "names pCPU 63");
	for (i = 0; i < 64; i++)
		if ((bits >> i) & 1)
			if ((r = cfg_check_pcpu(p, "cpu.allocate_bitmap", bm, i)))
				return cfg_fail(p, EINVAL, "cpu.allocate_bitmap", bm,
						"names pCPU %u; this machine has pCPUs 0..%u", i,
						p->env->nr_pcpus - 1);
	if ((unsigned)__builtin_popcountll(bits) < c->nr_vcpus)
		return cfg_fail(p, EINVAL, "cpu.allocate_bitmap", bm, "names %d pCPUs for %u vCPUs (cpu.num)",
				__builtin_popcountll(bits), c->nr_vcpus);
	mv = json_object_get(cpu, "master");
	if (mv && !(json_is_integer(mv) && json_integer_value(mv) < 0)) {
		if ((r = cfg_get_u64(p, "cpu.master", mv, &master)))
			return r;
		if (master >= 64 || !((bits >> master) & 1))
			return cfg_fail(p, EINVAL, "cpu.master", mv, "is not in cpu.allocate_bitmap");
	}
	/* vCPU 0 (the one that boots) goes on the master, the rest in bit order. */
	if (master != UINT64_MAX)
		c->pcpu[k++] = (uint8_t)master;
	for (i = 0; i < 64 && k < c->nr_vcpus; i++)
		if (((bits >> i) & 1) && i != master)
			c->pcpu[k++] = (uint8_t)i;
	return 0;
}

/* A virtio-mmio entry's "length" (at least one register window) and
 * "irq_id" (an INTID, as everywhere in Shyper's configs): its SPI. */
static int shyper_virtio_window(struct pctx *p, json_t *e, size_t i, unsigned *spi)
{
	char field[80];
	json_t *v;
	uint64_t n;
	int r;

	if ((v = json_object_get(e, "length"))) {
		snprintf(field, sizeof(field), "emulated_device_list[%zu].length", i);
		if ((r = cfg_get_size(p, field, v, &n)))
			return r;
		if (n < KEEL_GUEST_VIRTIO_SIZE)
			return cfg_fail(p, EINVAL, field, v,
					"is less than 0x200, the size of a virtio-mmio register window");
	}
	snprintf(field, sizeof(field), "emulated_device_list[%zu].irq_id", i);
	v = json_object_get(e, "irq_id");
	if ((r = cfg_get_u64(p, field, v, &n)))
		return r;
	if ((r = cfg_check_spi(p, field, v, n)))
		return r;
	*spi = (unsigned)(n - KEEL_GUEST_SPI_BASE);
	return 0;
}

/* A virtio-net entry: {"base_ipa": "0xa001000", "length": "0x1000",
 * "irq_id": 49, "cfg_list": [0x74, 0x56, 0xaa, 0x0f, 0x47, 0xd0]}: the MAC
 * as six numbers. Shyper's schema has no switch: VSWITCH_DEFAULT. */
static int shyper_nic(struct pctx *p, json_t *e, size_t i, uint64_t base)
{
	struct vm_config *c = p->cfg;
	struct cfg_nic *n = &c->nic[c->nr_nics];
	json_t *list, *v;
	char field[80];
	uint64_t b;
	size_t k;
	int r;

	snprintf(field, sizeof(field), "emulated_device_list[%zu]", i);
	if (c->nr_nics == CFG_MAX_NICS)
		return cfg_fail(p, EINVAL, field, NULL,
				"is virtio-net device number %d; at most %d are served", CFG_MAX_NICS + 1,
				CFG_MAX_NICS);
	n->entry = (unsigned)i;
	n->base = base;
	snprintf(n->sw, sizeof(n->sw), "%s", VSWITCH_DEFAULT);
	if ((r = shyper_virtio_window(p, e, i, &n->spi)))
		return r;
	snprintf(field, sizeof(field), "emulated_device_list[%zu].cfg_list", i);
	list = json_object_get(e, "cfg_list");
	if (list && !(json_is_array(list) && (json_array_size(list) == 6 || !json_array_size(list))))
		return cfg_fail(p, EINVAL, field, list, "is not a MAC address as 6 numbers (or [])");
	json_array_foreach(list, k, v) {
		snprintf(field, sizeof(field), "emulated_device_list[%zu].cfg_list[%zu]", i, k);
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

/* A virtio-blk entry: {"base_ipa": "0xa000000", "length": "0x1000",
 * "irq_id": 48, "cfg_list": [mediated index, size in sectors]}. irq_id is
 * an INTID, as everywhere in Shyper's configs. Where the window and the
 * interrupt may go is checked with everything else in check_common. */
static int shyper_disk(struct pctx *p, json_t *e, size_t i, uint64_t base, const char *type)
{
	struct vm_config *c = p->cfg;
	struct cfg_disk *d = &c->disk[c->nr_disks];
	json_t *v, *list;
	char field[80];
	uint64_t n;
	int r;

	if (c->nr_disks == CFG_MAX_DISKS) {
		snprintf(field, sizeof(field), "emulated_device_list[%zu]", i);
		return cfg_fail(p, EINVAL, field, NULL,
				"is virtio-blk device number %d; at most %d are served", CFG_MAX_DISKS + 1,
				CFG_MAX_DISKS);
	}
	d->entry = (unsigned)i;
	d->base = base;
	if ((r = shyper_virtio_window(p, e, i, &d->spi)))
		return r;

	snprintf(field, sizeof(field), "emulated_device_list[%zu].cfg_list", i);
	list = json_object_get(e, "cfg_list");
	if (!json_is_array(list) || !json_array_size(list))
		return cfg_fail(p, EINVAL, field, list,
				list ? "is not a non-empty list [mediated index, size in sectors]"
				     : "missing (needs [mediated index, size in sectors])");
	snprintf(field, sizeof(field), "emulated_device_list[%zu].cfg_list[0]", i);
	v = json_array_get(list, 0);
	if ((r = cfg_get_u64(p, field, v, &n)) || (r = cfg_check_mediated_index(p, field, v, n)))
		return r;
	d->mediated = (int)n;
	if ((v = json_array_get(list, 1))) {
		snprintf(field, sizeof(field), "emulated_device_list[%zu].cfg_list[1]", i);
		if ((r = cfg_get_u64(p, field, v, &d->sectors)))
			return r;
		cfg_note(p, "%s: %s: %llu sectors ignored (a disk is the size of its backing)",
			 p->env->label, field, (unsigned long long)d->sectors);
	}
	if (!strcmp(type, "EMU_DEVICE_T_VIRTIO_BLK"))
		cfg_note(p, "%s: emulated_device_list[%zu]: EMU_DEVICE_T_VIRTIO_BLK is served as EMU_DEVICE_T_VIRTIO_BLK_MEDIATED: cfg_list[0] is an index into mediated-cfg.json",
			 p->env->label, i);
	c->nr_disks++;
	return 0;
}

static int shyper_emulated(struct pctx *p, json_t *emu)
{
	struct vm_config *c = p->cfg;
	json_t *list, *e;
	char field[80];
	size_t i;
	int r;

	if (!emu)
		return 0;
	list = json_object_get(emu, "emulated_device_list");
	if (!list)
		return 0;
	if (!json_is_array(list))
		return cfg_fail(p, EINVAL, "emulated_device.emulated_device_list", list, "is not a list");
	json_array_foreach(list, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *type = json_string_value(json_object_get(e, "type"));
		uint64_t base = 0, irq = 0;

		snprintf(field, sizeof(field), "emulated_device.emulated_device_list[%zu]", i);
		if (!json_is_object(e) || !type)
			return cfg_fail(p, EINVAL, field, e, "has no \"type\"");
		if (!name)
			name = "?";
		snprintf(field, sizeof(field), "emulated_device_list[%zu].base_ipa", i);
		if ((r = cfg_get_u64(p, field, json_object_get(e, "base_ipa"), &base)))
			return r;
		if (!strcmp(type, "EMU_DEVICE_T_GICD")) {
			c->gicd_ipa = base;
		} else if (!strcmp(type, "EMU_DEVICE_T_GICR")) {
			c->gicr_ipa = base;
		} else if (!strcmp(type, "EMU_DEVICE_T_CONSOLE") || !strcmp(type, "EMU_DEVICE_T_PL011")) {
			if (base & (PAGE_SIZE - 1))
				return cfg_fail(p, EINVAL, field, json_object_get(e, "base_ipa"),
						"is not page aligned");
			c->uart_base = base;
			snprintf(field, sizeof(field), "emulated_device_list[%zu].irq_id", i);
			if (json_object_get(e, "irq_id")) {
				if ((r = cfg_get_u64(p, field, json_object_get(e, "irq_id"), &irq)))
					return r;
				if (irq && (r = cfg_check_spi(p, field, json_object_get(e, "irq_id"), irq)))
					return r;
				if (irq)
					c->uart_spi = (unsigned)(irq - KEEL_GUEST_SPI_BASE);
			}
		} else if (!strcmp(type, "EMU_DEVICE_T_VIRTIO_BLK_MEDIATED") ||
			   !strcmp(type, "EMU_DEVICE_T_VIRTIO_BLK")) {
			if ((r = shyper_disk(p, e, i, base, type)))
				return r;
		} else if (!strcmp(type, "EMU_DEVICE_T_VIRTIO_NET")) {
			if ((r = shyper_nic(p, e, i, base)))
				return r;
		} else {
			snprintf(p->err, p->errlen, "%s: emulated device '%s' (%s) is not served yet",
				 p->env->label, name, type);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int cfg_parse_shyper(struct pctx *p, json_t *root)
{
	struct vm_config *c = p->cfg;
	json_t *v, *list;
	int r;

	c->shyper = true;
	if ((v = json_object_get(root, "name"))) {
		if ((r = cfg_get_string(p, "name", v, c->name, sizeof(c->name))) || (r = cfg_check_name(p, "name", v)))
			return r;
	}
	if ((v = json_object_get(root, "cmdline")))
		if ((r = cfg_get_string(p, "cmdline", v, c->cmdline, sizeof(c->cmdline))))
			return r;
	if ((r = shyper_image(p, json_object_get(root, "image"))))
		return r;
	if ((r = shyper_memory(p, json_object_get(root, "memory"))))
		return r;
	if ((r = config_image(json_object_get(root, "type"), json_object_get(root, "image"), c, p->err,
			      p->errlen)))
		return r;
	if ((r = shyper_cpu(p, json_object_get(root, "cpu"))))
		return r;
	if ((r = shyper_emulated(p, json_object_get(root, "emulated_device"))))
		return r;
	list = json_object_get(json_object_get(root, "passthrough_device"), "passthrough_device_list");
	if (list && !(json_is_array(list) && json_array_size(list) == 0))
		return cfg_fail(p, EOPNOTSUPP, "passthrough_device.passthrough_device_list", NULL,
				"%zu devices: passthrough is not supported yet (leave the list empty)",
				json_array_size(list));
	list = json_object_get(json_object_get(root, "dtb_device"), "dtb_device_list");
	if (json_is_array(list) && json_array_size(list))
		cfg_note(p, "%s: dtb_device.dtb_device_list: %zu entries ignored (keeld generates the DT)",
			 p->env->label, json_array_size(list));
	return 0;
}
