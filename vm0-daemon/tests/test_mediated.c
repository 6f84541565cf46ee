// SPDX-License-Identifier: GPL-2.0
/* Host tests: mediated-cfg.json. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/mediated.h"

static struct mediated_cfg m;
static char err[512];

static int parse(const char *s, bool check)
{
	return mediated_parse(s, strlen(s), "mediated-cfg.json", check, &m, err, sizeof(err));
}

static void test_ok(void **state)
{
	assert_int_equal(parse("{\"mediated\": [\"/root/vm1.img\", \"/dev/vdb1\"]}", false), 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.disk[0].path, "/root/vm1.img");
	assert_string_equal(m.disk[1].path, "/dev/vdb1");
	assert_int_equal(parse("{\"mediated\": []}", true), 0);
	assert_int_equal(m.n, 0);
}

static void test_errors(void **state)
{
	assert_int_equal(parse("{}", false), -EINVAL);
	assert_string_equal(err, "mediated-cfg.json: mediated: missing");
	assert_int_equal(parse("{\"mediated\": \"/x\"}", false), -EINVAL);
	assert_string_equal(err, "mediated-cfg.json: mediated: is not a list of paths");
	assert_int_equal(parse("{\"mediated\": [\"vm1.img\"]}", false), -EINVAL);
	assert_string_equal(err, "mediated-cfg.json: mediated[0]: is not an absolute path");
	assert_int_equal(parse("{\"mediated\": [\"/a\", \"/a\"]}", false), -EINVAL);
	assert_string_equal(err, "mediated-cfg.json: mediated[1]: \"/a\" is listed twice");
	assert_int_equal(parse("{\"mediated\": [\"/nonexistent/disk.img\"]}", true), -ENOENT);
	assert_string_equal(err, "mediated-cfg.json: mediated[0]: \"/nonexistent/disk.img\": No such file or directory");
	assert_int_equal(parse("{\"mediated\": [\"/tmp\"]}", true), -EINVAL);
	assert_string_equal(err, "mediated-cfg.json: mediated[0]: \"/tmp\" is not a file or a block device");
	assert_int_equal(parse("{\"mediated\": [", false), -EINVAL);
}

static void test_real_file(void **state)
{
	char path[] = "/tmp/keeld-mediated-XXXXXX", text[128];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	snprintf(text, sizeof(text), "{\"mediated\": [\"%s\"]}", path);
	assert_int_equal(parse(text, true), 0);
	assert_false(m.disk[0].block);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_real_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
