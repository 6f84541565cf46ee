/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parts of the kernel's hvc framework keel.ko uses, declared to match
 * drivers/tty/hvc/hvc_console.h of Linux 6.1 exactly: Debian's headers
 * package does not ship that private header, while vmlinux exports
 * hvc_instantiate, hvc_alloc, hvc_remove and hvc_kick (CONFIG_HVC_DRIVER=y).
 *
 * struct hvc_struct stays opaque: keel.ko never looks inside it. struct
 * hv_ops must be field for field the 6.1 layout (later kernels changed the
 * put_chars/get_chars count types; check this on a kernel upgrade).
 */
#ifndef KEEL_HVC_ABI_H
#define KEEL_HVC_ABI_H

#include <linux/types.h>

/* Console slots hvc_instantiate() accepts (MAX_NR_HVC_CONSOLES). */
#define KEEL_HVC_MAX_CONSOLES 16
/* tty lines the hvc driver registers, /dev/hvc0..7 (HVC_ALLOC_TTY_ADAPTERS). */
#define KEEL_HVC_TTY_LINES 8

struct hvc_struct;

struct hv_ops {
	int (*get_chars)(uint32_t vtermno, char *buf, int count);
	int (*put_chars)(uint32_t vtermno, const char *buf, int count);
	int (*flush)(uint32_t vtermno, bool wait);

	/* Callbacks for notification. Called in open, close and hangup */
	int (*notifier_add)(struct hvc_struct *hp, int irq);
	void (*notifier_del)(struct hvc_struct *hp, int irq);
	void (*notifier_hangup)(struct hvc_struct *hp, int irq);

	/* tiocmget/set implementation */
	int (*tiocmget)(struct hvc_struct *hp);
	int (*tiocmset)(struct hvc_struct *hp, unsigned int set, unsigned int clear);

	/* Callbacks to handle tty ports */
	void (*dtr_rts)(struct hvc_struct *hp, int raise);
};

int hvc_instantiate(uint32_t vtermno, int index, const struct hv_ops *ops);
struct hvc_struct *hvc_alloc(uint32_t vtermno, int data, const struct hv_ops *ops,
			     int outbuf_size);
int hvc_remove(struct hvc_struct *hp);
void hvc_kick(void);

#endif
