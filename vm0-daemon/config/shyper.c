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
	json_t *regions = json_object_get(mem, "region"), *e, *v;
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
	/* Refused rather than dropped: a guest that relies on them for its
	 * timing would run without them and not know. */
	if ((v = json_object_get(mem, "colors")) && !json_is_null(v))
		return cfg_fail(p, EOPNOTSUPP, "memory.colors", v,
				"cache colouring is not supported: Keel gives guest RAM from its pool in 2 MiB blocks, whatever their colours (remove the field)");
	if ((v = json_object_get(mem, "budget")) && !json_is_null(v))
		return cfg_fail(p, EOPNOTSUPP, "memory.budget", v,
				"memory bandwidth budgets are not supported: Keel does not regulate a guest's memory traffic (remove the field)");
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
	p->cfg->priority = KEEL_PRIO_DEFAULT;  /* the default pool: Shyper names none */
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
	/* vCPU 0 (the one that boots) goes on the master, the rest in bit order;
	 * pinned there, as in Rust-Shyper. */
	c->pinned = true;
	if (master != UINT64_MAX)
		c->pcpu[k++] = (uint8_t)master;
	for (i = 0; i < 64 && k < c->nr_vcpus; i++)
		if (((bits >> i) & 1) && i != master)
			c->pcpu[k++] = (uint8_t)i;
	return 0;
}

int cfg_parse_shyper(struct pctx *p, json_t *root)
{
	struct vm_config *c = p->cfg;
	json_t *v;
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
	return cfg_shyper_devices(p, root);
}
