// SPDX-License-Identifier: GPL-2.0
/*
 * keeltest: exercises /dev/keel and /dev/hvc<id> from VM0 userspace.
 *
 *   built by meson (build/tests/kmod/keeltest) and staged in VM0 as /usr/bin/keeltest
 *   keeltest [VM id]    (as root in VM0, keel.ko loaded; VM id 5 unless given)
 *   keeltest add|remove ID; keeltest write ID TEXT   (console by hand)
 *   keeltest stress ID1 ID2 SECONDS   (racing threads on two VM ids; stress.c)
 *   keeltest forge ID   (VM0 forging ioreq slots and ring indices; forge.c)
 *   keeltest pin ID FILE ROUNDS   (O_DIRECT on guest RAM, pinned pages; pin.c)
 *   keeltest peek ID IPA   (print the 32-bit word of VM ID's RAM at IPA; pin.c)
 *
 * Console and argument checks need no hypervisor support; the VM part runs
 * when KEEL_HC_VM_CREATE exists and is skipped (reported) when it does not.
 * Prints one "ok"/"FAIL" line per check and exits non-zero on any failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include <keel/ioctl.h>

#include "keeltest.h"

int failures;
static unsigned int vmid = 5;	/* keeltest [VM id] */

static int open_tty(int id)
{
	char path[32];
	struct termios t;
	int fd;

	snprintf(path, sizeof(path), "/dev/hvc%d", id);
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	tcgetattr(fd, &t);
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
	return fd;
}

/* Read from fd until want bytes or timeout_ms without progress. */
static ssize_t read_some(int fd, char *buf, size_t want, int timeout_ms)
{
	size_t got = 0;

	while (got < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, timeout_ms) <= 0)
			break;
		n = read(fd, buf + got, want - got);
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

static int console_io(int kfd, unsigned long cmd, int id, void *buf, unsigned int len)
{
	struct keel_ioc_console io = { .id = id, .len = len, .buf = (unsigned long)buf };
	int ret = kio(kfd, cmd, &io);

	return ret ? ret : (int)io.len;
}

static void test_basic(int kfd)
{
	struct keel_ioc_version v;
	struct keel_sysinfo si;
	struct keel_ioreq req = { .vm_id = KEEL_MAX_VMS, .vcpu = 0 };
	struct keel_ioc_map map = { .id = 0 };
	struct keel_ioc_irq irq = { .id = 1, .intid = 5, .level = KEEL_IRQ_HIGH };
	struct keel_event ev;
	int ret;

	CHECK(kio(kfd, KEEL_IOC_VERSION, &v) == 0 && v.ioc_revision == KEEL_IOC_REVISION,
	      "VERSION %u.%u abi %u ioc %u", v.version >> 16, v.version & 0xffff,
	      v.abi_revision, v.ioc_revision);
	ret = kio(kfd, KEEL_IOC_SYSINFO, &si);
	CHECK(ret == 0, "SYSINFO: %d (pcpus %u, gic v%u, doorbell %u)", ret, si.nr_pcpus,
	      si.gic_version, si.doorbell_intid);
	ret = kio(kfd, KEEL_IOC_IOREQ_GET, &req);
	CHECK(ret == -EINVAL || ret == -ENODEV, "IOREQ_GET vm 16: %d", ret);
	ret = kio(kfd, KEEL_IOC_VM_MAP, &map);
	CHECK(ret == -EINVAL, "VM_MAP vm 0: %d", ret);
	ret = kio(kfd, KEEL_IOC_IRQ_LINE, &irq);
	CHECK(ret == -EINVAL, "IRQ_LINE SGI: %d", ret);
	ret = kio(kfd, 0x4b7f, NULL);
	CHECK(ret == -ENOTTY, "unknown ioctl: %d", ret);
	ret = read(kfd, &ev, 8) < 0 ? -errno : 0;
	CHECK(ret == -EINVAL, "read 8 bytes: %d", ret);
	ret = read(kfd, &ev, sizeof(ev)) < 0 ? -errno : 0;
	CHECK(ret == -EAGAIN, "read with nothing queued (O_NONBLOCK): %d", ret);
	ret = mmap(NULL, 4096, PROT_READ, MAP_SHARED, kfd, 0) == MAP_FAILED ? -errno : 0;
	CHECK(ret == -EINVAL, "mmap of an unmapped region: %d", ret);
}

static void test_console(int kfd)
{
	static char big[40000], buf[40000];
	const char *out = "hello from guest 3\r\n";
	struct keel_ioc_vm_id id3 = { .id = 3 }, idmax = { .id = KEEL_MAX_VMS }, id0 = { .id = 0 };
	struct keel_event ev;
	struct pollfd p;
	ssize_t n;
	int tfd, ret, i;

	ret = kio(kfd, KEEL_IOC_CONSOLE_ADD, &id3);
	CHECK(ret == 0, "CONSOLE_ADD 3: %d", ret);
	CHECK(kio(kfd, KEEL_IOC_CONSOLE_ADD, &id3) == -EEXIST, "CONSOLE_ADD 3 again: EEXIST");
	/* Every VM id has a console line (not only 1..7): past the last id
	 * is a bad argument. */
	CHECK(kio(kfd, KEEL_IOC_CONSOLE_ADD, &idmax) == -EINVAL, "CONSOLE_ADD %u: EINVAL",
	      KEEL_MAX_VMS);
	CHECK(kio(kfd, KEEL_IOC_CONSOLE_ADD, &id0) == -EINVAL, "CONSOLE_ADD 0: EINVAL");

	/* History: written before anyone opens the tty. */
	ret = console_io(kfd, KEEL_IOC_CONSOLE_WRITE, 3, (void *)out, strlen(out));
	CHECK(ret == (int)strlen(out), "CONSOLE_WRITE: %d", ret);
	tfd = open_tty(3);
	CHECK(tfd >= 0, "open /dev/hvc3: %d", tfd);
	if (tfd < 0)
		return;
	n = read_some(tfd, buf, strlen(out), 3000);
	CHECK(n == (ssize_t)strlen(out) && !memcmp(buf, out, n), "hvc3 reads guest output (%zd)", n);

	/* Output while a reader is there, larger than one hvc poll. */
	for (i = 0; i < 8000; i++)
		big[i] = 'a' + i % 26;
	ret = console_io(kfd, KEEL_IOC_CONSOLE_WRITE, 3, big, 8000);
	n = read_some(tfd, buf, 8000, 3000);
	CHECK(ret == 8000 && n == 8000 && !memcmp(buf, big, 8000), "8000 bytes through hvc3 (%zd)", n);

	/* Input: typed bytes -> event -> CONSOLE_READ. */
	CHECK(write(tfd, "typed", 5) == 5, "write to hvc3");
	p = (struct pollfd){ .fd = kfd, .events = POLLIN };
	ret = poll(&p, 1, 3000);
	CHECK(ret == 1 && (p.revents & POLLIN), "poll /dev/keel POLLIN after typing");
	n = read(kfd, &ev, sizeof(ev));
	CHECK(n == sizeof(ev) && ev.type == KEEL_EV_CONSOLE_INPUT && ev.vm_id == 3,
	      "event CONSOLE_INPUT vm %u (type %u)", ev.vm_id, ev.type);
	ret = console_io(kfd, KEEL_IOC_CONSOLE_READ, 3, buf, 2);
	CHECK(ret == 2 && !memcmp(buf, "ty", 2), "CONSOLE_READ 2 bytes: %d", ret);
	n = read(kfd, &ev, sizeof(ev));
	CHECK(n == sizeof(ev) && ev.type == KEEL_EV_CONSOLE_INPUT, "another event for the rest");
	ret = console_io(kfd, KEEL_IOC_CONSOLE_READ, 3, buf, sizeof(buf));
	CHECK(ret == 3 && !memcmp(buf, "ped", 3), "CONSOLE_READ the rest: %d", ret);
	ret = console_io(kfd, KEEL_IOC_CONSOLE_READ, 3, buf, sizeof(buf));
	CHECK(ret == 0, "CONSOLE_READ when empty: %d", ret);

	/* Remove under an open tty: it hangs up. */
	ret = kio(kfd, KEEL_IOC_CONSOLE_REMOVE, &id3);
	CHECK(ret == 0, "CONSOLE_REMOVE 3: %d", ret);
	n = read(tfd, buf, 1);
	CHECK(n <= 0, "hvc3 after remove: read %zd (%s)", n, n < 0 ? strerror(errno) : "eof");
	CHECK(console_io(kfd, KEEL_IOC_CONSOLE_WRITE, 3, buf, 1) == -ENOENT,
	      "CONSOLE_WRITE removed: ENOENT");
	close(tfd);

	/* Re-add after the last close: index 3 again; oldest output dropped. */
	ret = kio(kfd, KEEL_IOC_CONSOLE_ADD, &id3);
	CHECK(ret == 0, "CONSOLE_ADD 3 after remove: %d", ret);
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = '0' + i % 10;
	ret = console_io(kfd, KEEL_IOC_CONSOLE_WRITE, 3, big, 10000);
	ret += console_io(kfd, KEEL_IOC_CONSOLE_WRITE, 3, big + 10000, 10000);
	CHECK(ret == 20000, "CONSOLE_WRITE 2 x 10000 with no reader: %d", ret);
	tfd = open_tty(3);
	n = read_some(tfd, buf, sizeof(buf), 1500);
	CHECK(n == 16384 && !memcmp(buf, big + 20000 - 16384, n),
	      "new reader gets the last 16384 bytes (%zd)", n);
	close(tfd);
	CHECK(kio(kfd, KEEL_IOC_CONSOLE_REMOVE, &id3) == 0, "CONSOLE_REMOVE 3");
	CHECK(kio(kfd, KEEL_IOC_CONSOLE_REMOVE, &id3) == -ENOENT, "CONSOLE_REMOVE 3 again: ENOENT");
}

/*
 * A guest of nine instructions, at IPA 0x40000000 with the MMU off:
 *   w2 = *(u32 *)0x0a000000      (an ioreq read)
 *   *(u32 *)0x40000100 = w2
 *   *(u32 *)0x0a000004 = w2 + 1  (an ioreq write)
 *   *(u32 *)0x40000104 = w2 + 1
 *   wfi loop
 * keeltest reads the RAM back through its cacheable mapping: fine under
 * QEMU TCG, which models no caches.
 */
static const unsigned int guest_code[] = {
	0xd2a14001, 0xb9400022, 0xd2a80003, 0xb9010062, 0x11000442,
	0xb9000422, 0xb9010462,
	0xb9005022, 0xb9005022, 0xb9005022,	/* 3 x str w2, [x1, #0x50]: the doorbell */
	/* then a burst that overflows every queue on the way to userspace:
	 * mov x4, #BURST; 1: str w2, [x1, #0x50]; subs x4, x4, #1; b.ne 1b */
	0xd280fa04, 0xb9005022, 0xf1000484, 0x54ffffc1,
	0xd503207f, 0x17ffffff,
};

#define BURST 2000	/* doorbells in the guest's burst (mov x4, #2000 above) */

/* Wait (up to 5 s) for the next event that is not console input. */
static int next_event(int kfd, struct keel_event *ev)
{
	for (;;) {
		struct pollfd p = { .fd = kfd, .events = POLLIN };

		if (poll(&p, 1, 5000) != 1)
			return -ETIMEDOUT;
		if (read(kfd, ev, sizeof(*ev)) != sizeof(*ev))
			return -errno;
		if (ev->type != KEEL_EV_CONSOLE_INPUT)
			return 0;
	}
}

/* MMIO registrations the hypervisor must refuse (id filled in at run time). */
static const struct {
	const char *what;
	struct keel_ioc_mmio m;
	int want;
} bad_mmio[] = {
	{ "doorbell size 3", { .flags = KEEL_MMIO_DOORBELL, .base = 0x0a000050, .size = 3 }, -EINVAL },
	{ "doorbell misaligned", { .flags = KEEL_MMIO_DOORBELL, .base = 0x0a000062, .size = 4 }, -EINVAL },
	{ "doorbell inside a doorbell", { .flags = KEEL_MMIO_DOORBELL, .base = 0x0a000052, .size = 2 },
	  -EEXIST },
	{ "doorbell in guest RAM", { .flags = KEEL_MMIO_DOORBELL, .base = 0x40000000, .size = 4 }, -EINVAL },
	{ "ioreq with a cookie", { .flags = KEEL_MMIO_IOREQ, .base = 0x0b000000, .size = 0x1000,
				   .cookie = 1 }, -EINVAL },
	{ "both kinds at once", { .flags = KEEL_MMIO_IOREQ | KEEL_MMIO_DOORBELL, .base = 0x0b000000,
				  .size = 0x1000 }, -EINVAL },
	{ "non-zero pad", { .flags = KEEL_MMIO_IOREQ, .base = 0x0b000000, .size = 0x1000, .pad = 1 },
	  -EINVAL },
};

static void test_ioreq(int kfd, volatile unsigned int *ram)
{
	struct keel_ioc_mmio mmio = { .id = vmid, .flags = KEEL_MMIO_IOREQ,
				      .base = 0x0a000000, .size = 0x1000 };
	struct keel_ioc_vm_start start = { .id = vmid, .entry = 0x40000000 };
	struct keel_ioreq req = { .vm_id = vmid, .vcpu = 0 };
	struct keel_ioc_ioreq_done done = { .id = vmid, .vcpu = 0, .data = 0x1234 };
	struct keel_ioc_vm_id vid = { .id = vmid };
	struct keel_vm_info info = { .id = vmid };
	struct keel_event ev;
	int ret;

	struct keel_ioc_mmio bell = { .id = vmid, .flags = KEEL_MMIO_DOORBELL,
				      .base = 0x0a000050, .size = 4, .cookie = 77 };
	struct keel_ioc_mmio bad;

	memcpy((void *)ram, guest_code, sizeof(guest_code));
	ret = kio(kfd, KEEL_IOC_MMIO_REGISTER, &mmio);
	CHECK(ret == 0, "MMIO_REGISTER 0x0a000000+0x1000: %d", ret);
	ret = kio(kfd, KEEL_IOC_MMIO_REGISTER, &bell);
	CHECK(ret == 0, "MMIO_REGISTER doorbell 0x0a000050+4 cookie 77: %d", ret);
	ret = kio(kfd, KEEL_IOC_MMIO_REGISTER, &bell);
	CHECK(ret == -EEXIST, "MMIO_REGISTER the same doorbell again: %d", ret);
	for (unsigned int i = 0; i < sizeof(bad_mmio) / sizeof(bad_mmio[0]); i++) {
		bad = bad_mmio[i].m;
		bad.id = vmid;
		ret = kio(kfd, KEEL_IOC_MMIO_REGISTER, &bad);
		CHECK(ret == bad_mmio[i].want, "MMIO_REGISTER %s: %d", bad_mmio[i].what, ret);
	}
	ret = kio(kfd, KEEL_IOC_VM_START, &start);
	CHECK(ret == 0, "VM_START: %d", ret);
	test_start_twice(kfd, vmid);

	ret = next_event(kfd, &ev);
	CHECK(!ret && ev.type == KEEL_EV_IOREQ && ev.vm_id == vmid && ev.vcpu == 0,
	      "event IOREQ: %d type %u vm %u vcpu %u", ret, ev.type, ev.vm_id, ev.vcpu);
	ret = kio(kfd, KEEL_IOC_IOREQ_GET, &req);
	CHECK(ret == 0 && req.state == KEEL_IOREQ_INPROCESS && req.dir == KEEL_IOREQ_READ &&
	      req.size == 4 && req.addr == 0x0a000000,
	      "IOREQ_GET read: %d dir %u size %u addr %#llx", ret, req.dir, req.size,
	      (unsigned long long)req.addr);
	/* state 0 asks for a READY slot; the one above is taken. */
	req.state = KEEL_IOREQ_NONE;
	ret = kio(kfd, KEEL_IOC_IOREQ_GET, &req);
	CHECK(ret == -EAGAIN, "IOREQ_GET again: %d", ret);
	/* state INPROCESS: a restarted keeld reclaims what a dead one took. */
	req.state = KEEL_IOREQ_INPROCESS;
	ret = kio(kfd, KEEL_IOC_IOREQ_GET, &req);
	CHECK(ret == 0 && req.state == KEEL_IOREQ_INPROCESS && req.addr == 0x0a000000,
	      "IOREQ_GET reclaiming the taken slot: %d state %u addr %#llx", ret, req.state,
	      (unsigned long long)req.addr);
	ret = kio(kfd, KEEL_IOC_IOREQ_COMPLETE, &done);
	CHECK(ret == 0, "IOREQ_COMPLETE 0x1234: %d", ret);
	ret = kio(kfd, KEEL_IOC_IOREQ_COMPLETE, &done);
	CHECK(ret == -EINVAL, "IOREQ_COMPLETE again: %d", ret);

	ret = next_event(kfd, &ev);
	CHECK(!ret && ev.type == KEEL_EV_IOREQ && ev.vm_id == vmid, "event IOREQ (write): %d", ret);
	req.state = KEEL_IOREQ_NONE;
	ret = kio(kfd, KEEL_IOC_IOREQ_GET, &req);
	CHECK(ret == 0 && req.dir == KEEL_IOREQ_WRITE && req.addr == 0x0a000004 &&
	      req.data == 0x1235, "IOREQ_GET write: %d dir %u addr %#llx data %#llx", ret,
	      req.dir, (unsigned long long)req.addr, (unsigned long long)req.data);
	done.data = 0;
	ret = kio(kfd, KEEL_IOC_IOREQ_COMPLETE, &done);
	CHECK(ret == 0, "IOREQ_COMPLETE write: %d", ret);
	/* Three posted doorbells: events, and the guest never waited. */
	for (int i = 0; i < 3; i++) {
		ret = next_event(kfd, &ev);
		CHECK(!ret && ev.type == KEEL_EV_DOORBELL && ev.vm_id == vmid && ev.vcpu == 77 &&
		      ev.arg == 0x1235, "event DOORBELL %d: %d type %u vm %u cookie %u value %#x", i,
		      ret, ev.type, ev.vm_id, ev.vcpu, ev.arg);
	}
	/* Until the burst is over (each doorbell is an exit), at most 10 s. */
	for (int i = 0; i < 100; i++) {
		ret = kio(kfd, KEEL_IOC_VM_INFO, &info);
		if (ret || info.doorbells >= 3 + BURST)
			break;
		usleep(100000);
	}
	CHECK(ram[0x100 / 4] == 0x1234 && ram[0x104 / 4] == 0x1235,
	      "guest stored %#x %#x", ram[0x100 / 4], ram[0x104 / 4]);
	CHECK(ret == 0 && info.state == KEEL_VM_RUNNING, "VM_INFO running: %d state %u exits %llu",
	      ret, info.state, (unsigned long long)info.exits);
	CHECK(info.ioreqs == 2 && info.doorbells == 3 + BURST,
	      "VM_INFO counts 2 ioreqs and %d doorbells: %llu %llu", 3 + BURST,
	      (unsigned long long)info.ioreqs, (unsigned long long)info.doorbells);
	/* The burst outran the hypervisor's ring (256) and keel.ko's queue
	 * (1024) while nobody read: either every doorbell arrived, or a
	 * RESCAN says some were dropped (and stands for them). */
	{
		unsigned int bells = 0, rescans = 0, other = 0;

		while (read(kfd, &ev, sizeof(ev)) == sizeof(ev)) {
			if (ev.type == KEEL_EV_DOORBELL && ev.vcpu == 77)
				bells++;
			else if (ev.type == KEEL_EV_RESCAN)
				rescans++;
			else if (ev.type != KEEL_EV_CONSOLE_INPUT)
				other++;
		}
		CHECK(!other && (bells == BURST || (rescans >= 1 && bells < BURST)),
		      "doorbell burst: %u of %d delivered, %u rescan(s), %u other",
		      bells, BURST, rescans, other);
	}

	ret = kio(kfd, KEEL_IOC_VM_STOP, &vid);
	CHECK(ret == 0, "VM_STOP: %d", ret);
	ret = next_event(kfd, &ev);
	CHECK(!ret && ev.type == KEEL_EV_VM_STOPPED && ev.vm_id == vmid,
	      "event VM_STOPPED: %d type %u arg %u", ret, ev.type, ev.arg);
	ret = kio(kfd, KEEL_IOC_VM_INFO, &info);
	CHECK(ret == 0 && info.state == KEEL_VM_STOPPED, "VM_INFO stopped: %d state %u reason %u",
	      ret, info.state, info.stop_reason);
}

static void test_vm(int kfd)
{
	struct keel_sysinfo si;
	struct keel_vm_desc d;
	struct keel_vm_info info = { .id = vmid };
	struct keel_ioc_map map = { .id = vmid, .region = 0 };
	struct keel_ioc_vm_id vid = { .id = vmid };
	struct keel_ioreq req = { .vm_id = vmid, .vcpu = 0 };
	volatile unsigned long *mem;
	int ret;

	if (kio(kfd, KEEL_IOC_SYSINFO, &si))
		return;
	test_desc_init(&d, vmid, &si);
	test_bad_desc(kfd, vmid, &si);
	ret = kio(kfd, KEEL_IOC_VM_CREATE, &d);
	if (ret == -EOPNOTSUPP) {
		printf("skip: VM calls (the hypervisor has no VM_CREATE yet)\n");
		return;
	}
	CHECK(ret == 0 && d.id == vmid, "VM_CREATE: %d id %u", ret, d.id);
	if (ret)
		return;
	ret = kio(kfd, KEEL_IOC_VM_CREATE, &d);
	CHECK(ret == -EEXIST, "VM_CREATE of an id in use: %d", ret);
	test_bad_start(kfd, vmid);
	test_bad_irq(kfd, vmid, &si);
	ret = kio(kfd, KEEL_IOC_VM_INFO, &info);
	CHECK(ret == 0 && info.state == KEEL_VM_CREATED && !strcmp(info.name, "keeltest"),
	      "VM_INFO: %d state %u mem %llu", ret, info.state, (unsigned long long)info.mem_bytes);
	ret = kio(kfd, KEEL_IOC_IOREQ_GET, &req);
	CHECK(ret == -EAGAIN, "IOREQ_GET idle slot: %d", ret);
	ret = kio(kfd, KEEL_IOC_VM_MAP, &map);
	CHECK(ret == 0 && map.ipa == 0x40000000 && map.size == 16 << 20,
	      "VM_MAP: %d ipa %#llx size %#llx off %#llx", ret, (unsigned long long)map.ipa,
	      (unsigned long long)map.size, (unsigned long long)map.mmap_offset);
	if (!ret) {
		mem = mmap(NULL, map.size, PROT_READ | PROT_WRITE, MAP_SHARED, kfd, map.mmap_offset);
		CHECK(mem != MAP_FAILED, "mmap guest RAM");
		if (mem != MAP_FAILED) {
			mem[1024] = 0x1122334455667788UL;
			mem[map.size / 8 - 1] = 42;
			CHECK(mem[1024] == 0x1122334455667788UL && mem[map.size / 8 - 1] == 42,
			      "guest RAM read back");
			ret = mmap(NULL, map.size + 4096, PROT_READ, MAP_SHARED, kfd,
				   map.mmap_offset) == MAP_FAILED ? -errno : 0;
			CHECK(ret == -EINVAL, "mmap past the region: %d", ret);
			test_ioreq(kfd, (volatile unsigned int *)mem);
			ret = kio(kfd, KEEL_IOC_VM_DESTROY, &vid);
			CHECK(ret == -EBUSY, "VM_DESTROY while mapped: %d", ret);
			munmap((void *)mem, map.size);
		}
	}
	ret = kio(kfd, KEEL_IOC_VM_STOP, &vid);
	ret = kio(kfd, KEEL_IOC_VM_DESTROY, &vid);
	CHECK(ret == 0, "VM_DESTROY: %d", ret);
	ret = kio(kfd, KEEL_IOC_VM_INFO, &info);
	CHECK(ret != 0, "VM_INFO after destroy: %d", ret);
}

int main(int argc, char **argv)
{
	int kfd = open("/dev/keel", O_RDWR | O_NONBLOCK);

	if (kfd < 0) {
		perror("/dev/keel");
		return 2;
	}
	/* keeltest add|remove ID, keeltest write ID TEXT: manual console tests */
	if (argc > 2 && (!strcmp(argv[1], "add") || !strcmp(argv[1], "remove"))) {
		struct keel_ioc_vm_id id = { .id = strtoul(argv[2], NULL, 0) };
		int ret = kio(kfd, argv[1][0] == 'a' ? KEEL_IOC_CONSOLE_ADD :
			      KEEL_IOC_CONSOLE_REMOVE, &id);

		printf("%s %u: %s\n", argv[1], id.id, strerror(-ret));
		return !!ret;
	}
	if (argc > 3 && !strcmp(argv[1], "write")) {
		int ret = console_io(kfd, KEEL_IOC_CONSOLE_WRITE, strtoul(argv[2], NULL, 0),
				     argv[3], strlen(argv[3]));

		printf("write: %d\n", ret);
		return ret < 0;
	}
	if (argc > 4 && !strcmp(argv[1], "stress"))
		return stress_main(kfd, strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0),
				   strtoul(argv[4], NULL, 0));
	if (argc > 2 && !strcmp(argv[1], "forge"))
		return forge_main(kfd, strtoul(argv[2], NULL, 0));
	if (argc > 4 && !strcmp(argv[1], "pin"))
		return pin_main(kfd, strtoul(argv[2], NULL, 0), argv[3], strtoul(argv[4], NULL, 0));
	if (argc > 3 && !strcmp(argv[1], "peek"))
		return peek_main(kfd, strtoul(argv[2], NULL, 0), strtoull(argv[3], NULL, 0));
	if (argc > 1)
		vmid = strtoul(argv[1], NULL, 0);
	test_basic(kfd);
	test_console(kfd);
	test_vm(kfd);
	close(kfd);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
