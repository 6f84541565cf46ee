// SPDX-License-Identifier: GPL-2.0
/*
 * A passed-through device's node in the guest's device tree: what the
 * guest's own, unmodified driver needs to find it (compatible, reg at
 * IPA = PA, its SPIs). AMBA (PrimeCell) devices also get the APB clock
 * their bus code asks for; DMA devices are marked dma-coherent, as QEMU
 * virt's virtio-mmio nodes are.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "config/config.h"
#include "guest/guest_fdt.h"

#define GIC_SPI 0
#define IRQ_TYPE_EDGE_RISING 1
#define IRQ_TYPE_LEVEL_HIGH 4

static bool has_compat(const struct cfg_pt *pt, const char *c)
{
	for (unsigned at = 0; at < pt->compat_len; at += (unsigned)strlen(pt->compat + at) + 1)
		if (!strcmp(pt->compat + at, c))
			return true;
	return false;
}

static int pt_node(void *fdt, const struct cfg_pt *pt)
{
	fdt64_t reg[2 * KEEL_PT_MAX_REGIONS];
	fdt32_t irq[3 * KEEL_PT_MAX_IRQS];
	char name[64];
	int r;

	/* The node name: the config's, made a DT name ("rtc@9010000"). */
	snprintf(name, sizeof(name), "%s@%llx", pt->name, (unsigned long long)pt->region[0].base);
	for (char *c = name; *c && *c != '@'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == ','))
			*c = *c >= 'A' && *c <= 'Z' ? (char)(*c - 'A' + 'a') : '_';
	for (unsigned i = 0; i < pt->nr_regions && i < KEEL_PT_MAX_REGIONS; i++) {
		reg[2 * i] = cpu_to_fdt64(pt->region[i].base);
		reg[2 * i + 1] = cpu_to_fdt64(pt->region[i].size);
	}
	for (unsigned i = 0; i < pt->nr_irqs && i < KEEL_PT_MAX_IRQS; i++) {
		irq[3 * i] = cpu_to_fdt32(GIC_SPI);
		irq[3 * i + 1] = cpu_to_fdt32(pt->irq[i] - KEEL_GUEST_SPI_BASE);
		irq[3 * i + 2] = cpu_to_fdt32(pt->edge ? IRQ_TYPE_EDGE_RISING : IRQ_TYPE_LEVEL_HIGH);
	}
	if ((r = fdt_begin_node(fdt, name)) ||
	    (r = fdt_property(fdt, "compatible", pt->compat, (int)pt->compat_len)) ||
	    (r = fdt_property(fdt, "reg", reg, (int)(sizeof(reg[0]) * 2 * pt->nr_regions))))
		return r;
	if (pt->nr_irqs && (r = fdt_property(fdt, "interrupts", irq, (int)(sizeof(irq[0]) * 3 * pt->nr_irqs))))
		return r;
	if (has_compat(pt, "arm,primecell") &&
	    ((r = fdt_property_string(fdt, "clock-names", "apb_pclk")) ||
	     (r = fdt_property_u32(fdt, "clocks", GUEST_FDT_PHANDLE_CLK))))
		return r;
	if (pt->dma && (r = fdt_property(fdt, "dma-coherent", NULL, 0)))
		return r;
	return fdt_end_node(fdt);
}

int guest_fdt_passthrough(void *fdt, const struct vm_config *cfg)
{
	for (unsigned i = 0; i < cfg->nr_pt; i++) {
		int r;

		/* No compatible: the guest finds the device its own way
		 * (a bare-metal program with the address built in). */
		if (!cfg->pt[i].compat_len || !cfg->pt[i].nr_regions)
			continue;
		r = pt_node(fdt, &cfg->pt[i]);
		if (r < 0)
			return r == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	}
	return 0;
}
