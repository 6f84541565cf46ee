// SPDX-License-Identifier: GPL-2.0
/*
 * keeltest pin ID FILE ROUNDS: guest RAM as pages (issue 9).
 *
 * Each round creates VM ID (16 MiB), maps its RAM as keeld does and
 *   - writes and reads FILE with O_DIRECT straight from and into that
 *     mapping: the kernel must be able to pin guest RAM (a PFN mapping
 *     gets EFAULT);
 *   - pins one page with vmsplice() (the pipe holds a reference until it
 *     is read, like a bio in flight), unmaps, and asks VM_DESTROY: after
 *     keel.ko's bounded wait it must refuse (EBUSY) and the VM still be
 *     there;
 *   - asks again while a thread drains the pipe 300 ms later: VM_DESTROY
 *     waits for the page to be let go and succeeds.
 * Every round's RAM must be back in the pool afterwards (SYSINFO's free
 * bytes as before the round), and not while a page is pinned. keeltest
 * peek ID IPA reads a word of a guest's RAM through the same mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "keeltest.h"

#define PIN_IO_BYTES (256 * 1024) /* O_DIRECT transfer, page-aligned both ends */
#define DRAIN_DELAY_MS 300

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Map region `region` of VM id; NULL (and *ret) on failure. */
static unsigned char *map_region(int kfd, unsigned int id, unsigned int region,
				 struct keel_ioc_map *m, int *ret)
{
	void *p;

	*m = (struct keel_ioc_map){ .id = id, .region = region };
	*ret = kio(kfd, KEEL_IOC_VM_MAP, m);
	if (*ret)
		return NULL;
	p = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, kfd, m->mmap_offset);
	if (p == MAP_FAILED) {
		*ret = -errno;
		return NULL;
	}
	return p;
}

/* O_DIRECT from guest RAM to the file and back into another part of it. */
static void odirect_round_trip(unsigned char *mem, const char *path)
{
	unsigned char *src = mem + 4096 * 16, *dst = mem + 4096 * 256;
	int fd = open(path, O_RDWR | O_CREAT | O_DIRECT, 0600);
	ssize_t n;

	CHECK(fd >= 0, "open %s O_DIRECT: %s", path, fd < 0 ? strerror(errno) : "ok");
	if (fd < 0)
		return;
	for (size_t i = 0; i < PIN_IO_BYTES; i++)
		src[i] = (unsigned char)(i * 7 + i / 4096);
	memset(dst, 0, PIN_IO_BYTES);
	n = pwrite(fd, src, PIN_IO_BYTES, 0);
	CHECK(n == PIN_IO_BYTES, "O_DIRECT write from guest RAM: %zd (%s)", n,
	      n < 0 ? strerror(errno) : "ok");
	n = pread(fd, dst, PIN_IO_BYTES, 0);
	CHECK(n == PIN_IO_BYTES && !memcmp(src, dst, PIN_IO_BYTES),
	      "O_DIRECT read into guest RAM: %zd (%s), data %s", n, n < 0 ? strerror(errno) : "ok",
	      n == PIN_IO_BYTES && !memcmp(src, dst, PIN_IO_BYTES) ? "matches" : "differs");
	close(fd);
}

struct drain {
	int fd;
	unsigned int delay_ms;
};

static void *drain_later(void *arg)
{
	const struct drain *d = arg;
	char buf[4096];

	usleep(d->delay_ms * 1000);
	while (read(d->fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

/* Pins a page of mem into a new pipe (p[0] holds it until read). */
static int pin_page(unsigned char *mem, int p[2])
{
	struct iovec iov = { .iov_base = mem + 4096 * 8, .iov_len = 4096 };

	if (pipe2(p, O_NONBLOCK))
		return -errno;
	return vmsplice(p[1], &iov, 1, 0) == 4096 ? 0 : -errno;
}

static unsigned long long pool_free(int kfd)
{
	struct keel_sysinfo si;

	return kio(kfd, KEEL_IOC_SYSINFO, &si) ? 0 : si.pool_free_bytes;
}

static void pin_round(int kfd, unsigned int id, const char *path, unsigned int round)
{
	struct keel_sysinfo si;
	struct keel_vm_desc d;
	struct keel_ioc_vm_id vid = { .id = id };
	struct keel_vm_info info = { .id = id };
	struct keel_ioc_map m;
	struct drain dr = { .delay_ms = DRAIN_DELAY_MS };
	unsigned char *mem;
	unsigned long long free0;
	pthread_t t;
	double t0;
	int ret, p[2];

	if (kio(kfd, KEEL_IOC_SYSINFO, &si))
		return;
	free0 = si.pool_free_bytes;
	test_desc_init(&d, id, &si);
	ret = kio(kfd, KEEL_IOC_VM_CREATE, &d);
	CHECK(ret == 0, "round %u: VM_CREATE %u: %d", round, id, ret);
	if (ret)
		return;
	mem = map_region(kfd, id, 0, &m, &ret);
	CHECK(mem, "round %u: VM_MAP + mmap: %d", round, ret);
	if (!mem)
		goto destroy;
	odirect_round_trip(mem, path);

	ret = pin_page(mem, p);
	CHECK(ret == 0, "round %u: vmsplice a page of guest RAM: %d", round, ret);
	munmap(mem, m.size);
	if (ret)
		goto destroy;
	t0 = now_ms();
	ret = kio(kfd, KEEL_IOC_VM_DESTROY, &vid);
	CHECK(ret == -EBUSY && now_ms() - t0 >= 1000,
	      "round %u: VM_DESTROY with a page pinned: %d after %.0f ms", round, ret, now_ms() - t0);
	ret = kio(kfd, KEEL_IOC_VM_INFO, &info);
	CHECK(ret == 0 && pool_free(kfd) == free0 - d.mem[0].size,
	      "round %u: the VM and its RAM are still there: %d, pool free %llu MiB of %llu", round,
	      ret, pool_free(kfd) >> 20, free0 >> 20);

	dr.fd = p[0];
	pthread_create(&t, NULL, drain_later, &dr);
	t0 = now_ms();
	ret = kio(kfd, KEEL_IOC_VM_DESTROY, &vid);
	CHECK(ret == 0 && now_ms() - t0 >= DRAIN_DELAY_MS - 50,
	      "round %u: VM_DESTROY waits for the pin to go: %d after %.0f ms", round, ret,
	      now_ms() - t0);
	pthread_join(t, NULL);
	close(p[0]);
	close(p[1]);
	CHECK(pool_free(kfd) == free0, "round %u: its RAM is back in the pool: %llu MiB free of %llu",
	      round, pool_free(kfd) >> 20, free0 >> 20);
	if (!ret)
		return;
destroy:
	kio(kfd, KEEL_IOC_VM_DESTROY, &vid);
}

int pin_main(int kfd, unsigned int id, const char *path, unsigned int rounds)
{
	for (unsigned int r = 1; r <= rounds; r++)
		pin_round(kfd, id, path, r);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}

int peek_main(int kfd, unsigned int id, unsigned long long ipa)
{
	for (unsigned int r = 0; r < KEEL_VM_MAX_MEM; r++) {
		struct keel_ioc_map m;
		unsigned char *mem;
		int ret;

		mem = map_region(kfd, id, r, &m, &ret);
		if (!mem) {
			fprintf(stderr, "VM %u region %u: %s\n", id, r, strerror(-ret));
			return 1;
		}
		if (ipa >= m.ipa && ipa + 4 <= m.ipa + m.size && !(ipa & 3)) {
			printf("0x%08x\n", *(volatile unsigned int *)(mem + (ipa - m.ipa)));
			munmap(mem, m.size);
			return 0;
		}
		munmap(mem, m.size);
	}
	fprintf(stderr, "VM %u: %#llx is in none of its RAM regions\n", id, ipa);
	return 1;
}
