// SPDX-License-Identifier: GPL-2.0
/*
 * Guest consoles as /dev/hvc<id>: keel.ko's own tty driver, one line per
 * VM id the hypervisor can run (KEEL_MAX_VMS).
 *
 * keeld emulates each guest's UART. Bytes the guest writes come in with
 * CONSOLE_WRITE into the console's output buffer, which a work item
 * drains into the tty. Bytes written to /dev/hvc<id> land in the input
 * buffer; a KEEL_EV_CONSOLE_INPUT event tells keeld to fetch them with
 * CONSOLE_READ.
 *
 * Not the kernel's hvc framework: it has 8 tty lines (so no console for
 * VM ids 8 and up) and gives its ttys tty_std_termios (ICANON, ECHO). An
 * echoing console sends everything the guest prints, and the history a
 * new reader gets, back to the guest as input: a plain `cat /dev/hvc1`
 * made the guest's shell run its own boot log. Our lines start raw at
 * every first open (TTY_DRIVER_RESET_TERMIOS), as xenconsoled makes its
 * ptys. The name stays "hvc": in VM0 nothing else registers hvc ttys
 * (the hvc framework's backends there are Xen's and virtio's console
 * ports, which VM0 does not have).
 *
 * Buffers are bounded: output drops its oldest bytes when no one reads
 * the tty (what remains is the recent history a new reader sees first);
 * input applies back-pressure to the tty writer. No ioctl ever waits.
 */
#define pr_fmt(fmt) "keel: " fmt

#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/termios.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "keel.h"

#define KEEL_CONS_BUF 16384	/* bytes per direction; a power of two */
/*
 * Output is held back this long after the tty is first opened: terminal
 * programs (picocom, minicom) set their modes with TCSAFLUSH right after
 * open(), which would discard history handed over at once.
 */
#define KEEL_CONS_HOLD_MS 250
/* A reader that lets the tty's flip buffer fill is retried this often. */
#define KEEL_CONS_RETRY_MS 20
#define KEEL_CONS_CHUNK 512

/* A byte ring with free-running indices: used = head - tail. */
struct keel_cbuf {
	u32 head;
	u32 tail;
	u8 data[KEEL_CONS_BUF];
};

/*
 * Lives as long as its tty_port's references: the console's own (dropped
 * at CONSOLE_REMOVE) and one per tty using it (install .. cleanup), so a
 * tty still open after the guest is gone never touches freed memory.
 */
struct keel_console {
	struct tty_port port;
	u32 id;
	bool gone;			/* removed; its slot stays taken until destruct */
	unsigned long hold_until;	/* jiffies; see KEEL_CONS_HOLD_MS */
	struct delayed_work flush;	/* output buffer -> tty */
	struct keel_cbuf out;	/* guest -> tty */
	struct keel_cbuf in;	/* tty -> guest */
};

static struct keel_dev *cons_kd;
static struct tty_driver *cons_drv;
/* Add/remove. */
static DEFINE_MUTEX(cons_mutex);
/* The table, gone, hold_until and both buffers of every console. */
static DEFINE_SPINLOCK(cons_lock);
static struct keel_console *consoles[KEEL_MAX_VMS];

static u32 cbuf_used(const struct keel_cbuf *c)
{
	return c->head - c->tail;
}

/* Copy in up to len bytes; returns how many fitted. */
static u32 cbuf_put(struct keel_cbuf *c, const u8 *src, u32 len)
{
	u32 n = min(len, KEEL_CONS_BUF - cbuf_used(c));
	u32 at = c->head % KEEL_CONS_BUF;
	u32 first = min(n, KEEL_CONS_BUF - at);

	memcpy(c->data + at, src, first);
	memcpy(c->data, src + first, n - first);
	c->head += n;
	return n;
}

/* Copy in all of src (len <= KEEL_CONS_BUF), dropping the oldest bytes. */
static void cbuf_put_overwrite(struct keel_cbuf *c, const u8 *src, u32 len)
{
	u32 room = KEEL_CONS_BUF - cbuf_used(c);

	if (len > room)
		c->tail += len - room;
	cbuf_put(c, src, len);
}

static u32 cbuf_get(struct keel_cbuf *c, u8 *dst, u32 len)
{
	u32 n = min(len, cbuf_used(c));
	u32 at = c->tail % KEEL_CONS_BUF;
	u32 first = min(n, KEEL_CONS_BUF - at);

	memcpy(dst, c->data + at, first);
	memcpy(dst + first, c->data, n - first);
	c->tail += n;
	return n;
}

/* Caller holds cons_lock. A live console, NULL if none or removed. */
static struct keel_console *keel_console_get(u32 id)
{
	struct keel_console *c;

	if (id >= KEEL_MAX_VMS)
		return NULL;
	c = consoles[array_index_nospec(id, KEEL_MAX_VMS)];
	return c && !c->gone ? c : NULL;
}

/*
 * Guest output into the tty, as much as its flip buffer takes. Runs only
 * from c->flush (never twice at once: workqueues are non-reentrant), so
 * it is the port's only producer. With no tty open the bytes stay as
 * history.
 */
static void keel_console_flush(struct work_struct *work)
{
	struct keel_console *c = container_of(to_delayed_work(work), struct keel_console, flush);
	struct tty_struct *tty = tty_port_tty_get(&c->port);
	u8 chunk[KEEL_CONS_CHUNK];
	unsigned long delay = 0;
	bool pushed = false;
	u32 n, left;

	if (!tty)
		return;
	for (;;) {
		u32 room = min_t(u32, tty_buffer_space_avail(&c->port), sizeof(chunk));

		spin_lock_irq(&cons_lock);
		if (time_before(jiffies, c->hold_until)) {
			delay = c->hold_until - jiffies;
			n = 0;
		} else {
			n = cbuf_get(&c->out, chunk, room);
		}
		left = cbuf_used(&c->out);
		spin_unlock_irq(&cons_lock);
		if (!n)
			break;
		/* room came from tty_buffer_space_avail(): all of it fits. */
		tty_insert_flip_string(&c->port, chunk, n);
		pushed = true;
	}
	if (pushed)
		tty_flip_buffer_push(&c->port);
	/* Held, or the reader is behind: nothing tells us when the flip
	 * buffer drains, so look again. */
	if (left)
		queue_delayed_work(system_wq, &c->flush,
				   delay ? delay + 1 : msecs_to_jiffies(KEEL_CONS_RETRY_MS));
	tty_kref_put(tty);
}

/* First open (tty_port_open, under the port mutex): start the hold. */
static int keel_port_activate(struct tty_port *port, struct tty_struct *tty)
{
	struct keel_console *c = container_of(port, struct keel_console, port);
	unsigned long hold = msecs_to_jiffies(KEEL_CONS_HOLD_MS);

	spin_lock_irq(&cons_lock);
	c->hold_until = jiffies + hold;
	if (!c->gone)
		mod_delayed_work(system_wq, &c->flush, hold + 1);
	spin_unlock_irq(&cons_lock);
	return 0;
}

static void keel_port_destruct(struct tty_port *port)
{
	struct keel_console *c = container_of(port, struct keel_console, port);

	spin_lock_irq(&cons_lock);
	if (consoles[c->id] == c)
		consoles[c->id] = NULL;
	spin_unlock_irq(&cons_lock);
	kvfree(c);
}

static const struct tty_port_operations keel_port_ops = {
	.activate = keel_port_activate,
	.destruct = keel_port_destruct,
};

static int keel_tty_install(struct tty_driver *drv, struct tty_struct *tty)
{
	struct keel_console *c;
	int ret;

	spin_lock_irq(&cons_lock);
	c = keel_console_get(tty->index);
	if (c)
		tty_port_get(&c->port);
	spin_unlock_irq(&cons_lock);
	if (!c)
		return -ENODEV;
	tty->driver_data = c;
	ret = tty_port_install(&c->port, drv, tty);
	if (ret)
		tty_port_put(&c->port);	/* a failed install gets no cleanup */
	return ret;
}

static void keel_tty_cleanup(struct tty_struct *tty)
{
	struct keel_console *c = tty->driver_data;

	tty_port_put(&c->port);
}

static int keel_tty_open(struct tty_struct *tty, struct file *filp)
{
	struct keel_console *c = tty->driver_data;

	return tty_port_open(&c->port, tty, filp);
}

static void keel_tty_close(struct tty_struct *tty, struct file *filp)
{
	struct keel_console *c = tty->driver_data;

	tty_port_close(&c->port, tty, filp);
}

static void keel_tty_hangup(struct tty_struct *tty)
{
	struct keel_console *c = tty->driver_data;

	tty_port_hangup(&c->port);
}

/* Someone wrote to /dev/hvc<id>. Takes what fits; the writer waits for
 * the rest until CONSOLE_READ makes room and wakes it. */
static int keel_tty_write(struct tty_struct *tty, const u8 *buf, int count)
{
	struct keel_console *c = tty->driver_data;
	bool was_empty;
	u32 id = c->id;
	int n;

	if (count <= 0)
		return 0;
	spin_lock_irq(&cons_lock);
	if (c->gone) {
		/* Removed under an open tty: swallow it. */
		spin_unlock_irq(&cons_lock);
		return count;
	}
	was_empty = !cbuf_used(&c->in);
	n = cbuf_put(&c->in, buf, count);
	spin_unlock_irq(&cons_lock);

	/* One event per batch: CONSOLE_READ queues another if it leaves bytes. */
	if (n && was_empty)
		keel_event_push(cons_kd, KEEL_EV_CONSOLE_INPUT, id, 0, 0);
	return n;
}

static unsigned int keel_tty_write_room(struct tty_struct *tty)
{
	struct keel_console *c = tty->driver_data;
	unsigned int room;

	spin_lock_irq(&cons_lock);
	room = c->gone ? KEEL_CONS_BUF : KEEL_CONS_BUF - cbuf_used(&c->in);
	spin_unlock_irq(&cons_lock);
	return room;
}

/* No modem: report the lines a terminal program wants to see up. */
static int keel_tty_tiocmget(struct tty_struct *tty)
{
	return TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR | TIOCM_CAR;
}

static int keel_tty_tiocmset(struct tty_struct *tty, unsigned int set, unsigned int clear)
{
	return 0;
}

static const struct tty_operations keel_tty_ops = {
	.install = keel_tty_install,
	.cleanup = keel_tty_cleanup,
	.open = keel_tty_open,
	.close = keel_tty_close,
	.hangup = keel_tty_hangup,
	.write = keel_tty_write,
	.write_room = keel_tty_write_room,
	.tiocmget = keel_tty_tiocmget,
	.tiocmset = keel_tty_tiocmset,
};

/*
 * -EEXIST if VM <id> has a console, -EBUSY if a removed console of that
 * id is still held open (its tty has not been released yet).
 */
long keel_ioc_console_add(void __user *uarg)
{
	struct keel_console *c, *old;
	struct device *dev;
	u32 id;
	long ret;

	ret = keel_copy_vm_id(uarg, &id);
	if (ret)
		return ret;
	c = kvzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	tty_port_init(&c->port);
	c->port.ops = &keel_port_ops;
	c->id = id;
	c->hold_until = jiffies;
	INIT_DELAYED_WORK(&c->flush, keel_console_flush);

	mutex_lock(&cons_mutex);
	spin_lock_irq(&cons_lock);
	old = consoles[id];
	if (!old)
		consoles[id] = c;	/* first: the tty may open as soon as it exists */
	spin_unlock_irq(&cons_lock);
	if (old) {
		ret = old->gone ? -EBUSY : -EEXIST;
		goto err;
	}
	dev = tty_port_register_device(&c->port, cons_drv, id, NULL);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto err;	/* destruct takes it out of the table */
	}
	mutex_unlock(&cons_mutex);
	return 0;

err:
	mutex_unlock(&cons_mutex);
	tty_port_put(&c->port);
	return ret;
}

/* Caller holds cons_mutex. */
static void keel_console_remove(u32 id)
{
	struct keel_console *c = consoles[id];

	spin_lock_irq(&cons_lock);
	c->gone = true;	/* no new work, input or opens from here on */
	spin_unlock_irq(&cons_lock);
	tty_port_tty_hangup(&c->port, false);
	tty_unregister_device(cons_drv, id);
	cancel_delayed_work_sync(&c->flush);
	tty_port_put(&c->port);
}

long keel_ioc_console_remove(void __user *uarg)
{
	u32 id;
	long ret;

	ret = keel_copy_vm_id(uarg, &id);
	if (ret)
		return ret;
	mutex_lock(&cons_mutex);
	spin_lock_irq(&cons_lock);
	ret = keel_console_get(id) ? 0 : -ENOENT;
	spin_unlock_irq(&cons_lock);
	if (!ret)
		keel_console_remove(id);
	mutex_unlock(&cons_mutex);
	return ret;
}

static long keel_copy_console_io(struct keel_ioc_console *io, void __user *uarg)
{
	if (copy_from_user(io, uarg, sizeof(*io)))
		return -EFAULT;
	if (!keel_guest_id_ok(io->id))
		return -EINVAL;
	io->id = array_index_nospec(io->id, KEEL_MAX_VMS);
	io->len = min_t(u32, io->len, KEEL_CONS_BUF);
	return 0;
}

/*
 * Guest output for /dev/hvc<id>. in: id, len, buf; out: len = bytes taken,
 * which is all of them up to KEEL_CONS_BUF per call (the oldest buffered
 * bytes give way).
 */
long keel_ioc_console_write(void __user *uarg)
{
	struct keel_ioc_console io;
	struct keel_console *c;
	u8 *bytes;
	long ret;

	ret = keel_copy_console_io(&io, uarg);
	if (ret)
		return ret;
	bytes = memdup_user(u64_to_user_ptr(io.buf), io.len);
	if (IS_ERR(bytes))
		return PTR_ERR(bytes);

	spin_lock_irq(&cons_lock);
	c = keel_console_get(io.id);
	if (c) {
		cbuf_put_overwrite(&c->out, bytes, io.len);
		/* Under the lock: remove cancels the work after setting gone. */
		queue_delayed_work(system_wq, &c->flush, 0);
	}
	spin_unlock_irq(&cons_lock);
	kfree(bytes);
	if (!c)
		return -ENOENT;
	return copy_to_user(uarg, &io, sizeof(io)) ? -EFAULT : 0;
}

/*
 * Typed bytes for the guest. in: id, len (buffer size), buf; out: len =
 * bytes copied, 0 when none wait. Bytes left behind (a small buffer) get
 * a fresh KEEL_EV_CONSOLE_INPUT, so one read per event is enough.
 */
long keel_ioc_console_read(void __user *uarg)
{
	struct keel_ioc_console io;
	struct keel_console *c;
	bool more = false;
	u8 *bytes;
	long ret;

	ret = keel_copy_console_io(&io, uarg);
	if (ret)
		return ret;
	bytes = kmalloc(max_t(u32, io.len, 1), GFP_KERNEL);
	if (!bytes)
		return -ENOMEM;

	spin_lock_irq(&cons_lock);
	c = keel_console_get(io.id);
	if (c) {
		io.len = cbuf_get(&c->in, bytes, io.len);
		more = cbuf_used(&c->in);
		/* Held across the wake-up below, which must not run under
		 * cons_lock (it takes the port's and the line discipline's). */
		tty_port_get(&c->port);
	}
	spin_unlock_irq(&cons_lock);
	if (!c) {
		ret = -ENOENT;
		goto out;
	}
	if (more)
		keel_event_push(cons_kd, KEEL_EV_CONSOLE_INPUT, io.id, 0, 0);

	/* Room again: wake a writer that write_room() turned away. Bytes
	 * that fail to reach userspace below are lost with -EFAULT. */
	if (io.len)
		tty_port_tty_wakeup(&c->port);
	tty_port_put(&c->port);
	if (copy_to_user(u64_to_user_ptr(io.buf), bytes, io.len) ||
	    copy_to_user(uarg, &io, sizeof(io)))
		ret = -EFAULT;
out:
	kfree(bytes);
	return ret;
}

/*
 * Raw (cfmakeraw()): no echo, no line editing, no signals, no output
 * processing, 8 bits. Reset at every first open, whatever a previous
 * process set.
 */
static void keel_cons_termios(struct ktermios *t)
{
	*t = tty_std_termios;
	t->c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t->c_oflag &= ~OPOST;
	t->c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t->c_cflag = B115200 | CS8 | CREAD | HUPCL | CLOCAL;
	t->c_ispeed = 115200;
	t->c_ospeed = 115200;
}

int keel_consoles_init(struct keel_dev *kd)
{
	struct tty_driver *drv;
	int ret;

	drv = tty_alloc_driver(KEEL_MAX_VMS, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV |
					     TTY_DRIVER_RESET_TERMIOS);
	if (IS_ERR(drv))
		return PTR_ERR(drv);
	drv->driver_name = "keel";
	drv->name = "hvc";	/* /dev/hvc<VM id> */
	drv->major = 0;		/* dynamic */
	drv->type = TTY_DRIVER_TYPE_SERIAL;
	drv->subtype = SERIAL_TYPE_NORMAL;
	keel_cons_termios(&drv->init_termios);
	tty_set_operations(drv, &keel_tty_ops);
	ret = tty_register_driver(drv);
	if (ret) {
		tty_driver_kref_put(drv);
		return ret;
	}
	cons_drv = drv;
	cons_kd = kd;
	return 0;
}

void keel_consoles_exit(void)
{
	u32 id;

	if (!cons_drv)
		return;
	mutex_lock(&cons_mutex);
	for (id = 0; id < KEEL_MAX_VMS; id++) {
		bool live;

		spin_lock_irq(&cons_lock);
		live = keel_console_get(id);
		spin_unlock_irq(&cons_lock);
		if (live)
			keel_console_remove(id);
	}
	mutex_unlock(&cons_mutex);
	/* An open tty holds the module, so every port is gone by now. */
	tty_unregister_driver(cons_drv);
	tty_driver_kref_put(cons_drv);
	cons_drv = NULL;
}
