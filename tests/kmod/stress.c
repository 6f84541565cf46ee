// SPDX-License-Identifier: GPL-2.0
/*
 * keeltest stress ID1 ID2 SECONDS: threads on VM0's vCPUs race every
 * management call on the same two VM ids (create of VMs up to 128 MiB, so
 * the hypervisor spends a while building each; stop and destroy; map with
 * and without mmap; start; irq_line; mmio_register; info) for SECONDS.
 * Each call may fail in the ways its contract allows (the id is gone, in
 * use, being built); any other answer is a failure. Afterwards: the ids
 * are destroyed, the guest pool and the VM count are as before, and a new
 * VM on ID1 runs a guest that stores a word into its RAM.
 *
 * keeld may keep running meanwhile (it gets the VM_STOPPED events of VMs
 * it does not know); the ids must be ones it does not use. What the race
 * does to the hypervisor shows in whether it still answers and in its
 * log; the system test (tests/system/test_guests.py) also checks that a
 * guest keeld runs is unharmed.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "keeltest.h"

#define MiB (1ULL << 20)
#define GUEST_MAGIC 0x4c214b45U

/* x1 = 0x40000000; w2 = GUEST_MAGIC; *(u32 *)(x1 + 0x100) = w2; wfi loop */
static const unsigned int magic_code[] = {
	0xd2a80001, 0x528968a2, 0x72a98422, 0xb9010022, 0xd503207f, 0x17ffffff,
};

enum op { OP_CREATE, OP_DESTROY, OP_MAP, OP_START, OP_IRQ, OP_MMIO, OP_INFO, NR_OPS };

static const char *const op_names[NR_OPS] = {
	"create", "stop+destroy", "map+mmap", "start", "irq_line", "mmio_register", "info",
};

struct stress {
	int kfd;
	unsigned int ids[2];
	struct keel_sysinfo si;
	volatile int stop;
	pthread_mutex_t lock;
	unsigned long ok[NR_OPS], refused[NR_OPS], bad[NR_OPS];
	int first_bad[NR_OPS];
};

struct worker {
	struct stress *st;
	enum op op;
	unsigned int seed;
};

static unsigned int pick_id(struct worker *w)
{
	return w->st->ids[rand_r(&w->seed) & 1];
}

/* VM_MAP region 0 of id, mmap it, write the guest's code, munmap. */
static int write_code(int kfd, unsigned int id)
{
	struct keel_ioc_map map = { .id = id };
	void *p;
	int ret = kio(kfd, KEEL_IOC_VM_MAP, &map);

	if (ret)
		return ret;
	p = mmap(NULL, map.size, PROT_READ | PROT_WRITE, MAP_SHARED, kfd, map.mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	memcpy(p, magic_code, sizeof(magic_code));
	munmap(p, map.size);
	return 0;
}

static int do_create(struct worker *w)
{
	struct keel_vm_desc d;
	unsigned int r = rand_r(&w->seed);

	test_desc_init(&d, pick_id(w), &w->st->si);
	d.nr_vcpus = 1 + (r & 1);
	for (unsigned int i = 0; i < d.nr_vcpus; i++)
		d.vcpu_pcpu[i] = 1 + (r >> (4 + i)) % (w->st->si.nr_pcpus - 1);
	d.mem[0].size = (2 * MiB) << ((r >> 8) % 7);  /* 2..128 MiB */
	return kio(w->st->kfd, KEEL_IOC_VM_CREATE, &d);
}

static int do_destroy(struct worker *w)
{
	struct keel_ioc_vm_id vid = { .id = pick_id(w) };

	kio(w->st->kfd, KEEL_IOC_VM_STOP, &vid);
	return kio(w->st->kfd, KEEL_IOC_VM_DESTROY, &vid);
}

static int do_map(struct worker *w)
{
	struct keel_ioc_map map = { .id = pick_id(w) };
	int ret = kio(w->st->kfd, KEEL_IOC_VM_MAP, &map);
	volatile unsigned int *p;

	if (ret || (rand_r(&w->seed) & 3))
		return ret;
	p = mmap(NULL, map.size, PROT_READ | PROT_WRITE, MAP_SHARED, w->st->kfd, map.mmap_offset);
	if (p == MAP_FAILED)
		return -errno;
	/* Past the code: touch the last word of the region. */
	p[map.size / 4 - 1] = 1;
	munmap((void *)p, map.size);
	return 0;
}

static int do_start(struct worker *w)
{
	unsigned int id = pick_id(w);
	struct keel_ioc_vm_start start = { .id = id, .entry = TEST_RAM_IPA };
	int ret = write_code(w->st->kfd, id);

	return ret ? ret : kio(w->st->kfd, KEEL_IOC_VM_START, &start);
}

static int do_irq(struct worker *w)
{
	unsigned int r = rand_r(&w->seed);
	struct keel_ioc_irq irq = { .id = pick_id(w), .intid = 32 + r % (w->st->si.nr_irqs - 24),
				    .level = (r >> 12) % 3 };

	if (irq.intid > 1019)
		irq.intid = 1019;
	return kio(w->st->kfd, KEEL_IOC_IRQ_LINE, &irq);
}

static int do_mmio(struct worker *w)
{
	unsigned int r = rand_r(&w->seed);
	struct keel_ioc_mmio m = { .id = pick_id(w) };

	if (r & 1)
		m = (struct keel_ioc_mmio){ .id = m.id, .flags = KEEL_MMIO_DOORBELL,
					    .base = 0x0a000050 + ((r >> 1) % 64) * 0x200, .size = 4,
					    .cookie = r >> 16 };
	else
		m = (struct keel_ioc_mmio){ .id = m.id, .flags = KEEL_MMIO_IOREQ,
					    .base = 0x0a000000 + ((r >> 1) % 64) * 0x1000,
					    .size = 0x1000 };
	return kio(w->st->kfd, KEEL_IOC_MMIO_REGISTER, &m);
}

static int do_info(struct worker *w)
{
	struct keel_vm_info info = { .id = pick_id(w) };
	int ret = kio(w->st->kfd, KEEL_IOC_VM_INFO, &info);

	/* A VM_INFO that succeeds describes the VM asked about. */
	if (!ret && (info.id != w->st->ids[0] && info.id != w->st->ids[1]))
		return -EPROTO;
	return ret;
}

static int (*const op_fns[NR_OPS])(struct worker *w) = {
	[OP_CREATE] = do_create, [OP_DESTROY] = do_destroy, [OP_MAP] = do_map,
	[OP_START] = do_start, [OP_IRQ] = do_irq, [OP_MMIO] = do_mmio, [OP_INFO] = do_info,
};

/*
 * What a racing call may answer besides 0: the id is free or half built
 * (ENOENT), taken (EEXIST), running, mapped or being destroyed (EBUSY),
 * the pool or a table is full (ENOMEM, ENOSPC), the VM has not that
 * interrupt (EINVAL: irq_line and mmio_register of regions another thread
 * placed), or mmap() of a region destroyed meanwhile (EINVAL).
 */
static int allowed(enum op op, int ret)
{
	switch (ret) {
	case -ENOENT: case -EEXIST: case -EBUSY: case -ENOMEM: case -ENOSPC:
		return 1;
	case -EINVAL:
		return op == OP_IRQ || op == OP_MAP || op == OP_START || op == OP_MMIO;
	default:
		return 0;
	}
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;

	while (!st->stop) {
		int ret = op_fns[w->op](w);

		pthread_mutex_lock(&st->lock);
		if (!ret) {
			st->ok[w->op]++;
		} else if (allowed(w->op, ret)) {
			st->refused[w->op]++;
		} else {
			if (!st->bad[w->op])
				st->first_bad[w->op] = ret;
			st->bad[w->op]++;
		}
		pthread_mutex_unlock(&st->lock);
	}
	return NULL;
}

/* Stop and destroy id until it is gone (a bounded number of tries). */
static int remove_vm(int kfd, unsigned int id)
{
	struct keel_ioc_vm_id vid = { .id = id };
	int ret = 0;

	for (int i = 0; i < 50; i++) {
		kio(kfd, KEEL_IOC_VM_STOP, &vid);
		ret = kio(kfd, KEEL_IOC_VM_DESTROY, &vid);
		if (ret == -ENOENT)
			return 0;
		usleep(100000);
	}
	return ret;
}

/* A new VM on id after the storm: created, started, its store seen. */
static void check_new_vm(int kfd, unsigned int id, const struct keel_sysinfo *si)
{
	struct keel_vm_desc d;
	struct keel_ioc_map map = { .id = id };
	struct keel_ioc_vm_start start = { .id = id, .entry = TEST_RAM_IPA };
	volatile unsigned int *ram;
	int ret;

	test_desc_init(&d, id, si);
	ret = kio(kfd, KEEL_IOC_VM_CREATE, &d);
	CHECK(ret == 0, "VM_CREATE %u after the stress: %d", id, ret);
	if (ret)
		return;
	ret = kio(kfd, KEEL_IOC_VM_MAP, &map);
	CHECK(ret == 0, "VM_MAP after the stress: %d", ret);
	ram = ret ? MAP_FAILED : mmap(NULL, map.size, PROT_READ | PROT_WRITE, MAP_SHARED, kfd,
				      map.mmap_offset);
	if (ram != MAP_FAILED) {
		/* A new VM's RAM is zeroed: nothing of the storm's VMs is left. */
		CHECK(ram[0] == 0 && ram[map.size / 4 - 1] == 0, "new VM's RAM is zero");
		memcpy((void *)ram, magic_code, sizeof(magic_code));
		ret = kio(kfd, KEEL_IOC_VM_START, &start);
		CHECK(ret == 0, "VM_START after the stress: %d", ret);
		/* Up to 10 s for the guest's first four instructions. */
		for (int i = 0; i < 100 && ram[0x100 / 4] != GUEST_MAGIC; i++)
			usleep(100000);
		CHECK(ram[0x100 / 4] == GUEST_MAGIC, "guest after the stress stored %#x",
		      ram[0x100 / 4]);
		munmap((void *)ram, map.size);
	}
	CHECK(remove_vm(kfd, id) == 0, "VM %u removed", id);
}

int stress_main(int kfd, unsigned int id1, unsigned int id2, unsigned int seconds)
{
	static struct stress st = { .lock = PTHREAD_MUTEX_INITIALIZER };
	/* More threads than VM0 has vCPUs: every call has a rival. */
	static const enum op plan[] = { OP_CREATE, OP_CREATE, OP_DESTROY, OP_DESTROY, OP_MAP,
					OP_START, OP_IRQ, OP_MMIO, OP_INFO };
	struct worker workers[sizeof(plan) / sizeof(plan[0])];
	pthread_t threads[sizeof(plan) / sizeof(plan[0])];
	unsigned int n = sizeof(plan) / sizeof(plan[0]);
	struct keel_sysinfo after;
	int ret;

	st.kfd = kfd;
	st.ids[0] = id1;
	st.ids[1] = id2;
	if (kio(kfd, KEEL_IOC_SYSINFO, &st.si) || st.si.nr_pcpus < 2 || st.si.nr_irqs < 33) {
		CHECK(0, "SYSINFO before the stress");
		return 1;
	}
	printf("stress: VMs %u and %u, %u threads, %u s; pool %llu of %llu bytes free, %u VMs\n",
	       id1, id2, n, seconds, (unsigned long long)st.si.pool_free_bytes,
	       (unsigned long long)st.si.pool_bytes, st.si.nr_vms);
	fflush(stdout);
	for (unsigned int i = 0; i < n; i++) {
		workers[i] = (struct worker){ .st = &st, .op = plan[i], .seed = 1234 + i };
		if (pthread_create(&threads[i], NULL, worker_run, &workers[i])) {
			CHECK(0, "pthread_create");
			n = i;
			break;
		}
	}
	sleep(seconds);
	st.stop = 1;
	for (unsigned int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);

	for (int op = 0; op < NR_OPS; op++)
		CHECK(!st.bad[op], "%s: %lu ok, %lu refused as allowed, %lu unexpected (first %d)",
		      op_names[op], st.ok[op], st.refused[op], st.bad[op], st.first_bad[op]);
	/* The race happened: VMs were built and torn down under the others. */
	CHECK(st.ok[OP_CREATE] && st.ok[OP_DESTROY], "VMs created (%lu) and destroyed (%lu)",
	      st.ok[OP_CREATE], st.ok[OP_DESTROY]);
	CHECK(remove_vm(kfd, id1) == 0 && remove_vm(kfd, id2) == 0, "VMs %u and %u removed", id1,
	      id2);
	ret = kio(kfd, KEEL_IOC_SYSINFO, &after);
	CHECK(ret == 0 && after.pool_free_bytes == st.si.pool_free_bytes &&
	      after.nr_vms == st.si.nr_vms,
	      "hypervisor answers; pool whole: %llu of %llu bytes free, %u VMs (%u before)",
	      (unsigned long long)after.pool_free_bytes, (unsigned long long)st.si.pool_free_bytes,
	      after.nr_vms, st.si.nr_vms);
	check_new_vm(kfd, id1, &st.si);
	ret = kio(kfd, KEEL_IOC_SYSINFO, &after);
	CHECK(ret == 0 && after.pool_free_bytes == st.si.pool_free_bytes,
	      "pool whole at the end: %llu bytes free", (unsigned long long)after.pool_free_bytes);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
