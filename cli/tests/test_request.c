// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The exact request each command sends to keeld. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../request.h"

static void check(json_t *req, const char *want)
{
	char *s;

	assert_non_null(req);
	s = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, want);
	free(s);
	json_decref(req);
}

static void test_config(void **state)
{
	check(req_vm_config("/root/vm1.json"),
	      "{\"args\":{\"path\":\"/root/vm1.json\"},\"cmd\":\"vm.config\"}");
	/* keeld's cwd is not ours: relative paths are a bug in the caller. */
	assert_null(req_vm_config("vm1.json"));
	assert_null(req_vm_config(NULL));
}

static void test_id_cmds(void **state)
{
	check(req_vm_id("vm.boot", 1), "{\"args\":{\"id\":1},\"cmd\":\"vm.boot\"}");
	check(req_vm_id("vm.remove", 15), "{\"args\":{\"id\":15},\"cmd\":\"vm.remove\"}");
	check(req_vm_id("vm.info", 0), "{\"args\":{\"id\":0},\"cmd\":\"vm.info\"}");
	check(req_vm_id("vm.console_history", 3),
	      "{\"args\":{\"id\":3},\"cmd\":\"vm.console_history\"}");
}

static void test_stop_cmds(void **state)
{
	check(req_vm_stop("vm.shutdown", 2, false),
	      "{\"args\":{\"force\":false,\"id\":2},\"cmd\":\"vm.shutdown\"}");
	check(req_vm_stop("vm.reboot", 2, true),
	      "{\"args\":{\"force\":true,\"id\":2},\"cmd\":\"vm.reboot\"}");
}

static void test_list(void **state)
{
	check(req_vm_list(), "{\"args\":{},\"cmd\":\"vm.list\"}");
	check(req_new("daemon.ping", NULL), "{\"args\":{},\"cmd\":\"daemon.ping\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_id_cmds),
	    cmocka_unit_test(test_stop_cmds),
	    cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
