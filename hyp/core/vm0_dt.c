// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * VM0's device tree: the boot DT opened into a caller's buffer and edited in
 * place. Node offsets move whenever a node or property is added or deleted,
 * so every step looks its nodes up again instead of keeping offsets.
 */
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/pool.h>
#include <hyp/vm0_dt.h>
#include <keel/dt.h>
#include <keel/hypercall.h>
#include <libfdt.h>

#define MAX_VM0_MEM_RANGES 16
#define MAX_GIC_CHILDREN 16

static int fdt_err(int err, const char *what)
{
	if (err == -FDT_ERR_NOSPACE) {
		pr_err("VM0 DT: buffer too small (%s)", what);
		return -ENOSPC;
	}
	pr_err("VM0 DT: %s: %s", what, fdt_strerror(err));
	return -EINVAL;
}

/* "name@hex" without snprintf: unit addresses are lower-case hex, no 0x. */
static void unit_name(char *buf, size_t size, const char *name, u64 addr)
{
	char hex[17];
	int n = 0;
	size_t i = 0;

	do {
		hex[n++] = "0123456789abcdef"[addr & 0xf];
		addr >>= 4;
	} while (addr);
	while (*name && i + 1 < size)
		buf[i++] = *name++;
	if (i + 1 < size)
		buf[i++] = '@';
	while (n && i + 1 < size)
		buf[i++] = hex[--n];
	buf[i] = '\0';
}

/* Append one (base, size) pair in the given cells to a cell array. */
static int put_reg(fdt32_t *cells, int *pos, int ac, int sc, u64 base, u64 size)
{
	if ((ac == 1 && base >> 32) || (sc == 1 && size >> 32) || (sc == 0 && size))
		return -EINVAL;
	if (ac == 2)
		cells[(*pos)++] = cpu_to_fdt32(base >> 32);
	cells[(*pos)++] = cpu_to_fdt32((u32)base);
	if (sc == 2)
		cells[(*pos)++] = cpu_to_fdt32(size >> 32);
	if (sc >= 1)
		cells[(*pos)++] = cpu_to_fdt32((u32)size);
	return 0;
}

static int delprop(void *fdt, int node, const char *name)
{
	int ret = fdt_delprop(fdt, node, name);

	return ret == -FDT_ERR_NOTFOUND ? 0 : ret;
}

static bool is_boot_module(const void *fdt, int node)
{
	const char *name = fdt_get_name(fdt, node, NULL);
	int len;
	const char *c = fdt_getprop(fdt, node, "compatible", &len);

	if (name && (!strncmp(name, "module@", 7) || !strcmp(name, "module") || !strcmp(name, "keel")))
		return true;
	return c && len > 0 && (fdt_stringlist_contains(c, len, "multiboot,module") ||
				fdt_stringlist_contains(c, len, "multiboot,kernel") ||
				fdt_stringlist_contains(c, len, "multiboot,ramdisk"));
}

static int edit_chosen(void *fdt, const struct vm0_dt_params *p)
{
	int chosen = fdt_path_offset(fdt, "/chosen"), ret, node;

	if (chosen == -FDT_ERR_NOTFOUND)
		chosen = fdt_add_subnode(fdt, 0, "chosen");
	if (chosen < 0)
		return fdt_err(chosen, "/chosen");

	if (p->bootargs)
		ret = fdt_setprop_string(fdt, chosen, "bootargs", p->bootargs);
	else
		ret = delprop(fdt, chosen, "bootargs");
	if (ret)
		return fdt_err(ret, "/chosen/bootargs");

	if (p->initrd_end > p->initrd_start) {
		if ((ret = fdt_setprop_u64(fdt, chosen, "linux,initrd-start", p->initrd_start)) ||
		    (ret = fdt_setprop_u64(fdt, chosen, "linux,initrd-end", p->initrd_end)))
			return fdt_err(ret, "/chosen/linux,initrd-*");
	} else {
		if ((ret = delprop(fdt, chosen, "linux,initrd-start")) ||
		    (ret = delprop(fdt, chosen, "linux,initrd-end")))
			return fdt_err(ret, "/chosen/linux,initrd-*");
	}

	/* The modules are the hypervisor's boot payload, not VM0's business.
	 * Deleting a child leaves /chosen's own offset where it was. */
	for (;;) {
		bool deleted = false;

		fdt_for_each_subnode(node, fdt, chosen) {
			if (is_boot_module(fdt, node)) {
				ret = fdt_del_node(fdt, node);
				if (ret)
					return fdt_err(ret, "/chosen/module");
				deleted = true;
				break;
			}
		}
		if (!deleted)
			return 0;
	}
}

/* Delete the node in /cpus/cpu-map's subtree that references phandle, then
 * every cluster or socket left empty; and cpu-map itself if it is empty. */
static int prune_cpu_map(void *fdt, u32 phandle)
{
	for (;;) {
		int map = fdt_path_offset(fdt, "/cpus/cpu-map"), depth = 0, node, victim = -1, len;

		if (map < 0)
			return 0;
		for (node = fdt_next_node(fdt, map, &depth); node >= 0 && depth > 0;
		     node = fdt_next_node(fdt, node, &depth)) {
			const fdt32_t *cpu = fdt_getprop(fdt, node, "cpu", &len);

			if (cpu) {
				if (len == 4 && fdt32_to_cpu(*cpu) == phandle) {
					victim = node;
					break;
				}
			} else if (fdt_first_subnode(fdt, node) < 0) {
				victim = node;   /* a cluster/socket emptied earlier */
				break;
			}
		}
		if (victim < 0 && fdt_first_subnode(fdt, map) < 0)
			victim = map;
		if (victim < 0)
			return 0;
		int ret = fdt_del_node(fdt, victim);

		if (ret)
			return fdt_err(ret, "/cpus/cpu-map");
	}
}

static int edit_cpus(void *fdt, u32 nr_vcpus)
{
	for (;;) {
		int cpus = fdt_path_offset(fdt, "/cpus"), node, len, ret;
		u32 seen = 0;

		if (cpus < 0)
			return fdt_err(cpus, "/cpus");
		fdt_for_each_subnode(node, fdt, cpus) {
			const char *t = fdt_getprop(fdt, node, "device_type", &len);

			if (t && len > 0 && fdt_stringlist_contains(t, len, "cpu") && seen++ == nr_vcpus)
				break;
		}
		if (node < 0) {
			if (seen < nr_vcpus) {
				pr_err("VM0 DT: %u vCPUs asked, the DT has %u CPUs", nr_vcpus, seen);
				return -EINVAL;
			}
			return 0;
		}
		u32 ph = fdt_get_phandle(fdt, node);

		ret = fdt_del_node(fdt, node);
		if (ret)
			return fdt_err(ret, "/cpus/cpu");
		if (ph && (ret = prune_cpu_map(fdt, ph)))
			return ret;
	}
}

/* Append ranges to a memory node's cells; what the root's cells cannot hold
 * is an error. */
static int put_mem_ranges(fdt32_t *cells, int *pos, int ac, int sc, const struct mem_range *r,
			  u32 n, const char *what)
{
	for (u32 i = 0; i < n; i++) {
		if (!r[i].size || put_reg(cells, pos, ac, sc, r[i].base, r[i].size)) {
			pr_err("VM0 DT: %s range %u does not fit the root's cells", what, i);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The memory node lists VM0's RAM and the guest pool: Linux gives every
 * page of memory a struct page, so with the pool in it keel.ko can hand
 * guest RAM to keeld as real pages that the block and network stacks pin
 * for DMA (get_user_pages); a PFN mapping of RAM Linux does not know
 * cannot be pinned. The pool is also reserved (without no-map) in
 * /reserved-memory, so no allocator ever hands it out; stage 2 still lets
 * VM0 reach only the guest RAM it was given (VM_MAP).
 */
static int edit_memory(void *fdt, const struct vm0_dt_params *p)
{
	fdt32_t cells[(MAX_VM0_MEM_RANGES + POOL_MAX_RANGES) * 4];
	char name[32];
	int ac, sc, ret, pos = 0, node;

	/* Every memory node goes; one node with exactly VM0's ranges replaces them. */
	for (node = fdt_next_node(fdt, -1, NULL); node >= 0;) {
		int len;
		const char *t = fdt_getprop(fdt, node, "device_type", &len);

		if (t && len > 0 && fdt_stringlist_contains(t, len, "memory")) {
			ret = fdt_del_node(fdt, node);
			if (ret)
				return fdt_err(ret, "memory node");
			node = fdt_next_node(fdt, -1, NULL);
			continue;
		}
		node = fdt_next_node(fdt, node, NULL);
	}

	ret = dt_bus_cells(fdt, 0, &ac, &sc);
	if (ret)
		return ret;
	if ((ret = put_mem_ranges(cells, &pos, ac, sc, p->mem, p->nr_mem, "RAM")) ||
	    (ret = put_mem_ranges(cells, &pos, ac, sc, p->pool, p->nr_pool, "pool")))
		return ret;
	unit_name(name, sizeof(name), "memory", p->mem[0].base);
	node = fdt_add_subnode(fdt, 0, name);
	if (node < 0)
		return fdt_err(node, name);
	if ((ret = fdt_setprop_string(fdt, node, "device_type", "memory")) ||
	    (ret = fdt_setprop(fdt, node, "reg", cells, pos * 4)))
		return fdt_err(ret, name);
	return 0;
}

/* One /reserved-memory child, NAME@BASE; no-map keeps it out of Linux's
 * linear map as well as out of its allocators. */
static int add_reserved(void *fdt, int rm, int ac, int sc, const char *prefix,
			const struct mem_range *r, bool nomap)
{
	fdt32_t cells[4];
	char name[32];
	int pos = 0, node, ret;

	if (put_reg(cells, &pos, ac, sc, r->base, r->size)) {
		pr_err("VM0 DT: reserved range %#llx does not fit /reserved-memory's cells",
		       (unsigned long long)r->base);
		return -EINVAL;
	}
	unit_name(name, sizeof(name), prefix, r->base);
	/* rm stays valid: adding a child only moves what follows it. */
	node = fdt_add_subnode(fdt, rm, name);
	if (node < 0)
		return fdt_err(node, name);
	if ((ret = fdt_setprop(fdt, node, "reg", cells, pos * 4)) ||
	    (nomap && (ret = fdt_setprop_empty(fdt, node, "no-map"))))
		return fdt_err(ret, name);
	return 0;
}

static int edit_reserved(void *fdt, const struct vm0_dt_params *p)
{
	int rm, ac, sc, ret;

	if (!p->nr_reserved && !p->nr_pool)
		return 0;
	rm = fdt_path_offset(fdt, "/reserved-memory");
	if (rm == -FDT_ERR_NOTFOUND) {
		rm = fdt_add_subnode(fdt, 0, "reserved-memory");
		if (rm < 0)
			return fdt_err(rm, "/reserved-memory");
		if ((ret = fdt_setprop_u32(fdt, rm, "#address-cells", 2)) ||
		    (ret = fdt_setprop_u32(fdt, rm, "#size-cells", 2)) ||
		    (ret = fdt_setprop_empty(fdt, rm, "ranges")))
			return fdt_err(ret, "/reserved-memory");
	}
	if (rm < 0)
		return fdt_err(rm, "/reserved-memory");
	ret = dt_bus_cells(fdt, rm, &ac, &sc);
	if (ret)
		return ret;
	for (u32 i = 0; i < p->nr_reserved; i++)
		if ((ret = add_reserved(fdt, rm, ac, sc, KEEL_DT_RESERVED_HYP, &p->reserved[i], true)))
			return ret;
	for (u32 i = 0; i < p->nr_pool; i++)
		if ((ret = add_reserved(fdt, rm, ac, sc, KEEL_DT_RESERVED_POOL, &p->pool[i], false)))
			return ret;
	return 0;
}

/* Drop msi-parent / msi-map wherever they name one of the removed MSI
 * controllers; VM0 gets no MSIs (no ITS or v2m frame). */
static int drop_msi_refs(void *fdt, const u32 *ph, int nr_ph)
{
	static const char *const props[] = { "msi-parent", "msi-map" };

	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0; node = fdt_next_node(fdt, node, NULL)) {
		for (size_t k = 0; k < ARRAY_SIZE(props); k++) {
			int len, ret;
			const fdt32_t *c = fdt_getprop(fdt, node, props[k], &len);
			bool hit = false;

			for (int i = 0; c && i < len / 4 && !hit; i++)
				for (int j = 0; j < nr_ph; j++)
					hit |= fdt32_to_cpu(c[i]) == ph[j];
			if (!hit)
				continue;
			/* Deleting a property keeps this node's offset. */
			ret = fdt_delprop(fdt, node, props[k]);
			if (ret)
				return fdt_err(ret, props[k]);
		}
	}
	return 0;
}

static int edit_gic(void *fdt, const struct vm0_dt_params *p, u32 *gic_phandle)
{
	u32 removed[MAX_GIC_CHILDREN], version;
	int nr_removed = 0, gic, child, ac, sc, ret, len, pos = 0;
	const char *compat;
	fdt32_t cells[8];
	const fdt32_t *reg;

	gic = dt_find_gic(fdt, &version, &compat);
	if (gic < 0) {
		pr_err("VM0 DT: unsupported interrupt controller '%s'", compat ? compat : "(none)");
		return -ENODEV;
	}

	/* ITS (v3) or v2m frames (v2): MSI parts VM0 does not get. */
	while ((child = fdt_first_subnode(fdt, gic)) >= 0) {
		u32 ph = fdt_get_phandle(fdt, child);

		if (ph && nr_removed < MAX_GIC_CHILDREN)
			removed[nr_removed++] = ph;
		ret = fdt_del_node(fdt, child);
		if (ret)
			return fdt_err(ret, "GIC child");
	}
	if (nr_removed && (ret = drop_msi_refs(fdt, removed, nr_removed)))
		return ret;

	gic = dt_find_gic(fdt, &version, &compat);
	if (gic < 0)
		return -EINVAL;
	ret = dt_bus_cells(fdt, fdt_parent_offset(fdt, gic), &ac, &sc);
	if (ret)
		return ret;
	reg = fdt_getprop(fdt, gic, "reg", &len);
	if (!reg || len < 2 * (ac + sc) * 4) {
		pr_err("VM0 DT: %s: short 'reg'", dt_node_name(fdt, gic));
		return -EINVAL;
	}
	/* Copy before setprop: reg points into the tree being rewritten. */
	u64 gicd = dt_read_cells(reg, ac), gicd_size = dt_read_cells(reg + ac, sc);
	u64 second = dt_read_cells(reg + ac + sc, ac), second_size = dt_read_cells(reg + 2 * ac + sc, sc);

	if (version == 3) {
		/* Only the redistributors of VM0's vCPUs: the hypervisor emulates
		 * that many frames. */
		if (!p->gicr_size || p->gicr_size > second_size) {
			pr_err("VM0 DT: gicr_size 0x%x does not fit the GICR region", p->gicr_size);
			return -EINVAL;
		}
		second_size = p->gicr_size;
	}
	/* v2: GICD and GICC only; GICH/GICV are the hypervisor's. */
	if (put_reg(cells, &pos, ac, sc, gicd, gicd_size) ||
	    put_reg(cells, &pos, ac, sc, second, second_size))
		return -EINVAL;
	if ((ret = fdt_setprop(fdt, gic, "reg", cells, pos * 4)))
		return fdt_err(ret, "GIC reg");
	if (version == 3 && fdt_getprop(fdt, gic, "#redistributor-regions", NULL) &&
	    (ret = fdt_setprop_u32(fdt, gic, "#redistributor-regions", 1)))
		return fdt_err(ret, "GIC #redistributor-regions");
	/* The maintenance interrupt is the hypervisor's. */
	if ((ret = delprop(fdt, gic, "interrupts")))
		return fdt_err(ret, "GIC interrupts");

	*gic_phandle = fdt_get_phandle(fdt, gic);
	if (!*gic_phandle) {
		ret = fdt_find_max_phandle(fdt, gic_phandle);
		if (ret)
			return fdt_err(ret, "phandle");
		++*gic_phandle;
		if ((ret = fdt_setprop_u32(fdt, gic, "phandle", *gic_phandle)))
			return fdt_err(ret, "GIC phandle");
	}
	return 0;
}

static int add_hyp_node(void *fdt, const struct vm0_dt_params *p, u32 gic_phandle)
{
	fdt32_t irq[3] = {
		cpu_to_fdt32(0),                        /* SPI */
		cpu_to_fdt32(p->doorbell_intid - 32),
		cpu_to_fdt32(1),                        /* edge rising */
	};
	int node = fdt_subnode_offset(fdt, 0, KEEL_DT_NODE), ret;

	if (node >= 0) {
		/* A stale node (e.g. from a chain loader): replace it. */
		ret = fdt_del_node(fdt, node);
		if (ret)
			return fdt_err(ret, "/" KEEL_DT_NODE);
	}
	node = fdt_add_subnode(fdt, 0, KEEL_DT_NODE);
	if (node < 0)
		return fdt_err(node, "/" KEEL_DT_NODE);
	if ((ret = fdt_setprop_string(fdt, node, "compatible", KEEL_DT_COMPAT)) ||
	    (ret = fdt_setprop_u32(fdt, node, KEEL_DT_PROP_VERSION, KEEL_VERSION_CODE)) ||
	    (ret = fdt_setprop_u32(fdt, node, KEEL_DT_PROP_ABI, KEEL_HC_ABI_REVISION)) ||
	    (ret = fdt_setprop_u32(fdt, node, "interrupt-parent", gic_phandle)) ||
	    (ret = fdt_setprop(fdt, node, "interrupts", irq, sizeof(irq))))
		return fdt_err(ret, "/" KEEL_DT_NODE);
	return 0;
}

int vm0_dt_build(const struct vm0_dt_params *p)
{
	u32 gic_phandle = 0;
	int ret;

	if (!p->host_fdt || !p->out || !p->nr_vcpus || !p->mem || !p->nr_mem ||
	    p->nr_mem > MAX_VM0_MEM_RANGES || (p->nr_reserved && !p->reserved) ||
	    p->nr_pool > POOL_MAX_RANGES || (p->nr_pool && !p->pool) ||
	    p->doorbell_intid < 32 || p->doorbell_intid >= 1020 ||
	    p->initrd_end < p->initrd_start) {
		pr_err("VM0 DT: bad parameters");
		return -EINVAL;
	}
	ret = fdt_check_header(p->host_fdt);
	if (!ret)
		ret = fdt_check_full(p->host_fdt, fdt_totalsize(p->host_fdt));
	if (ret)
		return fdt_err(ret, "boot DT");
	ret = fdt_open_into(p->host_fdt, p->out, p->out_size);
	if (ret)
		return fdt_err(ret, "copy");

	if ((ret = edit_chosen(p->out, p)) || (ret = edit_cpus(p->out, p->nr_vcpus)) ||
	    (ret = edit_memory(p->out, p)) || (ret = edit_reserved(p->out, p)) ||
	    (ret = edit_gic(p->out, p, &gic_phandle)) ||
	    (ret = add_hyp_node(p->out, p, gic_phandle)))
		return ret;

	ret = fdt_pack(p->out);
	if (ret)
		return fdt_err(ret, "pack");
	return 0;
}
