/* SPDX-License-Identifier: GPL-2.0 */
/* keeltest's parts: one "ok"/"FAIL" line per check, counted in failures. */
#ifndef KEELTEST_H
#define KEELTEST_H
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include <keel/ioctl.h>

extern int failures;

#define CHECK(cond, ...) do { \
	int ok_ = !!(cond); \
	printf("%s: ", ok_ ? "ok" : "FAIL"); \
	printf(__VA_ARGS__); \
	printf("\n"); \
	if (!ok_) \
		failures++; \
} while (0)

/* ioctl returning -errno instead of -1 */
static inline int kio(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

/* Guest RAM of the test VMs: one region at this IPA. */
#define TEST_RAM_IPA 0x40000000ULL

/* A descriptor the hypervisor accepts: 1 vCPU on pCPU 1, 16 MiB at
 * TEST_RAM_IPA, the GIC where SYSINFO says. */
void test_desc_init(struct keel_vm_desc *d, unsigned int id, const struct keel_sysinfo *si);

/* badhc.c: hypercall-level bad input (keel.ko passes it, the hypervisor
 * must refuse it). */
void test_bad_desc(int kfd, unsigned int id, const struct keel_sysinfo *si);
void test_bad_start(int kfd, unsigned int id);
void test_start_twice(int kfd, unsigned int id);
void test_bad_irq(int kfd, unsigned int id, const struct keel_sysinfo *si);

/* stress.c: keeltest stress ID1 ID2 SECONDS */
int stress_main(int kfd, unsigned int id1, unsigned int id2, unsigned int seconds);

/* forge.c: keeltest forge ID (VM0 scribbling on the shared area) */
int forge_main(int kfd, unsigned int id);

/* pin.c: keeltest pin ID FILE ROUNDS (O_DIRECT on guest RAM, destroy with
 * a page pinned); keeltest peek ID IPA (a word of a guest's RAM) */
int pin_main(int kfd, unsigned int id, const char *path, unsigned int rounds);
int peek_main(int kfd, unsigned int id, unsigned long long ipa);
#endif
