// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/keel wrappers. keel.ko passes the hypervisor's negative errno
 * values through, so every wrapper returns 0 (or a count) or -errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dev.h"
#include "log.h"

struct dev {
	int fd;
	uv_poll_t poll;
	bool watching;
	dev_event_fn fn;
	dev_batch_fn batch;
	void *opaque;
};

static int xioctl(struct dev *d, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(d->fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

int dev_open(const char *path, struct dev **out, struct keel_ioc_version *ver, char *err,
	     size_t errlen)
{
	struct dev *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	/* Non-blocking: events are read from the loop until EAGAIN. */
	d->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (d->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s%s", path, strerror(-r),
			 r == -ENOENT ? " (is keel.ko loaded?)" : "");
		free(d);
		return r;
	}
	memset(ver, 0, sizeof(*ver));
	r = xioctl(d, KEEL_IOC_VERSION, ver);
	if (r < 0) {
		snprintf(err, errlen, "%s: KEEL_IOC_VERSION: %s", path, strerror(-r));
	} else if (ver->ioc_revision != KEEL_IOC_REVISION || ver->abi_revision != KEEL_HC_ABI_REVISION) {
		snprintf(err, errlen,
			 "%s: keel.ko speaks ioctl revision %u and the hypervisor ABI revision %u; "
			 "this keeld needs %u and %u",
			 path, ver->ioc_revision, ver->abi_revision, KEEL_IOC_REVISION,
			 KEEL_HC_ABI_REVISION);
		r = -EPROTO;
	}
	if (r < 0) {
		close(d->fd);
		free(d);
		return r;
	}
	*out = d;
	return 0;
}

static void dev_poll_closed(uv_handle_t *h)
{
	struct dev *d = h->data;

	close(d->fd);
	free(d);
}

void dev_close(struct dev *d)
{
	if (!d)
		return;
	if (d->watching) {
		uv_poll_stop(&d->poll);
		uv_close((uv_handle_t *)&d->poll, dev_poll_closed);
		return;
	}
	close(d->fd);
	free(d);
}

static void dev_on_poll(uv_poll_t *h, int status, int events)
{
	struct dev *d = h->data;
	struct keel_event evs[32];
	ssize_t n;

	if (status < 0) {
		klog("/dev/keel poll: %s", uv_strerror(status));
		return;
	}
	/* Drain: the kernel queue may hold more than one batch. */
	for (;;) {
		n = read(d->fd, evs, sizeof(evs));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n / (ssize_t)sizeof(evs[0]); i++)
			d->fn(d->opaque, &evs[i]);
		if ((size_t)n < sizeof(evs))
			break;
	}
	if (n < 0 && errno != EAGAIN)
		klog("/dev/keel read: %s", strerror(errno));
	if (d->batch)
		d->batch(d->opaque);
}

int dev_watch(struct dev *d, uv_loop_t *loop, dev_event_fn fn, dev_batch_fn batch, void *opaque)
{
	int r = uv_poll_init(loop, &d->poll, d->fd);

	if (r)
		return r;
	d->poll.data = d;
	d->fn = fn;
	d->batch = batch;
	d->opaque = opaque;
	d->watching = true;
	return uv_poll_start(&d->poll, UV_READABLE, dev_on_poll);
}

int dev_sysinfo(struct dev *d, struct keel_sysinfo *si)
{
	int r;

	memset(si, 0, sizeof(*si));
	r = xioctl(d, KEEL_IOC_SYSINFO, si);
	if (r < 0)
		return r;
	if (si->magic != KEEL_SYSINFO_MAGIC || si->revision != KEEL_SYSINFO_REVISION)
		return -EPROTO;
	return 0;
}

int dev_stat(struct dev *d, struct keel_stat *st)
{
	int r = xioctl(d, KEEL_IOC_STAT, st);

	if (r < 0)
		return r;
	return st->magic == KEEL_STAT_MAGIC && st->revision == KEEL_STAT_REVISION ? 0 : -EPROTO;
}

int dev_vm_create(struct dev *d, struct keel_vm_desc *desc)
{
	int r = xioctl(d, KEEL_IOC_VM_CREATE, desc);

	return r < 0 ? r : 0;
}

int dev_vm_start(struct dev *d, unsigned id, uint64_t entry, uint64_t x0)
{
	struct keel_ioc_vm_start s = { .id = id, .entry = entry, .x0 = x0 };
	int r = xioctl(d, KEEL_IOC_VM_START, &s);

	return r < 0 ? r : 0;
}

int dev_vm_stop(struct dev *d, unsigned id)
{
	struct keel_ioc_vm_id v = { .id = id };
	int r = xioctl(d, KEEL_IOC_VM_STOP, &v);

	return r < 0 ? r : 0;
}

int dev_vm_destroy(struct dev *d, unsigned id)
{
	struct keel_ioc_vm_id v = { .id = id };
	int r = xioctl(d, KEEL_IOC_VM_DESTROY, &v);

	return r < 0 ? r : 0;
}

int dev_vm_info(struct dev *d, unsigned id, struct keel_vm_info *info)
{
	int r;

	memset(info, 0, sizeof(*info));
	info->id = id;
	r = xioctl(d, KEEL_IOC_VM_INFO, info);
	if (r < 0)
		return r;
	if (info->magic != KEEL_VM_INFO_MAGIC || info->id != id)
		return -EPROTO;
	info->name[KEEL_VM_NAME_LEN - 1] = 0;
	return 0;
}

int dev_mmio_register(struct dev *d, unsigned id, uint64_t base, uint64_t size, unsigned flags,
		      uint32_t cookie)
{
	struct keel_ioc_mmio m = {
		.id = id, .flags = flags, .base = base, .size = size, .cookie = cookie,
	};
	int r = xioctl(d, KEEL_IOC_MMIO_REGISTER, &m);

	return r < 0 ? r : 0;
}

int dev_irq_line(struct dev *d, unsigned id, unsigned intid, unsigned level)
{
	struct keel_ioc_irq irq = { .id = id, .intid = intid, .level = level };
	int r = xioctl(d, KEEL_IOC_IRQ_LINE, &irq);

	return r < 0 ? r : 0;
}

int dev_chan_attach(struct dev *d, struct keel_ioc_chan *ic)
{
	int r = xioctl(d, KEEL_IOC_CHAN_ATTACH, ic);

	return r < 0 ? r : 0;
}

int dev_chan_detach(struct dev *d, unsigned chan_id)
{
	struct keel_ioc_vm_id v = { .id = chan_id };
	int r = xioctl(d, KEEL_IOC_CHAN_DETACH, &v);

	return r < 0 ? r : 0;
}

int dev_ioreq_get(struct dev *d, unsigned id, unsigned vcpu, bool reclaim, struct keel_ioreq *rq)
{
	int r;

	memset(rq, 0, sizeof(*rq));
	rq->vm_id = id;
	rq->vcpu = vcpu;
	rq->state = reclaim ? KEEL_IOREQ_INPROCESS : 0;
	r = xioctl(d, KEEL_IOC_IOREQ_GET, rq);
	return r < 0 ? r : 0;
}

int dev_ioreq_complete(struct dev *d, unsigned id, unsigned vcpu, uint64_t data)
{
	struct keel_ioc_ioreq_done done = { .id = id, .vcpu = vcpu, .data = data };
	int r = xioctl(d, KEEL_IOC_IOREQ_COMPLETE, &done);

	return r < 0 ? r : 0;
}

int dev_vm_map(struct dev *d, unsigned id, unsigned region, uint64_t *ipa, uint64_t *size,
	       void **host)
{
	struct keel_ioc_map m = { .id = id, .region = region };
	void *p;
	int r = xioctl(d, KEEL_IOC_VM_MAP, &m);

	if (r < 0)
		return r;
	if (!m.size || m.size > SIZE_MAX)
		return -EPROTO;
	p = mmap(NULL, (size_t)m.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		 (off_t)m.mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	*ipa = m.ipa;
	*size = m.size;
	*host = p;
	return 0;
}

int dev_shadow_register(struct dev *d, struct keel_ioc_shadow *s, struct keel_shadow_page **page)
{
	void *p;
	int r = xioctl(d, KEEL_IOC_SHADOW_REGISTER, s);

	if (r < 0)
		return r;
	p = mmap(NULL, KEEL_SHADOW_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		 (off_t)s->mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	*page = p;
	return 0;
}

int dev_shadow_map(struct dev *d, unsigned id, unsigned slot, struct keel_shadow_page **page)
{
	void *p;

	if (id >= KEEL_MAX_VMS || slot >= KEEL_SHADOW_MAX_WINDOWS)
		return -EINVAL;
	p = mmap(NULL, KEEL_SHADOW_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		 (off_t)KEEL_MMAP_SHADOW_OFFSET(id, slot));
	if (p == MAP_FAILED)
		return -errno;
	*page = p;
	return 0;
}

void dev_shadow_unmap(struct keel_shadow_page *page)
{
	munmap(page, KEEL_SHADOW_PAGE_SIZE);
}

int dev_console_add(struct dev *d, unsigned id)
{
	struct keel_ioc_vm_id v = { .id = id };
	int r = xioctl(d, KEEL_IOC_CONSOLE_ADD, &v);

	return r < 0 ? r : 0;
}

int dev_console_remove(struct dev *d, unsigned id)
{
	struct keel_ioc_vm_id v = { .id = id };
	int r = xioctl(d, KEEL_IOC_CONSOLE_REMOVE, &v);

	return r < 0 ? r : 0;
}

static int dev_console_io(struct dev *d, unsigned long req, unsigned id, const void *buf,
			  size_t len)
{
	struct keel_ioc_console c = {
		.id = id,
		.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len,
		.buf = (uint64_t)(uintptr_t)buf,
	};
	int r = xioctl(d, req, &c);

	if (r < 0)
		return r;
	return c.len > len ? (int)len : (int)c.len;
}

int dev_console_write(struct dev *d, unsigned id, const void *buf, size_t len)
{
	return dev_console_io(d, KEEL_IOC_CONSOLE_WRITE, id, buf, len);
}

int dev_console_read(struct dev *d, unsigned id, void *buf, size_t len)
{
	return dev_console_io(d, KEEL_IOC_CONSOLE_READ, id, buf, len);
}

int dev_pt_assign(struct dev *d, struct keel_pt_desc *desc)
{
	return xioctl(d, KEEL_IOC_PT_ASSIGN, desc);
}
