// SPDX-License-Identifier: GPL-2.0 OR MIT
/* hyp/core/shadow.c: what a registration may say, and what guest accesses
 * to shadow registers do (W1C against a concurrent set, the posted ring). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/guest.h>
#include <keel/shared.h>
#include <hyp/errno.h>
#include <hyp/ioreq.h>
#include <hyp/mmio.h>
#include <hyp/shadow.h>
#include <asm/sysreg.h>
#include <hyp/vm.h>

u64 shim_read_sysreg(const char *name) { (void)name; return 0; }
void shim_write_sysreg(const char *name, u64 v) { (void)name; (void)v; }

/* "VM0's RAM": pages the fake vm_ram_contains accepts. */
#define RAM_PAGES 32
static unsigned char *ram;
static struct vm vm0_struct;
struct vm *vm0 = &vm0_struct;

bool vm_ram_contains(const struct vm *vm, u64 ipa, u64 len)
{
	u64 lo = (u64)(uintptr_t)ram, hi = lo + RAM_PAGES * KEEL_SHADOW_PAGE_SIZE;

	return vm == vm0 && ipa >= lo && len <= hi - lo && ipa - lo <= hi - lo - len;
}

static unsigned nr_events;
static struct keel_event last_event;

void ioreq_post_event(u32 type, u32 vm_id, u32 vcpu, u32 arg)
{
	nr_events++;
	last_event = (struct keel_event){ type, vm_id, vcpu, arg };
}

#define BASE 0xa000000ULL
#define ISR 0x60
#define ACK 0x64
#define DR 0x0
#define CR 0x30

static struct keel_shadow_page *page_at(unsigned i)
{
	struct keel_shadow_page *p = (void *)(ram + i * KEEL_SHADOW_PAGE_SIZE);

	memset(p, 0, KEEL_SHADOW_PAGE_SIZE);
	p->magic = KEEL_SHADOW_MAGIC;
	p->revision = KEEL_SHADOW_REVISION;
	return p;
}

/* A virtio-like window: ISR READ, ACK W1C on the same word, DR posted. */
static struct keel_shadow_desc good_desc(unsigned page, u64 base)
{
	struct keel_shadow_desc d = {
		.magic = KEEL_SHADOW_DESC_MAGIC,
		.revision = KEEL_SHADOW_DESC_REVISION,
		.vm_id = 1,
		.nr_regs = 4,
		.base = base,
		.size = 0x200,
		.page = (u64)(uintptr_t)page_at(page),
		.cookie = 0x77,
	};

	d.reg[0] = (struct keel_shadow_reg){ ISR, KEEL_SHADOW_READ, KEEL_SHADOW_SIZE_4, 3 };
	d.reg[1] = (struct keel_shadow_reg){ ACK, KEEL_SHADOW_W1C, KEEL_SHADOW_SIZE_4, 3 };
	d.reg[2] = (struct keel_shadow_reg){ DR, KEEL_SHADOW_POSTED, KEEL_SHADOW_SIZES, 0 };
	/* A load register at the posted one's offset: allowed. */
	d.reg[3] = (struct keel_shadow_reg){ DR, KEEL_SHADOW_READ, KEEL_SHADOW_SIZE_4, 4 };
	return d;
}

static struct vm *new_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	assert_non_null(vm);
	vm->id = 1;
	return vm;
}

static int access(struct vm *vm, u64 addr, u32 size, bool write, u64 *data)
{
	struct mmio_access acc = { .addr = addr, .offset = 0, .size = size, .write = write,
				   .data = write ? *data : 0xdead };
	int r = shadow_access(vm, &acc);

	if (!write)
		*data = acc.data;
	return r;
}

static int setup(void **state)
{
	ram = aligned_alloc(KEEL_SHADOW_PAGE_SIZE, RAM_PAGES * KEEL_SHADOW_PAGE_SIZE);
	nr_events = 0;
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

/* The i-th way to spoil a good descriptor; NULL past the last. */
static const char *spoil(struct keel_shadow_desc *d, unsigned i)
{
	u64 ram_lo = (u64)(uintptr_t)ram;

	switch (i) {
	case 0: d->magic++; return "magic";
	case 1: d->revision++; return "revision";
	case 2: d->pad = 1; return "pad";
	case 3: d->nr_regs = 0; return "no registers";
	case 4: d->nr_regs = KEEL_SHADOW_MAX_REGS + 1; return "too many registers";
	case 5: d->base += 2; return "unaligned base";
	case 6: d->size = 2; return "window too small";
	case 7: d->size = KEEL_SHADOW_WINDOW_MAX + 4; return "window too big";
	case 8: d->base = ~0ULL - 0xff; return "window wraps";
	case 9: d->base = KEEL_GUEST_IPA_LIMIT - 0x100; return "window past the IPA limit";
	case 10: d->reg[0].offset = 0x200; return "offset outside";
	case 11: d->size = 0x1fe; d->reg[0].offset = 0x1fc; return "offset straddles the end";
	case 12: d->reg[0].offset = ISR + 2; return "offset unaligned";
	case 13: d->reg[0].sizes = 0; return "no sizes";
	case 14: d->reg[0].sizes = 0x8; return "size 8";
	case 15: d->reg[0].kind = 0; return "kind 0";
	case 16: d->reg[0].kind = KEEL_SHADOW_LATCH + 1; return "unknown kind";
	case 17: d->reg[1].word = KEEL_SHADOW_WORDS; return "word out of range";
	case 18: d->reg[2].word = 1; return "posted with a word";
	case 19: d->reg[3].offset = ISR; return "two loads at one offset";
	case 20: d->reg[2].offset = ACK; return "two stores at one offset";
	case 21: d->page += 64; return "page unaligned";
	case 22: d->page = ram_lo + RAM_PAGES * KEEL_SHADOW_PAGE_SIZE; return "page past VM0 RAM";
	case 23: d->page = ram_lo - KEEL_SHADOW_PAGE_SIZE; return "page below VM0 RAM";
	case 24: ((struct keel_shadow_page *)(uintptr_t)d->page)->magic = 0; return "page magic";
	case 25: ((struct keel_shadow_page *)(uintptr_t)d->page)->revision = 9; return "page revision";
	case 26:
		d->reg[2] = (struct keel_shadow_reg){ 0x10, KEEL_SHADOW_LATCH, KEEL_SHADOW_SIZE_2,
						      KEEL_SHADOW_WORDS };
		return "latch word out of range";
	case 27: d->reg[2].offset = ACK; d->reg[2].kind = KEEL_SHADOW_LATCH; return "latch on a store offset";
	default: return NULL;
	}
}

static void test_bad_registrations(void **state)
{
	struct vm *vm = new_vm();
	struct keel_shadow_desc d;
	const char *what;

	for (unsigned i = 0;; i++) {
		d = good_desc(0, BASE);
		if (!(what = spoil(&d, i)))
			break;
		if (shadow_register(vm, &d) != -EINVAL)
			fail_msg("accepted a descriptor with a bad %s", what);
	}
	assert_int_equal(vm->shadow.nr, 0);

	d = good_desc(0, BASE);
	assert_int_equal(shadow_register(vm, &d), 0);
	/* overlapping window, or the same page for another window */
	d = good_desc(1, BASE + 0x100);
	assert_int_equal(shadow_register(vm, &d), -EEXIST);
	d = good_desc(0, BASE + 0x200);
	assert_int_equal(shadow_register(vm, &d), -EEXIST);
	for (unsigned i = 1; i < KEEL_SHADOW_MAX_WINDOWS; i++) {
		d = good_desc(i, BASE + 0x200 * i);
		assert_int_equal(shadow_register(vm, &d), 0);
	}
	d = good_desc(KEEL_SHADOW_MAX_WINDOWS, BASE + 0x200 * KEEL_SHADOW_MAX_WINDOWS);
	assert_int_equal(shadow_register(vm, &d), -ENOSPC);
	assert_int_equal(vm->shadow.nr, KEEL_SHADOW_MAX_WINDOWS);
	free(vm);
}

static void test_read_ack_and_ioreq_fallbacks(void **state)
{
	struct vm *vm = new_vm();
	struct keel_shadow_desc d = good_desc(0, BASE);
	struct keel_shadow_page *p = (void *)(uintptr_t)d.page;
	u64 v;

	assert_int_equal(shadow_register(vm, &d), 0);
	p->word[3] = 0x1;   /* keeld: used-buffer bit */
	assert_int_equal(access(vm, BASE + ISR, 4, false, &v), 0);
	assert_int_equal(v, 0x1);
	/* A newer interrupt sets another bit between the guest's read and its ACK. */
	__atomic_fetch_or(&p->word[3], 0x2, __ATOMIC_RELEASE);
	v = 0x1;
	assert_int_equal(access(vm, BASE + ACK, 4, true, &v), 0);
	assert_int_equal(p->word[3], 0x2);
	v = 0;
	assert_int_equal(access(vm, BASE + ISR, 4, false, &v), 0);
	assert_int_equal(v, 0x2);

	/* Wrong sizes, offsets inside a register, directions, addresses off
	 * any register or window: all take the ioreq path, the word unchanged. */
	assert_int_equal(access(vm, BASE + ISR, 1, false, &v), -ENOENT);
	assert_int_equal(access(vm, BASE + ISR, 8, false, &v), -ENOENT);
	assert_int_equal(access(vm, BASE + ISR + 1, 1, false, &v), -ENOENT);
	assert_int_equal(access(vm, BASE + ACK, 4, false, &v), -ENOENT);
	v = 0xffffffff;
	assert_int_equal(access(vm, BASE + ISR, 4, true, &v), -ENOENT);
	assert_int_equal(access(vm, BASE + ACK, 2, true, &v), -ENOENT);
	assert_int_equal(access(vm, BASE + 0x70, 4, false, &v), -ENOENT);
	assert_int_equal(access(vm, BASE + 0x200 + ISR, 4, false, &v), -ENOENT);
	assert_int_equal(access(vm, BASE - 4, 4, false, &v), -ENOENT);
	assert_int_equal(p->word[3], 0x2);
	free(vm);
}

/* keeld's side: sets bit 1 and checks right away that it is still set,
 * while the guest acknowledges bit 0 as fast as it can. A W1C that wrote
 * back a stale value (load, and, store) would clear bit 1 now and then. */
struct race {
	u32 *word;
	volatile bool done;
	unsigned lost;
};

static void *race_setter(void *arg)
{
	struct race *r = arg;

	for (unsigned i = 0; i < 200000; i++) {
		__atomic_fetch_or(r->word, 0x3, __ATOMIC_RELEASE);
		if (!(__atomic_load_n(r->word, __ATOMIC_ACQUIRE) & 0x2))
			r->lost++;
		__atomic_fetch_and(r->word, ~0x2U, __ATOMIC_RELAXED);
	}
	r->done = true;
	return NULL;
}

static void test_w1c_never_clears_a_concurrent_set(void **state)
{
	struct vm *vm = new_vm();
	struct keel_shadow_desc d = good_desc(0, BASE);
	struct keel_shadow_page *p = (void *)(uintptr_t)d.page;
	struct race r = { .word = &p->word[3] };
	unsigned long acks = 0;
	pthread_t t;

	assert_int_equal(shadow_register(vm, &d), 0);
	assert_int_equal(pthread_create(&t, NULL, race_setter, &r), 0);
	while (!r.done) {
		u64 v = 0x1;

		assert_int_equal(access(vm, BASE + ACK, 4, true, &v), 0);
		acks++;
	}
	pthread_join(t, NULL);
	assert_true(acks > 0);
	assert_int_equal(r.lost, 0);
	free(vm);
}

static void test_posted_ring(void **state)
{
	struct vm *vm = new_vm();
	struct keel_shadow_desc d = good_desc(0, BASE);
	struct keel_shadow_page *p = (void *)(uintptr_t)d.page;
	u64 v;

	assert_int_equal(shadow_register(vm, &d), 0);
	nr_events = 0;
	/* VM0 drains nothing: the ring fills, one event for the first entry. */
	for (u32 i = 0; i < KEEL_SHADOW_RING; i++) {
		v = 'a' + i % 26;
		assert_int_equal(access(vm, BASE + DR, i % 2 ? 2 : 1, true, &v), 0);
	}
	assert_int_equal(nr_events, 1);
	assert_int_equal(last_event.type, KEEL_EV_POSTED);
	assert_int_equal(last_event.vm_id, 1);
	assert_int_equal(last_event.vcpu, 0x77);
	assert_int_equal(p->posted_head, KEEL_SHADOW_RING);
	assert_int_equal(p->ring[5].offset, DR);
	assert_int_equal(p->ring[5].size, 2);
	assert_int_equal(p->ring[5].data, 'f');
	/* Full: the store becomes an ioreq, nothing is overwritten. */
	v = 'Z';
	assert_int_equal(access(vm, BASE + DR, 1, true, &v), -ENOENT);
	assert_int_equal(p->posted_head, KEEL_SHADOW_RING);
	assert_int_equal(p->ring[0].data, 'a');
	/* The load register at the same offset still answers from its word. */
	p->word[4] = 0x90;
	assert_int_equal(access(vm, BASE + DR, 4, false, &v), 0);
	assert_int_equal(v, 0x90);

	/* VM0 caught up: the next store is posted and notified again. */
	p->posted_tail = KEEL_SHADOW_RING;
	v = 'b';
	assert_int_equal(access(vm, BASE + DR, 1, true, &v), 0);
	assert_int_equal(nr_events, 2);
	assert_int_equal(p->ring[0].data, 'b');
	/* VM0 behind: posted, not notified. */
	assert_int_equal(access(vm, BASE + DR, 1, true, &v), 0);
	assert_int_equal(nr_events, 2);

	/* A tail VM0 moved past our head only ever looks full. */
	p->posted_tail = KEEL_SHADOW_RING + 50;
	assert_int_equal(access(vm, BASE + DR, 1, true, &v), -ENOENT);
	/* A head VM0 scribbled over is not ours: we publish our own. */
	p->posted_tail = KEEL_SHADOW_RING + 2;
	p->posted_head = 7;
	assert_int_equal(access(vm, BASE + DR, 1, true, &v), 0);
	assert_int_equal(p->posted_head, KEEL_SHADOW_RING + 3);
	free(vm);
}

/* A control register: LATCH stores keep the value in the word a READ on the
 * same offset answers from, and still reach VM0 in order through the ring
 * (or as an ioreq once it is full, the word already right). */
static void test_latch(void **state)
{
	struct vm *vm = new_vm();
	struct keel_shadow_desc d = good_desc(0, BASE);
	struct keel_shadow_page *p = (void *)(uintptr_t)d.page;
	u64 v;

	d.reg[1] = (struct keel_shadow_reg){ CR, KEEL_SHADOW_LATCH, KEEL_SHADOW_SIZE_1 | KEEL_SHADOW_SIZE_2, 5 };
	d.reg[3] = (struct keel_shadow_reg){ CR, KEEL_SHADOW_READ, KEEL_SHADOW_SIZES, 5 };
	p->word[5] = 0x300;  /* keeld: the reset value, before the guest runs */
	assert_int_equal(shadow_register(vm, &d), 0);
	nr_events = 0;
	assert_int_equal(access(vm, BASE + CR, 2, false, &v), 0);
	assert_int_equal(v, 0x300);
	v = 0x301;
	assert_int_equal(access(vm, BASE + CR, 2, true, &v), 0);
	v = 'x';
	assert_int_equal(access(vm, BASE + DR, 1, true, &v), 0);
	v = 0x300;
	assert_int_equal(access(vm, BASE + CR, 2, true, &v), 0);
	v = 0xb1;
	assert_int_equal(access(vm, BASE + CR, 1, true, &v), 0);
	v = 0;
	assert_int_equal(access(vm, BASE + CR, 4, false, &v), 0);
	assert_int_equal(v, 0xb1);  /* the last store, zero-extended */
	assert_int_equal(p->word[5], 0xb1);
	/* VM0 sees all four stores in the guest's order, one notification. */
	assert_int_equal(p->posted_head, 4);
	assert_int_equal(p->ring[0].offset, CR);
	assert_int_equal(p->ring[0].data, 0x301);
	assert_int_equal(p->ring[1].offset, DR);
	assert_int_equal(p->ring[2].data, 0x300);
	assert_int_equal(p->ring[3].size, 1);
	assert_int_equal(p->ring[3].data, 0xb1);
	assert_int_equal(nr_events, 1);
	/* A size the latch does not take: an ioreq, the word untouched. */
	v = 0x12345678;
	assert_int_equal(access(vm, BASE + CR, 4, true, &v), -ENOENT);
	assert_int_equal(p->word[5], 0xb1);
	/* Ring full: an ioreq carries the store, the word has it already. */
	p->posted_tail = p->posted_head - KEEL_SHADOW_RING;
	v = 0x381;
	assert_int_equal(access(vm, BASE + CR, 2, true, &v), -ENOENT);
	assert_int_equal(p->word[5], 0x381);
	assert_int_equal(p->posted_head, 4);
	free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_registrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_ack_and_ioreq_fallbacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_w1c_never_clears_a_concurrent_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_posted_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
