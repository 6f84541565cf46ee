// SPDX-License-Identifier: GPL-2.0
/*
 * Booting a guest: attach its devices, map its RAM, place the kernel,
 * initramfs and device tree (guest/), and start its vCPUs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <libfdt.h>

#include <keel/guest.h>

#include "dev.h"
#include "guest/guest_fdt.h"
#include "log.h"
#include "vm/priv.h"

/* ---- memory ---- */

void vm_unmap(struct vm *vm)
{
	for (unsigned i = 0; i < vm->gm.n; i++)
		if (vm->gm.r[i].host)
			munmap(vm->gm.r[i].host, (size_t)vm->gm.r[i].size);
	memset(&vm->gm, 0, sizeof(vm->gm));
}

int vm_map(struct vm *vm, char *err, size_t errlen)
{
	bool identity = vm->desc.flags & KEEL_VM_F_IDENTITY;

	if (vm->gm.n)
		return 0;
	for (unsigned i = 0; i < vm->desc.nr_mem; i++) {
		struct guest_region *g = &vm->gm.r[i];
		void *host;
		int r = dev_vm_map(vm->kd->dev, vm->id, i, &g->ipa, &g->size, &host);

		/* An identity-mapped region sits at its pool block's address,
		 * which only the hypervisor knows: it is where the guest sees
		 * it (vm_load places everything relative to it). */
		if (!r && (g->size != vm->desc.mem[i].size ||
			   (!identity && g->ipa != vm->desc.mem[i].ipa))) {
			munmap(host, (size_t)g->size);
			r = -EPROTO;
		}
		if (r) {
			snprintf(err, errlen, "vm %u: mapping RAM region %u (0x%llx+0x%llx): %s", vm->id,
				 i, (unsigned long long)vm->desc.mem[i].ipa,
				 (unsigned long long)vm->desc.mem[i].size, strerror(-r));
			vm->gm.n = i;
			vm_unmap(vm);
			return r;
		}
		g->host = host;
		vm->gm.n = i + 1;
	}
	return 0;
}

/* The guest starts with its MMU off and reads memory past VM0's caches:
 * clean what we wrote to the point of coherency (booting.rst asks the
 * loader to). EL0 may use DC CVAC: Linux sets SCTLR_EL1.UCI. */
static void cache_clean_poc(const void *p, uint64_t len)
{
#if defined(__aarch64__)
	uint64_t ctr, line;
	uintptr_t a, end = (uintptr_t)p + len;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	line = 4ULL << ((ctr >> 16) & 0xf);
	for (a = (uintptr_t)p & ~(line - 1); a < end; a += line)
		__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
	/* the cleans complete before VM_START lets the guest run */
	__asm__ volatile("dsb sy" : : : "memory");
#else
	(void)p;
	(void)len;
#endif
}

/* ---- boot ---- */

static int file_size(const char *path, uint64_t *size, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st)) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

static int vm_dt_devices(void *fdt, void *opaque)
{
	int r = vdev_registry_dt(&((struct vm *)opaque)->vdevs, fdt);

	return r ? r : vm_pt_dt(opaque, fdt);
}

/* Build the DT (or load the config's and patch /chosen) into buf. */
static int vm_make_dtb(struct vm *vm, const struct vm_config *c, const struct boot_layout *bl,
		       uint8_t *buf, size_t len, char *err, size_t errlen)
{
	const struct keel_sysinfo *si = &vm->kd->si;
	char stdout_path[64];
	int r;

	if (c->dtb[0]) {
		uint64_t sz;

		if ((r = file_size(c->dtb, &sz, err, errlen)))
			return r;
		if (sz + 4096 > len) {
			snprintf(err, errlen, "%s: larger than %zu KiB", c->dtb, (len - 4096) >> 10);
			return -EFBIG;
		}
		if ((r = loader_read_at(c->dtb, buf, (size_t)sz, 0, err, errlen)))
			return r;
		r = guest_fdt_patch_chosen(buf, len, c->cmdline, bl->initrd_ipa, bl->initrd_end);
		if (r)
			snprintf(err, errlen, "%s: not a usable device tree blob: %s", c->dtb,
				 strerror(-r));
		return r;
	}
	struct guest_dt_params p = {
		.gic_version = si->gic_version,
		.gicd = si->gicd_base,
		.gicr = si->gicr_base,
		.gicc = si->gicc_base,
		.nr_vcpus = c->nr_vcpus,
		.nr_mem = c->nr_mem,
		.bootargs = c->cmdline,
		.initrd_start = bl->initrd_ipa,
		.initrd_end = bl->initrd_end,
		.stdout_path = vdev_registry_stdout(&vm->vdevs, stdout_path, sizeof(stdout_path)) ?
			       stdout_path : NULL,
		.devices = vm_dt_devices,
		.devices_opaque = vm,
	};
	memcpy(p.mem, c->mem, sizeof(p.mem));
	r = guest_fdt_host_timer_file(GUEST_FDT_HOST_DTB, p.timer_ppi);
	if (r) {
		snprintf(err, errlen, "vm %u: the host's timer interrupts (arm,armv8-timer in %s): %s",
			 vm->id, GUEST_FDT_HOST_DTB, strerror(-r));
		return r;
	}
	r = guest_fdt_build(buf, len, &p);
	if (r)
		snprintf(err, errlen, "vm %u: building its device tree: %s", vm->id, strerror(-r));
	return r;
}

/* Copy each of the image's segments in, zero the rest of its memory size
 * (a bare-metal program's BSS), and clean it all to the PoC. */
static int vm_load_segs(struct vm *vm, const struct vm_config *c, const struct boot_layout *bl,
			char *err, size_t errlen)
{
	for (unsigned i = 0; i < bl->nr_segs && i < LOADER_MAX_SEGS; i++) {
		const struct load_seg *s = &bl->seg[i];
		uint8_t *dst = guest_ptr(&vm->gm, s->ipa, s->memsz);
		int r;

		if (!dst) {
			snprintf(err, errlen, "vm %u: segment at 0x%llx+0x%llx is outside mapped RAM",
				 vm->id, (unsigned long long)s->ipa, (unsigned long long)s->memsz);
			return -EFAULT;
		}
		if ((r = loader_copy(&vm->gm, c->kernel, s->offset, s->ipa, s->filesz, err, errlen)))
			return r;
		memset(dst + s->filesz, 0, (size_t)(s->memsz - s->filesz));
		cache_clean_poc(dst, s->memsz);
	}
	return 0;
}

static int vm_load(struct vm *vm, struct boot_layout *bl, char *err, size_t errlen)
{
	struct vm_config placed, *c = &placed;
	uint64_t rlen = 0, dtb_max = GUEST_FDT_MAX;
	uint8_t *dtb, *dst;
	int r;

	/* The config as this boot places it: identity-mapped RAM is wherever
	 * the hypervisor's pool block is this time. */
	*c = vm->cfg;
	if (c->identity_map)
		loader_relocate(c, &vm->gm);
	if (c->initramfs[0] && (r = file_size(c->initramfs, &rlen, err, errlen)))
		return r;
	if (c->dtb[0]) {
		uint64_t sz;

		if ((r = file_size(c->dtb, &sz, err, errlen)))
			return r;
		dtb_max = (sz + 4096 + 4095) & ~4095ULL;
		if (dtb_max > SZ_2M) {
			snprintf(err, errlen, "%s: larger than 2 MiB", c->dtb);
			return -EFBIG;
		}
	}
	if ((r = loader_prepare(c, rlen, dtb_max, bl, err, errlen)))
		return r;

	dtb = calloc(1, (size_t)dtb_max);
	if (!dtb)
		return -ENOMEM;
	r = vm_make_dtb(vm, c, bl, dtb, (size_t)dtb_max, err, errlen);
	if (r)
		goto out;
	if ((r = vm_load_segs(vm, c, bl, err, errlen)))
		goto out;
	if (rlen) {
		if ((r = loader_copy(&vm->gm, c->initramfs, 0, bl->initrd_ipa, rlen, err, errlen)))
			goto out;
		cache_clean_poc(guest_ptr(&vm->gm, bl->initrd_ipa, rlen), rlen);
	}
	dst = guest_ptr(&vm->gm, bl->dtb_ipa, fdt_totalsize(dtb));
	if (!dst) {
		snprintf(err, errlen, "vm %u: device tree at 0x%llx is outside mapped RAM", vm->id,
			 (unsigned long long)bl->dtb_ipa);
		r = -EFAULT;
		goto out;
	}
	memcpy(dst, dtb, fdt_totalsize(dtb));
	cache_clean_poc(dst, fdt_totalsize(dtb));
out:
	free(dtb);
	return r;
}

int vm_boot(struct vm *vm, char *err, size_t errlen)
{
	struct boot_layout bl;
	int r;

	if (vm->state == VM_RUNNING) {
		snprintf(err, errlen, "vm %u is already running", vm->id);
		return -EBUSY;
	}
	if (vm->adopted) {
		snprintf(err, errlen,
			 "vm %u was created by an earlier keeld and its config is unknown: remove it and config it again",
			 vm->id);
		return -EOPNOTSUPP;
	}
	/* A VM that ran before starts from a fresh hypervisor VM: clean memory,
	 * vCPUs at reset, no stale MMIO registrations. */
	if (vm->state == VM_STOPPED || !vm->in_hyp) {
		vm_hyp_destroy(vm);
		if ((r = vm_hyp_create(vm, err, errlen)))
			return r;
	}
	/* Devices first: a missing or busy disk backing is the likeliest
	 * failure and the cheapest to report. */
	if ((r = vdev_registry_attach(&vm->vdevs, true, err, errlen)))
		return r;
	if ((r = vm_map(vm, err, errlen)) || (r = vm_load(vm, &bl, err, errlen))) {
		vdev_registry_detach(&vm->vdevs);
		return r;
	}
	if (!vm->console_added) {
		r = dev_console_add(vm->kd->dev, vm->id);
		if (r && r != -EEXIST) {
			snprintf(err, errlen, "vm %u: KEEL_IOC_CONSOLE_ADD: %s", vm->id, strerror(-r));
			return r;
		}
		vm->console_added = true;
	}
	/* Saved, as running, before its vCPUs run: a keeld that dies from
	 * here on leaves the next one the devices (and cookies) this boot
	 * registered, and a VM it finds not started yet is booted again. */
	{
		enum vm_state was = vm->state;

		vm->state = VM_RUNNING;
		vm_persist(vm);
		vm->state = was;
	}
	/* x0 = the DT for every image type (booting.rst for Linux; bare-metal
	 * programs find their devices the same way). */
	r = dev_vm_start(vm->kd->dev, vm->id, bl.entry, bl.dtb_ipa);
	if (r) {
		snprintf(err, errlen, "vm %u: KEEL_IOC_VM_START: %s", vm->id, strerror(-r));
		vdev_registry_detach(&vm->vdevs);
		return r;
	}
	vm->state = VM_RUNNING;
	vm->stop_reason = KEEL_STOP_NONE;
	vm->boots++;
	vm->run_start_ms = uv_now(vm->kd->loop);
	vm_persist(vm);
	klog("vm %u (%s) started: kernel 0x%llx..0x%llx, entry 0x%llx, initramfs 0x%llx..0x%llx, device tree 0x%llx",
	     vm->id, vm->cfg.name, (unsigned long long)bl.kernel_ipa,
	     (unsigned long long)bl.kernel_end, (unsigned long long)bl.entry,
	     (unsigned long long)bl.initrd_ipa, (unsigned long long)bl.initrd_end,
	     (unsigned long long)bl.dtb_ipa);
	return 0;
}

