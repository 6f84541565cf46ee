// SPDX-License-Identifier: GPL-2.0
/* Host tests: socket framing and request/response JSON. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"

static char err[256];

static void test_frame_check(void **state)
{
	struct keel_sock_hdr h = { KEEL_SOCK_MAGIC, KEEL_SOCK_REVISION, KEEL_SOCK_REQUEST, 10, 7 };

	assert_int_equal(frame_check(&h, err, sizeof(err)), 0);
	h.len = KEEL_SOCK_MAX_PAYLOAD;
	assert_int_equal(frame_check(&h, err, sizeof(err)), 0);
	h.len = KEEL_SOCK_MAX_PAYLOAD + 1;
	assert_int_equal(frame_check(&h, err, sizeof(err)), -EMSGSIZE);
	h.len = 10;
	h.revision = 9;
	assert_int_equal(frame_check(&h, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_string_equal(err, "socket protocol revision 9: keeld speaks 1");
	h.revision = KEEL_SOCK_REVISION;
	h.type = KEEL_SOCK_RESPONSE;
	assert_int_equal(frame_check(&h, err, sizeof(err)), -EBADMSG);
	h.magic = 0x12345678;
	assert_int_equal(frame_check(&h, err, sizeof(err)), -EPROTO);
}

static int parse(const char *s, json_t **root, const char **cmd, json_t **args)
{
	return request_parse(s, strlen(s), root, cmd, args, err, sizeof(err));
}

static void test_request_parse(void **state)
{
	json_t *root, *args;
	const char *cmd;

	assert_int_equal(parse("{\"cmd\": \"vm.boot\", \"args\": {\"id\": 1}}", &root, &cmd, &args), 0);
	assert_string_equal(cmd, "vm.boot");
	assert_int_equal(json_integer_value(json_object_get(args, "id")), 1);
	json_decref(root);

	assert_int_equal(parse("{\"cmd\": \"vm.list\"}", &root, &cmd, &args), 0);
	assert_true(json_is_object(args));
	json_decref(root);

	assert_int_equal(parse("{\"cmd\": \"vm.list\", \"args\": null}", &root, &cmd, &args), 0);
	assert_true(json_is_object(args));
	json_decref(root);

	assert_int_equal(parse("{\"cmd\": 3}", &root, &cmd, &args), -EINVAL);
	assert_string_equal(err, "request has no \"cmd\" string");
	assert_int_equal(parse("[]", &root, &cmd, &args), -EINVAL);
	assert_int_equal(parse("{\"cmd\": \"x\", \"args\": [1]}", &root, &cmd, &args), -EINVAL);
	assert_string_equal(err, "x: args: is not an object");
	assert_int_equal(parse("{\"cmd\": \"x\"", &root, &cmd, &args), -EINVAL);
	assert_int_equal(request_parse("", 0, &root, &cmd, &args, err, sizeof(err)), -EINVAL);
	assert_int_equal(request_parse("{\"cmd\":\"a\"}\0junk", 17, &root, &cmd, &args, err, sizeof(err)), -EINVAL);
	assert_null(root);
}

static void test_response(void **state)
{
	size_t len;
	char *s;

	s = response_build(0, json_pack("{s:i}", "id", 1), NULL, &len);
	assert_string_equal(s, "{\"ok\":true,\"result\":{\"id\":1}}");
	assert_int_equal(len, strlen(s));
	free(s);
	s = response_build(0, NULL, NULL, &len);
	assert_string_equal(s, "{\"ok\":true,\"result\":{}}");
	free(s);
	s = response_build(-ENOENT, NULL, "no vm 7", &len);
	assert_string_equal(s, "{\"ok\":false,\"errno\":2,\"error\":\"no vm 7\"}");
	free(s);
	s = response_build(-EBUSY, NULL, NULL, &len);
	assert_string_equal(s, "{\"ok\":false,\"errno\":16,\"error\":\"Device or resource busy\"}");
	free(s);
	s = response_build(-EINVAL, NULL, "bad \xff utf8", &len);  /* falls back to strerror */
	assert_string_equal(s, "{\"ok\":false,\"errno\":22,\"error\":\"Invalid argument\"}");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_check),
		cmocka_unit_test(test_request_parse),
		cmocka_unit_test(test_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
