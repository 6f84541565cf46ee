/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/keel: the ioctls of proto/keel/ioctl.h, each returning 0 or -errno. */
#ifndef KEELD_DEV_H
#define KEELD_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <keel/ioctl.h>

#define KEEL_DEV_PATH "/dev/keel"

struct dev;
typedef void (*dev_event_fn)(void *opaque, const struct keel_event *ev);
/* Called after each batch of events: a place to flush buffered work. */
typedef void (*dev_batch_fn)(void *opaque);

/* Open and check that keel.ko and the hypervisor speak our revisions. On
 * error err says why. */
int dev_open(const char *path, struct dev **out, struct keel_ioc_version *ver, char *err,
	     size_t errlen);
void dev_close(struct dev *d);
/* Watch for events with uv_poll on the loop. */
int dev_watch(struct dev *d, uv_loop_t *loop, dev_event_fn fn, dev_batch_fn batch, void *opaque);

int dev_sysinfo(struct dev *d, struct keel_sysinfo *si);
/* KEEL_IOC_STAT: CPU pools and accounting (keel/stat.h). */
int dev_stat(struct dev *d, struct keel_stat *st);
int dev_vm_create(struct dev *d, struct keel_vm_desc *desc);
int dev_vm_start(struct dev *d, unsigned id, uint64_t entry, uint64_t x0);
int dev_vm_stop(struct dev *d, unsigned id);
int dev_vm_destroy(struct dev *d, unsigned id);
int dev_vm_info(struct dev *d, unsigned id, struct keel_vm_info *info);
/* flags: KEEL_MMIO_IOREQ (cookie 0) or KEEL_MMIO_DOORBELL (cookie comes back
 * in KEEL_EV_DOORBELL's vcpu field). */
int dev_mmio_register(struct dev *d, unsigned id, uint64_t base, uint64_t size, unsigned flags,
		      uint32_t cookie);
int dev_irq_line(struct dev *d, unsigned id, unsigned intid, unsigned level);
/* reclaim: also a slot a dead keeld took and never completed (keeld holds
 * none itself between its events: GET and COMPLETE are one step). */
int dev_ioreq_get(struct dev *d, unsigned id, unsigned vcpu, bool reclaim, struct keel_ioreq *rq);
int dev_ioreq_complete(struct dev *d, unsigned id, unsigned vcpu, uint64_t data);
/* KEEL_IOC_VM_MAP + mmap: *host is the region's bytes in this process. */
int dev_vm_map(struct dev *d, unsigned id, unsigned region, uint64_t *ipa, uint64_t *size,
	       void **host);
/* KEEL_IOC_SHADOW_REGISTER (s->id, window, registers) + mmap of its page. */
int dev_shadow_register(struct dev *d, struct keel_ioc_shadow *s, struct keel_shadow_page **page);
/* KEEL_IOC_PT_ASSIGN: a device of the machine for a CREATED guest. */
int dev_pt_assign(struct dev *d, struct keel_pt_desc *desc);
/* The slot-th shadow page registered for VM id (by this keeld or an
 * earlier one), mapped here; -EINVAL when there is none. */
int dev_shadow_map(struct dev *d, unsigned id, unsigned slot, struct keel_shadow_page **page);
void dev_shadow_unmap(struct keel_shadow_page *page);
/* KEEL_IOC_CHAN_ATTACH: fills ic->chan_id and ic->end. */
int dev_chan_attach(struct dev *d, struct keel_ioc_chan *ic);
int dev_chan_detach(struct dev *d, unsigned chan_id);
int dev_console_add(struct dev *d, unsigned id);
int dev_console_remove(struct dev *d, unsigned id);
/* Returns bytes moved or -errno. */
int dev_console_write(struct dev *d, unsigned id, const void *buf, size_t len);
int dev_console_read(struct dev *d, unsigned id, void *buf, size_t len);

#endif
