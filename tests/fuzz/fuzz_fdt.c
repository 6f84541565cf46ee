// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the guest device tree (guest_fdt.c).
 *
 * Two ways in, chosen by the first byte's low bit:
 *  - build: guest_fdt_build() from any parameters (the config parser
 *    bounds them, but the builder must not rely on that for memory
 *    safety) into a buffer of any size. A DT it calls good must pass
 *    libfdt's full check and say what was asked (bootargs, one node per
 *    vCPU and RAM region, initrd).
 *  - patch: guest_fdt_patch_chosen() on a DTB from a file the config
 *    names (Rust-Shyper's device_tree_filename): arbitrary bytes. It must
 *    refuse what it cannot edit safely; what it accepts must come out a
 *    valid DT with the new /chosen.
 * The buffers are exact-size heap copies so ASan sees any overrun.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <keel/hypercall.h>

#include "input.h"
#include "guest/guest_fdt.h"

static void fail(const char *what, long long a)
{
	fprintf(stderr, "fuzz_fdt: %s (%lld)\n", what, a);
	abort();
}

/* A NUL-terminated string of up to max bytes from the input. */
static char *take_string(struct input *in, size_t max)
{
	size_t len = take(in, 2) % (max + 1);
	char *s;

	if (len > in->n)
		len = in->n;
	s = malloc(len + 1);
	if (!s)
		abort();
	memcpy(s, in->p, len);
	s[len] = 0;
	in->p += len;
	in->n -= len;
	return s;
}

static void check_chosen(const void *fdt, const char *bootargs, uint64_t start, uint64_t end,
			 bool empty_keeps)
{
	int node = fdt_path_offset(fdt, "/chosen"), len;
	const char *args;
	const void *v;
	fdt64_t cell;

	if (node < 0)
		fail("no /chosen", node);
	args = fdt_getprop(fdt, node, "bootargs", &len);
	if (bootargs[0] || !empty_keeps) {
		if (!args || len != (int)strlen(bootargs) + 1 || memcmp(args, bootargs, len))
			fail("bootargs differ from what was asked", len);
	}
	if (end > start) {
		/* Property values are only 4-byte aligned. */
		v = fdt_getprop(fdt, node, "linux,initrd-start", &len);
		if (!v || len != 8 || (memcpy(&cell, v, 8), fdt64_to_cpu(cell)) != start)
			fail("linux,initrd-start differs", len);
		v = fdt_getprop(fdt, node, "linux,initrd-end", &len);
		if (!v || len != 8 || (memcpy(&cell, v, 8), fdt64_to_cpu(cell)) != end)
			fail("linux,initrd-end differs", len);
	}
}

static int count_nodes(const void *fdt, const char *parent, const char *prefix)
{
	int node = fdt_path_offset(fdt, parent), sub, n = 0;

	if (node < 0)
		fail("missing node", node);
	fdt_for_each_subnode(sub, fdt, node) {
		const char *name = fdt_get_name(fdt, sub, NULL);

		if (name && !strncmp(name, prefix, strlen(prefix)))
			n++;
	}
	return n;
}

/* The device nodes keeld's registry writes: a PL011, a PL061, virtio-mmio
 * transports, at fuzzed places. */
struct fuzz_devs {
	uint64_t uart_base, gpio_base;
	unsigned uart_spi, gpio_spi, nr_virtio;
	struct { uint64_t base; unsigned spi; } virtio[GUEST_FDT_MAX_VIRTIO];
};

static int fuzz_devices(void *fdt, void *opaque)
{
	const struct fuzz_devs *d = opaque;
	int r;

	if ((r = guest_fdt_pl011(fdt, d->uart_base, d->uart_spi)) ||
	    (r = guest_fdt_pl061(fdt, d->gpio_base, d->gpio_spi)))
		return r;
	for (unsigned i = 0; i < d->nr_virtio; i++)
		if ((r = guest_fdt_virtio_mmio(fdt, d->virtio[i].base, d->virtio[i].spi)))
			return r;
	return 0;
}

static void fuzz_build(struct input *in)
{
	struct guest_dt_params p = {0};
	struct fuzz_devs devs = {0};
	char stdout_path[64];
	size_t len = take(in, 1) & 1 ? GUEST_FDT_MAX : take(in, 2);
	char *bootargs;
	void *buf;
	int r;

	p.gic_version = (unsigned)take(in, 1);
	p.gicd = take(in, 8);
	p.gicr = take(in, 8);
	p.gicc = take(in, 8);
	p.nr_vcpus = (unsigned)take(in, 1) % (KEEL_MAX_VCPUS + 2);
	p.nr_mem = (unsigned)take(in, 1) % (KEEL_VM_MAX_MEM + 2);
	/* Distinct bases: one node name per region, as check_common ensures. */
	for (unsigned i = 0; i < KEEL_VM_MAX_MEM; i++)
		p.mem[i] = (struct keel_vm_mem){ (take(in, 4) << 12) | i, take(in, 8) };
	p.initrd_start = take(in, 8);
	p.initrd_end = take(in, 8);
	devs.uart_base = take(in, 8);
	devs.uart_spi = (unsigned)take(in, 4);
	devs.gpio_base = take(in, 8);
	devs.gpio_spi = (unsigned)take(in, 4);
	devs.nr_virtio = (unsigned)take(in, 1) % (GUEST_FDT_MAX_VIRTIO + 1);
	for (unsigned i = 0; i < GUEST_FDT_MAX_VIRTIO; i++) {
		devs.virtio[i].base = take(in, 4) << 9;
		devs.virtio[i].spi = (unsigned)take(in, 1);
	}
	guest_fdt_pl011_path(stdout_path, sizeof(stdout_path), devs.uart_base);
	p.stdout_path = stdout_path;
	p.devices = fuzz_devices;
	p.devices_opaque = &devs;
	bootargs = take_string(in, 2048) /* past the 1 KiB a config allows */;
	p.bootargs = take(in, 1) & 1 ? NULL : bootargs;

	buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	r = guest_fdt_build(buf, len, &p);
	if (r && r != -EINVAL && r != -ENOSPC)
		fail("unexpected error", r);
	if (!r) {
		if (fdt_check_full(buf, len))
			fail("built a DT libfdt calls broken", fdt_check_full(buf, len));
		if (fdt_totalsize(buf) > len)
			fail("DT larger than its buffer", fdt_totalsize(buf));
		check_chosen(buf, p.bootargs ? p.bootargs : "", p.initrd_start, p.initrd_end,
			     false);
		if (count_nodes(buf, "/cpus", "cpu@") != (int)p.nr_vcpus)
			fail("cpu nodes differ from nr_vcpus", p.nr_vcpus);
		if (count_nodes(buf, "/", "memory@") != (int)p.nr_mem)
			fail("memory nodes differ from nr_mem", p.nr_mem);
		if (count_nodes(buf, "/", "virtio_mmio@") != (int)devs.nr_virtio)
			fail("virtio nodes differ from nr_virtio", devs.nr_virtio);
	}
	free(buf);
	free(bootargs);
}

static void fuzz_patch(struct input *in)
{
	size_t room = take(in, 2) % 8192;
	uint64_t start = take(in, 8), end = take(in, 8);
	char *bootargs = take_string(in, 512);
	size_t len = in->n + room;
	void *buf = malloc(len ? len : 1);
	int r;

	if (!buf)
		abort();
	/* The file's bytes, then zeroes up to the room keeld allows. */
	memcpy(buf, in->p, in->n);
	memset((char *)buf + in->n, 0, room);
	r = guest_fdt_patch_chosen(buf, len, bootargs, start, end);
	if (r && r != -EINVAL && r != -ENOSPC)
		fail("unexpected error", r);
	if (!r) {
		if (fdt_check_full(buf, len))
			fail("patched DT is broken", fdt_check_full(buf, len));
		check_chosen(buf, bootargs, start, end, true);
	}
	free(buf);
	free(bootargs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};

	if (take(&in, 1) & 1)
		fuzz_patch(&in);
	else
		fuzz_build(&in);
	return 0;
}
