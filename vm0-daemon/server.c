// SPDX-License-Identifier: GPL-2.0
/*
 * The keel <-> keeld socket. Clients are untrusted bytes: headers are
 * checked before any payload is buffered, payloads are capped, and nothing
 * a client sends can do worse than get an error answer and a closed
 * connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "commands.h"
#include "config/config.h"
#include "frame.h"
#include "log.h"
#include "server.h"

#define SERVER_MAX_CLIENTS 64
#define HDR_SIZE sizeof(struct keel_sock_hdr)

static const struct cmd commands[] = {
	{ "daemon.ping", cmd_daemon_ping },
	{ "system.info", cmd_system_info },
	{ "vm.config", cmd_vm_config },
	{ "vm.boot", cmd_vm_boot },
	{ "vm.list", cmd_vm_list },
	{ "vm.info", cmd_vm_info },
	{ "vm.shutdown", cmd_vm_shutdown },
	{ "vm.reboot", cmd_vm_reboot },
	{ "vm.remove", cmd_vm_remove },
	{ "vm.console_history", cmd_vm_console_history },
	{ "net.list", cmd_net_list },
	{ "vm.screenshot", cmd_vm_screenshot },
	{ "vm.display", cmd_vm_display },
};

static const struct cmd *commands_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

struct server {
	struct keeld *kd;
	uv_pipe_t listener;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned nclients;
};

struct client {
	uv_pipe_t pipe;
	struct server *srv;
	char *buf;
	size_t len, cap;
	unsigned refs;     /* the pipe, plus each held request */
	bool closing;
	bool held;         /* a request waits for its answer: read nothing more */
};

struct req {
	struct client *c;
	uint32_t seq;
};

struct reply {
	uv_write_t w;
	struct keel_sock_hdr hdr;
	char *payload;
	struct client *c;
};

static void client_process(struct client *c);

static void client_unref(struct client *c)
{
	if (--c->refs)
		return;
	c->srv->nclients--;
	free(c->buf);
	free(c);
}

static void client_closed(uv_handle_t *h)
{
	client_unref(h->data);
}

static void client_close(struct client *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->pipe, client_closed);
}

static void client_shutdown_done(uv_shutdown_t *s, int status)
{
	client_close(s->data);
	free(s);
}

/* Close once queued answers are written (uv_close would drop them). */
static void client_close_after_writes(struct client *c)
{
	uv_shutdown_t *s = malloc(sizeof(*s));

	uv_read_stop((uv_stream_t *)&c->pipe);
	if (!s || uv_shutdown(s, (uv_stream_t *)&c->pipe, client_shutdown_done)) {
		free(s);
		client_close(c);
		return;
	}
	s->data = c;
}

static void reply_written(uv_write_t *w, int status)
{
	struct reply *r = (struct reply *)w;

	free(r->payload);
	client_unref(r->c);
	free(r);
}

static void client_send(struct client *c, uint32_t seq, int rc, json_t *result, const char *err)
{
	struct reply *r;
	size_t len = 0;
	uv_buf_t bufs[2];

	if (c->closing) {
		json_decref(result);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		json_decref(result);
		client_close(c);
		return;
	}
	r->payload = response_build(rc, result, err, &len);
	if (r->payload && len > KEEL_SOCK_MAX_PAYLOAD) {
		free(r->payload);
		r->payload = response_build(-EMSGSIZE, NULL, "the answer is too large", &len);
	}
	if (!r->payload) {
		free(r);
		client_close(c);
		return;
	}
	r->hdr = (struct keel_sock_hdr){
		.magic = KEEL_SOCK_MAGIC,
		.revision = KEEL_SOCK_REVISION,
		.type = KEEL_SOCK_RESPONSE,
		.len = (uint32_t)len,
		.seq = seq,
	};
	r->c = c;
	c->refs++;
	bufs[0] = uv_buf_init((char *)&r->hdr, HDR_SIZE);
	bufs[1] = uv_buf_init(r->payload, (unsigned)len);
	if (uv_write(&r->w, (uv_stream_t *)&c->pipe, bufs, 2, reply_written)) {
		free(r->payload);
		free(r);
		client_unref(c);
		client_close(c);
	}
}

struct req *server_hold(struct req *req)
{
	req->c->held = true;
	req->c->refs++;
	uv_read_stop((uv_stream_t *)&req->c->pipe);
	return req;
}

static void client_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void client_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct client *c = h->data;
	size_t want = c->len + 65536;

	if (want > c->cap) {
		char *nb = realloc(c->buf, want);

		if (!nb) {
			*buf = uv_buf_init(NULL, 0);
			return;
		}
		c->buf = nb;
		c->cap = want;
	}
	*buf = uv_buf_init(c->buf + c->len, (unsigned)(c->cap - c->len));
}

void server_finish(struct req *req, int rc, json_t *result, const char *err)
{
	struct client *c = req->c;

	client_send(c, req->seq, rc, result, err);
	free(req);
	c->held = false;
	if (!c->closing) {
		uv_read_start((uv_stream_t *)&c->pipe, client_alloc, client_on_read);
		/* Requests that arrived while this one was held. */
		client_process(c);
	}
	client_unref(c);
}

static void client_dispatch(struct client *c, uint32_t seq, const char *payload, size_t len)
{
	char err[CFG_ERR_MAX] = "";
	const struct cmd *cmd;
	json_t *root, *args, *result = NULL;
	const char *name;
	struct req *req;
	int r;

	r = request_parse(payload, len, &root, &name, &args, err, sizeof(err));
	if (r) {
		client_send(c, seq, r, NULL, err);
		return;
	}
	cmd = commands_find(name);
	if (!cmd) {
		snprintf(err, sizeof(err), "unknown command '%.64s'", name);
		client_send(c, seq, -ENOSYS, NULL, err);
		json_decref(root);
		return;
	}
	req = calloc(1, sizeof(*req));
	if (!req) {
		client_send(c, seq, -ENOMEM, NULL, NULL);
		json_decref(root);
		return;
	}
	req->c = c;
	req->seq = seq;
	r = cmd->fn(c->srv->kd, args, req, &result, err, sizeof(err));
	json_decref(root);
	if (r == CMD_HELD)
		return;
	client_send(c, seq, r, result, err);
	free(req);
}

static void client_process(struct client *c)
{
	char err[256];

	while (!c->held && !c->closing && c->len >= HDR_SIZE) {
		struct keel_sock_hdr h;
		size_t total;
		int r;

		memcpy(&h, c->buf, HDR_SIZE);
		r = frame_check(&h, err, sizeof(err));
		if (r == -EPROTO || r == -EMSGSIZE) {
			client_send(c, h.seq, r, NULL, err);
			client_close_after_writes(c);
			return;
		}
		total = HDR_SIZE + h.len;
		if (c->len < total)
			return;  /* the rest of the payload is on its way */
		if (r)
			client_send(c, h.seq, r, NULL, err);
		else
			client_dispatch(c, h.seq, c->buf + HDR_SIZE, h.len);
		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
	}
}

static void client_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct client *c = s->data;

	if (n < 0) {
		if (n != UV_EOF)
			klog("client: %s", uv_strerror((int)n));
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	client_process(c);
}

static void server_on_connect(uv_stream_t *l, int status)
{
	struct server *srv = l->data;
	struct client *c;

	if (status < 0) {
		klog("accept: %s", uv_strerror(status));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c || uv_pipe_init(srv->kd->loop, &c->pipe, 0)) {
		free(c);
		return;
	}
	c->pipe.data = c;
	c->srv = srv;
	c->refs = 1;
	srv->nclients++;
	if (uv_accept(l, (uv_stream_t *)&c->pipe) || srv->nclients > SERVER_MAX_CLIENTS) {
		client_close(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->pipe, client_alloc, client_on_read);
}

/* mkdir -p for the socket's folder */
static int mkdirs(const char *path)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	p = strrchr(tmp, '/');
	if (!p || p == tmp)
		return 0;
	*p = 0;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Is another keeld answering on path? (Then its socket is not stale.) */
static bool socket_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	alive = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return alive;
}

int server_start(struct keeld *kd, const char *path, char *err, size_t errlen)
{
	struct server *srv = calloc(1, sizeof(*srv));
	int r;

	if (!srv)
		return -ENOMEM;
	if (strlen(path) >= sizeof(srv->path)) {
		snprintf(err, errlen, "%s: path too long for a UNIX socket", path);
		free(srv);
		return -ENAMETOOLONG;
	}
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	srv->kd = kd;
	if ((r = mkdirs(path))) {
		snprintf(err, errlen, "%s: creating its folder: %s", path, strerror(-r));
		free(srv);
		return r;
	}
	if (socket_alive(path)) {
		snprintf(err, errlen, "%s: another keeld is running", path);
		free(srv);
		return -EADDRINUSE;
	}
	unlink(path);  /* stale, from a keeld that died */
	uv_pipe_init(kd->loop, &srv->listener, 0);
	srv->listener.data = srv;
	r = uv_pipe_bind(&srv->listener, path);
	if (!r) {
		chmod(path, 0660);  /* root (and the keel group) only */
		r = uv_listen((uv_stream_t *)&srv->listener, 16, server_on_connect);
	}
	if (r) {
		snprintf(err, errlen, "%s: %s", path, uv_strerror(r));
		uv_close((uv_handle_t *)&srv->listener, NULL);
		/* freed after the loop runs the close; keeld exits on this error anyway */
		return r;
	}
	kd->server = srv;
	return 0;
}

static void listener_closed(uv_handle_t *h)
{
	free(h->data);
}

void server_stop(struct keeld *kd)
{
	struct server *srv = kd->server;

	if (!srv)
		return;
	unlink(srv->path);
	uv_close((uv_handle_t *)&srv->listener, listener_closed);
	kd->server = NULL;
}
