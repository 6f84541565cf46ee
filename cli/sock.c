// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Client side of keeld's UNIX socket protocol. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock.h"

/* Responses carrying another seq (none today) are skipped, at most this many. */
#define SOCK_MAX_SKIPPED 16

const char *sock_path(void)
{
	const char *p = getenv("KEEL_SOCK");

	return p && *p ? p : KEEL_SOCK_PATH;
}

/* Host byte order: both ends run in VM0. */
void sock_hdr_encode(void *buf, uint16_t type, uint32_t len, uint32_t seq)
{
	struct keel_sock_hdr h = {
	    .magic = KEEL_SOCK_MAGIC,
	    .revision = KEEL_SOCK_REVISION,
	    .type = type,
	    .len = len,
	    .seq = seq,
	};

	memcpy(buf, &h, sizeof(h));
}

int sock_hdr_decode(const void *buf, size_t n, uint16_t want_type, struct keel_sock_hdr *hdr,
		    char *err, size_t errlen)
{
	struct keel_sock_hdr h;

	if (n < sizeof(h)) {
		snprintf(err, errlen, "short header from keeld (%zu of %zu bytes)", n, sizeof(h));
		return -EPROTO;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic != KEEL_SOCK_MAGIC) {
		snprintf(err, errlen, "bad magic 0x%08x from keeld (not a keeld socket?)", h.magic);
		return -EPROTO;
	}
	if (h.revision != KEEL_SOCK_REVISION) {
		snprintf(err, errlen, "keeld speaks socket revision %u, keel speaks %u", h.revision,
			 KEEL_SOCK_REVISION);
		return -EPROTO;
	}
	if (h.type != want_type) {
		snprintf(err, errlen, "unexpected message type %u from keeld", h.type);
		return -EPROTO;
	}
	if (h.len > KEEL_SOCK_MAX_PAYLOAD) {
		snprintf(err, errlen, "message of %u bytes from keeld is over the %u limit", h.len,
			 KEEL_SOCK_MAX_PAYLOAD);
		return -EMSGSIZE;
	}
	*hdr = h;
	return 0;
}

/* Header and compact JSON in one malloc'd buffer, ready to send. */
int sock_frame(const json_t *msg, uint16_t type, uint32_t seq, char **frame, size_t *len)
{
	size_t n = json_dumpb(msg, NULL, 0, JSON_COMPACT);
	char *buf;

	if (n == 0)
		return -EINVAL;
	if (n > KEEL_SOCK_MAX_PAYLOAD)
		return -EMSGSIZE;
	buf = malloc(SOCK_HDR_LEN + n);
	if (!buf)
		return -ENOMEM;
	if (json_dumpb(msg, buf + SOCK_HDR_LEN, n, JSON_COMPACT) != n) {
		free(buf);
		return -EINVAL;
	}
	sock_hdr_encode(buf, type, (uint32_t)n, seq);
	*frame = buf;
	*len = SOCK_HDR_LEN + n;
	return 0;
}

/*
 * {"ok": true, "result": {...}} -> 0 and *result (an empty object when
 * absent). {"ok": false, "errno": N, "error": "..."} -> N (positive) with
 * keeld's text in err. Anything else -> -EPROTO.
 */
int sock_parse_response(const char *payload, size_t len, json_t **result, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *msg = json_loadb(payload, len, 0, &jerr);
	json_t *ok, *res;
	int rc;

	if (!msg || !json_is_object(msg)) {
		snprintf(err, errlen, "keeld sent a malformed response (%s)",
			 msg ? "not an object" : jerr.text);
		json_decref(msg);
		return -EPROTO;
	}
	ok = json_object_get(msg, "ok");
	if (!json_is_boolean(ok)) {
		snprintf(err, errlen, "keeld sent a response without \"ok\"");
		json_decref(msg);
		return -EPROTO;
	}
	if (json_is_true(ok)) {
		res = json_object_get(msg, "result");
		*result = res ? json_incref(res) : json_object();
		json_decref(msg);
		return 0;
	}
	rc = (int)json_integer_value(json_object_get(msg, "errno"));
	rc = rc < 0 ? -rc : rc;
	if (rc == 0)
		rc = EIO;
	if (json_is_string(json_object_get(msg, "error")))
		snprintf(err, errlen, "%s", json_string_value(json_object_get(msg, "error")));
	else
		snprintf(err, errlen, "keeld: %s", strerror(rc));
	json_decref(msg);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Returns bytes read: fewer than n only at end of stream. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static void io_error(char *err, size_t errlen, const char *what, ssize_t rc)
{
	if (rc == -EAGAIN || rc == -EWOULDBLOCK)
		snprintf(err, errlen, "keeld did not answer within %d s", SOCK_TIMEOUT_S);
	else
		snprintf(err, errlen, "%s keeld: %s", what, strerror((int)-rc));
}

int sock_exchange(int fd, const json_t *req, uint32_t seq, json_t **result, char *err,
		  size_t errlen)
{
	struct keel_sock_hdr h;
	char hbuf[SOCK_HDR_LEN];
	char *frame, *payload;
	size_t flen;
	ssize_t r;
	int rc;

	rc = sock_frame(req, KEEL_SOCK_REQUEST, seq, &frame, &flen);
	if (rc) {
		snprintf(err, errlen, "cannot build request: %s", strerror(-rc));
		return rc;
	}
	rc = write_all(fd, frame, flen);
	free(frame);
	if (rc) {
		io_error(err, errlen, "cannot send to", rc);
		return rc;
	}
	for (int skipped = 0; skipped <= SOCK_MAX_SKIPPED; skipped++) {
		r = read_full(fd, hbuf, sizeof(hbuf));
		if (r < 0) {
			io_error(err, errlen, "cannot read from", r);
			return (int)r;
		}
		if (r == 0) {
			snprintf(err, errlen, "keeld closed the connection without answering");
			return -ECONNRESET;
		}
		rc = sock_hdr_decode(hbuf, (size_t)r, KEEL_SOCK_RESPONSE, &h, err, errlen);
		if (rc)
			return rc;
		payload = malloc(h.len ? h.len : 1);
		if (!payload) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		r = read_full(fd, payload, h.len);
		if (r >= 0 && (size_t)r < h.len) {
			snprintf(err, errlen, "short message from keeld (%zd of %u bytes)", r,
				 h.len);
			r = -EPROTO;
		} else if (r < 0) {
			io_error(err, errlen, "cannot read from", r);
		}
		if (r < 0) {
			free(payload);
			return (int)r;
		}
		if (h.seq != seq) {
			free(payload);
			continue;
		}
		rc = sock_parse_response(payload, h.len, result, err, errlen);
		free(payload);
		return rc;
	}
	snprintf(err, errlen, "keeld never answered request %u", seq);
	return -EPROTO;
}

int sock_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = SOCK_TIMEOUT_S};
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "socket: %s", strerror(e));
		return -e;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		/* No socket, or a stale one left by a keeld that died. */
		if (e == ENOENT || e == ECONNREFUSED)
			snprintf(
			    err, errlen,
			    "cannot reach keeld at %s: %s (start it with `keel system daemon`)",
			    path, strerror(e));
		else
			snprintf(err, errlen, "cannot reach keeld at %s: %s", path, strerror(e));
		return -e;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

int sock_call(const json_t *req, json_t **result, char *err, size_t errlen)
{
	static uint32_t seq;
	int fd, rc;

	if (!req) {
		snprintf(err, errlen, "cannot build request: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	fd = sock_connect(sock_path(), err, errlen);
	if (fd < 0)
		return fd;
	rc = sock_exchange(fd, req, ++seq, result, err, errlen);
	close(fd);
	return rc;
}
