// SPDX-License-Identifier: GPL-2.0
/* keeld's log: per-guest rate limit (with an injected clock) and rotation
 * of a log file that would otherwise fill VM0's RAM. fd 2 points at a
 * temporary file for each test, as VM0's init script points it at
 * /var/log/keeld.log. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

#define SEC 1000000000ULL

static uint64_t fake_now;
static char path[64], path1[80];
static int saved_stderr = -1;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static int setup(void **state)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/keeld-log-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	snprintf(path1, sizeof(path1), "%s.1", path);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	fake_now = 1000 * SEC;
	klog_set_clock(fake_clock);
	klog_set_max_bytes(KLOG_MAX_BYTES);
	return 0;
}

static int teardown(void **state)
{
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	klog_set_clock(NULL);
	unlink(path);
	unlink(path1);
	return 0;
}

static char *slurp(const char *p)
{
	static char buf[1 << 16];
	int fd = open(p, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Burst, then one line per second, with the count of what was dropped;
 * another guest and keeld's own lines are not affected. */
static void test_rate_limit(void **state)
{
	char *log;

	for (int i = 0; i < 30; i++)
		klog_vm(3, "vm 3: flood %d", i);
	klog_vm(4, "vm 4: one line");
	klog("keeld's own line");
	log = slurp(path);
	assert_int_equal(count(log, "vm 3: flood"), KLOG_BURST);
	assert_int_equal(count(log, "suppressed"), 0);
	assert_non_null(strstr(log, "keeld: vm 4: one line\n"));
	assert_non_null(strstr(log, "keeld: keeld's own line\n"));

	/* Half a second: nothing new. One second: one line, after the count. */
	fake_now += SEC / 2;
	klog_vm(3, "vm 3: flood late");
	assert_null(strstr(slurp(path), "flood late"));
	fake_now += SEC / 2;
	klog_vm(3, "vm 3: flood next");
	klog_vm(3, "vm 3: flood dropped");
	log = slurp(path);
	assert_non_null(strstr(log, "keeld: vm 3: 21 lines suppressed (rate limit)\n"
				    "keeld: vm 3: flood next\n"));
	assert_null(strstr(log, "flood dropped"));

	/* A quiet minute refills the burst, no more. */
	fake_now += 60 * SEC;
	for (int i = 0; i < 30; i++)
		klog_vm(3, "vm 3: again %d", i);
	log = slurp(path);
	assert_int_equal(count(log, "vm 3: again"), KLOG_BURST);
	assert_non_null(strstr(log, "keeld: vm 3: 1 lines suppressed"));
}

/* klog() inside a guest's event counts against that guest. */
static void test_guest_context(void **state)
{
	char *log;

	klog_guest_enter(7);
	for (int i = 0; i < 25; i++)
		klog("device needs reset %d", i);
	klog_guest_leave();
	for (int i = 0; i < 25; i++)
		klog("admin line %d", i);
	/* Ids past the table share the "any guest" bucket. */
	klog_guest_enter(1000);
	for (int i = 0; i < 25; i++)
		klog("ring overflow %d", i);
	klog_guest_leave();
	fake_now += 2 * SEC;
	klog_vm(12345, "bad id again");
	log = slurp(path);
	assert_int_equal(count(log, "device needs reset"), KLOG_BURST);
	assert_int_equal(count(log, "admin line"), 25);
	assert_int_equal(count(log, "ring overflow"), KLOG_BURST);
	assert_non_null(strstr(log, "keeld: guests: 15 lines suppressed (rate limit)\n"
				    "keeld: bad id again\n"));
}

/* Past the size, the file moves to .1 and a new one starts: the two never
 * hold much more than twice the limit, and the newest line is in the file. */
static void test_rotate(void **state)
{
	struct stat st, st1;
	char *log;

	klog_set_max_bytes(4096);
	for (int i = 0; i < 1000; i++)
		klog("keeld line %04d with some text to fill the log", i);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(stat(path1, &st1), 0);
	assert_true(st.st_size <= 4096);
	assert_true(st1.st_size <= 4096 && st1.st_size > 3000);
	log = slurp(path);
	assert_non_null(strstr(log, "keeld line 0999 "));
	assert_null(strstr(log, "keeld line 0000 "));
	/* Lines are whole: the file starts with one. */
	assert_memory_equal(log, "keeld: keeld line ", 18);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotate, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
