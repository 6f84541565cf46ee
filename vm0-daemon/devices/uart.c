// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's PL011 console as a vdev: the PL011 model (pl011.c) at the
 * config's uart_base, its output into the VM's console and, when it is the
 * main console, its input from /dev/hvc<id>, as many bytes as its FIFO
 * takes; the rest wait in keel.ko until the guest reads some.
 *
 * The guest's printing never waits for keeld: DR stores are posted (the
 * hypervisor queues them and the guest goes on; they come back here as
 * writes) and FR reads are answered by the hypervisor from a shadow word we
 * keep equal to pl011_fr() after every change. CR stores are latched (the
 * hypervisor keeps the value for CR reads and posts the store to us).
 * Everything else (DR reads, interrupt registers) stays an ioreq; posted
 * stores are applied before it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/guest.h>
#include <keel/ioctl.h>

#include "devices/devices.h"
#include "devices/pl011.h"
#include "guest/guest_fdt.h"
#include "log.h"

struct uart {
	struct vdev vdev;
	uint64_t base;
	unsigned spi;
	bool main;            /* the guest's main console (config.h) */
	struct pl011 m;
	bool input_waiting;   /* keel.ko may hold bytes the FIFO had no room for */
	uint32_t *fr;         /* FR's shadow word (atomic) */
	uint32_t fr_own, cr_own; /* them until the window is claimed */
	uint32_t *cr;         /* CR's shadow word: the hypervisor latches 1- and 2-byte stores */
};

#define to_uart(d) ((struct uart *)(d))

#define UART_FR_WORD 0
#define UART_CR_WORD 1

/* FR as the guest sees it without asking us: current after every change of
 * the receive FIFO. */
static void uart_fr_sync(struct uart *u)
{
	/* Relaxed: the FIFO it describes is keeld's own (a DR read comes back
	 * here as an ioreq); uart_irq's full barrier orders the word before an
	 * interrupt, and an ioreq's answer follows it in program order before
	 * KEEL_IOC_IOREQ_COMPLETE's hypercall. */
	__atomic_store_n(u->fr, pl011_fr(&u->m), __ATOMIC_RELAXED);
}

static void uart_irq(void *opaque, bool level)
{
	struct uart *u = opaque;
	int r;

	uart_fr_sync(u);
	/* Full barrier: FR's word (RXFE clear) is visible before the RX
	 * interrupt that makes the guest read it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	r = vdev_irq(&u->vdev, u->spi, level ? KEEL_IRQ_HIGH : KEEL_IRQ_LOW);

	if (r < 0)
		klog("vm %u: UART interrupt %s: %s", vdev_host(&u->vdev)->vm_id,
		     level ? "high" : "low", strerror(-r));
}

static void uart_tx(void *opaque, uint8_t byte)
{
	const struct vdev_host *h = vdev_host(&((struct uart *)opaque)->vdev);

	h->ops->console_write(h->opaque, &byte, 1);
}

static void uart_pull_input(struct uart *u)
{
	const struct vdev_host *h = vdev_host(&u->vdev);
	uint8_t buf[PL011_FIFO];
	size_t room = pl011_rx_room(&u->m);
	int n;

	if (!room)
		return;
	n = h->ops->console_read(h->opaque, buf, room);
	if (n < 0) {
		if (n != -EAGAIN)
			klog("vm %u: console input: %s", h->vm_id, strerror(-n));
		u->input_waiting = false;
		return;
	}
	pl011_receive(&u->m, buf, (size_t)n);
	uart_fr_sync(u);
	/* A full read means more may wait; a short one drained keel.ko. */
	u->input_waiting = (size_t)n == room;
}

/* Any access may have made room in the FIFO (a DR read, a reset). */
static uint64_t uart_read(void *opaque, uint64_t off, unsigned size)
{
	struct uart *u = opaque;
	uint64_t v = pl011_read(&u->m, off, size);

	uart_fr_sync(u);  /* a DR read took a byte */
	if (u->input_waiting)
		uart_pull_input(u);
	return v;
}

static void uart_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	struct uart *u = opaque;
	struct pl011 before = u->m;

	pl011_write(&u->m, off, size, val);
	/* A CR store the hypervisor did not latch (4 bytes, or inside the
	 * register) came as an ioreq: the guest waits, every earlier posted
	 * store is applied, so the model is the register and the word its
	 * copy. A latched one is in the word already and may be older than
	 * what the guest wrote since: never written back. */
	if ((off & ~3ULL) == PL011_CR && !vdev_posted(&u->vdev))
		__atomic_store_n(u->cr, u->m.cr, __ATOMIC_RELAXED);
	/* What a restarted keeld must find: the driver's configuration. The
	 * data path (DR, ICR after each interrupt, IMSC rewritten with the
	 * same bits) changes none of it and costs no state file write. */
	if (before.imsc != u->m.imsc || before.cr != u->m.cr || before.lcr_h != u->m.lcr_h ||
	    before.ibrd != u->m.ibrd || before.fbrd != u->m.fbrd || before.ifls != u->m.ifls ||
	    before.dmacr != u->m.dmacr || before.ilpr != u->m.ilpr)
		vdev_changed(&u->vdev);
	if (u->input_waiting)
		uart_pull_input(u);
}

/* DR stores posted (Linux writes it with 1-, 2- or 4-byte stores), FR
 * answered from its word. CR latched: Linux's console write reads it,
 * writes it and writes it back around every message, three ioreqs each
 * otherwise. CR holds 16 bits: 1- and 2-byte stores (Linux's writew) store
 * exactly what pl011_write keeps; a 4-byte one stays an ioreq. */
static const struct keel_shadow_reg uart_shadow[] = {
	{ PL011_DR, KEEL_SHADOW_POSTED, KEEL_SHADOW_SIZES, 0 },
	{ PL011_FR, KEEL_SHADOW_READ, KEEL_SHADOW_SIZES, UART_FR_WORD },
	{ PL011_CR, KEEL_SHADOW_LATCH, KEEL_SHADOW_SIZE_1 | KEEL_SHADOW_SIZE_2, UART_CR_WORD },
	{ PL011_CR, KEEL_SHADOW_READ, KEEL_SHADOW_SIZES, UART_CR_WORD },
};

static void uart_shadow_bind(void *opaque, uint32_t *words)
{
	struct uart *u = opaque;

	u->fr = &words[UART_FR_WORD];
	u->cr = &words[UART_CR_WORD];
	uart_fr_sync(u);
	/* Before the guest runs; the hypervisor's from then on (a resumed
	 * keeld keeps the live word: vdev_shadow_claim). */
	__atomic_store_n(u->cr, u->m.cr, __ATOMIC_RELAXED);
}

static const struct mmio_ops uart_mmio_ops = {
	.name = "pl011",
	.read = uart_read,
	.write = uart_write,
	.shadow = uart_shadow,
	.nr_shadow = sizeof(uart_shadow) / sizeof(uart_shadow[0]),
	.shadow_bind = uart_shadow_bind,
};

static int uart_attach(struct vdev *d, char *err, size_t errlen)
{
	struct uart *u = to_uart(d);

	u->fr = &u->fr_own;
	u->cr = &u->cr_own;
	pl011_init(&u->m, uart_tx, uart_irq, u);
	/* Bytes may have been typed while the guest was down. */
	u->input_waiting = u->main;
	return vdev_window(d, u->base, KEEL_GUEST_UART_SIZE, &uart_mmio_ops, u, err, errlen);
}

static void uart_detach(struct vdev *d)
{
	to_uart(d)->input_waiting = false;
}

static int uart_dt_node(struct vdev *d, void *fdt)
{
	return guest_fdt_pl011(fdt, to_uart(d)->base, to_uart(d)->spi);
}

static bool uart_stdout_path(const struct vdev *d, char *buf, size_t len)
{
	if (!to_uart(d)->main)
		return false;
	guest_fdt_pl011_path(buf, len, to_uart(d)->base);
	return true;
}

/* Only the main console takes input: one keystroke, one device. */
static void uart_signal(struct vdev *d, enum vdev_signal s, bool level)
{
	if (s != VDEV_SIG_CONSOLE_INPUT || !to_uart(d)->main)
		return;
	to_uart(d)->input_waiting = true;
	uart_pull_input(to_uart(d));
}

static int uart_save(struct vdev *d, json_t **state)
{
	*state = pl011_save(&to_uart(d)->m);
	return *state ? 0 : -ENOMEM;
}

static int uart_restore(struct vdev *d, const json_t *state)
{
	return pl011_restore(&to_uart(d)->m, state);
}

static void uart_destroy(struct vdev *d)
{
	free(to_uart(d));
}

static const struct vdev_ops uart_ops = {
	.attach = uart_attach,
	.detach = uart_detach,
	.dt_node = uart_dt_node,
	.signal = uart_signal,
	.stdout_path = uart_stdout_path,
	.save = uart_save,
	.restore = uart_restore,
	.destroy = uart_destroy,
};

static unsigned uart_count(const struct vm_config *cfg)
{
	return cfg->consoles & CFG_CONSOLE_PL011 ? 1 : 0;
}

static int uart_create(struct vdev_registry *r, const struct vm_config *cfg, unsigned i,
		       struct vdev **out, char *err, size_t errlen)
{
	struct uart *u = calloc(1, sizeof(*u));

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	vdev_init(&u->vdev, r, &uart_type, &uart_ops, "pl011");
	u->base = cfg->uart_base;
	u->spi = cfg->uart_spi;
	u->main = cfg->console_main == CFG_CONSOLE_PL011;
	*out = &u->vdev;
	return 0;
}

const struct vdev_type uart_type = {
	.name = "pl011",
	.count = uart_count,
	.create = uart_create,
};
