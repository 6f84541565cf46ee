// SPDX-License-Identifier: GPL-2.0
/*
 * A channel end in Linux: /dev/ttyKC<n> carries a byte stream over the two
 * rings in the shared region (kchan_ring.h); /dev/keelchan<n> hands the raw
 * region to zero-copy users (mmap, kicks through read/write/poll). One of
 * the two at a time: both would use the same memory.
 *
 * The peer is another VM and may be hostile or gone: nothing here waits
 * for it. A full ring makes tty writes return short (the writer sleeps in
 * the tty layer, or gets -EAGAIN with O_NONBLOCK) until the peer's kick
 * says it consumed; received bytes stay in the ring until a reader opens
 * the tty; a peer that breaks the ring indices gets the end marked broken
 * (-EIO), never an access outside the region.
 */
#define pr_fmt(fmt) "keelchan: " fmt

#include <linux/arm-smccc.h>
#include <linux/atomic.h>
#include <linux/io.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/serial.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <keel/hypercall.h>
#include <keel/ioctl.h>

/* The ring's memory model: both VMs run in one inner-shareable domain and
 * stage 2 maps the region Normal write-back, so SMP barriers order it. */
#define kchan_load_acquire(p) smp_load_acquire(p)
#define kchan_store_release(p, v) smp_store_release(p, v)
#define kchan_mb() smp_mb()
#define KCHAN_READ_ONCE(x) READ_ONCE(x)
#define KCHAN_WRITE_ONCE(x, v) WRITE_ONCE(x, v)
#include "kchan_ring.h"
#include "kchan.h"

#define KCHAN_RX_BATCH 65536  /* bytes moved into the tty per flip */

/* Who uses the end; GONE: retired (kchan_retire), no new user. */
enum kchan_user { KCHAN_FREE, KCHAN_TTY, KCHAN_RAW, KCHAN_GONE };

struct kchan {
	struct tty_port port;
	struct miscdevice misc;
	char misc_name[16];
	void *base;
	phys_addr_t pa;
	u64 size;
	u32 id, end, line;
	char name[KEEL_CHAN_NAME_LEN];
	struct kchan_ring ring;
	spinlock_t tx_lock;          /* ring.head: tty writers */
	struct mutex user_lock;      /* user, raw_opens */
	enum kchan_user user;
	unsigned int raw_opens;
	atomic64_t kicks;            /* peer kicks since the last raw read() */
	wait_queue_head_t wait;
	struct delayed_work rx_work; /* ring.tail: rx into the tty */
	bool broken;                 /* the peer broke the ring indices */
};

static struct tty_driver *kchan_drv;
static DEFINE_MUTEX(lines_lock);
static struct kchan *lines[KCHAN_MAX_ENDS];

u32 kchan_id(const struct kchan *c)
{
	return c->id;
}

u32 kchan_end(const struct kchan *c)
{
	return c->end;
}

/* Ring the peer. -ENOTCONN (peer not attached) is no error for us: what
 * we wrote waits in the ring, and a peer that attaches reads it. */
static void kchan_kick(struct kchan *c)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_hvc(KEEL_HC_CHAN_KICK, c->id, &res);
}

static void kchan_broken(struct kchan *c)
{
	if (!c->broken)
		pr_err("%s: the peer broke the ring indices: end stopped\n", c->name);
	c->broken = true;
}

void kchan_notify(struct kchan *c)
{
	atomic64_inc(&c->kicks);
	wake_up_interruptible(&c->wait);
	/* Bytes may have come (rx) or space freed (tx): one work looks. */
	mod_delayed_work(system_wq, &c->rx_work, 0);
}

/* ---- the tty ---- */

static void kchan_rx_work(struct work_struct *w)
{
	struct kchan *c = container_of(to_delayed_work(w), struct kchan, rx_work);
	bool pushed = false, more = false;
	long avail = 0;

	if (READ_ONCE(c->user) == KCHAN_TTY && !c->broken) {
		while ((avail = kchan_ring_avail(&c->ring)) > 0) {
			unsigned char *p;
			int room = tty_prepare_flip_string(&c->port, &p,
							   min_t(long, avail, KCHAN_RX_BATCH));

			if (room <= 0) {
				more = true;  /* the tty is full: look again soon */
				break;
			}
			/* avail only grows: exactly room bytes come out. */
			if (kchan_ring_read(&c->ring, p, room) != room) {
				avail = -EIO;
				break;
			}
			pushed = true;
		}
		if (avail < 0)
			kchan_broken(c);
		if (pushed)
			tty_flip_buffer_push(&c->port);
		if (pushed && kchan_ring_consumed(&c->ring))
			kchan_kick(c);
		if (more)
			schedule_delayed_work(&c->rx_work, 1);
	}
	/* A writer waiting for room looks again. */
	tty_port_tty_wakeup(&c->port);
}

/* A tty holds a reference on its end's port (dropped in cleanup), so the
 * end outlives every tty that saw it (kchan_port_destruct frees it). */
static int kchan_tty_install(struct tty_driver *drv, struct tty_struct *tty)
{
	struct kchan *c;
	int ret;

	mutex_lock(&lines_lock);
	c = tty->index < KCHAN_MAX_ENDS ? lines[tty->index] : NULL;
	if (c)
		tty_port_get(&c->port);
	mutex_unlock(&lines_lock);
	if (!c)
		return -ENODEV;
	tty->driver_data = c;
	ret = tty_port_install(&c->port, drv, tty);
	if (ret)
		tty_port_put(&c->port);
	return ret;
}

static void kchan_tty_cleanup(struct tty_struct *tty)
{
	struct kchan *c = tty->driver_data;

	tty->driver_data = NULL;
	if (c)
		tty_port_put(&c->port);
}

static int kchan_port_activate(struct tty_port *port, struct tty_struct *tty)
{
	struct kchan *c = container_of(port, struct kchan, port);
	int ret = 0;

	mutex_lock(&c->user_lock);
	if (c->user == KCHAN_RAW || c->user == KCHAN_GONE)
		ret = c->user == KCHAN_RAW ? -EBUSY : -ENODEV;
	else
		WRITE_ONCE(c->user, KCHAN_TTY);
	mutex_unlock(&c->user_lock);
	if (!ret)
		mod_delayed_work(system_wq, &c->rx_work, 0);  /* bytes that waited */
	return ret;
}

static void kchan_port_shutdown(struct tty_port *port)
{
	struct kchan *c = container_of(port, struct kchan, port);

	mutex_lock(&c->user_lock);
	if (c->user == KCHAN_TTY)
		WRITE_ONCE(c->user, KCHAN_FREE);
	mutex_unlock(&c->user_lock);
}

/* The last reference: no tty, file or work uses the end any more. */
static void kchan_port_destruct(struct tty_port *port)
{
	struct kchan *c = container_of(port, struct kchan, port);

	if (c->base)
		memunmap(c->base);
	kfree(c);
}

static const struct tty_port_operations kchan_port_ops = {
	.activate = kchan_port_activate,
	.shutdown = kchan_port_shutdown,
	.destruct = kchan_port_destruct,
};

static int kchan_tty_open(struct tty_struct *tty, struct file *filp)
{
	struct kchan *c = tty->driver_data;

	return tty_port_open(&c->port, tty, filp);
}

static void kchan_tty_close(struct tty_struct *tty, struct file *filp)
{
	struct kchan *c = tty->driver_data;

	tty_port_close(&c->port, tty, filp);
}

static void kchan_tty_hangup(struct tty_struct *tty)
{
	struct kchan *c = tty->driver_data;

	tty_port_hangup(&c->port);
}

/* Takes what fits (0 when the ring is full: the tty layer's writer waits
 * for the wakeup our rx work gives when the peer kicks). */
static int kchan_tty_write(struct tty_struct *tty, const u8 *buf, int count)
{
	struct kchan *c = tty->driver_data;
	unsigned long flags;
	long n;

	if (count <= 0)
		return 0;
	if (c->broken)
		return -EIO;
	spin_lock_irqsave(&c->tx_lock, flags);
	n = kchan_ring_write(&c->ring, buf, count);
	if (!n && kchan_ring_want_space(&c->ring) > 0)
		n = kchan_ring_write(&c->ring, buf, count);
	spin_unlock_irqrestore(&c->tx_lock, flags);
	if (n < 0) {
		kchan_broken(c);
		return -EIO;
	}
	if (n)
		kchan_kick(c);
	return n;
}

static unsigned int kchan_tty_write_room(struct tty_struct *tty)
{
	struct kchan *c = tty->driver_data;
	unsigned long flags;
	long space;

	spin_lock_irqsave(&c->tx_lock, flags);
	space = kchan_ring_space(&c->ring);
	if (!space)
		space = kchan_ring_want_space(&c->ring);
	spin_unlock_irqrestore(&c->tx_lock, flags);
	return space > 0 ? space : 0;
}

static void kchan_tty_unthrottle(struct tty_struct *tty)
{
	struct kchan *c = tty->driver_data;

	mod_delayed_work(system_wq, &c->rx_work, 0);
}

static const struct tty_operations kchan_tty_ops = {
	.install = kchan_tty_install,
	.cleanup = kchan_tty_cleanup,
	.open = kchan_tty_open,
	.close = kchan_tty_close,
	.hangup = kchan_tty_hangup,
	.write = kchan_tty_write,
	.write_room = kchan_tty_write_room,
	.unthrottle = kchan_tty_unthrottle,
};

/* ---- the raw device ---- */

static struct kchan *kchan_of_file(struct file *f)
{
	return container_of(f->private_data, struct kchan, misc);
}

static int kchan_raw_open(struct inode *inode, struct file *f)
{
	struct kchan *c = kchan_of_file(f);
	int ret = 0;

	mutex_lock(&c->user_lock);
	if (c->user == KCHAN_TTY || c->user == KCHAN_GONE) {
		ret = c->user == KCHAN_TTY ? -EBUSY : -ENODEV;
	} else {
		WRITE_ONCE(c->user, KCHAN_RAW);
		c->raw_opens++;
	}
	mutex_unlock(&c->user_lock);
	return ret;
}

static int kchan_raw_release(struct inode *inode, struct file *f)
{
	struct kchan *c = kchan_of_file(f);

	mutex_lock(&c->user_lock);
	if (!--c->raw_opens && c->user == KCHAN_RAW)
		WRITE_ONCE(c->user, KCHAN_FREE);
	mutex_unlock(&c->user_lock);
	return 0;
}

/* The region, and nothing past it: offset 0, at most size bytes. */
static int kchan_raw_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct kchan *c = kchan_of_file(f);
	unsigned long len = vma->vm_end - vma->vm_start;

	if (vma->vm_pgoff || len > c->size)
		return -EINVAL;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	return remap_pfn_range(vma, vma->vm_start, c->pa >> PAGE_SHIFT, len, vma->vm_page_prot);
}

/* 8 bytes: the kicks since the last read (blocks for one, eventfd-like). */
static ssize_t kchan_raw_read(struct file *f, char __user *buf, size_t count, loff_t *pos)
{
	struct kchan *c = kchan_of_file(f);
	u64 n;

	if (count < sizeof(n))
		return -EINVAL;
	for (;;) {
		n = atomic64_xchg(&c->kicks, 0);
		if (n)
			break;
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(c->wait, atomic64_read(&c->kicks)))
			return -ERESTARTSYS;
	}
	return copy_to_user(buf, &n, sizeof(n)) ? -EFAULT : sizeof(n);
}

/* 8 bytes (any value): kick the peer. */
static ssize_t kchan_raw_write(struct file *f, const char __user *buf, size_t count,
			       loff_t *pos)
{
	if (count < sizeof(u64))
		return -EINVAL;
	kchan_kick(kchan_of_file(f));
	return sizeof(u64);
}

static __poll_t kchan_raw_poll(struct file *f, struct poll_table_struct *wait)
{
	struct kchan *c = kchan_of_file(f);

	poll_wait(f, &c->wait, wait);
	return EPOLLOUT | EPOLLWRNORM | (atomic64_read(&c->kicks) ? EPOLLIN | EPOLLRDNORM : 0);
}

static long kchan_raw_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct kchan *c = kchan_of_file(f);
	struct keel_chan_info info = { .size = c->size, .chan_id = c->id, .end = c->end };

	if (cmd != KEEL_CHAN_IOC_INFO)
		return -ENOTTY;
	memcpy(info.name, c->name, sizeof(info.name));
	return copy_to_user((void __user *)arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static const struct file_operations kchan_raw_fops = {
	.owner = THIS_MODULE,
	.open = kchan_raw_open,
	.release = kchan_raw_release,
	.mmap = kchan_raw_mmap,
	.read = kchan_raw_read,
	.write = kchan_raw_write,
	.poll = kchan_raw_poll,
	.unlocked_ioctl = kchan_raw_ioctl,
	.llseek = noop_llseek,
};

/* /sys/class/misc/keelchan<n>/{name,end,chan_id}: which channel a line is. */
static ssize_t name_show(struct device *dev, struct device_attribute *a, char *buf)
{
	struct kchan *c = container_of(dev_get_drvdata(dev), struct kchan, misc);

	return sysfs_emit(buf, "%s\n", c->name);
}
static DEVICE_ATTR_RO(name);

static ssize_t end_show(struct device *dev, struct device_attribute *a, char *buf)
{
	struct kchan *c = container_of(dev_get_drvdata(dev), struct kchan, misc);

	return sysfs_emit(buf, "%u\n", c->end);
}
static DEVICE_ATTR_RO(end);

static struct attribute *kchan_attrs[] = { &dev_attr_name.attr, &dev_attr_end.attr, NULL };
ATTRIBUTE_GROUPS(kchan);

/* ---- ends ---- */

struct kchan *kchan_create(struct device *parent, phys_addr_t pa, u64 size, u32 chan_id,
			   u32 end, const char *name)
{
	struct kchan *c;
	struct device *tty;
	int ret, line;

	if (!PAGE_ALIGNED(pa) || size < KEEL_CHAN_MIN_SIZE || size > KEEL_CHAN_MAX_SIZE ||
	    !PAGE_ALIGNED(size) || end > 1)
		return ERR_PTR(-EINVAL);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->pa = pa;
	c->size = size;
	c->id = chan_id;
	c->end = end;
	strscpy(c->name, name, sizeof(c->name));
	spin_lock_init(&c->tx_lock);
	mutex_init(&c->user_lock);
	init_waitqueue_head(&c->wait);
	INIT_DELAYED_WORK(&c->rx_work, kchan_rx_work);
	tty_port_init(&c->port);
	c->port.ops = &kchan_port_ops;
	/* A peer that stopped reading must not hold close() for 30 s. */
	c->port.closing_wait = ASYNC_CLOSING_WAIT_NONE;
	/* Not in the kernel's linear map (the region is no RAM of ours). */
	c->base = memremap(pa, size, MEMREMAP_WB);
	if (!c->base) {
		ret = -ENOMEM;
		goto err_port;
	}
	ret = kchan_ring_init(&c->ring, c->base, size, end);
	if (ret)
		goto err_unmap;

	mutex_lock(&lines_lock);
	for (line = 0; line < KCHAN_MAX_ENDS && lines[line]; line++)
		;
	if (line < KCHAN_MAX_ENDS)
		lines[line] = c;
	mutex_unlock(&lines_lock);
	if (line == KCHAN_MAX_ENDS) {
		ret = -ENOSPC;
		goto err_unmap;
	}
	c->line = line;
	snprintf(c->misc_name, sizeof(c->misc_name), "keelchan%d", line);
	c->misc = (struct miscdevice){ .minor = MISC_DYNAMIC_MINOR, .name = c->misc_name,
				       .fops = &kchan_raw_fops, .parent = parent,
				       .groups = kchan_groups };
	ret = misc_register(&c->misc);
	if (ret)
		goto err_line;
	tty = tty_port_register_device(&c->port, kchan_drv, line, parent);
	if (IS_ERR(tty)) {
		ret = PTR_ERR(tty);
		goto err_misc;
	}
	pr_info("channel '%s' (id %u, end %u, %llu KiB): /dev/ttyKC%d, /dev/%s\n", c->name, chan_id,
		end, size >> 10, line, c->misc_name);
	/* Bytes the peer sent before we were here, and a writer it has
	 * waiting for space we may have freed before a reload. */
	kchan_kick(c);
	return c;

err_misc:
	misc_deregister(&c->misc);
err_line:
	mutex_lock(&lines_lock);
	lines[line] = NULL;
	mutex_unlock(&lines_lock);
err_unmap:
err_port:
	tty_port_put(&c->port);  /* kchan_port_destruct */
	return ERR_PTR(ret);
}

int kchan_retire(struct kchan *c)
{
	int ret = 0;

	mutex_lock(&c->user_lock);
	if (c->user != KCHAN_FREE)
		ret = -EBUSY;
	else
		WRITE_ONCE(c->user, KCHAN_GONE);
	mutex_unlock(&c->user_lock);
	return ret;
}

/* Module exit, device removal, or a retired end: its devices go, the
 * memory with the last tty reference. */
void kchan_destroy(struct kchan *c)
{
	tty_port_tty_hangup(&c->port, false);
	tty_unregister_device(kchan_drv, c->line);
	misc_deregister(&c->misc);
	mutex_lock(&lines_lock);
	lines[c->line] = NULL;
	mutex_unlock(&lines_lock);
	cancel_delayed_work_sync(&c->rx_work);
	tty_port_put(&c->port);
}

/* Raw, 8-bit, no echo: a byte stream, reset at every first open. */
static void kchan_termios(struct ktermios *t)
{
	*t = tty_std_termios;
	t->c_iflag = 0;
	t->c_oflag = 0;
	t->c_lflag = 0;
	t->c_cflag = B115200 | CS8 | CREAD | CLOCAL;
	t->c_ispeed = 115200;
	t->c_ospeed = 115200;
}

int kchan_init(void)
{
	struct tty_driver *drv;
	int ret;

	drv = tty_alloc_driver(KCHAN_MAX_ENDS, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV |
					       TTY_DRIVER_RESET_TERMIOS);
	if (IS_ERR(drv))
		return PTR_ERR(drv);
	drv->driver_name = "keelchan";
	drv->name = "ttyKC";
	drv->major = 0;
	drv->type = TTY_DRIVER_TYPE_SERIAL;
	drv->subtype = SERIAL_TYPE_NORMAL;
	kchan_termios(&drv->init_termios);
	tty_set_operations(drv, &kchan_tty_ops);
	ret = tty_register_driver(drv);
	if (ret) {
		tty_driver_kref_put(drv);
		return ret;
	}
	kchan_drv = drv;
	return 0;
}

void kchan_exit(void)
{
	tty_unregister_driver(kchan_drv);
	tty_driver_kref_put(kchan_drv);
	kchan_drv = NULL;
}
