/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keeld's device layer: one struct vdev per guest device (the PL011, the
 * PL061, each disk, ...) behind a small ops table, and one registry per VM
 * that owns them and maps MMIO windows and doorbell cookies to them, so the
 * VM's lifecycle (vm/) dispatches through it and names no device.
 *
 * Life of a device, driven by the registry:
 *   create  (vm config accepted)  the type reads its part of the parsed config
 *   attach  (each boot)           open backings, start the model, claim its
 *                                 windows, doorbells and interrupt
 *   detach  (the guest stopped)   quiesce: nothing touches guest RAM or the
 *                                 backing afterwards; windows and doorbells go
 *   destroy (vm removed)
 * Devices are attached in creation order and detached in reverse; the
 * guest's device tree lists them in creation order too (the order Linux
 * probes them in: vda before vdb).
 *
 * Everything runs on keeld's loop thread except vdev_irq (any thread).
 */
#ifndef KEELD_VDEV_H
#define KEELD_VDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include <keel/ioctl.h>

#include "config/config.h"
#include "guest/loader.h"
#include "vdev/mmio.h"

#define VDEV_MAX 20            /* devices per VM: the UART, the GPIO, CFG_MAX_DISKS disks, CFG_MAX_NICS NICs, the consoles, the display, room */
#define VDEV_MAX_DOORBELLS 32
#define VDEV_NAME_MAX 24

struct vdev;
struct vdev_registry;

/* Signals from the VM's owner (keeld's events and commands), delivered to
 * every attached device that has a signal hook; the rest ignore them. */
enum vdev_signal {
	VDEV_SIG_POWER_BUTTON, /* level: pressed */
	VDEV_SIG_CONSOLE_INPUT, /* /dev/hvc<id> has bytes for the guest */
};

struct vdev_ops {
	/* Open backings, initialise the model, and claim windows, doorbells
	 * (vdev_window, vdev_doorbell). On error err names the device and the
	 * reason; the registry then calls detach (which must cope with a
	 * half-done attach) and unwinds the devices attached before it. */
	int (*attach)(struct vdev *d, char *err, size_t errlen);
	/* Stop using guest RAM and the backing; return when nothing does. */
	void (*detach)(struct vdev *d);
	/* Write the device's node(s) into a guest DT under construction
	 * (guest/guest_fdt.h). Config only: may run before attach. */
	int (*dt_node)(struct vdev *d, void *fdt);
	/* A doorbell this device registered rang: tag is the device's own
	 * (vdev_doorbell), value what the guest wrote (unchecked). */
	void (*kick)(struct vdev *d, uint32_t tag, uint32_t value);
	/* Every queue, as if kicked (lost events). NULL: no queues. */
	void (*kick_all)(struct vdev *d);
	void (*signal)(struct vdev *d, enum vdev_signal s, bool level); /* may be NULL */
	/* The guest's main console: its DT path for /chosen's stdout-path,
	 * true. false (or NULL): not it. */
	bool (*stdout_path)(const struct vdev *d, char *buf, size_t len);
	/* Config and, while attached, counters, for `keel vm info --json`. A
	 * new reference; NULL: nothing to report. */
	json_t *(*json)(const struct vdev *d);
	/* Device state for a later daemon restart; -EOPNOTSUPP: not yet. */
	int (*save)(struct vdev *d, json_t **state);
	int (*restore)(struct vdev *d, const json_t *state);
	void (*destroy)(struct vdev *d);
};

/* A kind of device and how a VM's config asks for them. */
struct vdev_type {
	const char *name;       /* "pl011", "virtio-blk" */
	/* Key of the array `keel vm info --json` lists these devices' json
	 * in ("disks"); NULL: not listed. */
	const char *json_key;
	/* How many of these the config asks for. */
	unsigned (*count)(const struct vm_config *cfg);
	/* Instance i (< count) from its part of cfg: no I/O yet. */
	int (*create)(struct vdev_registry *r, const struct vm_config *cfg, unsigned i,
		      struct vdev **out, char *err, size_t errlen);
};

/* What devices reach the hypervisor and the console through (keel.ko's
 * ioctls in keeld; a recording double in unit tests). */
struct vdev_host_ops {
	/* KEEL_IOC_MMIO_REGISTER (flags KEEL_MMIO_*) */
	int (*mmio_register)(void *opaque, uint64_t base, uint64_t size, unsigned flags,
			     uint32_t cookie);
	/* KEEL_IOC_IRQ_LINE: intid, KEEL_IRQ_* level. Any thread. */
	int (*irq_line)(void *opaque, unsigned intid, unsigned level);
	/* KEEL_IOC_SHADOW_REGISTER of s (all but s->id filled) and its page
	 * mapped here; released when the attach ends. NULL: not offered (the
	 * registry then keeps the words itself). */
	int (*shadow_register)(void *opaque, struct keel_ioc_shadow *s,
			       struct keel_shadow_page **page);
	void (*shadow_release)(void *opaque, struct keel_shadow_page *page);
	/* The page an earlier keeld registered as this VM's slot-th shadow
	 * window (they are numbered in registration order); NULL: none kept. */
	int (*shadow_map)(void *opaque, unsigned slot, struct keel_shadow_page **page);
	/* Bytes the guest printed (any of its consoles); bytes typed for it
	 * (-EAGAIN: none). */
	void (*console_write)(void *opaque, const void *buf, size_t len);
	int (*console_read)(void *opaque, void *buf, size_t len);
	/* Attach the VM's end of channel ch (and VM0's, when it is the peer)
	 * in the hypervisor: KEEL_IOC_CHAN_ATTACH. Out: the hypervisor's id
	 * and this end. err names the config field. NULL: no channels. */
	int (*chan_attach)(void *opaque, const struct cfg_chan *ch, uint32_t *chan_id,
			   uint32_t *end, char *err, size_t errlen);
	/* The VM is removed: VM0's end of channel chan_id goes too
	 * (KEEL_IOC_CHAN_DETACH; kept, and logged, while it is open). */
	void (*chan_detach_vm0)(void *opaque, uint32_t chan_id);
};

struct vdev_host {
	const struct vdev_host_ops *ops;
	void *opaque;
	unsigned vm_id;
	const char *label;                  /* the config's name, for messages */
	uv_loop_t *loop;                    /* NULL: devices work synchronously */
	const struct guest_mem *gm;
	/* VDEV_MAX pages that outlive keeld (a file under /run/keel/): page i
	 * for device i's restart state (vdev_live). NULL: none. */
	void *live;
};

struct vdev {
	const struct vdev_ops *ops;
	const struct vdev_type *type;
	struct vdev_registry *reg;
	char name[VDEV_NAME_MAX];           /* "disk 0", for messages */
	bool attached;
};

struct vdev_doorbell {
	struct vdev *dev;
	uint32_t tag;
};

/* A window's shadow registers (vdev/shadow.c). */
struct vdev_shadow {
	struct keel_shadow_page *page;  /* shared with the hypervisor, or our own */
	bool shared;                    /* page came from shadow_register */
	unsigned window;                /* its slot in mmio.r[] */
	uint32_t tail;                  /* our posted_tail: the page's is a report */
};

struct vdev_registry {
	struct vdev_host host;
	const struct vdev_type *const *types;
	unsigned nr_types;
	unsigned n;
	struct vdev *dev[VDEV_MAX];         /* creation order */
	bool attached;
	bool hyp;                           /* this attach registers with the hypervisor */
	struct mmio_table mmio;
	struct vdev *window_dev[MMIO_MAX_RANGES]; /* owner of mmio.r[i] */
	unsigned nr_bells;
	struct vdev_doorbell bell[VDEV_MAX_DOORBELLS];
	unsigned nr_shadows;
	struct vdev_shadow shadow[KEEL_SHADOW_MAX_WINDOWS];
	uint32_t generation;                /* of the cookies this attach hands out */
	bool resuming;                      /* this attach takes over an earlier keeld's */
	bool applying_posted;               /* the write handler runs for a posted store */
	bool dirty;                         /* a device's saved state changed (vdev_changed) */
	bool unknown_logged, bad_doorbell_logged, bad_posted_logged;
};

/* Create every device the config asks for, type by type in the order of
 * types (which must outlive r). On error nothing is left. */
int vdev_registry_create(struct vdev_registry *r, const struct vdev_host *host,
			 const struct vm_config *cfg, const struct vdev_type *const *types,
			 unsigned nr_types, char *err, size_t errlen);
/* Detach (if attached) and destroy every device. Harmless on a zeroed registry. */
void vdev_registry_destroy(struct vdev_registry *r);
/* Attach every device; hyp: register windows and doorbells with the
 * hypervisor (off for a VM an earlier keeld registered). All or nothing. */
int vdev_registry_attach(struct vdev_registry *r, bool hyp, char *err, size_t errlen);
void vdev_registry_detach(struct vdev_registry *r);
/* A guest access at addr: -ENOENT when no window holds it all (a read then
 * gives 0; logged once per attach), -EINVAL for a bad size. */
int vdev_registry_access(struct vdev_registry *r, uint64_t addr, unsigned size, bool write,
			 uint64_t *data);
/* KEEL_EV_DOORBELL: -ENOENT (logged once per attach) for a cookie this
 * attach did not hand out. */
int vdev_registry_kick(struct vdev_registry *r, uint32_t cookie, uint32_t value);
/* KEEL_EV_POSTED: apply the posted stores of the window with that cookie
 * (-ENOENT, logged once per attach, for a cookie this attach did not hand
 * out). Posted stores are also applied before any ioreq is served and on a
 * rescan, so they keep their order against the guest's other accesses. */
int vdev_registry_posted(struct vdev_registry *r, uint32_t cookie);
/* Every device that has queues, as if kicked. */
void vdev_registry_kick_all(struct vdev_registry *r);
void vdev_registry_signal(struct vdev_registry *r, enum vdev_signal s, bool level);
/* Each device's DT node, in creation order. */
int vdev_registry_dt(struct vdev_registry *r, void *fdt);
/* The console device's DT path into buf; false: none. */
bool vdev_registry_stdout(const struct vdev_registry *r, char *buf, size_t len);
/* Sets o[type->json_key] to the array of its devices' json, for every type
 * that has a key (an empty array when the config has none). */
void vdev_registry_json(const struct vdev_registry *r, json_t *o);
/* Take over the devices of a guest an earlier keeld served, from what
 * vdev_registry_save gave it: attach every device without registering with
 * the hypervisor (its windows, doorbells and shadow pages are still there,
 * under the saved generation's cookies), then restore each device's state.
 * The caller then rescans (ioreqs, vdev_registry_kick_all). All or nothing. */
int vdev_registry_resume(struct vdev_registry *r, const json_t *saved, char *err, size_t errlen);
/* {"generation", "devices": [{"type", "name", "state"}...]}, or the first
 * device's error. Clears dirty. */
int vdev_registry_save(struct vdev_registry *r, json_t **out, char *err, size_t errlen);
/* The device that owns the window at addr, or NULL. */
struct vdev *vdev_registry_find(const struct vdev_registry *r, uint64_t addr);

/* ---- inside vdev/ ---- */

/* Cookies (doorbells, shadow windows) are a slot and the attach generation,
 * so one handed out by an earlier boot never reaches a device of this one. */
#define VDEV_COOKIE_SLOT_BITS 8
#define VDEV_COOKIE_GEN_MASK (~0U >> VDEV_COOKIE_SLOT_BITS)
_Static_assert(VDEV_MAX_DOORBELLS <= 1U << VDEV_COOKIE_SLOT_BITS &&
	       KEEL_SHADOW_MAX_WINDOWS <= 1U << VDEV_COOKIE_SLOT_BITS,
	       "a slot must fit its cookie bits");

static inline uint32_t vdev_cookie(const struct vdev_registry *r, unsigned slot)
{
	return r->generation << VDEV_COOKIE_SLOT_BITS | slot;
}

/* The slot a cookie names, if this attach handed it out among n slots. */
static inline bool vdev_cookie_slot(const struct vdev_registry *r, uint32_t cookie, unsigned n,
				    unsigned *slot)
{
	*slot = cookie & ((1U << VDEV_COOKIE_SLOT_BITS) - 1);
	return *slot < n && cookie >> VDEV_COOKIE_SLOT_BITS == r->generation;
}

/* vdev/shadow.c: the shadow registers of window slot `window` (its ops
 * name them); release every page; apply every window's posted stores. */
int vdev_shadow_claim(struct vdev_registry *r, struct vdev *d, unsigned window, char *err,
		      size_t errlen);
void vdev_shadow_forget(struct vdev_registry *r);
void vdev_shadow_drain_all(struct vdev_registry *r);

/* ---- for device implementations ---- */

/* Fill the common part (after allocating the device). */
void vdev_init(struct vdev *d, struct vdev_registry *r, const struct vdev_type *type,
	       const struct vdev_ops *ops, const char *name);
/* During attach: serve [base, base+size) with ops on opaque. With the
 * hypervisor, the guest pages holding it become ioreq pages (a page shared
 * by two windows is registered once), and ops->shadow its shadow registers.
 * -EEXIST: overlaps another window. */
int vdev_window(struct vdev *d, uint64_t base, uint64_t size, const struct mmio_ops *ops,
		void *opaque, char *err, size_t errlen);
/* During attach: a posted doorbell at [addr, addr+size) whose rings come
 * back as ops->kick(d, tag, value). */
int vdev_doorbell(struct vdev *d, uint64_t addr, unsigned size, uint32_t tag, char *err,
		  size_t errlen);
/* Drive SPI spi (INTID 32 + spi) to a KEEL_IRQ_* level. Any thread. */
int vdev_irq(struct vdev *d, unsigned spi, unsigned level);
const struct vdev_host *vdev_host(const struct vdev *d);
/* The device's page of restart state (struct virtio_live, ...), or NULL;
 * and whether this attach resumes (the page then holds the dead keeld's). */
void *vdev_live(const struct vdev *d);
bool vdev_resuming(const struct vdev *d);
/* In a write handler: the store was posted (or latched) through the
 * hypervisor's shadow ring, not an ioreq the guest waits on. */
bool vdev_posted(const struct vdev *d);
/* What save would return has changed: the VM writes it out before it
 * answers the guest's access. Loop thread. */
void vdev_changed(struct vdev *d);
#define VDEV_LIVE_PAGE 4096

#endif
