/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device tree a guest boots with, generated with libfdt. (Named
 * guest_fdt, not fdt.h: libfdt.h includes <fdt.h> and must find libfdt's.)
 */
#ifndef KEELD_GUEST_FDT_H
#define KEELD_GUEST_FDT_H

#include <stddef.h>
#include <stdint.h>

#include <keel/guest.h>
#include <keel/vm.h>

#define GUEST_FDT_MAX (64 * 1024)
#define GUEST_FDT_PHANDLE_GIC 1
#define GUEST_FDT_PHANDLE_CLK 2
#define GUEST_FDT_PHANDLE_GPIO 3
#define GUEST_KEY_POWER 116 /* linux,code KEY_POWER */
#define GUEST_GPIO_POWER_LINE 3
#define GUEST_FDT_MAX_VIRTIO KEEL_GUEST_VIRTIO_MAX
#define GUEST_VIRTIO_MMIO_SIZE 0x200 /* the virtio-mmio register window */

struct guest_dt_params {
	unsigned gic_version;  /* KEEL_GIC_V2 or KEEL_GIC_V3 */
	uint64_t gicd, gicr, gicc;
	unsigned nr_vcpus;
	unsigned nr_mem;
	struct keel_vm_mem mem[KEEL_VM_MAX_MEM];
	const char *bootargs;
	uint64_t initrd_start, initrd_end;  /* both 0: no initramfs */
	const char *stdout_path;  /* /chosen's, e.g. "/pl011@9000000"; NULL: none */
	/* Writes the device nodes (guest_fdt_pl011, ...) in the order the
	 * guest should probe them (vda, vdb, ...); returns 0 or -errno. */
	int (*devices)(void *fdt, void *opaque);
	void *devices_opaque;
	/* The host's timer PPIs (PPI numbers, KEEL_TIMER_* order): the guest's
	 * virtual timer is the host's, handed through. */
	uint32_t timer_ppi[KEEL_TIMER_NR];
};

/* Where VM0's kernel shows the device tree it booted with (the host's,
 * less what the hypervisor keeps). */
#define GUEST_FDT_HOST_DTB "/sys/firmware/fdt"

/* The timer PPIs of a host DT blob of len bytes (its arm,armv8-timer node,
 * GIC three-cell specifiers). Returns 0, -ENOENT (no such node) or
 * -EINVAL (a blob or "interrupts" that is not that). */
int guest_fdt_host_timer(const void *fdt, size_t len, uint32_t ppi[KEEL_TIMER_NR]);

/* The same, from a file (GUEST_FDT_HOST_DTB); also -errno of reading it. */
int guest_fdt_host_timer_file(const char *path, uint32_t ppi[KEEL_TIMER_NR]);

/* Build the DT into buf (at most len bytes). Returns 0 or -errno. */
int guest_fdt_build(void *buf, size_t len, const struct guest_dt_params *p);

/* Device nodes, QEMU virt's (for a devices() callback): the PL011 (and
 * the stdout-path that names it), the PL061 with the gpio-keys power
 * button on GUEST_GPIO_POWER_LINE, a virtio-mmio transport (any device
 * type: the guest reads DeviceID; edge-triggered). 0 or -errno. */
int guest_fdt_pl011(void *fdt, uint64_t base, unsigned spi);
void guest_fdt_pl011_path(char *buf, size_t len, uint64_t base);
int guest_fdt_pl061(void *fdt, uint64_t base, unsigned spi);
int guest_fdt_virtio_mmio(void *fdt, uint64_t base, unsigned spi);
/* An inter-VM channel end (proto/keel/chan.h): "keel,channel", reg = the
 * shared region, interrupts = the SPI the peer's kicks raise (edge), the
 * hypervisor's id for KEEL_HC_CHAN_KICK, which end it is, label = name. */
struct guest_dt_channel {
	uint64_t ipa, size;
	unsigned spi;
	uint32_t chan_id, end;
	const char *name;
};
int guest_fdt_channel(void *fdt, const struct guest_dt_channel *c);
/* Its path (a virtio-console's, for /chosen's stdout-path). */
void guest_fdt_virtio_mmio_path(char *buf, size_t len, uint64_t base);

/* A user-supplied DTB (Shyper's device_tree_filename): rewrite /chosen's
 * bootargs and initrd into it, in place (buf holds len bytes of room). */
int guest_fdt_patch_chosen(void *buf, size_t len, const char *bootargs, uint64_t initrd_start,
			   uint64_t initrd_end);

/* guest_fdt_pt.c: a node for every passthrough device of cfg that has a
 * compatible (for a devices() callback). */
struct vm_config;
int guest_fdt_passthrough(void *fdt, const struct vm_config *cfg);

#endif
