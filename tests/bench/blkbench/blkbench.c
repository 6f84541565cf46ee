// SPDX-License-Identifier: GPL-2.0
/*
 * blkbench: disk throughput on a file or block device, with O_DIRECT so the
 * page cache is out of the way (tests/bench/blk runs it in VM0 and in a
 * guest on the same backing file).
 *
 *   seqwrite       1 MiB writes over the first N MiB, then fdatasync
 *   seqread        1 MiB reads over the first N MiB
 *   randread_qd1   4 KiB reads at random 4 KiB-aligned offsets of the first
 *   randread_qd32  N MiB, 1 or 32 in flight (Linux native AIO), T seconds
 *
 * One line per test on stdout, key=value pairs, e.g.
 *   seqread_mib_s=212.5 bytes=67108864 bs=1048576 ios=64 seconds=0.301
 *   randread_qd32_iops=5120 bytes=104857600 bs=4096 ios=25600 seconds=5.000
 * Native AIO through raw syscalls (<linux/aio_abi.h>): no libaio needed, so
 * the binary links statically and runs in VM0 and guests alike.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SEQ_BS (1u << 20)
#define RAND_BS 4096u
#define MAX_QD 32
#define MAX_MIB (1u << 20)      /* 1 TiB: far beyond anything tested */
#define MAX_SECONDS 3600u

enum test { T_SEQWRITE, T_SEQREAD, T_RAND_QD1, T_RAND_QD32, T_COUNT };

static const char *const test_names[T_COUNT] = {
	[T_SEQWRITE] = "seqwrite", [T_SEQREAD] = "seqread",
	[T_RAND_QD1] = "randread_qd1", [T_RAND_QD32] = "randread_qd32",
};

static const char *prog = "blkbench";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-n MIB] [-t SECONDS] [-T TEST[,TEST...]] [-s SEED] PATH\n"
		"  PATH        file or block device (opened with O_DIRECT)\n"
		"  -n MIB      region for every test: the first MIB MiB of PATH (default 64)\n"
		"  -t SECONDS  duration of each random-read test (default 5)\n"
		"  -T TESTS    comma-separated subset of seqwrite,seqread,randread_qd1,randread_qd32\n"
		"              (default: all four, in that order; seqwrite OVERWRITES the region)\n"
		"  -s SEED     random-offset seed (default 1)\n",
		prog);
}

static void __attribute__((noreturn)) usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	exit(2);
}

static void __attribute__((noreturn)) fail(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

/* A whole decimal number in [lo, hi]; anything else is a usage error. */
static unsigned long parse_num(const char *opt, const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	/* strtoul takes signs and spaces: only digits are a number here. */
	if (*s < '0' || *s > '9' || errno || *end || v < lo || v > hi) {
		fprintf(stderr, "%s: %s %s: want a whole number from %lu to %lu\n", prog, opt, s, lo, hi);
		usage(stderr);
		exit(2);
	}
	return v;
}

static unsigned parse_tests(const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	unsigned mask = 0;
	int i;

	if (!copy)
		fail("strdup");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < T_COUNT; i++)
			if (!strcmp(tok, test_names[i]))
				break;
		if (i == T_COUNT)
			usage_error("-T: unknown test '%s'", tok);
		mask |= 1u << i;
	}
	free(copy);
	if (!mask)
		usage_error("-T: no test named in '%s'", arg);
	return mask;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *name, const char *unit, double value, uint64_t bytes,
		   unsigned bs, uint64_t ios, double secs)
{
	printf("%s_%s=%.1f bytes=%llu bs=%u ios=%llu seconds=%.3f\n", name, unit, value,
	       (unsigned long long)bytes, bs, (unsigned long long)ios, secs);
	fflush(stdout);
}

static void seq(int fd, int write, uint64_t region, void *buf)
{
	uint64_t off;
	double t0 = now(), secs;

	for (off = 0; off < region; off += SEQ_BS) {
		ssize_t n = write ? pwrite(fd, buf, SEQ_BS, off) : pread(fd, buf, SEQ_BS, off);

		if (n < 0)
			fail(write ? "pwrite" : "pread");
		if (n != SEQ_BS) {
			fprintf(stderr, "%s: short %s at %llu: %zd bytes\n", prog,
				write ? "write" : "read", (unsigned long long)off, n);
			exit(1);
		}
	}
	/* A write is done when the device says it is durable, not when the
	 * last request completed. */
	if (write && fdatasync(fd))
		fail("fdatasync");
	secs = now() - t0;
	report(write ? "seqwrite" : "seqread", "mib_s", region / 1048576.0 / secs, region,
	       SEQ_BS, region / SEQ_BS, secs);
}

static uint64_t rng_state;

static uint64_t xorshift64(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void aio_prep(struct iocb *cb, int fd, void *buf, uint64_t blocks)
{
	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = fd;
	cb->aio_lio_opcode = IOCB_CMD_PREAD;
	cb->aio_buf = (uintptr_t)buf;
	cb->aio_nbytes = RAND_BS;
	cb->aio_offset = (xorshift64() % blocks) * RAND_BS;
	cb->aio_data = (uintptr_t)cb;
}

/* Keeps qd reads in flight for `seconds`, then drains. */
static void randread(int fd, unsigned qd, uint64_t region, unsigned seconds, char *bufs)
{
	aio_context_t ctx = 0;
	struct iocb cbs[MAX_QD], *ptrs[MAX_QD];
	struct io_event ev[MAX_QD];
	uint64_t blocks = region / RAND_BS, ios = 0;
	unsigned inflight = 0, i;
	double t0, t_end, secs;
	int stop = 0;
	char name[32];

	if (syscall(SYS_io_setup, qd, &ctx))
		fail("io_setup");
	for (i = 0; i < qd; i++) {
		aio_prep(&cbs[i], fd, bufs + (size_t)i * RAND_BS, blocks);
		ptrs[i] = &cbs[i];
	}
	t0 = now();
	t_end = t0 + seconds;
	if (syscall(SYS_io_submit, ctx, (long)qd, ptrs) != (long)qd)
		fail("io_submit");
	inflight = qd;
	while (inflight) {
		long n = syscall(SYS_io_getevents, ctx, 1L, (long)qd, ev, NULL);
		long k, nsub = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail("io_getevents");
		}
		inflight -= n;
		if (!stop && now() >= t_end)
			stop = 1;
		for (k = 0; k < n; k++) {
			struct iocb *cb = (struct iocb *)(uintptr_t)ev[k].data;

			if (ev[k].res != RAND_BS) {
				errno = ev[k].res < 0 ? (int)-ev[k].res : EIO;
				fprintf(stderr, "%s: read at %llu: %lld\n", prog,
					(unsigned long long)cb->aio_offset, (long long)ev[k].res);
				fail("aio read");
			}
			ios++;
			if (!stop) {
				aio_prep(cb, fd, (void *)(uintptr_t)cb->aio_buf, blocks);
				ptrs[nsub++] = cb;
			}
		}
		if (nsub) {
			if (syscall(SYS_io_submit, ctx, nsub, ptrs) != nsub)
				fail("io_submit");
			inflight += nsub;
		}
	}
	secs = now() - t0;
	syscall(SYS_io_destroy, ctx);
	snprintf(name, sizeof(name), "randread_qd%u", qd);
	report(name, "iops", ios / secs, ios * RAND_BS, RAND_BS, ios, secs);
}

static uint64_t target_size(int fd, const char *path)
{
	struct stat st;
	uint64_t size;

	if (fstat(fd, &st))
		fail(path);
	if (S_ISREG(st.st_mode))
		return st.st_size;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size))
			fail(path);
		return size;
	}
	fprintf(stderr, "%s: %s: not a regular file or block device\n", prog, path);
	usage(stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long mib = 64, seconds = 5, seed = 1;
	unsigned tests = (1u << T_COUNT) - 1;
	const char *path;
	uint64_t region, size;
	char *buf;
	int opt, fd, i;

	while ((opt = getopt(argc, argv, "n:t:T:s:h")) != -1) {
		switch (opt) {
		case 'n': mib = parse_num("-n", optarg, 1, MAX_MIB); break;
		case 't': seconds = parse_num("-t", optarg, 1, MAX_SECONDS); break;
		case 'T': tests = parse_tests(optarg); break;
		case 's': seed = parse_num("-s", optarg, 1, ~0UL); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s: %s\n", prog, optind == argc ? "no PATH given" : "one PATH only");
		usage(stderr);
		return 2;
	}
	path = argv[optind];
	rng_state = seed;

	fd = open(path, ((tests & (1u << T_SEQWRITE)) ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (fd < 0)
		fail(path);
	size = target_size(fd, path);
	region = (uint64_t)mib << 20;
	if (size < region) {
		fprintf(stderr, "%s: %s: %llu bytes, smaller than -n %lu MiB\n", prog, path,
			(unsigned long long)size, mib);
		usage(stderr);
		return 2;
	}
	/* O_DIRECT wants buffers aligned to the logical block size: 4 KiB covers all. */
	if (posix_memalign((void **)&buf, 4096, SEQ_BS))
		fail("posix_memalign");
	/* Data that neither compresses nor looks like zeros. */
	for (i = 0; i < (int)(SEQ_BS / sizeof(uint64_t)); i++)
		((uint64_t *)buf)[i] = xorshift64();
	rng_state = seed;

	if (tests & (1u << T_SEQWRITE))
		seq(fd, 1, region, buf);
	if (tests & (1u << T_SEQREAD))
		seq(fd, 0, region, buf);
	if (tests & (1u << T_RAND_QD1))
		randread(fd, 1, region, seconds, buf);
	if (tests & (1u << T_RAND_QD32))
		randread(fd, MAX_QD, region, seconds, buf);
	close(fd);
	free(buf);
	return 0;
}
