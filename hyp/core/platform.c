// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What the hypervisor learns from the boot device tree.
 *
 * The DT comes from firmware or QEMU and is not trusted to be well formed:
 * every property length is checked before a cell is read, and a bad tree
 * ends in -EINVAL with the node and property named, never in a fault.
 */
#include <hyp/errno.h>
#include <hyp/log.h>
#include <hyp/platform.h>
#include <hyp/vm0_dt.h>
#include <libfdt.h>

struct platform plat;

/* GICv2 implementations. Only some have the virtualization extensions
 * (GICH/GICV), which the reg check below finds out. */
static const char *const gicv2_compats[] = {
	"arm,gic-400", "arm,cortex-a15-gic", "arm,cortex-a7-gic",
	"arm,cortex-a9-gic", "arm,arm11mp-gic", "arm,pl390",
};

u64 dt_read_cells(const void *p, int n)
{
	const fdt32_t *cells = p;
	u64 v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 32) | fdt32_to_cpu(cells[i]);
	return v;
}

const char *dt_node_name(const void *fdt, int node)
{
	const char *name = fdt_get_name(fdt, node, NULL);

	if (!name)
		return "?";
	return *name ? name : "/";
}

const char *dt_get_string(const void *fdt, int node, const char *prop, int *err)
{
	int len;
	const char *s = fdt_getprop(fdt, node, prop, &len);

	if (!s) {
		*err = -ENOENT;
		return NULL;
	}
	if (len <= 0 || s[len - 1] != '\0') {
		pr_err("%s: property '%s' is not a string", dt_node_name(fdt, node), prop);
		*err = -EINVAL;
		return NULL;
	}
	*err = 0;
	return s;
}

/* #address-cells / #size-cells that a node's children use. Only 1 or 2
 * address cells and 0..2 size cells fit a u64. */
int dt_bus_cells(const void *fdt, int bus, int *ac, int *sc)
{
	*ac = fdt_address_cells(fdt, bus);
	*sc = fdt_size_cells(fdt, bus);
	if (*ac < 1 || *ac > 2 || *sc < 0 || *sc > 2) {
		pr_err("%s: unsupported #address-cells/#size-cells", dt_node_name(fdt, bus));
		return -EINVAL;
	}
	return 0;
}

bool dt_is_enabled(const void *fdt, int node)
{
	int len;
	const char *s = fdt_getprop(fdt, node, "status", &len);

	if (!s)
		return true;
	return (len == 5 && !memcmp(s, "okay", 5)) || (len == 3 && !memcmp(s, "ok", 3));
}

static bool has_device_type(const void *fdt, int node, const char *type)
{
	int len;
	const char *s = fdt_getprop(fdt, node, "device_type", &len);

	return s && len > 0 && fdt_stringlist_contains(s, len, type);
}

/*
 * Read entry idx of node's "reg" with the given cells. Returns 0, -ENOENT
 * when there is no such entry, -EINVAL when the property is malformed.
 */
static int reg_get(const void *fdt, int node, int ac, int sc, int idx,
		   struct mem_range *r)
{
	int len, stride = (ac + sc) * 4;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

	if (!reg)
		return -ENOENT;
	if (len <= 0 || len % stride) {
		pr_err("%s: 'reg' is %d bytes, not a multiple of %d (#address-cells %d, #size-cells %d)",
		       dt_node_name(fdt, node), len, stride, ac, sc);
		return -EINVAL;
	}
	if (idx >= len / stride)
		return -ENOENT;
	reg += idx * (ac + sc);
	r->base = dt_read_cells(reg, ac);
	r->size = dt_read_cells(reg + ac, sc);
	return 0;
}

static int reg_count(const void *fdt, int node, int ac, int sc)
{
	int len;

	if (!fdt_getprop(fdt, node, "reg", &len))
		return 0;
	return len > 0 ? len / ((ac + sc) * 4) : 0;
}

/* The GIC: the root's interrupt-parent if it is one, else the first node
 * with a GIC compatible. Returns its offset, or -ENODEV with *compat set to
 * what was found instead (NULL if nothing). */
int dt_find_gic(const void *fdt, u32 *version, const char **compat)
{
	int node = -1, len;
	const fdt32_t *ph = fdt_getprop(fdt, 0, "interrupt-parent", &len);

	*compat = NULL;
	if (ph && len == 4)
		node = fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(*ph));
	if (node < 0) {
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
		for (size_t i = 0; node < 0 && i < ARRAY_SIZE(gicv2_compats); i++)
			node = fdt_node_offset_by_compatible(fdt, -1, gicv2_compats[i]);
	}
	if (node < 0) {
		/* Name whatever interrupt controller there is. */
		for (int n = fdt_next_node(fdt, -1, NULL); n >= 0; n = fdt_next_node(fdt, n, NULL)) {
			if (fdt_getprop(fdt, n, "interrupt-controller", NULL)) {
				node = n;
				break;
			}
		}
		if (node < 0)
			return -ENODEV;
	}

	const char *c = fdt_getprop(fdt, node, "compatible", &len);

	if (!c || len <= 0 || c[len - 1]) {
		*compat = "(no compatible)";
		return -ENODEV;
	}
	*compat = c;
	if (fdt_stringlist_contains(c, len, "arm,gic-v3")) {
		*version = 3;
		return node;
	}
	for (size_t i = 0; i < ARRAY_SIZE(gicv2_compats); i++) {
		if (fdt_stringlist_contains(c, len, gicv2_compats[i])) {
			*version = 2;
			return node;
		}
	}
	return -ENODEV;
}

/* A 3-cell GIC interrupt specifier to an INTID. */
static int gic_spec_to_intid(const void *fdt, int node, const char *prop,
			     const fdt32_t *spec, u32 *intid)
{
	u32 type = fdt32_to_cpu(spec[0]), n = fdt32_to_cpu(spec[1]);

	if (type == 1 && n < 16) {
		*intid = n + 16;
		return 0;
	}
	if (type == 0 && n < 988) {
		*intid = n + 32;
		return 0;
	}
	pr_err("%s: '%s' has an interrupt of type %u number %u",
	       dt_node_name(fdt, node), prop, type, n);
	return -EINVAL;
}

static int parse_cpus(const void *fdt)
{
	int cpus = fdt_path_offset(fdt, "/cpus"), node, ac, len;

	if (cpus < 0) {
		pr_err("no /cpus node");
		return -ENODEV;
	}
	ac = fdt_address_cells(fdt, cpus);
	if (ac < 1 || ac > 2) {
		pr_err("/cpus: #address-cells must be 1 or 2");
		return -EINVAL;
	}
	plat.nr_cpus = 0;
	fdt_for_each_subnode(node, fdt, cpus) {
		if (!has_device_type(fdt, node, "cpu"))
			continue;
		const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

		if (!reg || len < ac * 4) {
			pr_err("%s: missing or short 'reg'", dt_node_name(fdt, node));
			return -EINVAL;
		}
		if (plat.nr_cpus == MAX_PCPUS) {
			pr_warn("more than %d CPUs: %s and later ones are not used",
				MAX_PCPUS, dt_node_name(fdt, node));
			break;
		}
		plat.mpidr[plat.nr_cpus++] = dt_read_cells(reg, ac);
	}
	if (!plat.nr_cpus) {
		pr_err("/cpus has no cpu nodes");
		return -ENODEV;
	}
	return 0;
}

static int parse_memory(const void *fdt)
{
	int node, ac, sc, ret;
	bool full = false;

	ret = dt_bus_cells(fdt, 0, &ac, &sc);
	if (ret)
		return ret;
	plat.nr_ram = 0;
	for (node = fdt_next_node(fdt, -1, NULL); node >= 0; node = fdt_next_node(fdt, node, NULL)) {
		struct mem_range r;

		if (!has_device_type(fdt, node, "memory") || !dt_is_enabled(fdt, node))
			continue;
		for (int i = 0; (ret = reg_get(fdt, node, ac, sc, i, &r)) == 0; i++) {
			if (!r.size)
				continue;
			if (r.base + r.size < r.base) {
				pr_err("%s: 'reg' range wraps", dt_node_name(fdt, node));
				return -EINVAL;
			}
			if (plat.nr_ram == MAX_RAM_RANGES) {
				full = true;
				continue;
			}
			/* Insertion sort: keep ram[] ordered by base. */
			u32 j = plat.nr_ram++;

			while (j && plat.ram[j - 1].base > r.base) {
				plat.ram[j] = plat.ram[j - 1];
				j--;
			}
			plat.ram[j] = r;
		}
		if (ret != -ENOENT)
			return ret;
	}
	if (full)
		pr_warn("more than %d RAM ranges: the rest are not used", MAX_RAM_RANGES);
	if (!plat.nr_ram) {
		pr_err("no memory node with RAM");
		return -ENODEV;
	}
	return 0;
}

static int parse_gic(const void *fdt)
{
	const char *compat;
	int node, ac, sc, ret, len, parent;
	u32 version = 0;

	node = dt_find_gic(fdt, &version, &compat);
	if (node < 0) {
		if (compat)
			pr_err("unsupported interrupt controller '%s'", compat);
		else
			pr_err("no interrupt controller in the device tree");
		return -ENODEV;
	}
	parent = fdt_parent_offset(fdt, node);
	if (parent < 0)
		return -EINVAL;
	ret = dt_bus_cells(fdt, parent, &ac, &sc);
	if (ret)
		return ret;

	plat.gic.version = version;
	plat.gic.node = node;
	if (version == 3) {
		const fdt32_t *nr = fdt_getprop(fdt, node, "#redistributor-regions", &len);

		if (nr && (len != 4 || fdt32_to_cpu(*nr) < 1)) {
			pr_err("%s: bad '#redistributor-regions'", dt_node_name(fdt, node));
			return -EINVAL;
		}
		if (nr && fdt32_to_cpu(*nr) > 1)
			pr_warn("%s: %u redistributor regions; only the first is used\n",
				dt_node_name(fdt, node), fdt32_to_cpu(*nr));
		if (reg_count(fdt, node, ac, sc) < 2) {
			pr_err("%s: GICv3 'reg' needs GICD and GICR", dt_node_name(fdt, node));
			return -EINVAL;
		}
		if ((ret = reg_get(fdt, node, ac, sc, 0, &plat.gic.gicd)) ||
		    (ret = reg_get(fdt, node, ac, sc, 1, &plat.gic.gicr)))
			return ret == -ENOENT ? -EINVAL : ret;
	} else {
		int n = reg_count(fdt, node, ac, sc);

		if (n > 0 && n < 4) {
			pr_err("%s: GICv2 '%s' has no virtualization interface (GICH/GICV in 'reg')",
			       dt_node_name(fdt, node), compat);
			return -ENODEV;
		}
		if ((ret = reg_get(fdt, node, ac, sc, 0, &plat.gic.gicd)) ||
		    (ret = reg_get(fdt, node, ac, sc, 1, &plat.gic.gicc)) ||
		    (ret = reg_get(fdt, node, ac, sc, 2, &plat.gic.gich)) ||
		    (ret = reg_get(fdt, node, ac, sc, 3, &plat.gic.gicv))) {
			if (ret == -ENOENT)
				pr_err("%s: no 'reg'", dt_node_name(fdt, node));
			return -EINVAL;
		}
	}

	const fdt32_t *ic = fdt_getprop(fdt, node, "#interrupt-cells", &len);

	if (!ic || len != 4 || fdt32_to_cpu(*ic) != 3) {
		pr_err("%s: '#interrupt-cells' must be 3", dt_node_name(fdt, node));
		return -EINVAL;
	}
	const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);

	if (!irq || len < 12) {
		pr_err("%s: no maintenance interrupt ('interrupts')", dt_node_name(fdt, node));
		return -EINVAL;
	}
	return gic_spec_to_intid(fdt, node, "interrupts", irq, &plat.gic.maint_intid);
}

static int parse_uart(const void *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen"), node = -1, ac, sc, ret, parent;

	if (chosen >= 0) {
		const char *path = dt_get_string(fdt, chosen, "stdout-path", &ret);

		if (ret == -EINVAL)
			return ret;
		if (path) {
			const char *colon = strchr(path, ':');
			int len = colon ? (int)(colon - path) : (int)strlen(path);

			node = fdt_path_offset_namelen(fdt, path, len);
			if (node < 0)
				pr_warn("/chosen: stdout-path '%s' not found", path);
		}
	}
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,pl011");
	if (node < 0) {
		pr_warn("no UART found");
		return 0;
	}
	parent = fdt_parent_offset(fdt, node);
	if (parent < 0)
		return -EINVAL;
	ret = dt_bus_cells(fdt, parent, &ac, &sc);
	if (ret)
		return ret;
	ret = reg_get(fdt, node, ac, sc, 0, &plat.uart);
	if (ret == -ENOENT) {
		pr_warn("%s: UART without 'reg'", dt_node_name(fdt, node));
		return 0;
	}
	return ret;
}

static int parse_timer(const void *fdt)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, "arm,armv8-timer"), len, ret;

	if (node < 0) {
		pr_err("no arm,armv8-timer node");
		return -ENODEV;
	}
	const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);

	if (!irq || len < 4 * 12) {
		pr_err("%s: 'interrupts' needs 4 PPIs of 3 cells", dt_node_name(fdt, node));
		return -EINVAL;
	}
	for (int i = 0; i < 4; i++) {
		ret = gic_spec_to_intid(fdt, node, "interrupts", irq + 3 * i, &plat.timer_intid[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Modules follow Xen's multiboot binding. QEMU's guest-loader writes reg with
 * 2 address and 2 size cells without setting cells in /chosen: use /chosen's
 * cells when it has them, else the root's.
 */
static int parse_module(const void *fdt, int chosen, int node, struct platform_module *m)
{
	struct mem_range r;
	int ac, sc, ret;

	if (fdt_getprop(fdt, chosen, "#address-cells", NULL) ||
	    fdt_getprop(fdt, chosen, "#size-cells", NULL))
		ret = dt_bus_cells(fdt, chosen, &ac, &sc);
	else
		ret = dt_bus_cells(fdt, 0, &ac, &sc);
	if (ret)
		return ret;
	ret = reg_get(fdt, node, ac, sc, 0, &r);
	if (ret == -ENOENT)
		pr_err("%s: module without 'reg'", dt_node_name(fdt, node));
	if (ret)
		return -EINVAL;
	m->base = r.base;
	m->size = r.size;
	m->bootargs = dt_get_string(fdt, node, "bootargs", &ret);
	return ret == -EINVAL ? ret : 0;
}

static int parse_chosen(const void *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen"), node, len, ret;

	plat.hyp_args = "";
	if (chosen < 0) {
		pr_err("no VM0 kernel: no /chosen node (QEMU: -device guest-loader,kernel=...)");
		return -ENOENT;
	}
	const char *args = dt_get_string(fdt, chosen, "bootargs", &ret);

	if (ret == -EINVAL)
		return ret;
	if (args)
		plat.hyp_args = args;

	bool have_kernel = false, have_initrd = false;

	fdt_for_each_subnode(node, fdt, chosen) {
		const char *c = fdt_getprop(fdt, node, "compatible", &len);

		if (!c || len <= 0)
			continue;
		if (fdt_stringlist_contains(c, len, "multiboot,kernel")) {
			if (have_kernel) {
				pr_warn("%s: second kernel module ignored", dt_node_name(fdt, node));
				continue;
			}
			ret = parse_module(fdt, chosen, node, &plat.kernel);
			if (ret)
				return ret;
			have_kernel = true;
		} else if (fdt_stringlist_contains(c, len, "multiboot,ramdisk")) {
			if (have_initrd) {
				pr_warn("%s: second ramdisk module ignored", dt_node_name(fdt, node));
				continue;
			}
			ret = parse_module(fdt, chosen, node, &plat.initrd);
			if (ret)
				return ret;
			have_initrd = true;
		}
	}
	if (!have_kernel) {
		pr_err("no VM0 kernel: /chosen has no multiboot,kernel module (QEMU: -device guest-loader,kernel=...)");
		return -ENOENT;
	}
	return 0;
}

static int parse_psci(const void *fdt)
{
	int node = fdt_path_offset(fdt, "/psci"), ret;

	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci-0.2");
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci");
	plat.psci_conduit_smc = 0;
	if (node < 0) {
		pr_warn("no PSCI node: secondary CPUs cannot be started");
		return 0;
	}
	const char *method = dt_get_string(fdt, node, "method", &ret);

	if (ret == -EINVAL)
		return ret;
	if (method && !strcmp(method, "smc")) {
		plat.psci_conduit_smc = 1;
	} else if (method && !strcmp(method, "hvc")) {
		pr_warn("%s: firmware PSCI over HVC cannot be used from EL2", dt_node_name(fdt, node));
	} else {
		pr_warn("%s: unknown PSCI method '%s'", dt_node_name(fdt, node),
			method ? method : "(none)");
	}
	return 0;
}

int platform_parse(const void *fdt)
{
	int ret;

	memset(&plat, 0, sizeof(plat));
	plat.hyp_args = "";
	ret = fdt_check_header(fdt);
	if (ret) {
		pr_err("boot device tree: bad header (%s)", fdt_strerror(ret));
		return -EINVAL;
	}
	/* Walk the whole structure block once so that later lookups cannot
	 * run off a truncated or corrupt tree. */
	ret = fdt_check_full(fdt, fdt_totalsize(fdt));
	if (ret) {
		pr_err("boot device tree: corrupt (%s)", fdt_strerror(ret));
		return -EINVAL;
	}
	plat.fdt = fdt;
	/* The UART first: whatever fails next can then be said on it. */
	if ((ret = parse_uart(fdt)) || (ret = parse_cpus(fdt)) || (ret = parse_memory(fdt)) ||
	    (ret = parse_gic(fdt)) || (ret = parse_timer(fdt)) || (ret = parse_chosen(fdt)) ||
	    (ret = parse_psci(fdt)))
		return ret;
	return 0;
}

/* ---- device enumeration for VM0 passthrough ---- */

struct bus {
	int node;               /* the bus node (0: root) */
	int ac, sc;             /* cells its children use */
	const struct bus *up;   /* NULL at the root */
};

#define MAX_BUS_DEPTH 4

/* Translate a child address of bus b to a CPU physical address through the
 * "ranges" of b and of every bus above it. */
static int bus_translate(const void *fdt, const struct bus *b, u64 addr, u64 *out)
{
	for (; b->up; b = b->up) {
		int len, stride, n;
		const fdt32_t *r = fdt_getprop(fdt, b->node, "ranges", &len);
		bool found = false;

		if (!r)
			return -ENOENT;   /* no mapping to the parent: not reachable */
		if (len == 0)
			continue;         /* "ranges;": identity */
		stride = b->ac + b->up->ac + b->sc;
		if (len < 0 || len % (stride * 4)) {
			pr_err("%s: malformed 'ranges'", dt_node_name(fdt, b->node));
			return -EINVAL;
		}
		n = len / (stride * 4);
		for (int i = 0; i < n; i++, r += stride) {
			u64 child = dt_read_cells(r, b->ac);
			u64 parent = dt_read_cells(r + b->ac, b->up->ac);
			u64 size = dt_read_cells(r + b->ac + b->up->ac, b->sc);

			if (addr >= child && addr - child < size) {
				addr = parent + (addr - child);
				found = true;
				break;
			}
		}
		if (!found)
			return -ENOENT;
	}
	*out = addr;
	return 0;
}

struct dev_walk {
	int (*cb)(const char *path_or_name, u64 base, u64 size, void *arg);
	void *arg;
	int gic;
	char path[256];
};

static int emit(const void *fdt, struct dev_walk *w, int node, u64 base, u64 size)
{
	const char *name = w->path;

	if (fdt_get_path(fdt, node, w->path, sizeof(w->path)))
		name = dt_node_name(fdt, node);
	return w->cb(name, base, size, w->arg);
}

/* PCI host bridge: the CPU-side windows of its ranges (3 child address
 * cells, the bus's address cells, the bridge's size cells). */
static int emit_pci_windows(const void *fdt, struct dev_walk *w, const struct bus *b, int node)
{
	int len, pac = fdt_address_cells(fdt, node), psc = fdt_size_cells(fdt, node), stride, ret;
	const fdt32_t *r = fdt_getprop(fdt, node, "ranges", &len);

	if (!r || len == 0)
		return 0;
	if (pac != 3 || psc < 1 || psc > 2) {
		pr_err("%s: PCI bridge needs #address-cells 3 and #size-cells 1 or 2",
		       dt_node_name(fdt, node));
		return -EINVAL;
	}
	stride = 3 + b->ac + psc;
	if (len < 0 || len % (stride * 4)) {
		pr_err("%s: malformed 'ranges'", dt_node_name(fdt, node));
		return -EINVAL;
	}
	for (int i = 0; i < len / (stride * 4); i++, r += stride) {
		u64 cpu, size = dt_read_cells(r + 3 + b->ac, psc);

		ret = bus_translate(fdt, b, dt_read_cells(r + 3, b->ac), &cpu);
		if (ret == -ENOENT)
			continue;
		if (ret)
			return ret;
		if (size && (ret = emit(fdt, w, node, cpu, size)))
			return ret;
	}
	return 0;
}

static bool is_simple_bus(const void *fdt, int node)
{
	int len;
	const char *c = fdt_getprop(fdt, node, "compatible", &len);

	return c && len > 0 && fdt_stringlist_contains(c, len, "simple-bus");
}

static int walk_bus(const void *fdt, struct dev_walk *w, const struct bus *b, int depth)
{
	int node, ret;

	fdt_for_each_subnode(node, fdt, b->node) {
		const char *name = fdt_get_name(fdt, node, NULL);
		struct mem_range r;

		if (!name)
			return -EINVAL;
		if (node == w->gic || !dt_is_enabled(fdt, node) ||
		    has_device_type(fdt, node, "memory"))
			continue;
		if (!b->up && (!strcmp(name, "cpus") || !strcmp(name, "chosen") ||
			       !strcmp(name, "reserved-memory") || !strcmp(name, "aliases")))
			continue;

		for (int i = 0; (ret = reg_get(fdt, node, b->ac, b->sc, i, &r)) == 0; i++) {
			u64 cpu;

			ret = bus_translate(fdt, b, r.base, &cpu);
			if (ret == -ENOENT)
				continue;
			if (ret)
				return ret;
			if (r.size && (ret = emit(fdt, w, node, cpu, r.size)))
				return ret;
		}
		if (ret != -ENOENT)
			return ret;

		if (has_device_type(fdt, node, "pci")) {
			ret = emit_pci_windows(fdt, w, b, node);
			if (ret)
				return ret;
		} else if (is_simple_bus(fdt, node)) {
			struct bus child = { .node = node, .up = b };

			if (depth >= MAX_BUS_DEPTH) {
				pr_warn("%s: buses nested too deep, skipped", name);
				continue;
			}
			ret = dt_bus_cells(fdt, node, &child.ac, &child.sc);
			if (ret)
				return ret;
			ret = walk_bus(fdt, w, &child, depth + 1);
			if (ret)
				return ret;
		}
	}
	if (node < 0 && node != -FDT_ERR_NOTFOUND)
		return -EINVAL;
	return 0;
}

int platform_for_each_device(const void *fdt,
			     int (*cb)(const char *path_or_name, u64 base, u64 size, void *arg),
			     void *arg)
{
	struct dev_walk w = { .cb = cb, .arg = arg };
	struct bus root = { .node = 0 };
	const char *compat;
	u32 version;
	int ret;

	if (fdt_check_header(fdt) || fdt_check_full(fdt, fdt_totalsize(fdt)))
		return -EINVAL;
	w.gic = dt_find_gic(fdt, &version, &compat);
	ret = dt_bus_cells(fdt, 0, &root.ac, &root.sc);
	if (ret)
		return ret;
	return walk_bus(fdt, &w, &root, 0);
}
