// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Whole command lines through cli_main(): help, usage errors and exit
 * statuses, and a few verbs against a fake keeld on a temporary socket.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "../sock.h"
#include "capture.h"

static void test_no_args(void **state)
{
	struct capture c;
	const char *const none[] = {NULL};

	assert_int_equal(run_keel(&c, none), CLI_EXIT_USAGE);
	assert_string_equal(c.out, "");
	assert_non_null(strstr(c.err, "Usage: keel"));
	capture_free(&c);
}

static void test_version(void **state)
{
	struct capture c;

	assert_int_equal(KEEL(&c, "--version"), 0);
	assert_string_equal(c.out, "keel 0.1\n");
	capture_free(&c);
}

static void test_help(void **state)
{
	struct capture c;

	assert_int_equal(KEEL(&c, "help"), 0);
	assert_non_null(strstr(c.out, "vm commands:"));
	assert_non_null(strstr(c.out, "system commands:"));
	assert_string_equal(c.err, "");
	capture_free(&c);

	assert_int_equal(KEEL(&c, "--help"), 0);
	assert_non_null(strstr(c.out, "Usage: keel"));
	capture_free(&c);

	assert_int_equal(KEEL(&c, "vm", "--help"), 0);
	assert_non_null(strstr(c.out, "Usage: keel vm <command>"));
	assert_null(strstr(c.out, "daemon"));
	capture_free(&c);

	assert_int_equal(KEEL(&c, "vm", "console", "--help"), 0);
	assert_non_null(strstr(c.out, "Usage: keel vm console <id>\n"));
	assert_non_null(strstr(c.out, "Ctrl-]"));
	capture_free(&c);

	assert_int_equal(KEEL(&c, "help", "vm", "shutdown"), 0);
	assert_non_null(strstr(c.out, "Usage: keel vm shutdown [-f|--force] <id>\n"));
	capture_free(&c);

	assert_int_equal(KEEL(&c, "help", "system"), 0);
	assert_non_null(strstr(c.out, "Usage: keel system <command>"));
	capture_free(&c);
}

static void test_unknown(void **state)
{
	struct capture c;

	assert_int_equal(KEEL(&c, "bogus"), CLI_EXIT_USAGE);
	assert_true(strncmp(c.err, "keel: error: unknown command 'bogus'\n", 37) == 0);
	assert_non_null(strstr(c.err, "Usage: keel"));
	assert_string_equal(c.out, "");
	capture_free(&c);

	assert_int_equal(KEEL(&c, "vm", "bogus"), CLI_EXIT_USAGE);
	assert_true(strncmp(c.err, "keel: error: unknown command 'vm bogus'\n", 40) == 0);
	capture_free(&c);

	assert_int_equal(KEEL(&c, "vm"), CLI_EXIT_USAGE);
	assert_non_null(strstr(c.err, "Usage: keel vm <command>"));
	capture_free(&c);

	assert_int_equal(KEEL(&c, "--bogus", "vm", "list"), CLI_EXIT_USAGE);
	assert_true(strncmp(c.err, "keel: error: unknown option '--bogus'\n", 38) == 0);
	capture_free(&c);

	assert_int_equal(KEEL(&c, "vm", "list", "--bogus"), CLI_EXIT_USAGE);
	assert_string_equal(c.err, "keel: error: unknown option '--bogus' for 'keel vm list'\n"
				   "Usage: keel vm list [--json]\n");
	capture_free(&c);

	assert_int_equal(KEEL(&c, "vm", "boot"), CLI_EXIT_USAGE);
	assert_string_equal(c.err, "keel: error: missing argument for 'keel vm boot'\n"
				   "Usage: keel vm boot <id>\n");
	capture_free(&c);

	assert_int_equal(KEEL(&c, "help", "vm", "bogus"), CLI_EXIT_USAGE);
	capture_free(&c);
}

/* KEEL_SOCK points nowhere: a bad id must fail before any connect. */
static void test_bad_ids(void **state)
{
	static const char *const bad[] = {"abc", "-1", "99999999999"};
	static const char *const verbs[] = {"boot",   "shutdown", "reboot",
					    "remove", "info",	  "console"};
	struct capture c;
	char want[128];

	setenv("KEEL_SOCK", "/nonexistent/keeld.sock", 1);
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_equal(KEEL(&c, "vm", verbs[v], bad[i]), CLI_EXIT_ERR);
			snprintf(want, sizeof(want),
				 "keel: error: invalid vm id '%s' (ids are 0..15)\n", bad[i]);
			assert_string_equal(c.err, want);
			assert_string_equal(c.out, "");
			capture_free(&c);
		}
}

static void test_keeld_not_running(void **state)
{
	struct capture c;

	setenv("KEEL_SOCK", "/nonexistent/keeld.sock", 1);
	assert_int_equal(KEEL(&c, "vm", "boot", "1"), CLI_EXIT_ERR);
	assert_string_equal(c.err,
			    "keel: error: cannot reach keeld at /nonexistent/keeld.sock: "
			    "No such file or directory (start it with `keel system daemon`)\n");
	capture_free(&c);
}

/* A fake keeld answering one request with a canned response. */
struct fake {
	int lfd;
	const char *answer;
	char request[1024];
};

static void *fake_keeld(void *arg)
{
	struct fake *f = arg;
	unsigned char h[SOCK_HDR_LEN];
	struct keel_sock_hdr req;
	char err[128];
	int fd = accept(f->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	if (recv(fd, h, sizeof(h), MSG_WAITALL) == (ssize_t)sizeof(h) &&
	    sock_hdr_decode(h, sizeof(h), KEEL_SOCK_REQUEST, &req, err, sizeof(err)) == 0 &&
	    req.len < sizeof(f->request) &&
	    recv(fd, f->request, req.len, MSG_WAITALL) == (ssize_t)req.len) {
		sock_hdr_encode(h, KEEL_SOCK_RESPONSE, (uint32_t)strlen(f->answer), req.seq);
		if (write(fd, h, sizeof(h)) < 0 || write(fd, f->answer, strlen(f->answer)) < 0)
			f->request[0] = '!';
	}
	close(fd);
	return NULL;
}

/* Run argv against a fake keeld answering `answer`; the request lands in f->request. */
static int with_keeld(struct fake *f, struct capture *c, const char *answer,
		      const char *const *args)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[] = "/tmp/keel-cli-test.XXXXXX";
	pthread_t th;
	int rc;

	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/keeld.sock", dir);
	memset(f, 0, sizeof(*f));
	f->answer = answer;
	f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 1), 0);
	setenv("KEEL_SOCK", sa.sun_path, 1);
	assert_int_equal(pthread_create(&th, NULL, fake_keeld, f), 0);
	rc = run_keel(c, args);
	pthread_join(th, NULL);
	close(f->lfd);
	unlink(sa.sun_path);
	rmdir(dir);
	setenv("KEEL_SOCK", "/nonexistent/keeld.sock", 1);
	return rc;
}

#define WITH_KEELD(f, c, answer, ...)                                                              \
	with_keeld(f, c, answer, (const char *const[]){__VA_ARGS__, NULL})

static void test_vm_verbs(void **state)
{
	struct fake f;
	struct capture c;

	assert_int_equal(WITH_KEELD(&f, &c, "{\"ok\": true, \"result\": {}}", "vm", "boot", "3"),
			 0);
	assert_string_equal(f.request, "{\"cmd\":\"vm.boot\",\"args\":{\"id\":3}}");
	assert_string_equal(c.out, "");
	assert_string_equal(c.err, "");
	capture_free(&c);

	assert_int_equal(WITH_KEELD(&f, &c, "{\"ok\": true}", "vm", "shutdown", "--force", "2"), 0);
	assert_string_equal(f.request,
			    "{\"cmd\":\"vm.shutdown\",\"args\":{\"id\":2,\"force\":true}}");
	capture_free(&c);

	assert_int_equal(WITH_KEELD(&f, &c, "{\"ok\": true}", "vm", "reboot", "2"), 0);
	assert_string_equal(f.request,
			    "{\"cmd\":\"vm.reboot\",\"args\":{\"id\":2,\"force\":false}}");
	capture_free(&c);

	assert_int_equal(WITH_KEELD(&f, &c, "{\"ok\": false, \"errno\": 2, \"error\": \"no vm 5\"}",
				    "vm", "remove", "5"),
			 CLI_EXIT_ERR);
	assert_string_equal(c.err, "keel: error: no vm 5\n");
	capture_free(&c);
}

static void test_net(void **state)
{
	static const char answer[] = "{\"ok\": true, \"result\": {\"switches\": []}}";
	struct fake f;
	struct capture c;

	/* The group alone runs its default command, options included. */
	assert_int_equal(WITH_KEELD(&f, &c, answer, "net"), 0);
	assert_string_equal(f.request, "{\"cmd\":\"net.list\",\"args\":{}}");
	assert_string_equal(c.out, "no switches\n");
	capture_free(&c);
	assert_int_equal(WITH_KEELD(&f, &c, answer, "net", "--json"), 0);
	assert_string_equal(c.out, "{\n  \"switches\": []\n}\n");
	capture_free(&c);
	assert_int_equal(WITH_KEELD(&f, &c, answer, "net", "list"), 0);
	assert_string_equal(f.request, "{\"cmd\":\"net.list\",\"args\":{}}");
	capture_free(&c);

	assert_int_equal(KEEL(&c, "net", "--help"), 0);
	assert_non_null(strstr(c.out, "Usage: keel net <command>"));
	capture_free(&c);
	assert_int_equal(KEEL(&c, "net", "--bogus"), CLI_EXIT_USAGE);
	capture_free(&c);
	/* Groups without a default still want a command. */
	assert_int_equal(KEEL(&c, "vm"), CLI_EXIT_USAGE);
	assert_non_null(strstr(c.err, "Usage: keel vm <command>"));
	capture_free(&c);
}

static void test_vm_config(void **state)
{
	char path[] = "/tmp/keel-cli-vm.XXXXXX", want[256];
	struct fake f;
	struct capture c;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(
	    WITH_KEELD(&f, &c, "{\"ok\": true, \"result\": {\"id\": 4}}", "vm", "config", path), 0);
	char *abs = realpath(path, NULL);

	snprintf(want, sizeof(want), "{\"cmd\":\"vm.config\",\"args\":{\"path\":\"%s\"}}", abs);
	free(abs);
	assert_string_equal(f.request, want);
	assert_string_equal(c.out, "4\n");
	capture_free(&c);

	assert_int_equal(WITH_KEELD(&f, &c, "{\"ok\": true, \"result\": {\"id\": 4}}", "vm",
				    "config", "--json", path),
			 0);
	assert_string_equal(c.out, "{\n  \"id\": 4\n}\n");
	capture_free(&c);

	assert_int_equal(
	    WITH_KEELD(
		&f, &c,
		"{\"ok\": false, \"errno\": 22, \"error\": \"vm.json: cpu.num: 9 is more than 8\"}",
		"vm", "config", path),
	    CLI_EXIT_ERR);
	assert_string_equal(c.err, "keel: error: vm.json: cpu.num: 9 is more than 8\n");
	capture_free(&c);
	unlink(path);

	/* A missing file is reported by keel, not keeld. */
	assert_int_equal(KEEL(&c, "vm", "config", "/nonexistent/vm.json"), CLI_EXIT_ERR);
	assert_string_equal(c.err,
			    "keel: error: /nonexistent/vm.json: No such file or directory\n");
	capture_free(&c);
}

static void test_vm_list(void **state)
{
	static const char *answer = "{\"ok\": true, \"result\": {\"vms\": [{\"id\": 1, \"name\": "
				    "\"linux\", \"state\": \"running\","
				    " \"vcpus\": 2, \"memory\": 536870912, \"uptime_s\": 7384}]}}";
	struct fake f;
	struct capture c;

	assert_int_equal(WITH_KEELD(&f, &c, answer, "vm", "list"), 0);
	assert_string_equal(f.request, "{\"cmd\":\"vm.list\",\"args\":{}}");
	assert_string_equal(c.out, "ID  NAME   STATE    VCPUS  MEMORY  UPTIME    AUTO\n"
				   " 1  linux  running      2     512  2h03m04s  -\n");
	capture_free(&c);

	assert_int_equal(WITH_KEELD(&f, &c, answer, "--json", "vm", "list"), 0);
	assert_non_null(strstr(c.out, "\"vms\": ["));
	capture_free(&c);

	/* Garbage from "keeld" is an error, not a crash. */
	assert_int_equal(WITH_KEELD(&f, &c, "not json at all", "vm", "list"), CLI_EXIT_ERR);
	assert_true(strncmp(c.err, "keel: error: keeld sent a malformed response", 44) == 0);
	capture_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_args),  cmocka_unit_test(test_version),
	    cmocka_unit_test(test_help),     cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_bad_ids),  cmocka_unit_test(test_keeld_not_running),
	    cmocka_unit_test(test_vm_verbs), cmocka_unit_test(test_vm_config),
	    cmocka_unit_test(test_net),
	    cmocka_unit_test(test_vm_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
