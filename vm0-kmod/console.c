// SPDX-License-Identifier: GPL-2.0
/*
 * Guest consoles as /dev/hvc<id>, on the kernel's hvc framework.
 *
 * keeld emulates each guest's UART. Bytes the guest writes come in with
 * CONSOLE_WRITE into the console's output buffer, which the hvc driver
 * drains through get_chars() into the tty (hvc_kick() wakes its khvcd
 * thread at once). Bytes typed into /dev/hvc<id> arrive through
 * put_chars() in the input buffer; a KEEL_EV_CONSOLE_INPUT event tells
 * keeld to fetch them with CONSOLE_READ.
 *
 * /dev/hvc<id> has index == VM id because the console is first registered
 * in hvc slot <id> with hvc_instantiate(vtermno = id, index = id); hvc_alloc()
 * with the same vtermno and ops then finds that slot and takes its index.
 * The hvc driver has only KEEL_HVC_TTY_LINES tty lines, so VM ids 1..7
 * can have a console.
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
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "hvc_abi.h"
#include "keel.h"

#define KEEL_CONS_BUF 16384	/* bytes per direction; a power of two */
/*
 * Output is held back this long after the tty is first opened: terminal
 * programs (picocom, minicom) set raw mode with TCSAFLUSH right after
 * open(), which would discard history handed over at once.
 */
#define KEEL_CONS_HOLD_MS 250

/* A byte ring with free-running indices: used = head - tail. */
struct keel_cbuf {
	u32 head;
	u32 tail;
	u8 data[KEEL_CONS_BUF];
};

struct keel_console {
	struct hvc_struct *hp;
	unsigned long hold_until;	/* jiffies; see KEEL_CONS_HOLD_MS */
	struct delayed_work release;	/* kicks hvc when the hold ends */
	struct keel_cbuf out;	/* guest -> tty */
	struct keel_cbuf in;	/* tty -> guest */
};

static struct keel_dev *cons_kd;
/* Add/remove; held across hvc_instantiate/hvc_alloc/hvc_remove. */
static DEFINE_MUTEX(cons_mutex);
/* The table and both buffers of every console; taken in hvc callbacks,
 * which run with the hvc driver's spinlock held and interrupts off. */
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

/* Caller holds cons_lock. vtermno is the VM id. */
static struct keel_console *keel_console_get(u32 vtermno)
{
	if (vtermno >= KEEL_MAX_VMS)
		return NULL;
	return consoles[array_index_nospec(vtermno, KEEL_MAX_VMS)];
}

/* hvc: the tty wants guest output. */
static int keel_hvc_get_chars(u32 vtermno, char *buf, int count)
{
	struct keel_console *c;
	unsigned long flags;
	int n = 0;

	spin_lock_irqsave(&cons_lock, flags);
	c = keel_console_get(vtermno);
	if (c && count > 0 && !time_before(jiffies, c->hold_until))
		n = cbuf_get(&c->out, (u8 *)buf, count);
	spin_unlock_irqrestore(&cons_lock, flags);
	return n;
}

/* hvc: someone typed into /dev/hvc<id>. Takes what fits; the hvc driver
 * retries the rest after CONSOLE_READ makes room and kicks it. */
static int keel_hvc_put_chars(u32 vtermno, const char *buf, int count)
{
	struct keel_console *c;
	unsigned long flags;
	bool was_empty = false;
	int n;

	if (count <= 0)
		return 0;
	spin_lock_irqsave(&cons_lock, flags);
	c = keel_console_get(vtermno);
	if (!c) {
		/* Torn down under an open tty: swallow it. */
		spin_unlock_irqrestore(&cons_lock, flags);
		return count;
	}
	was_empty = !cbuf_used(&c->in);
	n = cbuf_put(&c->in, (const u8 *)buf, count);
	spin_unlock_irqrestore(&cons_lock, flags);

	/* One event per batch: CONSOLE_READ queues another if it leaves bytes. */
	if (n && was_empty)
		keel_event_push(cons_kd, KEEL_EV_CONSOLE_INPUT, vtermno, 0, 0);
	return n;
}

static void keel_console_release(struct work_struct *work)
{
	hvc_kick();
}

/*
 * hvc: first open of /dev/hvc<id> (data is the VM id). Not an interrupt
 * notifier: the hvc driver keeps polling us; this only starts the hold.
 */
static int keel_hvc_notifier_add(struct hvc_struct *hp, int data)
{
	struct keel_console *c;
	unsigned long flags;

	spin_lock_irqsave(&cons_lock, flags);
	c = keel_console_get(data);
	if (c) {
		c->hold_until = jiffies + msecs_to_jiffies(KEEL_CONS_HOLD_MS);
		/* The hvc poll interval backs off to seconds: kick at the end. */
		mod_delayed_work(system_wq, &c->release,
				 msecs_to_jiffies(KEEL_CONS_HOLD_MS) + 1);
	}
	spin_unlock_irqrestore(&cons_lock, flags);
	return 0;
}

/* No modem: report the lines a terminal program wants to see up. */
static int keel_hvc_tiocmget(struct hvc_struct *hp)
{
	return TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR | TIOCM_CAR;
}

static int keel_hvc_tiocmset(struct hvc_struct *hp, unsigned int set, unsigned int clear)
{
	return 0;
}

/* The hvc driver polls us from khvcd (no interrupt), and hvc_kick() makes
 * that prompt when output arrives. */
static const struct hv_ops keel_hv_ops = {
	.get_chars = keel_hvc_get_chars,
	.put_chars = keel_hvc_put_chars,
	.notifier_add = keel_hvc_notifier_add,
	.tiocmget = keel_hvc_tiocmget,
	.tiocmset = keel_hvc_tiocmset,
};

/*
 * -EEXIST if VM <id> has a console, -ERANGE if /dev/hvc<id> cannot exist,
 * -EBUSY if hvc slot <id> is taken (e.g. a removed console's tty is
 * still held open).
 */
long keel_ioc_console_add(void __user *uarg)
{
	struct keel_console *c;
	struct hvc_struct *hp;
	unsigned long flags;
	u32 id;
	long ret;

	ret = keel_copy_vm_id(uarg, &id);
	if (ret)
		return ret;
	if (id >= KEEL_HVC_TTY_LINES || id >= KEEL_HVC_MAX_CONSOLES)
		return -ERANGE;
	c = kvzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->hold_until = jiffies;
	INIT_DELAYED_WORK(&c->release, keel_console_release);

	mutex_lock(&cons_mutex);
	ret = -EEXIST;
	if (consoles[id])
		goto err_free;
	/* Publish the buffers first: the tty may poll as soon as it exists. */
	spin_lock_irqsave(&cons_lock, flags);
	consoles[id] = c;
	spin_unlock_irqrestore(&cons_lock, flags);

	ret = -EBUSY;
	if (hvc_instantiate(id, id, &keel_hv_ops))
		goto err_unpublish;
	hp = hvc_alloc(id, id, &keel_hv_ops, PAGE_SIZE);
	if (IS_ERR(hp)) {
		ret = PTR_ERR(hp);
		/* hvc_remove() is what frees an instantiated slot, and we have
		 * no hvc_struct to pass it: the slot stays ours, harmlessly. */
		goto err_unpublish;
	}
	c->hp = hp;
	mutex_unlock(&cons_mutex);
	return 0;

err_unpublish:
	spin_lock_irqsave(&cons_lock, flags);
	consoles[id] = NULL;
	spin_unlock_irqrestore(&cons_lock, flags);
err_free:
	mutex_unlock(&cons_mutex);
	kvfree(c);
	return ret;
}

/* Caller holds cons_mutex. */
static void keel_console_remove(u32 id)
{
	struct keel_console *c = consoles[id];
	unsigned long flags;

	/* Hangs up an open tty; afterwards the hvc driver no longer calls
	 * us for this console, and if it did it would find no buffers. */
	hvc_remove(c->hp);
	spin_lock_irqsave(&cons_lock, flags);
	consoles[id] = NULL;
	spin_unlock_irqrestore(&cons_lock, flags);
	cancel_delayed_work_sync(&c->release);
	kvfree(c);
}

long keel_ioc_console_remove(void __user *uarg)
{
	u32 id;
	long ret;

	ret = keel_copy_vm_id(uarg, &id);
	if (ret)
		return ret;
	mutex_lock(&cons_mutex);
	if (consoles[id])
		keel_console_remove(id);
	else
		ret = -ENOENT;
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
	unsigned long flags;
	u8 *bytes;
	long ret;

	ret = keel_copy_console_io(&io, uarg);
	if (ret)
		return ret;
	bytes = memdup_user(u64_to_user_ptr(io.buf), io.len);
	if (IS_ERR(bytes))
		return PTR_ERR(bytes);

	spin_lock_irqsave(&cons_lock, flags);
	c = keel_console_get(io.id);
	if (c)
		cbuf_put_overwrite(&c->out, bytes, io.len);
	spin_unlock_irqrestore(&cons_lock, flags);
	kfree(bytes);
	if (!c)
		return -ENOENT;

	hvc_kick();
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
	unsigned long flags;
	bool more = false;
	u8 *bytes;
	long ret;

	ret = keel_copy_console_io(&io, uarg);
	if (ret)
		return ret;
	bytes = kmalloc(max_t(u32, io.len, 1), GFP_KERNEL);
	if (!bytes)
		return -ENOMEM;

	spin_lock_irqsave(&cons_lock, flags);
	c = keel_console_get(io.id);
	if (c) {
		io.len = cbuf_get(&c->in, bytes, io.len);
		more = cbuf_used(&c->in);
	}
	spin_unlock_irqrestore(&cons_lock, flags);
	if (!c) {
		ret = -ENOENT;
		goto out;
	}
	if (more)
		keel_event_push(cons_kd, KEEL_EV_CONSOLE_INPUT, io.id, 0, 0);

	/* Room again: let the hvc driver retry writes put_chars refused.
	 * Bytes that fail to reach userspace below are lost with -EFAULT. */
	if (io.len)
		hvc_kick();
	if (copy_to_user(u64_to_user_ptr(io.buf), bytes, io.len) ||
	    copy_to_user(uarg, &io, sizeof(io)))
		ret = -EFAULT;
out:
	kfree(bytes);
	return ret;
}

void keel_consoles_init(struct keel_dev *kd)
{
	cons_kd = kd;
}

void keel_consoles_exit(void)
{
	u32 id;

	mutex_lock(&cons_mutex);
	for (id = 0; id < KEEL_MAX_VMS; id++)
		if (consoles[id])
			keel_console_remove(id);
	mutex_unlock(&cons_mutex);
}
