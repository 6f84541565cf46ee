// SPDX-License-Identifier: GPL-2.0
/*
 * A guest's passthrough devices, from keeld's side: resolve dt_path
 * entries from the host's device tree, refuse a device another guest of
 * ours holds (naming it), make VM0's Linux let go of it, and ask the
 * hypervisor (KEEL_IOC_PT_ASSIGN), which takes it from VM0 and gives it to
 * the guest until the guest is destroyed.
 *
 * VM0's Linux lets go the way VFIO and Xen's pciback do: driver_override
 * names a driver that does not exist, so nothing binds the device again,
 * and its driver (if any) is unbound. Both undone when the VM is removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "dev.h"
#include "guest/guest_fdt.h"
#include "log.h"
#include "vm/priv.h"

#define PT_OVERRIDE "keel-passthrough"   /* no driver has this name */

static const char *const buses[] = { "platform", "amba" };

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Call fn for VM0's Linux devices at the device's first region: Linux
 * names a DT device "<unit address>.<node name>" ("9010000.pl031"). */
static int for_each_vm0_dev(const struct cfg_pt *pt,
			    int (*fn)(const char *bus, const char *dev, char *err, size_t errlen),
			    char *err, size_t errlen)
{
	char prefix[24];
	int r = 0;

	snprintf(prefix, sizeof(prefix), "%llx.", (unsigned long long)pt->region[0].base);
	for (unsigned b = 0; b < sizeof(buses) / sizeof(buses[0]) && !r; b++) {
		char dir[64];
		DIR *d;
		struct dirent *e;

		snprintf(dir, sizeof(dir), "/sys/bus/%s/devices", buses[b]);
		if (!(d = opendir(dir)))
			continue;
		while (!r && (e = readdir(d)))
			if (!strncmp(e->d_name, prefix, strlen(prefix)))
				r = fn(buses[b], e->d_name, err, errlen);
		closedir(d);
	}
	return r;
}

static int vm0_let_go(const char *bus, const char *dev, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	int r;

	snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/driver_override", bus, dev);
	if ((r = write_file(path, PT_OVERRIDE))) {
		snprintf(err, errlen, "VM0's %s device %s: driver_override: %s", bus, dev, strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/driver", bus, dev);
	if (stat(path, &st))
		return 0;  /* no driver bound */
	snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/driver/unbind", bus, dev);
	if ((r = write_file(path, dev)))
		snprintf(err, errlen, "VM0's driver would not let go of %s: %s", dev, strerror(-r));
	else
		klog("VM0's driver let go of %s (passed through)", dev);
	return r;
}

static int vm0_take_back(const char *bus, const char *dev, char *err, size_t errlen)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/driver_override", bus, dev);
	write_file(path, "\n");
	snprintf(path, sizeof(path), "/sys/bus/%s/drivers_probe", bus);
	write_file(path, dev);
	return 0;
}

static bool pt_conflict(const struct cfg_pt *a, const struct cfg_pt *b)
{
	for (unsigned i = 0; i < a->nr_regions; i++)
		for (unsigned j = 0; j < b->nr_regions; j++)
			if (a->region[i].base < b->region[j].base + b->region[j].size &&
			    b->region[j].base < a->region[i].base + a->region[i].size)
				return true;
	for (unsigned i = 0; i < a->nr_irqs; i++)
		for (unsigned j = 0; j < b->nr_irqs; j++)
			if (a->irq[i] == b->irq[j])
				return true;
	return false;
}

/* Another guest of this keeld that holds it in the hypervisor. */
static int check_owner(struct vm *vm, const struct cfg_pt *pt, char *err, size_t errlen)
{
	for (unsigned id = 1; id < KEEL_MAX_VMS; id++) {
		struct vm *o = vm->kd->vms[id];

		if (!o || o == vm || !o->in_hyp)
			continue;
		for (unsigned k = 0; k < o->cfg.nr_pt; k++)
			if (pt_conflict(&o->cfg.pt[k], pt)) {
				snprintf(err, errlen,
					 "%s: passthrough device '%s' (0x%llx) is in use by vm %u (%s) as '%s'",
					 vm->cfg.label, pt->name, (unsigned long long)pt->region[0].base,
					 id, o->cfg.name, o->cfg.pt[k].name);
				return -EBUSY;
			}
	}
	return 0;
}

static void hyp_refused(struct vm *vm, const struct cfg_pt *pt, int r, char *err, size_t errlen)
{
	const char *why =
		r == -EBUSY ? "it is in use (passed to another VM, or VM0 is in the middle of an interrupt of it)" :
		r == -EPERM ? "it does DMA and the guest is not identity-mapped" :
		r == -EINVAL ? "its regions must be device memory of this machine (page aligned, not RAM, the GIC or the hypervisor's UART, clear of the guest's own RAM and windows) and its interrupts SPIs of this machine not already passed" :
		r == -ENOSPC ? "too many passthrough devices" : strerror(-r);

	snprintf(err, errlen, "%s: the hypervisor refused passthrough device '%s' (0x%llx): %s",
		 vm->cfg.label, pt->name, (unsigned long long)pt->region[0].base, why);
}

/* The host's DT as VM0 booted with it (sysfs: read to the end). */
static int read_blob(const char *path, void **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20;
	char *buf;

	if (!f || !(buf = malloc(cap))) {
		int e = f ? ENOMEM : errno;

		if (f)
			fclose(f);
		snprintf(err, errlen, "%s: %s (passthrough dt_path needs it)", path, strerror(e));
		return -e;
	}
	*len = fread(buf, 1, cap, f);
	fclose(f);
	*out = buf;
	return 0;
}

static int resolve(struct vm *vm, char *err, size_t errlen)
{
	const struct keel_sysinfo *si = &vm->kd->si;
	struct config_env env = {
		.nr_pcpus = si->nr_pcpus, .gic_version = si->gic_version, .gicd = si->gicd_base,
		.gicr = si->gicr_base, .gicc = si->gicc_base, .nr_irqs = si->nr_irqs,
		.label = vm->cfg.label,
	};
	void *fdt = NULL;
	size_t len = 0;
	bool need = false;
	int r;

	for (unsigned i = 0; i < vm->cfg.nr_pt; i++)
		need |= (vm->cfg.pt[i].dt_path[0] && !vm->cfg.pt[i].nr_regions) ||
			!vm->cfg.pt[i].compat_len;
	if (!need)
		return 0;
	r = read_blob(GUEST_FDT_HOST_DTB, &fdt, &len, err, errlen);
	if (!r)
		r = config_resolve_passthrough(&vm->cfg, &env, fdt, len, err, errlen);
	free(fdt);
	return r;
}

int vm_pt_assign(struct vm *vm, char *err, size_t errlen)
{
	int r = resolve(vm, err, errlen);

	for (unsigned i = 0; i < vm->cfg.nr_pt && !r; i++) {
		const struct cfg_pt *pt = &vm->cfg.pt[i];
		struct keel_pt_desc d = {
			.magic = KEEL_PT_DESC_MAGIC,
			.revision = KEEL_PT_DESC_REVISION,
			.vm_id = vm->id,
			.flags = pt->dma ? KEEL_PT_F_DMA : 0,
			.nr_regions = pt->nr_regions,
			.nr_irqs = pt->nr_irqs,
		};

		if ((r = check_owner(vm, pt, err, errlen)) ||
		    (r = for_each_vm0_dev(pt, vm0_let_go, err, errlen)))
			break;
		vm->pt_let_go |= 1U << i;
		/* Whole pages: the guest DT keeps the device's own size. */
		for (unsigned k = 0; k < pt->nr_regions; k++)
			d.region[k] = (struct keel_pt_region){
				pt->region[k].base,
				(pt->region[k].size + KEEL_GUEST_PAGE_SIZE - 1) & ~(KEEL_GUEST_PAGE_SIZE - 1)
			};
		memcpy(d.irq, pt->irq, sizeof(d.irq));
		snprintf(d.name, sizeof(d.name), "%s", pt->name);
		if ((r = dev_pt_assign(vm->kd->dev, &d)))
			hyp_refused(vm, pt, r, err, errlen);
	}
	return r;
}

void vm_pt_release_vm0(struct vm *vm)
{
	char err[256];

	/* Only devices VM0 let go of for this VM, and that no other guest of
	 * ours holds: the hypervisor has given them back to VM0 by now. */
	for (unsigned i = 0; i < vm->cfg.nr_pt; i++)
		if ((vm->pt_let_go & (1U << i)) && !check_owner(vm, &vm->cfg.pt[i], err, sizeof(err)))
			for_each_vm0_dev(&vm->cfg.pt[i], vm0_take_back, err, sizeof(err));
	vm->pt_let_go = 0;
}

int vm_pt_dt(struct vm *vm, void *fdt)
{
	return guest_fdt_passthrough(fdt, &vm->cfg);
}
