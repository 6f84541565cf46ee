// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <keel/ioctl.h>

#include "log.h"

struct klog_bucket {
	bool primed;
	unsigned tokens;
	uint64_t stamp; /* when tokens were last topped up */
	uint64_t suppressed;
};

static uint64_t klog_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* All under lock: workers log too, and rotation swaps fd 2 under them. */
static struct {
	pthread_mutex_t lock;
	uint64_t (*now)(void);
	uint64_t max_bytes;
	bool probed;	 /* stderr looked at once */
	bool rotatable;	 /* stderr is a regular file we can reopen by path */
	uint64_t written; /* bytes in the current file */
	struct klog_bucket bucket[KEEL_MAX_VMS];
} lg = {.lock = PTHREAD_MUTEX_INITIALIZER, .now = klog_monotonic, .max_bytes = KLOG_MAX_BYTES};

static __thread int klog_guest = -1;

void klog_set_clock(uint64_t (*now_ns)(void))
{
	pthread_mutex_lock(&lg.lock);
	lg.now = now_ns ? now_ns : klog_monotonic;
	pthread_mutex_unlock(&lg.lock);
}

void klog_set_max_bytes(uint64_t max)
{
	pthread_mutex_lock(&lg.lock);
	lg.max_bytes = max;
	lg.probed = false; /* tests point fd 2 elsewhere before this */
	pthread_mutex_unlock(&lg.lock);
}

static void klog_probe(void)
{
	struct stat st;

	lg.probed = true;
	lg.rotatable = !fstat(STDERR_FILENO, &st) && S_ISREG(st.st_mode);
	lg.written = lg.rotatable ? (uint64_t)st.st_size : 0;
}

/* <path> -> <path>.1, and fd 2 (and fd 1 if it is the same file, as the
 * init script's ">>log 2>&1" makes it) onto a new <path>. If that fails the
 * file is truncated instead: losing old lines beats filling VM0's RAM. */
static void klog_rotate(void)
{
	char path[PATH_MAX], old[PATH_MAX + 2];
	struct stat s1, s2;
	ssize_t n = readlink("/proc/self/fd/2", path, sizeof(path) - 1);
	int fd = -1;

	if (n > 0 && path[0] == '/') {
		path[n] = '\0';
		snprintf(old, sizeof(old), "%s.1", path);
		if (!rename(path, old))
			fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0640);
	}
	if (fd < 0) {
		if (ftruncate(STDERR_FILENO, 0))
			lg.rotatable = false; /* nothing more we can do */
		lg.written = 0;
		return;
	}
	if (!fstat(STDOUT_FILENO, &s1) && !fstat(STDERR_FILENO, &s2) && s1.st_dev == s2.st_dev &&
	    s1.st_ino == s2.st_ino)
		dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	lg.written = 0;
}

/* One write per line, so lines from several threads never interleave. */
static void klog_emit(const char *line, size_t len)
{
	if (!lg.probed)
		klog_probe();
	if (lg.rotatable && lg.written + len > lg.max_bytes && lg.written)
		klog_rotate();
	if (write(STDERR_FILENO, line, len) > 0)
		lg.written += len;
}

static void klog_emitf(const char *fmt, ...) KEELD_PRINTF(1, 2);
static void klog_emitf(const char *fmt, ...)
{
	char line[1100];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	klog_emit(line, (size_t)n);
}

static void klog_report_suppressed(unsigned vm, struct klog_bucket *b)
{
	if (!b->suppressed)
		return;
	if (vm == KLOG_ANY_GUEST)
		klog_emitf("keeld: guests: %llu lines suppressed (rate limit)\n",
			   (unsigned long long)b->suppressed);
	else
		klog_emitf("keeld: vm %u: %llu lines suppressed (rate limit)\n", vm,
			   (unsigned long long)b->suppressed);
	b->suppressed = 0;
}

/* Token bucket: may guest vm log one more line now? */
static bool klog_take(unsigned vm)
{
	struct klog_bucket *b = &lg.bucket[vm];
	uint64_t now = lg.now();

	if (!b->primed) {
		b->primed = true;
		b->tokens = KLOG_BURST;
		b->stamp = now;
	}
	if (now > b->stamp) {
		uint64_t add = (now - b->stamp) / KLOG_REFILL_NS;

		if (add >= KLOG_BURST - b->tokens) {
			b->tokens = KLOG_BURST;
			b->stamp = now;
		} else {
			b->tokens += (unsigned)add;
			b->stamp += add * KLOG_REFILL_NS;
		}
	}
	if (!b->tokens) {
		b->suppressed++;
		return false;
	}
	b->tokens--;
	klog_report_suppressed(vm, b);
	return true;
}

static void klog_line(int vm, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	pthread_mutex_lock(&lg.lock);
	if (vm < 0 || klog_take((unsigned)vm))
		klog_emitf("keeld: %s\n", line);
	pthread_mutex_unlock(&lg.lock);
}

static int klog_bucket_of(unsigned vm)
{
	return vm < KEEL_MAX_VMS ? (int)vm : KLOG_ANY_GUEST;
}

void klog(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	klog_line(klog_guest, fmt, ap);
	va_end(ap);
}

void klog_vm(unsigned vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	klog_line(klog_bucket_of(vm), fmt, ap);
	va_end(ap);
}

void klog_guest_enter(unsigned vm)
{
	klog_guest = klog_bucket_of(vm);
}

void klog_guest_leave(void)
{
	klog_guest = -1;
}
