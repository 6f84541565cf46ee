// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: both ends of the keel <-> keeld socket protocol
 * (proto/keel/sock.h), with the first byte's low bit choosing the end.
 *
 * keeld: a client connects to keeld's real server (server.c, frame.c,
 * commands.c and what they call, on a libuv loop, on a UNIX socket in a
 * temporary folder) and sends a program of raw chunks, well-framed
 * requests and headers with fuzzed fields, split at fuzzed points, with
 * the loop run in between. keeld must never crash, must close the
 * connection once the client has hung up, and must answer exactly as the
 * protocol says: the harness re-frames the bytes it sent with its own
 * reading of sock.h and expects one well-formed response (checked with
 * the cli's own decoder) per complete request, in order, with its seq,
 * and the right errno for bad headers. The hypervisor is nodev.c's double
 * (there is none on the build host), so no VM is ever created.
 *
 * cli: the input is what a hostile or broken keeld answers to one request
 * (cli/sock.c's sock_exchange over a socketpair). keel must return a
 * result or an error message, never crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include <keel/sock.h>

#include "input.h"
#include "../../cli/sock.h"
#include "dev.h"
#include "frame.h"
#include "keeld.h"
#include "log.h"
#include "server.h"

#define HDR sizeof(struct keel_sock_hdr)
#define MAX_PUMPS 2000 /* loop turns for keeld to close a hung-up client */

/* A growable byte buffer. */
struct bytes {
	uint8_t *p;
	size_t n, cap;
};

static struct keeld kd;
static char dir[64], path[128];
static struct bytes sent, got;
static bool peer_closed;

static void fail(const char *what, long long a, long long b)
{
	fprintf(stderr, "fuzz_sock: %s (%lld, %lld)\n", what, a, b);
	abort();
}

static void bytes_add(struct bytes *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

/* Let keeld run, then take whatever it answered. */
static void pump(int fd)
{
	uint8_t buf[4096];
	ssize_t n;

	for (int i = 0; i < 4; i++)
		uv_run(kd.loop, UV_RUN_NOWAIT);
	while (!peer_closed) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0)
			bytes_add(&got, buf, (size_t)n);
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			peer_closed = true; /* EOF, or ECONNRESET after keeld closed */
		else
			break;
	}
}

/* Send all of it, letting keeld read when the socket is full. False once
 * keeld has closed the connection. */
static bool send_all(int fd, const uint8_t *p, size_t n)
{
	while (n && !peer_closed) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w > 0) {
			bytes_add(&sent, p, (size_t)w);
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			pump(fd);
		} else {
			return false;
		}
	}
	return !n;
}

static size_t take_len(struct input *in, unsigned max)
{
	size_t len = take(in, 2) % (max + 1);

	return len < in->n ? len : in->n;
}

/* One program step; false when keeld has hung up. */
static bool step(int fd, struct input *in)
{
	uint8_t op = (uint8_t)take(in, 1);
	struct keel_sock_hdr h = {
		.magic = KEEL_SOCK_MAGIC,
		.revision = KEEL_SOCK_REVISION,
		.type = KEEL_SOCK_REQUEST,
	};
	size_t len, cut;
	uint8_t frame[HDR + 4096];

	switch (op & 3) {
	case 0: /* raw bytes */
		len = take_len(in, 4096);
		send_all(fd, in->p, len);
		in->p += len;
		in->n -= len;
		break;
	case 1: /* a well-framed request, sent in two parts */
		h.seq = (uint32_t)take(in, 1);
		len = take_len(in, 4096);
		h.len = (uint32_t)len;
		memcpy(frame, &h, HDR);
		memcpy(frame + HDR, in->p, len);
		in->p += len;
		in->n -= len;
		cut = take(in, 2) % (HDR + len + 1);
		send_all(fd, frame, cut);
		pump(fd);
		send_all(fd, frame + cut, HDR + len - cut);
		break;
	case 2: /* a right magic with fuzzed fields */
		h.revision = (uint16_t)take(in, 1);
		h.type = (uint16_t)take(in, 1);
		h.len = (uint32_t)take(in, 4);
		if (op & 4) /* mostly around the limit, where off-by-ones live */
			h.len = KEEL_SOCK_MAX_PAYLOAD - 2 + (h.len & 3);
		else
			h.len %= 64;
		h.seq = (uint32_t)take(in, 4);
		send_all(fd, (uint8_t *)&h, HDR);
		break;
	case 3:
		pump(fd);
		break;
	}
	return !peer_closed;
}

/*
 * The responses keeld owes for the bytes sent, by sock.h's rules read
 * independently of server.c: a bad magic or an oversized length gets one
 * answer and ends the connection; another bad header gets one answer and
 * its payload skipped; a complete request gets one answer.
 */
static void check_answers(void)
{
	size_t s = 0, g = 0;

	while (sent.n - s >= HDR) {
		struct keel_sock_hdr h, r;
		char err[1024] = "";
		json_t *result = NULL;
		int want = 0, rc;
		bool last = false;

		memcpy(&h, sent.p + s, HDR);
		if (h.magic != KEEL_SOCK_MAGIC)
			want = EPROTO, last = true;
		else if (h.len > KEEL_SOCK_MAX_PAYLOAD)
			want = EMSGSIZE, last = true;
		else if (sent.n - s - HDR < h.len)
			break; /* never completed: owed nothing */
		else if (h.revision != KEEL_SOCK_REVISION)
			want = EPROTONOSUPPORT;
		else if (h.type != KEEL_SOCK_REQUEST)
			want = EBADMSG;

		if (got.n - g < HDR)
			fail("a request got no answer", (long long)s, h.seq);
		rc = sock_hdr_decode(got.p + g, got.n - g, KEEL_SOCK_RESPONSE, &r, err, sizeof(err));
		if (rc)
			fail("keeld sent a header the cli refuses", rc, (long long)g);
		if (r.seq != h.seq)
			fail("answer out of order (seq)", r.seq, h.seq);
		if (got.n - g - HDR < r.len)
			fail("answer shorter than its header says", r.len, (long long)(got.n - g));
		rc = sock_parse_response((const char *)got.p + g + HDR, r.len, &result, err,
					 sizeof(err));
		if (rc < 0)
			fail("keeld sent a response the cli calls malformed", rc, r.seq);
		if (want && rc != want)
			fail("wrong errno for a bad header", rc, want);
		if (rc > 0 && !err[0])
			fail("an error answer without a message", rc, 0);
		json_decref(result);
		g += HDR + r.len;
		if (last)
			break;
		s += HDR + h.len;
	}
	if (g != got.n)
		fail("keeld sent more than it owed", (long long)got.n, (long long)g);
}

static void fuzz_keeld(struct input *in)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), turns;

	sent.n = got.n = 0;
	peer_closed = false;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		fail("cannot connect to keeld", errno, 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (in->n && step(fd, in))
		;
	/* Hang up our side: keeld must answer what is complete, then close. */
	shutdown(fd, SHUT_WR);
	for (turns = 0; !peer_closed && turns < MAX_PUMPS; turns++)
		pump(fd);
	if (!peer_closed)
		fail("keeld kept a hung-up client's connection open", (long long)got.n, 0);
	close(fd);
	/* Close callbacks (the client, failed VMs' timers) before the next
	 * input, or LeakSanitizer sees them as leaks. */
	for (int i = 0; i < 8; i++)
		uv_run(kd.loop, UV_RUN_NOWAIT);
	check_answers();
}

static void fuzz_cli(struct input *in)
{
	json_t *req = json_pack("{s:s, s:{s:i}}", "cmd", "vm.info", "args", "id", 1);
	json_t *result = NULL;
	char err[512];
	int sv[2], rc;

	if (!req || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	/* keeld's whole answer, then its end of the stream. */
	if (in->n && write(sv[1], in->p, in->n) != (ssize_t)in->n)
		abort();
	shutdown(sv[1], SHUT_WR);
	memset(err, 0x55, sizeof(err));
	rc = sock_exchange(sv[0], req, 7, &result, err, sizeof(err));
	if (rc == 0 && !result)
		fail("success without a result", 0, 0);
	if (rc != 0 && (!memchr(err, 0, sizeof(err)) || !err[0]))
		fail("failure without a message", rc, 0);
	json_decref(result);
	json_decref(req);
	close(sv[0]);
	close(sv[1]);
}

static void cleanup(void)
{
	server_stop(&kd);
	uv_run(kd.loop, UV_RUN_NOWAIT);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	signal(SIGPIPE, SIG_IGN); /* as keeld's main() does */
	snprintf(dir, sizeof(dir), "/tmp/keel-fuzz-sock-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/keeld.sock", dir);
	kd.loop = uv_default_loop();
	dev_sysinfo(kd.dev, &kd.si);
	if (server_start(&kd, path, err, sizeof(err))) {
		fprintf(stderr, "fuzz_sock: %s\n", err);
		abort();
	}
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};

	if (take(&in, 1) & 1)
		fuzz_cli(&in);
	else
		fuzz_keeld(&in);
	return 0;
}
