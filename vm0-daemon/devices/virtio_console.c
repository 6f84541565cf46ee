// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console's queues: port 0's output and input, and the MULTIPORT
 * control handshake that makes port 0 the guest's console.
 * virtio_console.h says what is offered and guaranteed.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>

#include "devices/virtio_console.h"
#include "log.h"
#include "virtio/serve.h"

enum { VCONS_RXQ, VCONS_TXQ, VCONS_CTRL_RXQ, VCONS_CTRL_TXQ, VCONS_NR_QUEUES };

#define VCONS_CTRL_PENDING 8    /* control messages waiting for a buffer */
#define VCONS_CTRL_MAX 12       /* a header and a RESIZE's payload */
#define VCONS_STAGE 4096        /* input read ahead of a receiveq buffer */

struct vcons_msg {
	uint8_t len;
	uint8_t b[VCONS_CTRL_MAX];
};

struct vcons {
	struct virtio_mmio *t;
	struct vcons_io io;
	struct virtio_console_config cfg; /* little-endian, as the guest reads it */
	bool running;                     /* between DRIVER_OK and reset */
	bool multiport;                   /* negotiated */
	bool port_open;                   /* the guest opened port 0 (MULTIPORT) */
	bool input_waiting;               /* the host may hold bytes for the guest */
	unsigned nctrl;
	struct vcons_msg ctrl[VCONS_CTRL_PENDING];
	size_t nstage, stage_off;
	uint8_t stage[VCONS_STAGE];
	struct vq_chain *chain;           /* vq_pop scratch: too big for the stack */
	struct vcons_stats stats;
};

/* The queue-walking of every queue of this device (virtio/serve.h). */
static struct virtio_server vcons_server(struct vcons *c)
{
	return (struct virtio_server){ .t = c->t, .chain = c->chain, .bad = &c->stats.bad, .dev = c };
}

/* ---- port 0 ---- */

static uint32_t vcons_out(void *dev, unsigned qi, const struct vq_chain *ch)
{
	struct vcons *c = dev;

	(void)qi;
	/* The guest may change its buffer while we copy: it gets what it
	 * printed, or garbage it wrote itself, never anything else. */
	for (unsigned i = 0; i < ch->n_out; i++)
		if (ch->seg[i].len)
			c->io.write(c->io.opaque, ch->seg[i].host, ch->seg[i].len);
	c->stats.out_bytes += ch->out_bytes;
	c->stats.out_chains++;
	return 0;
}

/* Input is staged before a chain is popped, since a popped chain cannot be
 * handed back: with nothing staged there is nothing to pop for. */
static bool vcons_stage(void *dev)
{
	struct vcons *c = dev;
	int n;

	if (c->stage_off < c->nstage)
		return true;
	c->nstage = c->stage_off = 0;
	if (!c->input_waiting)
		return false;
	n = c->io.read(c->io.opaque, c->stage, sizeof(c->stage));
	if (n <= 0) {
		if (n < 0 && n != -EAGAIN)
			klog("virtio-console: input: %s", strerror(-n));
		c->input_waiting = false;
		return false;
	}
	/* A short read drained the host. */
	c->input_waiting = (size_t)n == sizeof(c->stage);
	c->nstage = (size_t)n;
	return true;
}

static uint32_t vcons_in(void *dev, unsigned qi, const struct vq_chain *ch)
{
	struct vcons *c = dev;
	uint64_t n = c->nstage - c->stage_off;

	(void)qi;
	n = vq_chain_write(ch, 0, c->stage + c->stage_off, n);
	c->stage_off += n;
	c->stats.in_bytes += n;
	c->stats.in_chains++;
	return (uint32_t)n;
}

static bool vcons_port_ready(const struct vcons *c)
{
	return c->running && (!c->multiport || c->port_open);
}

/* Move staged and waiting input into receiveq buffers, chain by chain,
 * until one of them runs out. */
static void vcons_fill_rx(struct vcons *c)
{
	struct virtio_server sv = vcons_server(c);

	if (vcons_port_ready(c))
		virtio_serve_fill(&sv, VCONS_RXQ, vcons_stage, vcons_in, "corrupt receive ring");
}

void vcons_input(struct vcons *c)
{
	c->input_waiting = true;
	vcons_fill_rx(c);
}

/* ---- the control queues (MULTIPORT) ---- */

static void vcons_ctrl_queue(struct vcons *c, uint16_t event, uint16_t value, const void *extra,
			     size_t extra_len)
{
	struct vcons_msg *m;
	struct virtio_console_control h = {
		.id = htole32(0),
		.event = htole16(event),
		.value = htole16(value),
	};

	/* The handshake queues at most three at a time; a driver that
	 * repeats it without reading cannot grow this. */
	if (c->nctrl == VCONS_CTRL_PENDING) {
		c->stats.bad++;
		return;
	}
	m = &c->ctrl[c->nctrl++];
	memcpy(m->b, &h, sizeof(h));
	if (extra_len)
		memcpy(m->b + sizeof(h), extra, extra_len);
	m->len = (uint8_t)(sizeof(h) + extra_len);
}

static bool vcons_ctrl_pending(void *dev)
{
	return ((struct vcons *)dev)->nctrl != 0;
}

static uint32_t vcons_ctrl_send_one(void *dev, unsigned qi, const struct vq_chain *ch)
{
	struct vcons *c = dev;
	struct vcons_msg m = c->ctrl[0];

	(void)qi;
	memmove(&c->ctrl[0], &c->ctrl[1], (c->nctrl - 1) * sizeof(c->ctrl[0]));
	c->nctrl--;
	c->stats.ctrl_in++;
	if (ch->in_bytes < m.len) {
		c->stats.bad++;
		return 0;
	}
	return (uint32_t)vq_chain_write(ch, 0, m.b, m.len);
}

/* Pending control messages into the driver's control receiveq. */
static void vcons_ctrl_flush(struct vcons *c)
{
	struct virtio_server sv = vcons_server(c);

	virtio_serve_fill(&sv, VCONS_CTRL_RXQ, vcons_ctrl_pending, vcons_ctrl_send_one,
			  "corrupt control receive ring");
}

/* One message from the driver, copied before it is looked at. */
static uint32_t vcons_ctrl_recv(void *dev, unsigned qi, const struct vq_chain *ch)
{
	struct vcons *c = dev;
	struct virtio_console_control h;
	uint16_t event, value;

	(void)qi;
	c->stats.ctrl_out++;
	if (vq_chain_read(ch, 0, &h, sizeof(h)) != sizeof(h)) {
		c->stats.bad++;
		return 0;
	}
	event = le16toh(h.event);
	value = le16toh(h.value);
	switch (event) {
	case VIRTIO_CONSOLE_DEVICE_READY:
		if (value)
			vcons_ctrl_queue(c, VIRTIO_CONSOLE_PORT_ADD, 0, NULL, 0);
		break;
	case VIRTIO_CONSOLE_PORT_READY:
		if (le32toh(h.id) != 0 || !value)
			break;
		{
			/* struct virtio_console_resize: cols, then rows (the
			 * spec's order, and Linux 6.1's: a guest's hvc0 came up
			 * 24 columns wide the other way round). */
			uint16_t size[2] = { htole16(VCONS_COLS), htole16(VCONS_ROWS) };

			vcons_ctrl_queue(c, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL, 0);
			vcons_ctrl_queue(c, VIRTIO_CONSOLE_RESIZE, 0, size, sizeof(size));
			/* The host side (/dev/hvc<id>) is always there. */
			vcons_ctrl_queue(c, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL, 0);
		}
		break;
	case VIRTIO_CONSOLE_PORT_OPEN:
		if (le32toh(h.id) == 0) {
			c->port_open = value != 0;
			if (c->t->changed)
				c->t->changed(c->t->changed_opaque);
		}
		break;
	default:
		/* PORT_NAME, PORT_REMOVE, ... are the device's to send. */
		c->stats.bad++;
		break;
	}
	return 0;
}

/* ---- virtio_dev_ops ---- */

static void vcons_kick(void *dev, unsigned q)
{
	struct vcons *c = dev;
	struct virtio_server sv = vcons_server(c);

	if (!c->running)
		return;
	switch (q) {
	case VCONS_TXQ:
		virtio_serve_avail(&sv, q, vcons_out);
		break;
	case VCONS_RXQ:
		vcons_fill_rx(c);
		break;
	case VCONS_CTRL_TXQ:
		if (!c->multiport)
			break;
		virtio_serve_avail(&sv, q, vcons_ctrl_recv);
		vcons_ctrl_flush(c);
		/* The port may have opened: input typed meanwhile. */
		vcons_fill_rx(c);
		break;
	case VCONS_CTRL_RXQ:
		if (c->multiport)
			vcons_ctrl_flush(c);
		break;
	}
}

static void vcons_start(void *dev)
{
	struct vcons *c = dev;

	c->running = true;
	c->multiport = virtio_mmio_features(c->t) & (1ULL << VIRTIO_CONSOLE_F_MULTIPORT);
	c->port_open = false;
	c->nctrl = 0;
	/* Typed while the driver was not there. */
	c->input_waiting = true;
}

static void vcons_reset(void *dev)
{
	struct vcons *c = dev;

	c->running = false;
	c->port_open = false;
	c->nctrl = 0;
}

static uint64_t vcons_features(void *dev)
{
	return 1ULL << VIRTIO_CONSOLE_F_SIZE | 1ULL << VIRTIO_CONSOLE_F_MULTIPORT;
}

static uint32_t vcons_config_size(void *dev)
{
	return sizeof(struct virtio_console_config);
}

static void vcons_config_read(void *dev, uint32_t off, void *buf, unsigned len)
{
	memcpy(buf, (const uint8_t *)&((struct vcons *)dev)->cfg + off, len);
}

const struct virtio_dev_ops vcons_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.nr_queues = VCONS_NR_QUEUES,
	.queue_max = VCONS_QUEUE_MAX,
	.features = vcons_features,
	.config_size = vcons_config_size,
	.config_read = vcons_config_read,
	.config_write = NULL, /* emerg_wr needs EMERG_WRITE, not offered */
	.start = vcons_start,
	.kick = vcons_kick,
	.reset = vcons_reset,
};

int vcons_create(struct vcons **out, struct virtio_mmio *t, const struct vcons_io *io)
{
	struct vcons *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c || !(c->chain = malloc(sizeof(*c->chain)))) {
		free(c);
		return -ENOMEM;
	}
	c->t = t;
	c->io = *io;
	c->cfg.cols = htole16(VCONS_COLS);
	c->cfg.rows = htole16(VCONS_ROWS);
	c->cfg.max_nr_ports = htole32(1);
	*out = c;
	return 0;
}

void vcons_destroy(struct vcons *c)
{
	if (!c)
		return;
	free(c->chain);
	free(c);
}

void vcons_get_stats(const struct vcons *c, struct vcons_stats *out)
{
	*out = c->stats;
}

json_t *vcons_save(const struct vcons *c)
{
	return json_pack("{s:b}", "port_open", c->port_open);
}

void vcons_restore(struct vcons *c, const json_t *state)
{
	c->port_open = json_is_true(json_object_get(state, "port_open"));
}
