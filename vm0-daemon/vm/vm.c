// SPDX-License-Identifier: GPL-2.0
/*
 * Guest lifecycle and the hypervisor's events about guests.
 *
 * States as keeld sees them: CREATED (VM_CREATE done, never started),
 * RUNNING, STOPPED. A stopped VM is booted again from a fresh hypervisor VM
 * (VM_DESTROY + VM_CREATE with the same id): its memory and vCPUs start
 * clean, and the images and device tree are loaded again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfdt.h>

#include <keel/guest.h>

#include "dev.h"
#include "guest/guest_fdt.h"
#include "log.h"
#include "server.h"
#include "vm/vm.h"

static const char *const stop_names[] = { "none", "poweroff", "reset", "crash", "request" };

static const char *stop_name(unsigned r)
{
	return r < sizeof(stop_names) / sizeof(stop_names[0]) ? stop_names[r] : "unknown";
}

const char *vm_state_name(enum vm_state s)
{
	switch (s) {
	case VM_CREATED: return "created";
	case VM_RUNNING: return "running";
	case VM_STOPPED: return "stopped";
	}
	return "unknown";
}

struct vm *vm_get(struct keeld *kd, unsigned id)
{
	return id > 0 && id < KEEL_MAX_VMS ? kd->vms[id] : NULL;
}

static unsigned max_vms(const struct keeld *kd)
{
	return kd->si.max_vms && kd->si.max_vms < KEEL_MAX_VMS ? kd->si.max_vms : KEEL_MAX_VMS;
}

int vm_pick_id(struct keeld *kd)
{
	for (unsigned id = 1; id < max_vms(kd); id++)
		if (!kd->vms[id])
			return (int)id;
	return -ENOSPC;
}

/* ---- device glue: models call these through their opaque pointer ---- */

static void uart_irq(void *opaque, bool level)
{
	struct vm *vm = opaque;
	int r = dev_irq_line(vm->kd->dev, vm->id, 32 + vm->cfg.uart_spi,
			     level ? KEEL_IRQ_HIGH : KEEL_IRQ_LOW);

	if (r < 0)
		klog("vm %u: UART interrupt %s: %s", vm->id, level ? "high" : "low", strerror(-r));
}

static void uart_tx(void *opaque, uint8_t byte)
{
	struct vm *vm = opaque;

	console_put(&vm->con, vm->kd->dev, byte);
}

static void gpio_irq(void *opaque, bool level)
{
	struct vm *vm = opaque;
	int r = dev_irq_line(vm->kd->dev, vm->id, 32 + KEEL_GUEST_GPIO_SPI,
			     level ? KEEL_IRQ_HIGH : KEEL_IRQ_LOW);

	if (r < 0)
		klog("vm %u: GPIO interrupt %s: %s", vm->id, level ? "high" : "low", strerror(-r));
}

/* Bytes typed into /dev/hvc<id>, as many as the UART's FIFO takes; the rest
 * wait in keel.ko until the guest reads some (see vm_ioreq). */
static void vm_console_input(struct vm *vm)
{
	uint8_t buf[PL011_FIFO];
	size_t room = pl011_rx_room(&vm->uart);
	int n;

	vm->input_waiting = true;
	if (!room || vm->state != VM_RUNNING)
		return;
	n = dev_console_read(vm->kd->dev, vm->id, buf, room);
	if (n < 0) {
		if (n != -EAGAIN)
			klog("vm %u: console input: %s", vm->id, strerror(-n));
		vm->input_waiting = false;
		return;
	}
	pl011_receive(&vm->uart, buf, (size_t)n);
	/* A full read means more may wait; a short one drained keel.ko. */
	vm->input_waiting = (size_t)n == room;
}

/* The emulated devices every guest gets, fresh for each boot. */
static int vm_devices_setup(struct vm *vm, bool register_with_hyp, char *err, size_t errlen)
{
	struct {
		uint64_t base, size;
		const struct mmio_ops *ops;
		void *dev;
	} devs[] = {
		{ vm->cfg.uart_base, KEEL_GUEST_UART_SIZE, &pl011_mmio_ops, &vm->uart },
		{ KEEL_GUEST_GPIO_BASE, KEEL_GUEST_GPIO_SIZE, &pl061_mmio_ops, &vm->gpio },
	};
	int r;

	memset(&vm->mmio, 0, sizeof(vm->mmio));
	vm->unknown_logged = false;
	pl011_init(&vm->uart, uart_tx, uart_irq, vm);
	pl061_init(&vm->gpio, gpio_irq, vm);
	for (unsigned i = 0; i < 2; i++) {
		r = mmio_add(&vm->mmio, devs[i].base, devs[i].size, devs[i].ops, devs[i].dev);
		if (r) {
			snprintf(err, errlen, "vm %u: %s at 0x%llx: %s", vm->id, devs[i].ops->name,
				 (unsigned long long)devs[i].base, strerror(-r));
			return r;
		}
		if (!register_with_hyp)
			continue;
		r = dev_mmio_register(vm->kd->dev, vm->id, devs[i].base, devs[i].size,
				      KEEL_MMIO_IOREQ, 0);
		if (r && r != -EEXIST) {
			snprintf(err, errlen, "vm %u: KEEL_IOC_MMIO_REGISTER %s at 0x%llx: %s", vm->id,
				 devs[i].ops->name, (unsigned long long)devs[i].base, strerror(-r));
			return r;
		}
	}
	return vdisks_attach(vm, register_with_hyp, err, errlen);
}

/* ---- memory ---- */

static void vm_unmap(struct vm *vm)
{
	for (unsigned i = 0; i < vm->gm.n; i++)
		if (vm->gm.r[i].host)
			munmap(vm->gm.r[i].host, (size_t)vm->gm.r[i].size);
	memset(&vm->gm, 0, sizeof(vm->gm));
}

static int vm_map(struct vm *vm, char *err, size_t errlen)
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

/* ---- create / destroy in the hypervisor ---- */

static int vm_hyp_create(struct vm *vm, char *err, size_t errlen)
{
	struct keel_vm_desc desc = vm->desc;
	int r = dev_vm_create(vm->kd->dev, &desc);

	if (!r && desc.id != vm->id) {
		/* keeld picks ids; a hypervisor that picks another breaks the
		 * "same id after a restart" promise, so refuse it. */
		klog("vm %u: the hypervisor created it as id %u", vm->id, desc.id);
		dev_vm_destroy(vm->kd->dev, desc.id);
		r = -EPROTO;
	}
	if (r) {
		snprintf(err, errlen, "%s: the hypervisor could not create vm %u: %s%s", vm->cfg.label,
			 vm->id, strerror(-r),
			 r == -ENOMEM ? " (not enough free memory in the guest pool)" : "");
		return r;
	}
	vm->in_hyp = true;
	vm->state = VM_CREATED;
	vm->stop_reason = KEEL_STOP_NONE;
	return 0;
}

static int vm_hyp_destroy(struct vm *vm)
{
	int r;

	vdisks_close(vm);  /* before its RAM goes away under the workers */
	vm_unmap(vm);
	if (!vm->in_hyp)
		return 0;
	if (vm->state == VM_RUNNING)
		dev_vm_stop(vm->kd->dev, vm->id);
	r = dev_vm_destroy(vm->kd->dev, vm->id);
	if (r && r != -ENOENT) {
		klog("vm %u: KEEL_IOC_VM_DESTROY: %s", vm->id, strerror(-r));
		return r;
	}
	vm->in_hyp = false;
	vm->state = VM_STOPPED;
	return 0;
}

static void vm_handle_closed(uv_handle_t *h)
{
	struct vm *vm = h->data;

	if (--vm->open_handles == 0)
		free(vm);
}

static struct vm *vm_alloc(struct keeld *kd, unsigned id)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->id = id;
	vm->kd = kd;
	console_init(&vm->con, id);
	uv_timer_init(kd->loop, &vm->button_timer);
	uv_timer_init(kd->loop, &vm->grace_timer);
	vm->button_timer.data = vm;
	vm->grace_timer.data = vm;
	vm->open_handles = 2;
	return vm;
}

/* Freed once libuv has closed its timers. */
static void vm_free(struct vm *vm)
{
	vm->kd->vms[vm->id] = NULL;
	uv_close((uv_handle_t *)&vm->button_timer, vm_handle_closed);
	uv_close((uv_handle_t *)&vm->grace_timer, vm_handle_closed);
}

int vm_create(struct keeld *kd, unsigned id, const struct vm_config *cfg, char *err, size_t errlen)
{
	struct vm *vm;
	int r;

	if (id == 0 || id >= KEEL_MAX_VMS || kd->vms[id])
		return -EINVAL;
	vm = vm_alloc(kd, id);
	if (!vm) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vm->cfg = *cfg;
	/* A mediated index names a disk of this keeld's list: check it now,
	 * at `keel vm config`, rather than at the first boot. */
	r = config_resolve_disks(&vm->cfg, &kd->mediated, err, errlen);
	if (r) {
		vm_free(vm);
		return r;
	}
	vm->desc = (struct keel_vm_desc){
		.magic = KEEL_VM_DESC_MAGIC,
		.revision = KEEL_VM_DESC_REVISION,
		.id = id,
		.flags = cfg->identity_map ? KEEL_VM_F_IDENTITY : 0,
		.nr_vcpus = cfg->nr_vcpus,
		.nr_mem = cfg->nr_mem,
		.gicd_ipa = kd->si.gicd_base,
		.gicr_ipa = kd->si.gicr_base,
		.gicc_ipa = kd->si.gicc_base,
	};
	memcpy(vm->desc.vcpu_pcpu, cfg->pcpu, sizeof(vm->desc.vcpu_pcpu));
	memcpy(vm->desc.mem, cfg->mem, sizeof(vm->desc.mem));
	snprintf(vm->desc.name, sizeof(vm->desc.name), "%s", cfg->name);
	if ((cfg->gicd_ipa && cfg->gicd_ipa != kd->si.gicd_base) ||
	    (cfg->gicr_ipa && cfg->gicr_ipa != kd->si.gicr_base))
		klog("%s: the GIC placement in emulated_device_list differs from the host's; vm %u gets its GIC at GICD 0x%llx (its DT says so)",
		     cfg->label, id, (unsigned long long)kd->si.gicd_base);
	kd->vms[id] = vm;
	r = vm_hyp_create(vm, err, errlen);
	if (r) {
		vm_free(vm);
		return r;
	}
	if (cfg->notes[0])
		klog("%s", cfg->notes);
	klog("vm %u (%s) created from %s: %u vCPUs, %llu MiB", id, cfg->name,
	     cfg->source[0] ? cfg->source : "an inline config", cfg->nr_vcpus,
	     (unsigned long long)((cfg->mem[0].size + cfg->mem[1].size + cfg->mem[2].size +
				   cfg->mem[3].size) >> 20));
	return 0;
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

/* Build the DT (or load the config's and patch /chosen) into buf. */
static int vm_make_dtb(struct vm *vm, const struct vm_config *c, const struct boot_layout *bl,
		       uint8_t *buf, size_t len, char *err, size_t errlen)
{
	const struct keel_sysinfo *si = &vm->kd->si;
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
		.uart_base = vm->cfg.uart_base,
		.uart_spi = vm->cfg.uart_spi,
		.gpio_base = KEEL_GUEST_GPIO_BASE,
		.gpio_spi = KEEL_GUEST_GPIO_SPI,
	};
	memcpy(p.mem, c->mem, sizeof(p.mem));
	r = guest_fdt_host_timer_file(GUEST_FDT_HOST_DTB, p.timer_ppi);
	if (r) {
		snprintf(err, errlen, "vm %u: the host's timer interrupts (arm,armv8-timer in %s): %s",
			 vm->id, GUEST_FDT_HOST_DTB, strerror(-r));
		return r;
	}
	p.nr_virtio = vm->cfg.nr_disks;
	for (unsigned i = 0; i < vm->cfg.nr_disks; i++)
		p.virtio[i] = (struct guest_dt_virtio){ vm->cfg.disk[i].base, vm->cfg.disk[i].spi };
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
	/* Disks first: a missing or busy backing is the likeliest failure and
	 * the cheapest to report. */
	if ((r = vdisks_open(vm, err, errlen)))
		return r;
	if ((r = vm_map(vm, err, errlen)) || (r = vm_load(vm, &bl, err, errlen)) ||
	    (r = vm_devices_setup(vm, true, err, errlen))) {
		vdisks_close(vm);
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
	/* x0 = the DT for every image type (booting.rst for Linux; bare-metal
	 * programs find their devices the same way). */
	r = dev_vm_start(vm->kd->dev, vm->id, bl.entry, bl.dtb_ipa);
	if (r) {
		snprintf(err, errlen, "vm %u: KEEL_IOC_VM_START: %s", vm->id, strerror(-r));
		vdisks_close(vm);
		return r;
	}
	vm->state = VM_RUNNING;
	vm->stop_reason = KEEL_STOP_NONE;
	vm->boots++;
	klog("vm %u (%s) started: kernel 0x%llx..0x%llx, entry 0x%llx, initramfs 0x%llx..0x%llx, device tree 0x%llx",
	     vm->id, vm->cfg.name, (unsigned long long)bl.kernel_ipa,
	     (unsigned long long)bl.kernel_end, (unsigned long long)bl.entry,
	     (unsigned long long)bl.initrd_ipa, (unsigned long long)bl.initrd_end,
	     (unsigned long long)bl.dtb_ipa);
	return 0;
}

/* ---- stop, shutdown, reboot, remove ---- */

static json_t *vm_result(struct vm *vm, const char *state, bool forced)
{
	return json_pack("{s:i, s:s, s:b}", "id", (int)vm->id, "state", state, "forced", forced);
}

static void vm_answer(struct vm *vm, int rc, json_t *result, const char *err)
{
	struct req *req = vm->waiter;

	vm->waiter = NULL;
	if (req)
		server_finish(req, rc, result, err);
	else
		json_decref(result);
}

static int vm_restart(struct vm *vm, char *err, size_t errlen)
{
	klog("vm %u (%s): restarting", vm->id, vm->cfg.name);
	vm->state = VM_STOPPED;
	return vm_boot(vm, err, errlen);
}

/* The VM's vCPUs have stopped (the guest's PSCI call, a crash, or our
 * KEEL_IOC_VM_STOP): do what its config and any pending request say. */
static int vm_stopped(struct vm *vm, unsigned reason, char *err, size_t errlen)
{
	enum vm_pending pending = vm->pending;
	bool forced = vm->pending_forced;
	int r;

	if (vm->state != VM_RUNNING)
		return 0;
	vm->state = VM_STOPPED;
	vm->stop_reason = reason;
	vm->pending = VM_PEND_NONE;
	vm->pending_forced = false;
	uv_timer_stop(&vm->grace_timer);
	uv_timer_stop(&vm->button_timer);
	console_flush(&vm->con, vm->kd->dev);
	/* A stopped guest holds no backing: another may boot with it. */
	vdisks_close(vm);
	klog("vm %u (%s) stopped: %s", vm->id, vm->cfg.name, stop_name(reason));
	if (reason == KEEL_STOP_CRASH)
		klog("vm %u (%s) crashed; the hypervisor log has the details", vm->id, vm->cfg.name);

	if (vm->adopted) {
		vm_answer(vm, 0, vm_result(vm, "stopped", forced), NULL);
		return 0;
	}
	if (pending == VM_PEND_REBOOT ||
	    (pending == VM_PEND_NONE && reason == KEEL_STOP_RESET && vm->cfg.on_reboot == CFG_REBOOT_RESTART)) {
		r = vm_restart(vm, err, errlen);
		if (r) {
			klog("vm %u: restart failed: %s", vm->id, err);
			vm_answer(vm, r, NULL, err);
		} else {
			vm_answer(vm, 0, vm_result(vm, "running", forced), NULL);
		}
		return r;
	}
	if (reason == KEEL_STOP_POWEROFF && vm->cfg.on_poweroff == CFG_POWEROFF_REMOVE) {
		unsigned id = vm->id;

		vm_answer(vm, 0, vm_result(vm, "removed", forced), NULL);
		if (vm_remove(vm, err, errlen))
			klog("vm %u: on_poweroff remove: %s", id, err);
		else
			klog("vm %u removed (on_poweroff: remove)", id);
		return 0;
	}
	vm_answer(vm, 0, vm_result(vm, "stopped", forced), NULL);
	return 0;
}

static int vm_stop_now(struct vm *vm, char *err, size_t errlen)
{
	int r = dev_vm_stop(vm->kd->dev, vm->id);

	if (r) {
		snprintf(err, errlen, "vm %u: KEEL_IOC_VM_STOP: %s", vm->id, strerror(-r));
		return r;
	}
	return vm_stopped(vm, KEEL_STOP_REQUEST, err, errlen);
}

static void vm_button_release(uv_timer_t *t)
{
	struct vm *vm = t->data;

	pl061_set_input(&vm->gpio, GUEST_GPIO_POWER_LINE, false);
}

static void vm_grace_over(uv_timer_t *t)
{
	struct vm *vm = t->data;
	char err[CFG_ERR_MAX];

	klog("vm %u (%s) did not power off within %d s of the power button: stopping it", vm->id,
	     vm->cfg.name, VM_SHUTDOWN_GRACE_MS / 1000);
	vm->pending_forced = true;
	if (vm_stop_now(vm, err, sizeof(err)) && vm->state == VM_RUNNING) {
		klog("%s", err);
		vm->pending = VM_PEND_NONE;
		vm_answer(vm, -EIO, NULL, err);
	}
}

int vm_shutdown(struct vm *vm, bool reboot, bool force, struct req *req, char *err, size_t errlen)
{
	if (vm->state != VM_RUNNING) {
		snprintf(err, errlen, "vm %u is not running", vm->id);
		return -EINVAL;
	}
	if (force) {
		/* A request still waiting on the power button is answered by
		 * this stop; this one is answered by the caller at once. */
		vm->pending = reboot ? VM_PEND_REBOOT : VM_PEND_SHUTDOWN;
		vm->pending_forced = true;
		return vm_stop_now(vm, err, errlen);
	}
	if (vm->pending != VM_PEND_NONE) {
		snprintf(err, errlen, "vm %u is already %s", vm->id,
			 vm->pending == VM_PEND_REBOOT ? "rebooting" : "shutting down");
		return -EALREADY;
	}
	if (vm->adopted) {
		snprintf(err, errlen, "vm %u was created by an earlier keeld: use force", vm->id);
		return -EOPNOTSUPP;
	}
	/* Press the power button: line high now, low 100 ms later so the
	 * guest's gpio-keys (5 ms debounce) sees a press and a release. */
	vm->pending = reboot ? VM_PEND_REBOOT : VM_PEND_SHUTDOWN;
	vm->pending_forced = false;
	vm->waiter = req ? server_hold(req) : NULL;
	pl061_set_input(&vm->gpio, GUEST_GPIO_POWER_LINE, true);
	uv_timer_start(&vm->button_timer, vm_button_release, VM_BUTTON_PRESS_MS, 0);
	uv_timer_start(&vm->grace_timer, vm_grace_over, VM_SHUTDOWN_GRACE_MS, 0);
	klog("vm %u (%s): power button pressed (%s)", vm->id, vm->cfg.name,
	     reboot ? "reboot" : "shutdown");
	return req ? CMD_HELD : 0;
}

int vm_remove(struct vm *vm, char *err, size_t errlen)
{
	int r;

	if (vm->state == VM_RUNNING) {
		snprintf(err, errlen, "vm %u is running: shut it down first", vm->id);
		return -EBUSY;
	}
	r = vm_hyp_destroy(vm);
	if (r) {
		snprintf(err, errlen, "vm %u: KEEL_IOC_VM_DESTROY: %s", vm->id, strerror(-r));
		return r;
	}
	if (vm->console_added) {
		console_flush(&vm->con, vm->kd->dev);
		r = dev_console_remove(vm->kd->dev, vm->id);
		if (r && r != -ENOENT)
			klog("vm %u: KEEL_IOC_CONSOLE_REMOVE: %s", vm->id, strerror(-r));
	}
	vm_answer(vm, -ECANCELED, NULL, "the vm was removed");
	vm_free(vm);
	return 0;
}

int vm_refresh(struct vm *vm, struct keel_vm_info *out)
{
	struct keel_vm_info info;
	int r;

	if (!vm->in_hyp)
		return -ENOENT;
	r = dev_vm_info(vm->kd->dev, vm->id, &info);
	if (r)
		return r;
	if (info.state == KEEL_VM_STOPPED && vm->state == VM_RUNNING) {
		char err[CFG_ERR_MAX];

		vm_stopped(vm, info.stop_reason, err, sizeof(err));  /* an event we missed */
	}
	if (out)
		*out = info;
	return 0;
}

/* ---- events ---- */

static void vm_ioreq(struct keeld *kd, unsigned id, unsigned vcpu, bool rescan)
{
	struct keel_ioreq rq;
	struct vm *vm;
	uint64_t data;
	int r;

	r = dev_ioreq_get(kd->dev, id, vcpu, &rq);
	if (r) {
		/* On a rescan most slots are simply not READY. */
		if (!rescan)
			klog("vm %u vcpu %u: KEEL_IOC_IOREQ_GET: %s", id, vcpu, strerror(-r));
		return;
	}
	/* rq is our own copy; still, nothing in it is trusted. */
	vm = vm_get(kd, id);
	data = rq.data;
	if (rq.vm_id != id || rq.vcpu != vcpu || (rq.dir != KEEL_IOREQ_READ && rq.dir != KEEL_IOREQ_WRITE)) {
		klog("vm %u vcpu %u: malformed ioreq (vm %u vcpu %u dir %u): answering 0", id, vcpu,
		     rq.vm_id, rq.vcpu, rq.dir);
		data = 0;
	} else if (!vm) {
		data = 0;
	} else {
		r = mmio_access(&vm->mmio, rq.addr, rq.size, rq.dir == KEEL_IOREQ_WRITE, &data);
		if (r && !vm->unknown_logged) {
			vm->unknown_logged = true;
			klog("vm %u: %u-byte %s at 0x%llx: no device there (reads 0, writes ignored; logged once)",
			     id, rq.size, rq.dir == KEEL_IOREQ_WRITE ? "write" : "read",
			     (unsigned long long)rq.addr);
		}
		if (rq.dir == KEEL_IOREQ_WRITE)
			data = 0;
		/* The guest may just have made room in the UART's FIFO. */
		if (vm->input_waiting && pl011_rx_room(&vm->uart))
			vm_console_input(vm);
	}
	r = dev_ioreq_complete(kd->dev, id, vcpu, data);
	if (r)
		klog("vm %u vcpu %u: KEEL_IOC_IOREQ_COMPLETE: %s", id, vcpu, strerror(-r));
}

static void vm_rescan(struct keeld *kd)
{
	klog("event ring overflowed: rescanning every VM");
	for (unsigned id = 1; id < KEEL_MAX_VMS; id++) {
		struct vm *vm = kd->vms[id];

		if (!vm || vm->state != VM_RUNNING)
			continue;
		for (unsigned c = 0; c < vm->desc.nr_vcpus && c < KEEL_MAX_VCPUS; c++)
			vm_ioreq(kd, id, c, true);
		/* Lost events may have been doorbells. */
		vdisks_kick_all(vm);
		/* vm may be gone after this (on_poweroff: remove) */
		vm_refresh(vm, NULL);
		if (kd->vms[id] && kd->vms[id]->console_added)
			vm_console_input(kd->vms[id]);
	}
}

static void vm_event(struct keeld *kd, const struct keel_event *ev);

/* Everything logged while handling a guest's event is that guest's doing:
 * rate-limited per guest (log.h), wherever below it is logged. */
void vm_on_event(void *opaque, const struct keel_event *ev)
{
	klog_guest_enter(ev->type == KEEL_EV_RESCAN ? KLOG_ANY_GUEST : ev->vm_id);
	vm_event(opaque, ev);
	klog_guest_leave();
}

static void vm_event(struct keeld *kd, const struct keel_event *ev)
{
	struct vm *vm = vm_get(kd, ev->vm_id);
	struct keel_vm_info info;

	switch (ev->type) {
	case KEEL_EV_IOREQ:
		if (ev->vm_id >= KEEL_MAX_VMS || ev->vcpu >= KEEL_MAX_VCPUS) {
			klog("ioreq event for vm %u vcpu %u: out of range", ev->vm_id, ev->vcpu);
			return;
		}
		vm_ioreq(kd, ev->vm_id, ev->vcpu, false);
		return;
	case KEEL_EV_DOORBELL:
		/* A late doorbell from a guest that has stopped finds no disks. */
		if (vm && vm->state == VM_RUNNING)
			vdisks_kick(vm, ev->vcpu, ev->arg);
		return;
	case KEEL_EV_VM_STOPPED:
		if (!vm)
			return;
		/* Ask the hypervisor: a late event about a VM we have since
		 * restarted must not stop the new run. */
		if (dev_vm_info(kd->dev, vm->id, &info) == 0 && info.state != KEEL_VM_STOPPED)
			return;
		{
			char err[CFG_ERR_MAX];

			vm_stopped(vm, ev->arg, err, sizeof(err));
		}
		return;
	case KEEL_EV_CONSOLE_INPUT:
		if (vm)
			vm_console_input(vm);
		return;
	case KEEL_EV_RESCAN:
		vm_rescan(kd);
		return;
	default:
		klog("unknown event type %u (vm %u)", ev->type, ev->vm_id);
	}
}

void vm_after_events(void *opaque)
{
	struct keeld *kd = opaque;

	for (unsigned id = 1; id < KEEL_MAX_VMS; id++)
		if (kd->vms[id])
			console_flush(&kd->vms[id]->con, kd->dev);
}

void vm_adopt_existing(struct keeld *kd)
{
	char err[CFG_ERR_MAX];

	for (unsigned id = 1; id < max_vms(kd); id++) {
		struct keel_vm_info info;
		struct vm *vm;

		if (dev_vm_info(kd->dev, id, &info))
			continue;
		vm = vm_alloc(kd, id);
		if (!vm)
			return;
		vm->adopted = true;
		vm->in_hyp = true;
		vm->state = info.state == KEEL_VM_RUNNING ? VM_RUNNING :
			    info.state == KEEL_VM_STOPPED ? VM_STOPPED : VM_CREATED;
		vm->stop_reason = info.stop_reason;
		snprintf(vm->cfg.name, sizeof(vm->cfg.name), "%s", info.name);
		snprintf(vm->cfg.label, sizeof(vm->cfg.label), "vm %u", id);
		vm->cfg.nr_vcpus = info.nr_vcpus <= KEEL_MAX_VCPUS ? info.nr_vcpus : KEEL_MAX_VCPUS;
		vm->cfg.nr_mem = 1;
		vm->cfg.mem[0].size = info.mem_bytes;
		vm->cfg.uart_base = KEEL_GUEST_UART_BASE;
		vm->cfg.uart_spi = KEEL_GUEST_UART_SPI;
		vm->desc.nr_vcpus = vm->cfg.nr_vcpus;
		/* Its MMIO registrations live on in the hypervisor: serve its
		 * console and power button again, from reset state. */
		vm_devices_setup(vm, false, err, sizeof(err));
		vm->console_added = true;
		kd->vms[id] = vm;
		klog("vm %u (%s) was left %s by an earlier keeld: serving its console; remove it to config it again",
		     id, vm->cfg.name, vm_state_name(vm->state));
	}
}
