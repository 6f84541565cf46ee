// SPDX-License-Identifier: GPL-2.0
/*
 * keeltest forge ID: VM0 writing anything to the shared area at any time
 * (issue 8, part 6). A VM of two vCPUs runs a guest whose vCPU 0 loops
 * over an ioreq read and a posted doorbell carrying the value it read;
 * vCPU 1 never starts, so it never has a request. Through keel.ko's
 * debugfs files (vm0-kmod/debugfs.c) keeltest then plays a VM0 kernel that
 * scribbles on the area:
 *   - KEEL_HC_IOREQ_COMPLETE with the slot not DONE, with an old or a
 *     future seq, for a vCPU with no request, for vCPU and VM ids out of
 *     range, for an answer already given, and a flood of them: each is
 *     refused with its errno, the guest still waits, and the answer then
 *     given the proper way is the value its register gets;
 *   - the ring's ev_head moved by VM0, ev_tail scribbled past the head,
 *     the overflow flag set: events keep flowing, the hypervisor's own
 *     head is what is published, and what is lost is covered by a RESCAN;
 *   - an answer carrying the seq of the VM that had the id before.
 * keeltest is the only reader of /dev/keel meanwhile: keeld answers every
 * IOREQ event, its VM's or not, so the system test stops it for the run.
 */
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include <keel/shared.h>

#include "keeltest.h"

#define DBG_DIR "/sys/kernel/debug/keel"
#define WIN 0x0a000000ULL	/* the ioreq window */
#define BELL_COOKIE 78

/*
 * At TEST_RAM_IPA, MMU off:
 *   x1 = WIN; x3 = TEST_RAM_IPA; x5 = 0
 *   1: w2 = *(u32 *)x1           (an ioreq read)
 *      *(u32 *)(x3 + 0x100) = w2; x5++; *(u32 *)(x3 + 0x104) = w5
 *      *(u32 *)(x1 + 0x50) = w2  (a posted doorbell with the value)
 *      b 1b
 */
static const unsigned int loop_code[] = {
	0xd2a14001, 0xd2a80003, 0xd2800005, 0xb9400022, 0xb9010062,
	0x910004a5, 0xb9010465, 0xb9005022, 0x17fffffb,
};

struct forge {
	int kfd, shfd, cfd;
	unsigned int id;
	volatile unsigned int *ram;
	unsigned long long ram_size;
	unsigned int answered;	/* reads the guest got an answer to */
};

struct evcount {
	unsigned int ioreq, bell, bell_bad, rescan, other;
};

static void sh_read(struct forge *f, size_t off, void *p, size_t len)
{
	if (pread(f->shfd, p, len, off) != (ssize_t)len)
		CHECK(0, "pread shared area at %zu: %s", off, strerror(errno));
}

static void sh_write(struct forge *f, size_t off, const void *p, size_t len)
{
	if (pwrite(f->shfd, p, len, off) != (ssize_t)len)
		CHECK(0, "pwrite shared area at %zu: %s", off, strerror(errno));
}

static unsigned int sh_u32(struct forge *f, size_t off)
{
	unsigned int v = 0;

	sh_read(f, off, &v, sizeof(v));
	return v;
}

static void sh_set_u32(struct forge *f, size_t off, unsigned int v)
{
	sh_write(f, off, &v, sizeof(v));
}

static size_t slot_off(unsigned int vm, unsigned int vcpu)
{
	return offsetof(struct keel_shared, ioreq) +
	       (vm * KEEL_MAX_VCPUS + vcpu) * sizeof(struct keel_ioreq);
}

/* KEEL_HC_IOREQ_COMPLETE as a VM0 kernel may make it: 0 or -errno. */
static int raw_complete(struct forge *f, unsigned int vm, unsigned int vcpu)
{
	char t[32];
	int n = snprintf(t, sizeof(t), "%u %u", vm, vcpu);

	return write(f->cfd, t, n) == n ? 0 : -errno;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Events until the guest's next request (or a RESCAN standing for it) and
 * 300 ms of quiet after, at most 5 s. A doorbell must carry value. */
static void collect(struct forge *f, struct evcount *c, unsigned int value)
{
	long long end = now_ms() + 5000, quiet = 0;
	struct keel_event ev;

	memset(c, 0, sizeof(*c));
	while (now_ms() < end && (!quiet || now_ms() < quiet)) {
		struct pollfd p = { .fd = f->kfd, .events = POLLIN };

		if (poll(&p, 1, 50) != 1 || read(f->kfd, &ev, sizeof(ev)) != sizeof(ev))
			continue;
		if (ev.type == KEEL_EV_IOREQ && ev.vm_id == f->id && ev.vcpu == 0)
			c->ioreq++;
		else if (ev.type == KEEL_EV_DOORBELL && ev.vm_id == f->id && ev.vcpu == BELL_COOKIE)
			ev.arg == value ? c->bell++ : c->bell_bad++;
		else if (ev.type == KEEL_EV_RESCAN)
			c->rescan++;
		else if (ev.type != KEEL_EV_CONSOLE_INPUT)
			c->other++;
		if (c->ioreq || c->rescan)
			quiet = now_ms() + 300;
	}
}

/* Up to 5 s for the guest to store its count-th answer; 0 when it has. */
static int wait_answered(struct forge *f, unsigned int count)
{
	for (int i = 0; i < 500; i++) {
		if (f->ram[0x104 / 4] >= count)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Answer vCPU 0's pending read the proper way (IOREQ_GET, IOREQ_COMPLETE)
 * with value; check the guest got exactly it; collect the events after. */
static void answer(struct forge *f, unsigned int value, struct evcount *c, const char *when)
{
	struct keel_ioreq req = { .vm_id = f->id, .vcpu = 0 };
	struct keel_ioc_ioreq_done done = { .id = f->id, .vcpu = 0, .data = value };
	int get = kio(f->kfd, KEEL_IOC_IOREQ_GET, &req);
	int ret = get ? get : kio(f->kfd, KEEL_IOC_IOREQ_COMPLETE, &done);

	if (!ret) {
		f->answered++;
		ret = wait_answered(f, f->answered);
	}
	CHECK(!ret && req.dir == KEEL_IOREQ_READ && req.addr == WIN &&
	      f->ram[0x100 / 4] == value && f->ram[0x104 / 4] == f->answered,
	      "%s: read %u answered %#x, guest got %#x (count %u): %d", when, f->answered, value,
	      f->ram[0x100 / 4], f->ram[0x104 / 4], ret);
	collect(f, c, value);
}

/* The events of one answer when nothing was lost: its doorbell, the next read. */
static void check_exact(const struct evcount *c, const char *when)
{
	CHECK(c->bell == 1 && c->ioreq == 1 && !c->bell_bad && !c->rescan && !c->other,
	      "%s: events doorbell %u (bad %u), ioreq %u, rescan %u, other %u", when, c->bell,
	      c->bell_bad, c->ioreq, c->rescan, c->other);
}

/* One forged completion: how VM0 spoils the slots, whom it names. */
#define SELF (-1LL)	/* the test VM's id */
struct forgery {
	const char *what;
	unsigned int slot;	/* vCPU whose slot is written */
	unsigned int state;
	long long seq_delta;	/* from the pending request's seq */
	long long vm;		/* named in the hypercall, or SELF */
	unsigned int vcpu;
	int want;
};

static const struct forgery forgeries[] = {
	{ "slot still READY (not DONE)", 0, KEEL_IOREQ_READY, 0, SELF, 0, -EINVAL },
	{ "slot INPROCESS", 0, KEEL_IOREQ_INPROCESS, 0, SELF, 0, -EINVAL },
	{ "slot NONE", 0, KEEL_IOREQ_NONE, 0, SELF, 0, -EINVAL },
	{ "slot in state 77", 0, 77, 0, SELF, 0, -EINVAL },
	{ "DONE with the previous seq", 0, KEEL_IOREQ_DONE, -1, SELF, 0, -EINVAL },
	{ "DONE with the next seq", 0, KEEL_IOREQ_DONE, 1, SELF, 0, -EINVAL },
	{ "DONE with seq + 2^32", 0, KEEL_IOREQ_DONE, 1LL << 32, SELF, 0, -EINVAL },
	{ "DONE for vCPU 1, no request pending", 1, KEEL_IOREQ_DONE, 0, SELF, 1, -EINVAL },
	{ "vCPU 2, past the VM's last", 0, KEEL_IOREQ_DONE, 0, SELF, 2, -EINVAL },
	{ "vCPU KEEL_MAX_VCPUS", 0, KEEL_IOREQ_DONE, 0, SELF, KEEL_MAX_VCPUS, -EINVAL },
	{ "vCPU 0xffffffff", 0, KEEL_IOREQ_DONE, 0, SELF, ~0U, -EINVAL },
	{ "VM 0 (VM0 itself)", 0, KEEL_IOREQ_DONE, 0, 0, 0, -ENOENT },
	{ "VM KEEL_MAX_VMS", 0, KEEL_IOREQ_DONE, 0, KEEL_MAX_VMS, 0, -EINVAL },
	{ "VM 0xffffffff", 0, KEEL_IOREQ_DONE, 0, 0xffffffffLL, 0, -EINVAL },
};

#define FLOOD 100	/* forged completions in a row: the hypervisor's log is rate-limited */

/* vCPU 0 waits on a read: forge every way, then check it still waits. */
static void forge_completions(struct forge *f)
{
	struct keel_ioreq s0, s1, bad;
	struct keel_vm_info info = { .id = f->id };
	unsigned int refused = 0;
	int ret;

	sh_read(f, slot_off(f->id, 0), &s0, sizeof(s0));
	sh_read(f, slot_off(f->id, 1), &s1, sizeof(s1));
	CHECK(s0.state == KEEL_IOREQ_READY && s0.dir == KEEL_IOREQ_READ && s0.addr == WIN &&
	      s0.seq && s1.state == KEEL_IOREQ_NONE,
	      "slot READY with seq %llu, vCPU 1's NONE: state %u/%u", (unsigned long long)s0.seq,
	      s0.state, s1.state);
	for (unsigned int i = 0; i < sizeof(forgeries) / sizeof(forgeries[0]); i++) {
		const struct forgery *g = &forgeries[i];

		bad = s0;
		bad.state = g->state;
		bad.seq = s0.seq + g->seq_delta;
		bad.data = 0xbad00000 + i;
		sh_write(f, slot_off(f->id, g->slot), &bad, sizeof(bad));
		ret = raw_complete(f, g->vm == SELF ? f->id : (unsigned int)g->vm, g->vcpu);
		CHECK(ret == g->want, "IOREQ_COMPLETE forged, %s: %d", g->what, ret);
		sh_write(f, slot_off(f->id, 0), &s0, sizeof(s0));
		sh_write(f, slot_off(f->id, 1), &s1, sizeof(s1));
	}
	/* An id with no VM on it. */
	for (unsigned int id = KEEL_MAX_VMS - 1; id > 0; id--) {
		struct keel_vm_info none = { .id = id };

		if (kio(f->kfd, KEEL_IOC_VM_INFO, &none) != -ENOENT)
			continue;
		ret = raw_complete(f, id, 0);
		CHECK(ret == -ENOENT, "IOREQ_COMPLETE for VM %u that does not exist: %d", id, ret);
		break;
	}
	for (int i = 0; i < FLOOD; i++)
		refused += raw_complete(f, f->id, 0) == -EINVAL;
	CHECK(refused == FLOOD, "%d forged completions in a row (slot READY) refused: %u", FLOOD,
	      refused);
	ret = kio(f->kfd, KEEL_IOC_VM_INFO, &info);
	CHECK(!ret && f->ram[0x104 / 4] == f->answered && info.ioreqs == f->answered + 1,
	      "the guest still waits: count %u, %llu ioreqs", f->ram[0x104 / 4],
	      (unsigned long long)info.ioreqs);
}

/* An answer already given, replayed while the next read waits. */
static void forge_replay(struct forge *f, unsigned long long answered_seq)
{
	struct keel_ioreq s0, bad;
	int ret;

	sh_read(f, slot_off(f->id, 0), &s0, sizeof(s0));
	CHECK(s0.state == KEEL_IOREQ_READY && s0.seq > answered_seq,
	      "next request READY with seq %llu after %llu", (unsigned long long)s0.seq,
	      answered_seq);
	bad = s0;
	bad.state = KEEL_IOREQ_DONE;
	bad.seq = answered_seq;
	sh_write(f, slot_off(f->id, 0), &bad, sizeof(bad));
	ret = raw_complete(f, f->id, 0);
	CHECK(ret == -EINVAL, "IOREQ_COMPLETE again for the request answered before: %d", ret);
	sh_write(f, slot_off(f->id, 0), &s0, sizeof(s0));
}

static void forge_ring(struct forge *f)
{
	const size_t head = offsetof(struct keel_shared, ev_head);
	const size_t tail = offsetof(struct keel_shared, ev_tail);
	const size_t ovf = offsetof(struct keel_shared, overflow);
	unsigned int h;
	struct evcount c;

	h = sh_u32(f, head);
	CHECK(h == sh_u32(f, tail), "ring drained: head %u tail %u", h, sh_u32(f, tail));

	sh_set_u32(f, head, h + 100);
	answer(f, 0x5eed0101, &c, "ev_head moved 100 ahead by VM0");
	check_exact(&c, "ev_head moved 100 ahead");
	CHECK(sh_u32(f, head) == h + 2 && sh_u32(f, tail) == h + 2,
	      "the hypervisor's own head published: head %u tail %u, want %u", sh_u32(f, head),
	      sh_u32(f, tail), h + 2);

	h = sh_u32(f, head);
	sh_set_u32(f, head, h - 50);
	answer(f, 0x5eed0102, &c, "ev_head moved 50 back by VM0");
	check_exact(&c, "ev_head moved 50 back");
	CHECK(sh_u32(f, head) == h + 2 && sh_u32(f, tail) == h + 2,
	      "the hypervisor's own head published: head %u tail %u, want %u", sh_u32(f, head),
	      sh_u32(f, tail), h + 2);

	/* The hypervisor finds the ring full and flags overflow; keel.ko
	 * stores its own tail back and asks for a RESCAN, which the slot
	 * (READY, whether or not its event came) answers. */
	h = sh_u32(f, head);
	sh_set_u32(f, tail, h + 1000);
	answer(f, 0x5eed0103, &c, "ev_tail scribbled past the head");
	CHECK(c.rescan >= 1 && !c.bell_bad && !c.other,
	      "ev_tail past the head: rescan %u (doorbell %u, ioreq %u, other %u)", c.rescan, c.bell,
	      c.ioreq, c.other);
	CHECK(sh_u32(f, tail) == sh_u32(f, head) && !sh_u32(f, ovf),
	      "tail put back: head %u tail %u overflow %u", sh_u32(f, head), sh_u32(f, tail),
	      sh_u32(f, ovf));
	answer(f, 0x5eed0104, &c, "after the tail scribble");
	check_exact(&c, "after the tail scribble");

	sh_set_u32(f, ovf, 1);
	answer(f, 0x5eed0105, &c, "overflow set by VM0");
	CHECK(c.bell == 1 && c.ioreq == 1 && c.rescan == 1 && !c.other && !c.bell_bad,
	      "overflow set by VM0: one RESCAN besides doorbell %u ioreq %u (rescan %u other %u)",
	      c.bell, c.ioreq, c.rescan, c.other);
	CHECK(!sh_u32(f, ovf), "overflow cleared");
	answer(f, 0x5eed0106, &c, "after the overflow flag");
	check_exact(&c, "after the overflow flag");
}

static void drain_events(struct forge *f)
{
	struct keel_event ev;

	while (read(f->kfd, &ev, sizeof(ev)) == sizeof(ev))
		;
}

/* VM f->id with two vCPUs, the loop guest in its RAM, started; vCPU 0's
 * first read pending. 0 or -errno. */
static int vm_up(struct forge *f, const struct keel_sysinfo *si)
{
	struct keel_ioc_mmio win = { .id = f->id, .flags = KEEL_MMIO_IOREQ, .base = WIN, .size = 0x1000 };
	struct keel_ioc_mmio bell = { .id = f->id, .flags = KEEL_MMIO_DOORBELL, .base = WIN + 0x50,
				      .size = 4, .cookie = BELL_COOKIE };
	struct keel_ioc_vm_start start = { .id = f->id, .entry = TEST_RAM_IPA };
	struct keel_ioc_map map = { .id = f->id };
	struct keel_vm_desc d;
	struct evcount c;
	void *p;
	int ret;

	test_desc_init(&d, f->id, si);
	d.nr_vcpus = 2;
	/* Beside VM0's vCPU 0 when it has only one pCPU. */
	d.vcpu_pcpu[0] = d.vcpu_pcpu[1] = si->nr_pcpus > 1 ? 1 : 0;
	ret = kio(f->kfd, KEEL_IOC_VM_CREATE, &d);
	if (!ret)
		ret = kio(f->kfd, KEEL_IOC_MMIO_REGISTER, &win);
	if (!ret)
		ret = kio(f->kfd, KEEL_IOC_MMIO_REGISTER, &bell);
	if (!ret)
		ret = kio(f->kfd, KEEL_IOC_VM_MAP, &map);
	if (ret)
		return ret;
	p = mmap(NULL, map.size, PROT_READ | PROT_WRITE, MAP_SHARED, f->kfd, map.mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	f->ram = p;
	f->ram_size = map.size;
	f->answered = 0;
	memcpy(p, loop_code, sizeof(loop_code));
	drain_events(f);
	ret = kio(f->kfd, KEEL_IOC_VM_START, &start);
	if (ret)
		return ret;
	collect(f, &c, 0);
	return c.ioreq == 1 ? 0 : -ETIMEDOUT;
}

static void vm_down(struct forge *f)
{
	struct keel_ioc_vm_id vid = { .id = f->id };

	kio(f->kfd, KEEL_IOC_VM_STOP, &vid);
	if (f->ram)
		munmap((void *)f->ram, f->ram_size);
	f->ram = NULL;
	CHECK(kio(f->kfd, KEEL_IOC_VM_DESTROY, &vid) == 0, "VM %u destroyed", f->id);
	drain_events(f);
}

static int open_debugfs(struct forge *f)
{
	if (access(DBG_DIR, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	f->shfd = open(DBG_DIR "/shared", O_RDWR);
	f->cfd = open(DBG_DIR "/ioreq_complete", O_WRONLY);
	return f->shfd < 0 || f->cfd < 0 ? -errno : 0;
}

int forge_main(int kfd, unsigned int id)
{
	struct forge f = { .kfd = kfd, .id = id, .shfd = -1, .cfd = -1 };
	struct keel_sysinfo si;
	struct keel_ioreq s;
	unsigned long long first_seq;
	struct evcount c;
	int ret;

	ret = open_debugfs(&f);
	CHECK(!ret, "open " DBG_DIR "/shared and ioreq_complete: %d", ret);
	ret = ret ? ret : kio(kfd, KEEL_IOC_SYSINFO, &si);
	ret = ret ? ret : vm_up(&f, &si);
	CHECK(!ret, "VM %u up, its first read pending: %d", id, ret);
	if (ret)
		goto out;

	sh_read(&f, slot_off(id, 0), &s, sizeof(s));
	first_seq = s.seq;
	forge_completions(&f);
	answer(&f, 0x5eed0001, &c, "after the forgeries");
	check_exact(&c, "after the forgeries");
	forge_replay(&f, first_seq);
	answer(&f, 0x5eed0002, &c, "after the replay");
	check_exact(&c, "after the replay");
	forge_ring(&f);
	sh_read(&f, slot_off(id, 0), &s, sizeof(s));
	vm_down(&f);

	/* A new VM on the same id: an answer with the old VM's first seq. */
	ret = vm_up(&f, &si);
	CHECK(!ret, "VM %u up again: %d", id, ret);
	if (!ret) {
		struct keel_ioreq now, bad;

		sh_read(&f, slot_off(id, 0), &now, sizeof(now));
		CHECK(now.seq > s.seq, "the new VM's first request has seq %llu, after %llu",
		      (unsigned long long)now.seq, (unsigned long long)s.seq);
		bad = now;
		bad.state = KEEL_IOREQ_DONE;
		bad.seq = first_seq;
		bad.data = 0xbad0bad0;
		sh_write(&f, slot_off(id, 0), &bad, sizeof(bad));
		ret = raw_complete(&f, id, 0);
		CHECK(ret == -EINVAL, "IOREQ_COMPLETE with seq %llu of the VM before on this id: %d",
		      first_seq, ret);
		sh_write(&f, slot_off(id, 0), &now, sizeof(now));
		answer(&f, 0x5eed0201, &c, "the new VM");
		check_exact(&c, "the new VM");
	}
	vm_down(&f);
out:
	if (f.shfd >= 0)
		close(f.shfd);
	if (f.cfd >= 0)
		close(f.cfd);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
