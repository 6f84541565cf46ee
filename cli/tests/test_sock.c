// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Socket framing: encode/decode, responses, and garbage from the peer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "../sock.h"

static void test_hdr_roundtrip(void **state)
{
	unsigned char buf[SOCK_HDR_LEN];
	struct keel_sock_hdr h;
	char err[256];

	sock_hdr_encode(buf, KEEL_SOCK_RESPONSE, 123, 7);
	assert_int_equal(
	    sock_hdr_decode(buf, sizeof(buf), KEEL_SOCK_RESPONSE, &h, err, sizeof(err)), 0);
	assert_int_equal(h.magic, KEEL_SOCK_MAGIC);
	assert_int_equal(h.revision, KEEL_SOCK_REVISION);
	assert_int_equal(h.len, 123);
	assert_int_equal(h.seq, 7);
	/* "KSOC" little-endian on the wire, as both ends are in VM0. */
	assert_memory_equal(buf, "KSOC", 4);
	sock_hdr_encode(buf, KEEL_SOCK_RESPONSE, KEEL_SOCK_MAX_PAYLOAD, 1);
	assert_int_equal(
	    sock_hdr_decode(buf, sizeof(buf), KEEL_SOCK_RESPONSE, &h, err, sizeof(err)), 0);
}

static void test_hdr_garbage(void **state)
{
	unsigned char buf[SOCK_HDR_LEN];
	struct keel_sock_hdr h = {.seq = 0xdead};
	char err[256];

	sock_hdr_encode(buf, KEEL_SOCK_RESPONSE, 10, 1);
	assert_int_equal(sock_hdr_decode(buf, 5, KEEL_SOCK_RESPONSE, &h, err, sizeof(err)),
			 -EPROTO);
	assert_string_equal(err, "short header from keeld (5 of 16 bytes)");
	assert_int_equal(sock_hdr_decode(buf, 0, KEEL_SOCK_RESPONSE, &h, err, sizeof(err)),
			 -EPROTO);

	memcpy(buf, "HTTP/1.1 200 OK\r", 16);
	assert_int_equal(sock_hdr_decode(buf, 16, KEEL_SOCK_RESPONSE, &h, err, sizeof(err)),
			 -EPROTO);
	assert_non_null(strstr(err, "bad magic"));

	sock_hdr_encode(buf, KEEL_SOCK_RESPONSE, 10, 1);
	buf[4] = 9; /* revision */
	assert_int_equal(sock_hdr_decode(buf, 16, KEEL_SOCK_RESPONSE, &h, err, sizeof(err)),
			 -EPROTO);
	assert_string_equal(err, "keeld speaks socket revision 9, keel speaks 1");

	sock_hdr_encode(buf, KEEL_SOCK_REQUEST, 10, 1);
	assert_int_equal(sock_hdr_decode(buf, 16, KEEL_SOCK_RESPONSE, &h, err, sizeof(err)),
			 -EPROTO);

	sock_hdr_encode(buf, KEEL_SOCK_RESPONSE, KEEL_SOCK_MAX_PAYLOAD + 1, 1);
	assert_int_equal(sock_hdr_decode(buf, 16, KEEL_SOCK_RESPONSE, &h, err, sizeof(err)),
			 -EMSGSIZE);
	sock_hdr_encode(buf, KEEL_SOCK_RESPONSE, 0xffffffffU, 1);
	assert_int_equal(sock_hdr_decode(buf, 16, KEEL_SOCK_RESPONSE, &h, err, sizeof(err)),
			 -EMSGSIZE);
	assert_int_equal(h.seq, 0xdead); /* untouched on failure */
}

static void test_frame(void **state)
{
	json_t *req = json_pack("{s:s, s:{s:i}}", "cmd", "vm.boot", "args", "id", 1);
	const char *body = "{\"cmd\":\"vm.boot\",\"args\":{\"id\":1}}";
	struct keel_sock_hdr h;
	char *frame, err[256];
	size_t len;

	assert_int_equal(sock_frame(req, KEEL_SOCK_REQUEST, 5, &frame, &len), 0);
	assert_int_equal(len, SOCK_HDR_LEN + strlen(body));
	assert_int_equal(sock_hdr_decode(frame, len, KEEL_SOCK_REQUEST, &h, err, sizeof(err)), 0);
	assert_int_equal(h.len, strlen(body));
	assert_int_equal(h.seq, 5);
	assert_memory_equal(frame + SOCK_HDR_LEN, body, strlen(body));
	free(frame);
	json_decref(req);
}

static void test_response(void **state)
{
	json_t *res = NULL;
	char err[256];
#define RESP(s) sock_parse_response(s, strlen(s), &res, err, sizeof(err))

	assert_int_equal(RESP("{\"ok\": true, \"result\": {\"id\": 3}}"), 0);
	assert_int_equal(json_integer_value(json_object_get(res, "id")), 3);
	json_decref(res);
	assert_int_equal(RESP("{\"ok\": true}"), 0);
	assert_true(json_is_object(res));
	json_decref(res);

	assert_int_equal(RESP("{\"ok\": false, \"errno\": 22, \"error\": \"vm.json: cpu.num: 9 is "
			      "more than 8\"}"),
			 22);
	assert_string_equal(err, "vm.json: cpu.num: 9 is more than 8");
	assert_int_equal(RESP("{\"ok\": false, \"errno\": -2}"), 2);
	assert_string_equal(err, "keeld: No such file or directory");
	assert_int_equal(RESP("{\"ok\": false}"), EIO);

	assert_int_equal(RESP("{\"ok\": tru"), -EPROTO);
	assert_non_null(strstr(err, "malformed"));
	assert_int_equal(RESP("[1, 2]"), -EPROTO);
	assert_int_equal(RESP("{\"result\": {}}"), -EPROTO);
	assert_int_equal(RESP("{\"ok\": 1}"), -EPROTO);
	assert_int_equal(RESP(""), -EPROTO);
	assert_int_equal(sock_parse_response("{\"ok\":true}\0junk", 16, &res, err, sizeof(err)),
			 -EPROTO);
#undef RESP
}

/* Queue raw bytes from "keeld" before the client speaks: one-threaded. */
static void peer_send(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

static void peer_response(int fd, uint32_t seq, const char *json)
{
	unsigned char h[SOCK_HDR_LEN];

	sock_hdr_encode(h, KEEL_SOCK_RESPONSE, (uint32_t)strlen(json), seq);
	peer_send(fd, h, sizeof(h));
	peer_send(fd, json, strlen(json));
}

static int exchange(void (*fill)(int fd), json_t **res, char *err)
{
	json_t *req = json_pack("{s:s, s:{}}", "cmd", "vm.list", "args");
	int sv[2], rc;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fill(sv[1]);
	shutdown(sv[1], SHUT_WR);
	rc = sock_exchange(sv[0], req, 4, res, err, 256);
	close(sv[0]);
	close(sv[1]);
	json_decref(req);
	return rc;
}

static void fill_good(int fd)
{
	/* A stale answer to another request first: skipped. */
	peer_response(fd, 3, "{\"ok\": true, \"result\": {\"vms\": 0}}");
	peer_response(fd, 4, "{\"ok\": true, \"result\": {\"vms\": []}}");
}

static void fill_nothing(int fd)
{
}

static void fill_short_hdr(int fd)
{
	peer_send(fd, "KSOC\1\0", 6);
}

static void fill_garbage(int fd)
{
	peer_send(fd, "<html><body>hello there</body></html>", 37);
}

static void fill_oversize(int fd)
{
	unsigned char h[SOCK_HDR_LEN];

	sock_hdr_encode(h, KEEL_SOCK_RESPONSE, KEEL_SOCK_MAX_PAYLOAD + 1, 4);
	peer_send(fd, h, sizeof(h));
}

static void fill_truncated(int fd)
{
	unsigned char h[SOCK_HDR_LEN];

	sock_hdr_encode(h, KEEL_SOCK_RESPONSE, 100, 4);
	peer_send(fd, h, sizeof(h));
	peer_send(fd, "{\"ok\": true", 11);
}

static void fill_error(int fd)
{
	peer_response(fd, 4, "{\"ok\": false, \"errno\": 2, \"error\": \"no vm 3\"}");
}

static void test_exchange(void **state)
{
	json_t *res = NULL;
	char err[256];

	assert_int_equal(exchange(fill_good, &res, err), 0);
	assert_true(json_is_array(json_object_get(res, "vms")));
	json_decref(res);

	assert_int_equal(exchange(fill_error, &res, err), 2);
	assert_string_equal(err, "no vm 3");

	assert_int_equal(exchange(fill_nothing, &res, err), -ECONNRESET);
	assert_string_equal(err, "keeld closed the connection without answering");
	assert_int_equal(exchange(fill_short_hdr, &res, err), -EPROTO);
	assert_string_equal(err, "short header from keeld (6 of 16 bytes)");
	assert_int_equal(exchange(fill_garbage, &res, err), -EPROTO);
	assert_non_null(strstr(err, "bad magic"));
	assert_int_equal(exchange(fill_oversize, &res, err), -EMSGSIZE);
	assert_int_equal(exchange(fill_truncated, &res, err), -EPROTO);
	assert_string_equal(err, "short message from keeld (11 of 100 bytes)");
}

static void test_request_on_the_wire(void **state)
{
	json_t *req = json_pack("{s:s, s:{s:i}}", "cmd", "vm.info", "args", "id", 2), *res = NULL;
	unsigned char buf[256];
	struct keel_sock_hdr h;
	char err[256];
	int sv[2];
	ssize_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	peer_response(sv[1], 9, "{\"ok\": true, \"result\": {}}");
	assert_int_equal(sock_exchange(sv[0], req, 9, &res, err, sizeof(err)), 0);
	n = read(sv[1], buf, sizeof(buf));
	assert_true(n > (ssize_t)SOCK_HDR_LEN);
	assert_int_equal(sock_hdr_decode(buf, (size_t)n, KEEL_SOCK_REQUEST, &h, err, sizeof(err)),
			 0);
	assert_int_equal(h.seq, 9);
	assert_int_equal(h.len, (size_t)n - SOCK_HDR_LEN);
	assert_memory_equal(buf + SOCK_HDR_LEN, "{\"cmd\":\"vm.info\",\"args\":{\"id\":2}}", h.len);
	json_decref(res);
	json_decref(req);
	close(sv[0]);
	close(sv[1]);
}

static void test_not_running(void **state)
{
	char err[256];

	assert_int_equal(sock_connect("/nonexistent/keeld.sock", err, sizeof(err)), -ENOENT);
	assert_string_equal(
	    err, "cannot reach keeld at /nonexistent/keeld.sock: No such file or directory "
		 "(start it with `keel system daemon`)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hdr_roundtrip), cmocka_unit_test(test_hdr_garbage),
	    cmocka_unit_test(test_frame),	  cmocka_unit_test(test_response),
	    cmocka_unit_test(test_exchange),	  cmocka_unit_test(test_request_on_the_wire),
	    cmocka_unit_test(test_not_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
