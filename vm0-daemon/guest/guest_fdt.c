// SPDX-License-Identifier: GPL-2.0
/*
 * Guest device tree: QEMU virt's layout (so unmodified kernels and earlycon
 * just work), written with libfdt's sequential-write API. In that API a
 * node's properties must all come before its subnodes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <keel/guest.h>
#include <keel/hypercall.h>

#include "guest/guest_fdt.h"

#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_TYPE_EDGE_RISING 1
#define IRQ_TYPE_LEVEL_HIGH 4

/* Turn a libfdt error into a -errno; the sequential API fails only on room. */
static int fdt_errno(int err)
{
	return err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

#define TRY(x)                                   \
	do {                                     \
		int try_r = (x);                 \
		if (try_r < 0)                   \
			return fdt_errno(try_r); \
	} while (0)

/* "reg" with #address-cells = #size-cells = 2 */
static int prop_reg(void *fdt, const uint64_t *pairs, unsigned n)
{
	fdt64_t cells[8];

	for (unsigned i = 0; i < 2 * n && i < 8; i++)
		cells[i] = cpu_to_fdt64(pairs[i]);
	return fdt_property(fdt, "reg", cells, sizeof(cells[0]) * 2 * n);
}

static int prop_cells(void *fdt, const char *name, const uint32_t *v, unsigned n)
{
	fdt32_t cells[16];

	for (unsigned i = 0; i < n && i < 16; i++)
		cells[i] = cpu_to_fdt32(v[i]);
	return fdt_property(fdt, name, cells, sizeof(cells[0]) * n);
}

/* A string list property; parts separated by NULs, as DT wants. */
static int prop_strings(void *fdt, const char *name, const char *a, const char *b)
{
	char buf[128];
	size_t la = strlen(a) + 1, lb = b ? strlen(b) + 1 : 0;

	if (la + lb > sizeof(buf))
		return -FDT_ERR_NOSPACE;
	memcpy(buf, a, la);
	if (b)
		memcpy(buf + la, b, lb);
	return fdt_property(fdt, name, buf, (int)(la + lb));
}

static int add_chosen(void *fdt, const struct guest_dt_params *p)
{
	TRY(fdt_begin_node(fdt, "chosen"));
	TRY(fdt_property_string(fdt, "bootargs", p->bootargs ? p->bootargs : ""));
	if (p->stdout_path)
		TRY(fdt_property_string(fdt, "stdout-path", p->stdout_path));
	if (p->initrd_end > p->initrd_start) {
		TRY(fdt_property_u64(fdt, "linux,initrd-start", p->initrd_start));
		TRY(fdt_property_u64(fdt, "linux,initrd-end", p->initrd_end));
	}
	TRY(fdt_end_node(fdt));
	return 0;
}

static int add_memory(void *fdt, const struct guest_dt_params *p)
{
	char name[40];

	for (unsigned i = 0; i < p->nr_mem; i++) {
		uint64_t reg[2] = { p->mem[i].ipa, p->mem[i].size };

		snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)p->mem[i].ipa);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "device_type", "memory"));
		TRY(prop_reg(fdt, reg, 1));
		TRY(fdt_end_node(fdt));
	}
	return 0;
}

/* vCPU N's MPIDR has Aff0 = N (the hypervisor sets VMPIDR_EL2 so), and a
 * cpu node's reg is its MPIDR affinity. */
static int add_cpus(void *fdt, const struct guest_dt_params *p)
{
	char name[16];

	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#address-cells", 1));
	TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		snprintf(name, sizeof(name), "cpu@%x", i);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_string(fdt, "compatible", "arm,armv8"));
		TRY(fdt_property_u32(fdt, "reg", i));
		TRY(fdt_property_string(fdt, "enable-method", "psci"));
		TRY(fdt_end_node(fdt));
	}
	TRY(fdt_end_node(fdt));
	return 0;
}

static int add_gic(void *fdt, const struct guest_dt_params *p)
{
	char name[40];

	snprintf(name, sizeof(name), "intc@%llx", (unsigned long long)p->gicd);
	TRY(fdt_begin_node(fdt, name));
	if (p->gic_version == KEEL_GIC_V3) {
		uint64_t reg[4] = { p->gicd, KEEL_GUEST_GICD_SIZE, p->gicr,
				    (uint64_t)p->nr_vcpus * KEEL_GUEST_GICR_STRIDE };

		TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
		TRY(prop_reg(fdt, reg, 2));
		TRY(fdt_property_u32(fdt, "#redistributor-regions", 1));
	} else {
		uint64_t reg[4] = { p->gicd, KEEL_GUEST_GICD_SIZE, p->gicc, KEEL_GUEST_GICC_SIZE };

		TRY(fdt_property_string(fdt, "compatible", "arm,cortex-a15-gic"));
		TRY(prop_reg(fdt, reg, 2));
	}
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 3));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property_u32(fdt, "phandle", GUEST_FDT_PHANDLE_GIC));
	TRY(fdt_end_node(fdt));
	return 0;
}

static int add_timer(void *fdt, const struct guest_dt_params *p)
{
	/* GICv2 PPI specifiers carry a CPU mask in bits 8..15; GICv3 has none. */
	uint32_t flags = IRQ_TYPE_LEVEL_HIGH;
	uint32_t irqs[3 * KEEL_TIMER_NR];

	if (p->gic_version != KEEL_GIC_V3)
		flags |= (((1U << p->nr_vcpus) - 1) & 0xff) << 8;
	for (unsigned i = 0; i < KEEL_TIMER_NR; i++) {
		irqs[3 * i] = GIC_PPI;
		irqs[3 * i + 1] = p->timer_ppi[i];
		irqs[3 * i + 2] = flags;
	}
	TRY(fdt_begin_node(fdt, "timer"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	TRY(prop_cells(fdt, "interrupts", irqs, 3 * KEEL_TIMER_NR));
	TRY(fdt_property(fdt, "always-on", NULL, 0));
	TRY(fdt_end_node(fdt));
	return 0;
}

int guest_fdt_host_timer(const void *fdt, size_t len, uint32_t ppi[KEEL_TIMER_NR])
{
	const fdt32_t *irq;
	int node, plen;

	if (len < sizeof(struct fdt_header) || fdt_check_header(fdt) || fdt_totalsize(fdt) > len)
		return -EINVAL;
	node = fdt_node_offset_by_compatible(fdt, -1, "arm,armv8-timer");
	if (node < 0)
		return node == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	irq = fdt_getprop(fdt, node, "interrupts", &plen);
	if (!irq || plen < (int)(3 * KEEL_TIMER_NR * sizeof(*irq)))
		return -EINVAL;
	for (unsigned i = 0; i < KEEL_TIMER_NR; i++) {
		/* PPIs 0..15 (INTIDs 16..31) */
		if (fdt32_to_cpu(irq[3 * i]) != GIC_PPI || fdt32_to_cpu(irq[3 * i + 1]) > 15)
			return -EINVAL;
		ppi[i] = fdt32_to_cpu(irq[3 * i + 1]);
	}
	return 0;
}

int guest_fdt_host_timer_file(const char *path, uint32_t ppi[KEEL_TIMER_NR])
{
	FILE *f = fopen(path, "rb");
	size_t cap = 64 << 10, n = 0;
	uint8_t *blob = NULL, *more;
	int r = 0;

	if (!f)
		return -errno;
	/* sysfs reports the blob's size, but read it to the end anyway. */
	for (;;) {
		if (!(more = realloc(blob, cap))) {
			r = -ENOMEM;
			break;
		}
		blob = more;
		n += fread(blob + n, 1, cap - n, f);
		if (n < cap || cap >= (16U << 20))
			break;
		cap *= 2;
	}
	if (!r && ferror(f))
		r = -EIO;
	fclose(f);
	if (!r)
		r = guest_fdt_host_timer(blob, n, ppi);
	free(blob);
	return r;
}

void guest_fdt_pl011_path(char *buf, size_t len, uint64_t base)
{
	snprintf(buf, len, "/pl011@%llx", (unsigned long long)base);
}

int guest_fdt_pl011(void *fdt, uint64_t base, unsigned spi)
{
	uint64_t reg[2] = { base, 0x1000 };
	uint32_t irq[3] = { GIC_SPI, spi, IRQ_TYPE_LEVEL_HIGH };
	uint32_t clocks[2] = { GUEST_FDT_PHANDLE_CLK, GUEST_FDT_PHANDLE_CLK };
	char name[40];

	snprintf(name, sizeof(name), "pl011@%llx", (unsigned long long)base);
	TRY(fdt_begin_node(fdt, name));
	TRY(prop_strings(fdt, "compatible", "arm,pl011", "arm,primecell"));
	TRY(prop_reg(fdt, reg, 1));
	TRY(prop_cells(fdt, "interrupts", irq, 3));
	TRY(prop_strings(fdt, "clock-names", "uartclk", "apb_pclk"));
	TRY(prop_cells(fdt, "clocks", clocks, 2));
	TRY(fdt_end_node(fdt));
	return 0;
}

int guest_fdt_pl061(void *fdt, uint64_t base, unsigned spi)
{
	uint64_t reg[2] = { base, 0x1000 };
	uint32_t irq[3] = { GIC_SPI, spi, IRQ_TYPE_LEVEL_HIGH };
	uint32_t gpios[3] = { GUEST_FDT_PHANDLE_GPIO, GUEST_GPIO_POWER_LINE, 0 };
	char name[40];

	snprintf(name, sizeof(name), "pl061@%llx", (unsigned long long)base);
	TRY(fdt_begin_node(fdt, name));
	TRY(prop_strings(fdt, "compatible", "arm,pl061", "arm,primecell"));
	TRY(prop_reg(fdt, reg, 1));
	TRY(prop_cells(fdt, "interrupts", irq, 3));
	TRY(fdt_property(fdt, "gpio-controller", NULL, 0));
	TRY(fdt_property_u32(fdt, "#gpio-cells", 2));
	TRY(fdt_property_string(fdt, "clock-names", "apb_pclk"));
	TRY(fdt_property_u32(fdt, "clocks", GUEST_FDT_PHANDLE_CLK));
	TRY(fdt_property_u32(fdt, "phandle", GUEST_FDT_PHANDLE_GPIO));
	TRY(fdt_end_node(fdt));

	/* The power button: `keel vm shutdown` presses it, the guest's
	 * gpio-keys driver turns it into KEY_POWER and a clean poweroff. */
	TRY(fdt_begin_node(fdt, "gpio-keys"));
	TRY(fdt_property_string(fdt, "compatible", "gpio-keys"));
	TRY(fdt_begin_node(fdt, "poweroff"));
	TRY(fdt_property_string(fdt, "label", "GPIO Key Poweroff"));
	TRY(fdt_property_u32(fdt, "linux,code", GUEST_KEY_POWER));
	TRY(prop_cells(fdt, "gpios", gpios, 3));
	TRY(fdt_end_node(fdt));
	TRY(fdt_end_node(fdt));
	return 0;
}

/* QEMU virt's virtio-mmio node. dma-coherent: keeld reaches guest RAM
 * through cacheable mappings, so the guest must not map its rings and
 * buffers non-cacheable. */
void guest_fdt_virtio_mmio_path(char *buf, size_t len, uint64_t base)
{
	snprintf(buf, len, "/virtio_mmio@%llx", (unsigned long long)base);
}

int guest_fdt_virtio_mmio(void *fdt, uint64_t base, unsigned spi)
{
	uint64_t reg[2] = { base, GUEST_VIRTIO_MMIO_SIZE };
	uint32_t irq[3] = { GIC_SPI, spi, IRQ_TYPE_EDGE_RISING };
	char name[40];

	snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)base);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
	TRY(prop_reg(fdt, reg, 1));
	TRY(prop_cells(fdt, "interrupts", irq, 3));
	TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
	TRY(fdt_end_node(fdt));
	return 0;
}

int guest_fdt_channel(void *fdt, const struct guest_dt_channel *c)
{
	uint64_t reg[2] = { c->ipa, c->size };
	uint32_t irq[3] = { GIC_SPI, c->spi, IRQ_TYPE_EDGE_RISING };
	char name[40];

	snprintf(name, sizeof(name), "channel@%llx", (unsigned long long)c->ipa);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "keel,channel"));
	TRY(prop_reg(fdt, reg, 1));
	TRY(prop_cells(fdt, "interrupts", irq, 3));
	TRY(fdt_property_u32(fdt, "keel,channel-id", c->chan_id));
	TRY(fdt_property_u32(fdt, "keel,end", c->end));
	TRY(fdt_property_string(fdt, "label", c->name));
	TRY(fdt_end_node(fdt));
	return 0;
}

int guest_fdt_build(void *buf, size_t len, const struct guest_dt_params *p)
{
	void *fdt = buf;
	int r;

	if (len > INT32_MAX || !p->nr_vcpus || p->nr_vcpus > KEEL_MAX_VCPUS || !p->nr_mem ||
	    p->nr_mem > KEEL_VM_MAX_MEM)
		return -EINVAL;
	TRY(fdt_create(fdt, (int)len));
	TRY(fdt_finish_reservemap(fdt));
	TRY(fdt_begin_node(fdt, ""));
	TRY(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));
	TRY(fdt_property_string(fdt, "model", "Keel guest"));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_u32(fdt, "interrupt-parent", GUEST_FDT_PHANDLE_GIC));

	if ((r = add_chosen(fdt, p)) || (r = add_memory(fdt, p)) || (r = add_cpus(fdt, p)))
		return r;
	TRY(fdt_begin_node(fdt, "psci"));
	TRY(prop_strings(fdt, "compatible", "arm,psci-1.0", "arm,psci-0.2"));
	TRY(fdt_property_string(fdt, "method", "hvc"));
	TRY(fdt_end_node(fdt));
	if ((r = add_gic(fdt, p)) || (r = add_timer(fdt, p)))
		return r;

	TRY(fdt_begin_node(fdt, "apb-pclk"));
	TRY(fdt_property_string(fdt, "compatible", "fixed-clock"));
	TRY(fdt_property_u32(fdt, "#clock-cells", 0));
	TRY(fdt_property_u32(fdt, "clock-frequency", 24000000));
	TRY(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
	TRY(fdt_property_u32(fdt, "phandle", GUEST_FDT_PHANDLE_CLK));
	TRY(fdt_end_node(fdt));

	/* The sequential-write API keeps nodes in the order written, and
	 * Linux probes in DT order: devices() decides which is vda. */
	if (p->devices && (r = p->devices(fdt, p->devices_opaque)))
		return r;
	TRY(fdt_end_node(fdt));
	TRY(fdt_finish(fdt));
	return 0;
}

int guest_fdt_patch_chosen(void *buf, size_t len, const char *bootargs, uint64_t initrd_start,
			   uint64_t initrd_end)
{
	int node, r;

	if (len > INT32_MAX)
		return -EINVAL;
	/* A DTB from a file is untrusted input: check it all before editing.
	 * libfdt's read-write functions trust the blob: fdt_open_into takes
	 * fdt_num_mem_rsv's error (a reservation map running off the blob's
	 * end) for a count and moves a negative number of bytes. Only
	 * version 17 blobs (all dtc has written since 2008): libfdt 1.6.1's
	 * fdt_check_full follows a NULL pointer on some older headers. */
	if (fdt_check_header(buf) || fdt_totalsize(buf) > len || fdt_version(buf) < 17 ||
	    fdt_check_full(buf, fdt_totalsize(buf)) || fdt_num_mem_rsv(buf) < 0)
		return -EINVAL;
	TRY(fdt_open_into(buf, buf, (int)len));
	node = fdt_path_offset(buf, "/chosen");
	if (node < 0)
		node = fdt_add_subnode(buf, 0, "chosen");
	if (node < 0)
		return fdt_errno(node);
	if (bootargs && *bootargs)
		TRY(fdt_setprop_string(buf, node, "bootargs", bootargs));
	if (initrd_end > initrd_start) {
		TRY(fdt_setprop_u64(buf, node, "linux,initrd-start", initrd_start));
		TRY(fdt_setprop_u64(buf, node, "linux,initrd-end", initrd_end));
	}
	r = fdt_pack(buf);
	return r < 0 ? fdt_errno(r) : 0;
}
