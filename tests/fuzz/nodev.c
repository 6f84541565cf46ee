// SPDX-License-Identifier: GPL-2.0
/*
 * A test double for /dev/keel (dev.h), for fuzzing keeld's socket on the
 * build host: there is no hypervisor here, and keel.ko does not load on an
 * amd64 host. It answers SYSINFO with a fixed 4-pCPU GICv3 machine (so
 * configs are checked against pCPUs as on the board) and refuses every
 * other ioctl with -ENODEV, as keel.ko does when the hypervisor is gone.
 * Every command therefore runs keeld's real argument checks, config
 * parsing and error paths, and no VM is ever created.
 */
#include <errno.h>
#include <string.h>

#include <keel/hypercall.h>

#include "dev.h"

int dev_open(const char *path, struct dev **out, struct keel_ioc_version *ver, char *err,
	     size_t errlen)
{
	return -ENODEV;
}

void dev_close(struct dev *d)
{
}

int dev_watch(struct dev *d, uv_loop_t *loop, dev_event_fn fn, dev_batch_fn batch, void *opaque)
{
	return -ENODEV;
}

int dev_sysinfo(struct dev *d, struct keel_sysinfo *si)
{
	memset(si, 0, sizeof(*si));
	si->nr_pcpus = 4;
	si->gic_version = KEEL_GIC_V3;
	si->gicd_base = 0x08000000;
	si->gicr_base = 0x080a0000;
	si->max_vms = KEEL_MAX_VMS;
	return 0;
}

/* No hypervisor: keeld checks placement against the default pool alone. */
int dev_stat(struct dev *d, struct keel_stat *st)
{
	(void)d;
	(void)st;
	return -ENODEV;
}

int dev_vm_create(struct dev *d, struct keel_vm_desc *desc) { return -ENODEV; }
int dev_vm_start(struct dev *d, unsigned id, uint64_t entry, uint64_t x0) { return -ENODEV; }
int dev_vm_stop(struct dev *d, unsigned id) { return -ENODEV; }
int dev_vm_destroy(struct dev *d, unsigned id) { return -ENODEV; }
int dev_vm_info(struct dev *d, unsigned id, struct keel_vm_info *info) { return -ENODEV; }

int dev_mmio_register(struct dev *d, unsigned id, uint64_t base, uint64_t size, unsigned flags,
		      uint32_t cookie)
{
	return -ENODEV;
}

int dev_irq_line(struct dev *d, unsigned id, unsigned intid, unsigned level) { return -ENODEV; }
int dev_ioreq_get(struct dev *d, unsigned id, unsigned vcpu, bool reclaim, struct keel_ioreq *rq) { return -ENODEV; }
int dev_ioreq_complete(struct dev *d, unsigned id, unsigned vcpu, uint64_t data) { return -ENODEV; }

int dev_vm_map(struct dev *d, unsigned id, unsigned region, uint64_t *ipa, uint64_t *size,
	       void **host)
{
	return -ENODEV;
}

int dev_shadow_register(struct dev *d, struct keel_ioc_shadow *s, struct keel_shadow_page **page)
{
	return -ENODEV;
}

int dev_shadow_map(struct dev *d, unsigned id, unsigned slot, struct keel_shadow_page **page)
{
	return -ENODEV;
}
void dev_shadow_unmap(struct keel_shadow_page *page) {}

int dev_pt_assign(struct dev *d, struct keel_pt_desc *desc)
{
	return -ENODEV;
}

int dev_chan_attach(struct dev *d, struct keel_ioc_chan *ic) { return -ENODEV; }
int dev_chan_detach(struct dev *d, unsigned chan_id) { return -ENODEV; }
int dev_console_add(struct dev *d, unsigned id) { return -ENODEV; }
int dev_console_remove(struct dev *d, unsigned id) { return -ENODEV; }
int dev_console_write(struct dev *d, unsigned id, const void *buf, size_t len) { return -ENODEV; }
int dev_console_read(struct dev *d, unsigned id, void *buf, size_t len) { return -ENODEV; }
