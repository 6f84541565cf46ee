// SPDX-License-Identifier: GPL-2.0
/* Host tests: the mediated-disk backing over regular files (ext4 under
 * /tmp on the build host, tmpfs under /dev/shm when there is one). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/magic.h>

#include "backend/disk.h"

#define SZ (1 << 20)

static char err[2048];
static char path[256];

static void make_file(const char *dir, off_t size, uint8_t fill)
{
	static uint8_t buf[SZ];
	int fd;

	snprintf(path, sizeof(path), "%s/keeld-disk-XXXXXX", dir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	memset(buf, fill, sizeof(buf));
	for (off_t done = 0; done < size;) {
		size_t n = size - done < (off_t)sizeof(buf) ? (size_t)(size - done) : sizeof(buf);

		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		done += (off_t)n;
	}
	close(fd);
}

static void expect_err(int r, int want, const char *suffix)
{
	char full[2048];

	assert_int_equal(r, want);
	snprintf(full, sizeof(full), "%s: %s", path, suffix);
	assert_string_equal(err, full);
}

static void check_bytes(struct disk *d, uint64_t off, uint64_t len, uint8_t want)
{
	static uint8_t buf[SZ];
	struct iovec v = {buf, len};

	assert_true(len <= sizeof(buf));
	assert_int_equal(disk_readv(d, &v, 1, off), 0);
	for (uint64_t i = 0; i < len; i++)
		if (buf[i] != want)
			fail_msg("byte %llu is 0x%02x, not 0x%02x", (unsigned long long)(off + i),
				 buf[i], want);
}

static void test_open_file(void **state)
{
	struct disk d;
	uint8_t a[1000], b[24], c[1000], e[24];
	struct iovec w[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	struct iovec r[3] = {{c, sizeof(c)}, {NULL, 0}, {e, sizeof(e)}};

	make_file("/tmp", SZ, 0);
	assert_int_equal(disk_open(&d, path, false, err, sizeof(err)), 0);
	assert_true(d.fd >= 0);
	assert_int_equal(d.size, SZ);
	assert_int_equal(d.block_size, 512);
	assert_false(d.block);
	assert_false(d.readonly);
	assert_string_equal(d.path, path);

	memset(a, 0x5a, sizeof(a));
	memset(b, 0xa5, sizeof(b));
	assert_int_equal(disk_writev(&d, w, 2, 4096), 0);
	assert_int_equal(disk_flush(&d), 0);
	/* An empty entry in the middle must not look like end of file. */
	assert_int_equal(disk_readv(&d, r, 3, 4096), 0);
	assert_memory_equal(a, c, sizeof(a));
	assert_memory_equal(b, e, sizeof(b));

	/* Past the end: a short transfer is -EIO, not a silent success. */
	r[0].iov_base = c;
	r[0].iov_len = sizeof(c);
	assert_int_equal(disk_readv(&d, r, 1, SZ - 512), -EIO);
	disk_close(&d);
	assert_int_equal(d.fd, -1);
	disk_close(&d);
	unlink(path);
}

/* RWF_NOWAIT: data just written is in the page cache, so a read of it
 * succeeds without blocking; a write either works or says -EAGAIN and is
 * not tried again; a read-only disk refuses writes. */
static void test_nowait(void **state)
{
	struct disk d;
	uint8_t a[4096], c[4096];
	struct iovec w = {a, sizeof(a)}, r = {c, sizeof(c)};
	int rc;

	make_file("/tmp", SZ, 0x11);
	assert_int_equal(disk_open(&d, path, false, err, sizeof(err)), 0);
	assert_true(d.nowait_read && d.nowait_write);
	assert_int_equal(disk_rw_nowait(&d, &r, 1, 8192, sizeof(c), false), 0);
	for (unsigned i = 0; i < sizeof(c); i++)
		assert_int_equal(c[i], 0x11);
	memset(a, 0x77, sizeof(a));
	rc = disk_rw_nowait(&d, &w, 1, 0, sizeof(a), true);
	if (rc == -EAGAIN) {
		/* Not supported for buffered writes here: remembered. */
		assert_int_equal(disk_rw_nowait(&d, &w, 1, 0, sizeof(a), true), -EAGAIN);
		assert_int_equal(disk_writev(&d, &w, 1, 0), 0);
	} else {
		assert_int_equal(rc, 0);
	}
	check_bytes(&d, 0, sizeof(a), 0x77);
	/* Past the end: a short transfer goes the blocking way. */
	assert_int_equal(disk_rw_nowait(&d, &r, 1, SZ - 512, sizeof(c), false), -EAGAIN);
	disk_close(&d);
	assert_int_equal(disk_open(&d, path, true, err, sizeof(err)), 0);
	assert_int_equal(disk_rw_nowait(&d, &w, 1, 0, sizeof(a), true), -EROFS);
	disk_close(&d);
	unlink(path);
}

static void test_open_errors(void **state)
{
	struct disk d;
	char longp[DISK_PATH_MAX + 10];

	snprintf(path, sizeof(path), "/nonexistent/vm1.img");
	expect_err(disk_open(&d, path, false, err, sizeof(err)), -ENOENT,
		   "no such file or block device");
	assert_int_equal(d.fd, -1);

	snprintf(path, sizeof(path), "/tmp");
	expect_err(disk_open(&d, path, false, err, sizeof(err)), -EINVAL,
		   "is not a regular file or a block device");
	expect_err(disk_open(&d, path, true, err, sizeof(err)), -EINVAL,
		   "is not a regular file or a block device");
	snprintf(path, sizeof(path), "/dev/null");
	expect_err(disk_open(&d, path, true, err, sizeof(err)), -EINVAL,
		   "is not a regular file or a block device");

	/* A FIFO with no writer would block a plain open() forever. */
	snprintf(path, sizeof(path), "/tmp/keeld-disk-fifo-%d", (int)getpid());
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_err(disk_open(&d, path, true, err, sizeof(err)), -EINVAL,
		   "is not a regular file or a block device");
	unlink(path);

	make_file("/tmp", 0, 0);
	expect_err(disk_open(&d, path, false, err, sizeof(err)), -EINVAL, "is empty (size 0)");
	unlink(path);
	make_file("/tmp", 1000, 0);
	expect_err(disk_open(&d, path, true, err, sizeof(err)), -EINVAL,
		   "size 1000 is not a multiple of 512 bytes");
	assert_int_equal(d.fd, -1);
	unlink(path);

	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = 0;
	assert_int_equal(disk_open(&d, longp, false, err, sizeof(err)), -ENAMETOOLONG);
}

static void test_permission(void **state)
{
	struct disk d;
	pid_t pid;
	int status;

	make_file("/tmp", SZ, 0);
	assert_int_equal(chmod(path, 0400), 0);
	if (geteuid() != 0) {
		expect_err(disk_open(&d, path, false, err, sizeof(err)), -EACCES,
			   "permission denied");
		assert_int_equal(disk_open(&d, path, true, err, sizeof(err)), 0);
		disk_close(&d);
		unlink(path);
		return;
	}
	/* Root opens a 0400 file read-write anyway: check as nobody, in a
	 * child (the file is handed over to it first). */
	assert_int_equal(chown(path, 65534, 65534), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok = setgid(65534) == 0 && setuid(65534) == 0 &&
			 disk_open(&d, path, false, err, sizeof(err)) == -EACCES &&
			 strstr(err, "permission denied") &&
			 disk_open(&d, path, true, err, sizeof(err)) == 0;

		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(path);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_busy(void **state)
{
	const char *busy = "is in use by another guest (or locked by another process)";
	struct disk a, b, c;

	make_file("/tmp", SZ, 0);
	assert_int_equal(disk_open(&a, path, false, err, sizeof(err)), 0);
	/* Same process, another open file description: still refused. */
	expect_err(disk_open(&b, path, false, err, sizeof(err)), -EBUSY, busy);
	assert_int_equal(b.fd, -1);
	expect_err(disk_open(&b, path, true, err, sizeof(err)), -EBUSY, busy);
	disk_close(&a);

	/* Readers share; a writer is refused while any reader is there. */
	assert_int_equal(disk_open(&a, path, true, err, sizeof(err)), 0);
	assert_int_equal(disk_open(&b, path, true, err, sizeof(err)), 0);
	expect_err(disk_open(&c, path, false, err, sizeof(err)), -EBUSY, busy);
	disk_close(&a);
	expect_err(disk_open(&c, path, false, err, sizeof(err)), -EBUSY, busy);
	disk_close(&b);
	assert_int_equal(disk_open(&c, path, false, err, sizeof(err)), 0);
	disk_close(&c);
	unlink(path);
}

static void test_readonly(void **state)
{
	struct disk d;
	uint8_t buf[512] = {0};
	struct iovec v = {buf, sizeof(buf)};

	make_file("/tmp", SZ, 0x11);
	assert_int_equal(disk_open(&d, path, true, err, sizeof(err)), 0);
	assert_true(d.readonly);
	assert_false(d.can_discard);
	assert_false(disk_zeroes_may_unmap(&d));
	assert_int_equal(disk_writev(&d, &v, 1, 0), -EROFS);
	assert_int_equal(disk_discard(&d, 0, 512), -EROFS);
	assert_int_equal(disk_write_zeroes(&d, 0, 512, false), -EROFS);
	assert_int_equal(disk_flush(&d), 0);
	check_bytes(&d, 0, 4096, 0x11);
	disk_close(&d);
	unlink(path);
}

/* Discard and write-zeroes on the file system under dir. */
static void discard_zeroes_on(const char *dir)
{
	struct disk d;
	struct stat st;
	struct statfs fs;

	assert_int_equal(statfs(dir, &fs), 0);
	make_file(dir, SZ, 0xaa);
	assert_int_equal(disk_open(&d, path, false, err, sizeof(err)), 0);
	if (!d.can_discard) {
		/* Every file system keeld is meant for punches holes. */
		assert_true(fs.f_type != EXT4_SUPER_MAGIC && fs.f_type != TMPFS_MAGIC);
		disk_close(&d);
		unlink(path);
		skip();
	}
	assert_true(disk_zeroes_may_unmap(&d));
	assert_int_equal(d.discard_align, 512);

	assert_int_equal(disk_discard(&d, 64 << 10, 64 << 10), 0);
	check_bytes(&d, 0, 64 << 10, 0xaa);
	check_bytes(&d, 64 << 10, 64 << 10, 0);
	check_bytes(&d, 128 << 10, 64 << 10, 0xaa);

	/* Not page-aligned: a hole punch zeroes the partial pages itself. */
	assert_int_equal(disk_write_zeroes(&d, 512 * 3, 512 * 5, false), 0);
	check_bytes(&d, 0, 512 * 3, 0xaa);
	check_bytes(&d, 512 * 3, 512 * 5, 0);
	check_bytes(&d, 512 * 8, 512, 0xaa);
	/* tmpfs punches holes but has no ZERO_RANGE: the fallback was used
	 * and remembered. ext4 has both. */
	if (fs.f_type == TMPFS_MAGIC)
		assert_false(d.zero_range);
	if (fs.f_type == EXT4_SUPER_MAGIC)
		assert_true(d.zero_range);

	assert_int_equal(disk_write_zeroes(&d, 256 << 10, 8192, true), 0);
	check_bytes(&d, (256 << 10) - 512, 512, 0xaa);
	check_bytes(&d, 256 << 10, 8192, 0);
	check_bytes(&d, (256 << 10) + 8192, 512, 0xaa);

	/* KEEP_SIZE: the disk does not change size under the guest. */
	assert_int_equal(fstat(d.fd, &st), 0);
	assert_int_equal(st.st_size, SZ);
	disk_close(&d);
	unlink(path);
}

static void test_discard_tmp(void **state)
{
	discard_zeroes_on("/tmp");
}

static void test_discard_tmpfs(void **state)
{
	struct stat st;

	if (stat("/dev/shm", &st) || !S_ISDIR(st.st_mode))
		skip();
	discard_zeroes_on("/dev/shm");
}

static void test_shrunk_backing(void **state)
{
	struct disk d;
	uint8_t buf[4096];
	struct iovec v = {buf, sizeof(buf)};

	make_file("/tmp", SZ, 0);
	assert_int_equal(disk_open(&d, path, false, err, sizeof(err)), 0);
	assert_int_equal(truncate(path, SZ / 2), 0);
	assert_int_equal(disk_readv(&d, &v, 1, SZ - sizeof(buf)), -EIO);
	v.iov_base = buf;
	v.iov_len = sizeof(buf);
	assert_int_equal(disk_readv(&d, &v, 1, 0), 0);
	disk_close(&d);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_file),	  cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_permission),	  cmocka_unit_test(test_busy),
		cmocka_unit_test(test_readonly),	  cmocka_unit_test(test_discard_tmp),
		cmocka_unit_test(test_discard_tmpfs), cmocka_unit_test(test_shrunk_backing),
		cmocka_unit_test(test_nowait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
