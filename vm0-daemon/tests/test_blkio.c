// SPDX-License-Identifier: GPL-2.0
/*
 * The disk I/O backends (backend/blkio.h) on real files in a temporary
 * directory, with a real libuv loop and a real io_uring: many requests in
 * one submission, O_DIRECT and its fallbacks, flush ordering, quiesce,
 * close with requests in flight (built with ASan too: keeld-blkio-asan),
 * and the threadpool fallback when the kernel refuses io_uring (seccomp).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "backend/blkio.h"

#define NREQ	   64
#define BS	   4096
#define DISK_BYTES (NREQ * BS * 4)

static uv_loop_t loop;
static struct disk disk;
static struct blkio *io;
static char dir[64], dpath[96];
static char err[512];
static struct blkio_req req[NREQ + 1];
static struct iovec iov[NREQ + 1][2];
static uint8_t *buf; /* NREQ blocks, page-aligned, and one spare */
static struct blkio_req *order[2 * NREQ]; /* done order */
static unsigned ndone;
static bool closed;

static void on_done(void *opaque, struct blkio_req *list)
{
	assert_ptr_equal(opaque, &disk);
	for (struct blkio_req *r = list; r; r = r->next) {
		assert_true(ndone < 2 * NREQ);
		order[ndone++] = r;
	}
}

static void on_closed(void *opaque)
{
	closed = true;
}

/* A disk of DISK_BYTES zeroes in dir (made by the caller). */
static void open_disk(const char *name, const char *backend)
{
	int fd;

	snprintf(dpath, sizeof(dpath), "%s/disk.img", dir);
	fd = open(dpath, O_CREAT | O_TRUNC | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, DISK_BYTES), 0);
	close(fd);
	assert_int_equal(disk_open(&disk, dpath, false, err, sizeof(err)), 0);
	assert_int_equal(blkio_open(&io, backend, &loop, &disk, on_done, on_closed, &disk, err,
				    sizeof(err)),
			 0);
	assert_string_equal(io->ops->name, name);
	ndone = 0;
	closed = false;
}

static void close_disk(void)
{
	io->ops->close(io);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_true(closed);
	disk_close(&disk);
	unlink(dpath);
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/keeld-blkio-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(uv_loop_init(&loop), 0);
	buf = aligned_alloc(BS, (NREQ + 1) * BS);
	assert_non_null(buf);
	return 0;
}

static int teardown(void **state)
{
	free(buf);
	assert_int_equal(uv_loop_close(&loop), 0);
	rmdir(dir);
	return 0;
}

static void prep(unsigned i, enum blkio_kind kind, uint64_t off, void *data, size_t len)
{
	struct blkio_req *r = &req[i];

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->off = off;
	r->len = len;
	iov[i][0] = (struct iovec){data, len};
	r->iov = iov[i];
	r->niov = len ? 1 : 0;
}

static void run_until_done(unsigned n)
{
	for (int i = 0; i < 100000 && ndone < n; i++)
		uv_run(&loop, UV_RUN_ONCE);
	assert_int_equal(ndone, n);
}

static void file_read(uint64_t off, void *p, size_t len)
{
	int fd = open(dpath, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, p, len, (off_t)off), (ssize_t)len);
	close(fd);
}

/* Every byte of the disk written and on stable storage. */
static void file_fill(uint8_t v)
{
	uint8_t *p = malloc(DISK_BYTES);
	int fd = open(dpath, O_WRONLY);

	assert_non_null(p);
	assert_true(fd >= 0);
	memset(p, v, DISK_BYTES);
	assert_int_equal(pwrite(fd, p, DISK_BYTES, 0), DISK_BYTES);
	assert_int_equal(fsync(fd), 0);
	close(fd);
	free(p);
}

/* NREQ aligned writes in one io_uring_submit, then the same read back into
 * buffers one byte off alignment (buffered, copied). */
static void test_uring_many(void **state)
{
	uint8_t *odd = malloc(NREQ * BS + 1), got[BS];

	assert_non_null(odd);
	open_disk("uring", "uring");
	assert_true(blkio_direct(io)); /* /tmp is on a disk file system here */
	for (unsigned i = 0; i < NREQ * BS; i++)
		buf[i] = (uint8_t)(i * 7 + i / BS);
	for (unsigned i = 0; i < NREQ; i++) {
		prep(i, BLKIO_WRITE, (uint64_t)i * 2 * BS, buf + i * BS, BS);
		io->ops->submit(io, &req[i]);
	}
	assert_int_equal(ndone, 0); /* nothing runs before commit */
	io->ops->commit(io);
	assert_int_equal(io->stats.submits, 1);
	run_until_done(NREQ);
	for (unsigned i = 0; i < NREQ; i++) {
		assert_int_equal(req[i].result, 0);
		file_read((uint64_t)i * 2 * BS, got, BS);
		assert_memory_equal(got, buf + i * BS, BS);
	}
	assert_int_equal(io->stats.direct_bytes, NREQ * BS);
	assert_int_equal(io->stats.copies, 0);
	assert_int_equal(io->stats.handoffs, 0);

	memset(odd, 0, NREQ * BS + 1);
	ndone = 0;
	for (unsigned i = 0; i < NREQ; i++) {
		prep(i, BLKIO_READ, (uint64_t)i * 2 * BS, odd + 1 + i * BS, BS);
		io->ops->submit(io, &req[i]);
	}
	io->ops->commit(io);
	assert_int_equal(io->stats.submits, 2);
	run_until_done(NREQ);
	for (unsigned i = 0; i < NREQ; i++)
		assert_int_equal(req[i].result, 0);
	assert_memory_equal(odd + 1, buf, NREQ * BS);
	assert_int_equal(io->stats.copies, NREQ * BS);
	assert_int_equal(io->stats.direct_bytes, NREQ * BS);
	assert_int_equal(io->stats.requests, 2 * NREQ);
	assert_int_equal(io->stats.bytes, 2 * NREQ * BS);
	close_disk();
	free(odd);
}

/* O_DIRECT from memory without struct pages, as keeld's PFN mapping of
 * guest RAM in VM0: the vDSO's [vvar] is such a mapping (VM_PFNMAP), so
 * the kernel cannot pin it for DMA (EFAULT) but can copy from it. */
static void *vvar_page(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[256];
	unsigned long lo = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vvar]") && sscanf(line, "%lx-", &lo) == 1)
			break;
	fclose(f);
	assert_true(lo != 0);
	return (void *)lo;
}

static void test_uring_efault_fallback(void **state)
{
	open_disk("uring", "uring");
	assert_true(blkio_direct(io));
	prep(0, BLKIO_WRITE, 0, vvar_page(), BS);
	io->ops->submit(io, &req[0]);
	io->ops->commit(io);
	run_until_done(1);
	assert_int_equal(req[0].result, 0);
	assert_int_equal(io->stats.direct_redone, 1);
	assert_int_equal(io->stats.copies, BS);
	/* O_DIRECT is off for this disk now: an aligned write is copied. */
	assert_false(blkio_direct(io));
	memset(buf, 0xa5, BS);
	prep(1, BLKIO_WRITE, BS, buf, BS);
	io->ops->submit(io, &req[1]);
	io->ops->commit(io);
	run_until_done(2);
	assert_int_equal(req[1].result, 0);
	assert_int_equal(io->stats.copies, 2 * BS);
	assert_int_equal(io->stats.direct_bytes, 0);
	close_disk();
}

/* On tmpfs, whatever this kernel says to O_DIRECT (EINVAL at open before
 * Linux 6.6, accepted since), the data gets there and every byte is
 * counted as either copied or direct. */
static void test_uring_tmpfs(void **state)
{
	char saved[sizeof(dir)];
	uint8_t got[BS];

	memcpy(saved, dir, sizeof(dir));
	strcpy(dir, "/dev/shm/keeld-blkio-XXXXXX");
	assert_non_null(mkdtemp(dir));
	open_disk("uring", "uring");
	memset(buf, 0x3c, 2 * BS);
	prep(0, BLKIO_WRITE, 0, buf, 2 * BS);
	io->ops->submit(io, &req[0]);
	io->ops->commit(io);
	run_until_done(1);
	assert_int_equal(req[0].result, 0);
	file_read(BS, got, BS);
	assert_memory_equal(got, buf, BS);
	assert_int_equal(io->stats.copies + io->stats.direct_bytes, 2 * BS);
	assert_int_equal(io->stats.direct_bytes, blkio_direct(io) ? 2 * BS : 0);
	close_disk();
	rmdir(dir);
	memcpy(dir, saved, sizeof(dir));
}

/* Is req[a] done before req[b]? */
static bool done_before(unsigned a, unsigned b)
{
	int ia = -1, ib = -1;

	for (unsigned i = 0; i < ndone; i++) {
		if (order[i] == &req[a])
			ia = (int)i;
		if (order[i] == &req[b])
			ib = (int)i;
	}
	assert_true(ia >= 0 && ib >= 0);
	return ia < ib;
}

/* A flush is done after every write submitted before it, even when those
 * are big and it is cheap. */
static void test_uring_flush_order(void **state)
{
	static const struct blkio_range z = {0, DISK_BYTES, false};
	uint8_t *big = aligned_alloc(BS, 32 * BS);

	assert_non_null(big);
	memset(big, 1, 32 * BS);
	open_disk("uring", "uring");
	/* A write-zeroes goes to a worker: the flush behind it must not even
	 * reach the ring before it is done. */
	prep(0, BLKIO_WRITE_ZEROES, 0, NULL, 0);
	req[0].range = &z;
	req[0].nrange = 1;
	io->ops->submit(io, &req[0]);
	prep(1, BLKIO_FLUSH, 0, NULL, 0);
	io->ops->submit(io, &req[1]);
	io->ops->commit(io);
	assert_int_equal(io->stats.submits, 0);
	run_until_done(2);
	assert_true(done_before(0, 1));
	assert_int_equal(io->stats.submits, 1);

	ndone = 0;
	for (unsigned i = 0; i < 8; i++) {
		/* O_DIRECT, so they go to the device asynchronously, and big. */
		prep(i, BLKIO_WRITE, (uint64_t)i * 32 * BS, big, 32 * BS);
		io->ops->submit(io, &req[i]);
	}
	prep(8, BLKIO_FLUSH, 0, NULL, 0);
	io->ops->submit(io, &req[8]);
	prep(9, BLKIO_WRITE, DISK_BYTES - BS, buf, BS);
	io->ops->submit(io, &req[9]);
	io->ops->commit(io);
	run_until_done(10);
	for (unsigned i = 0; i < ndone; i++)
		assert_int_equal(order[i]->result, 0);
	for (unsigned i = 0; i < 8; i++)
		assert_true(done_before(i, 8));
	close_disk();
	free(big);
}

/* After quiesce no read writes into its buffer anymore: what it left
 * there stays, whatever the requests' results. */
static void test_uring_quiesce(void **state)
{
	uint8_t *big = aligned_alloc(BS, NREQ * 16 * BS);

	assert_non_null(big);
	open_disk("uring", "uring");
	/* Data on the device, so that direct reads go to it (reading a hole
	 * is done at once). */
	file_fill(0x11);
	for (unsigned i = 0; i < NREQ; i++) {
		/* Odd ones one byte off alignment: buffered; even ones direct. */
		prep(i, BLKIO_READ, (uint64_t)(i % 4) * 16 * BS, big + i * 16 * BS + (i & 1),
		     8 * BS);
		io->ops->submit(io, &req[i]);
	}
	io->ops->commit(io);
	io->ops->quiesce(io);
	memset(big, 0x77, NREQ * 16 * BS);
	run_until_done(NREQ);
	for (unsigned i = 0; i < NREQ * 16 * BS; i++)
		if (big[i] != 0x77)
			fail_msg("byte %u written after quiesce", i);
	for (unsigned i = 0; i < NREQ; i++)
		assert_true(req[i].result == 0 || req[i].result == -ECANCELED);
	close_disk();
	free(big);
}

/* Closed with writes and flushes in the kernel: closed() only after the
 * last of them is done, and nothing touches the backend after (ASan). */
static void test_uring_close_inflight(void **state)
{
	open_disk("uring", "uring");
	for (unsigned i = 0; i < NREQ; i++) {
		if (i % 8 == 7)
			prep(i, BLKIO_FLUSH, 0, NULL, 0);
		else if (i % 8 == 6)
			prep(i, BLKIO_WRITE_ZEROES, 0, NULL, 0);
		else
			prep(i, BLKIO_WRITE, (uint64_t)i * BS, buf + i * BS, BS);
		if (req[i].kind == BLKIO_WRITE_ZEROES) {
			static const struct blkio_range z = {0, 64 * BS, false};

			req[i].range = &z;
			req[i].nrange = 1;
		}
		io->ops->submit(io, &req[i]);
	}
	io->ops->commit(io);
	io->ops->quiesce(io);
	io->ops->close(io);
	assert_false(closed);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_true(closed);
	assert_int_equal(ndone, NREQ);
	disk_close(&disk);
	unlink(dpath);
}

/* Without io_uring (seccomp here; an old kernel in the field) "uring" and
 * "auto" get the threadpool, which does the same work with hand-offs. */
static void child_without_uring(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};
	uint8_t got[BS];

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		_exit(2);
	open_disk("threadpool", "uring");
	memset(buf, 0x5a, BS);
	prep(0, BLKIO_WRITE, 0, buf, BS);
	io->ops->submit(io, &req[0]);
	io->ops->commit(io);
	run_until_done(1);
	assert_int_equal(req[0].result, 0);
	file_read(0, got, BS);
	assert_memory_equal(got, buf, BS);
	/* A 4 KiB write of a fresh file may be served on the loop (RWF_NOWAIT):
	 * copied either way, and never an io_uring submission. */
	assert_int_equal(io->stats.copies, BS);
	assert_int_equal(io->stats.submits, 0);
	close_disk();
	_exit(0);
}

static void test_no_uring_fallback(void **state)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid)
		child_without_uring();
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* The threadpool takes the same requests: blocking ones cost hand-offs. */
static void test_threadpool(void **state)
{
	open_disk("threadpool", "threadpool");
	for (unsigned i = 0; i < NREQ; i++) {
		prep(i, i % 2 ? BLKIO_FLUSH : BLKIO_WRITE, (uint64_t)i * BS, buf + i * BS,
		     i % 2 ? 0 : BS);
		io->ops->submit(io, &req[i]);
	}
	io->ops->commit(io);
	run_until_done(NREQ);
	for (unsigned i = 0; i < NREQ; i++)
		assert_int_equal(req[i].result, 0);
	assert_true(io->stats.handoffs >= 2); /* the flushes at least */
	assert_int_equal(io->stats.submits, 0);
	assert_int_equal(io->stats.copies, NREQ / 2 * BS);
	close_disk();
}

static void test_names(void **state)
{
	assert_true(blkio_name_ok(NULL));
	assert_true(blkio_name_ok("auto"));
	assert_true(blkio_name_ok("uring"));
	assert_true(blkio_name_ok("threadpool"));
	assert_false(blkio_name_ok("aio"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_uring_many),
		cmocka_unit_test(test_uring_efault_fallback),
		cmocka_unit_test(test_uring_tmpfs),
		cmocka_unit_test(test_uring_flush_order),
		cmocka_unit_test(test_uring_quiesce),
		cmocka_unit_test(test_uring_close_inflight),
		cmocka_unit_test(test_no_uring_fallback),
		cmocka_unit_test(test_threadpool),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
