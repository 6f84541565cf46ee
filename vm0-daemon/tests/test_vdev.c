// SPDX-License-Identifier: GPL-2.0
/*
 * The device registry (vdev/registry.c) with devices of a test type whose
 * hooks log what the registry asks of them, and a hypervisor that records
 * what is registered with it: windows that overlap are refused, doorbell
 * cookies find their device and only for the attach that handed them out,
 * unknown windows and cookies are errors, devices attach in order and
 * detach and are destroyed in reverse, and a device whose attach fails is
 * unwound with everything attached before it. A window with shadow
 * registers gets its page, and its posted stores reach the device before
 * a later ioreq does.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <keel/guest.h>
#include <keel/ioctl.h>

#include "vdev/vdev.h"

#define NDEV 3
#define BASE 0x0a000000ULL

/* What the test config asks of each device. */
static struct {
	uint64_t base, size;    /* its window */
	bool bell;              /* a doorbell at base + 0x50 */
	bool shadow;            /* shadow registers: DR (0) posted, FR (4) read */
	int fail_attach;        /* attach returns this after claiming its window */
} want[NDEV];

static char trace[256];     /* "a0 a1 d1 d0 x1 x0": attach, detach, destroy */
static unsigned nr_ioreq_pages, nr_bells;
static uint32_t cookie_of[NDEV];
static uint64_t last_write[NDEV];
static uint32_t last_kick[NDEV];
static int hyp_fail;        /* the hypervisor refuses the next registration */

struct tdev {
	struct vdev vdev;
	unsigned i;
	uint32_t *words;        /* shadow_bind's */
};

static char wlog[256];      /* "off:val ..." of the writes to shadowed windows */
static char plog[64];       /* per write there: p (posted, vdev_posted) or i (an ioreq) */
static unsigned nr_shadow_regs, nr_shadow_released;
static struct keel_ioc_shadow shadow_req;
static struct keel_shadow_page *shadow_page;

static void note(char op, unsigned i)
{
	size_t n = strlen(trace);

	snprintf(trace + n, sizeof(trace) - n, "%s%c%u", n ? " " : "", op, i);
}

static uint64_t t_read(void *opaque, uint64_t off, unsigned size)
{
	return ((struct tdev *)opaque)->i * 0x100 + off;
}

static void t_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	last_write[((struct tdev *)opaque)->i] = val;
}

static const struct mmio_ops t_mmio = { .name = "test", .read = t_read, .write = t_write };

static void ts_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	size_t n = strlen(wlog);

	snprintf(wlog + n, sizeof(wlog) - n, "%s%x:%llx", n ? " " : "", (unsigned)off,
		 (unsigned long long)val);
	n = strlen(plog);
	snprintf(plog + n, sizeof(plog) - n, "%c", vdev_posted(opaque) ? 'p' : 'i');
}

static void ts_bind(void *opaque, uint32_t *words)
{
	((struct tdev *)opaque)->words = words;
}

static const struct keel_shadow_reg ts_regs[] = {
	{ 0, KEEL_SHADOW_POSTED, KEEL_SHADOW_SIZES, 0 },
	{ 4, KEEL_SHADOW_READ, KEEL_SHADOW_SIZE_4, 0 },
};

static const struct mmio_ops ts_mmio = {
	.name = "shadowed", .read = t_read, .write = ts_write,
	.shadow = ts_regs, .nr_shadow = 2, .shadow_bind = ts_bind,
};

static int t_attach(struct vdev *d, char *err, size_t errlen)
{
	struct tdev *t = (struct tdev *)d;
	int r;

	note('a', t->i);
	r = vdev_window(d, want[t->i].base, want[t->i].size, want[t->i].shadow ? &ts_mmio : &t_mmio,
			t, err, errlen);
	if (!r && want[t->i].bell)
		r = vdev_doorbell(d, want[t->i].base + 0x50, 4, 7 + t->i, err, errlen);
	if (!r && want[t->i].fail_attach) {
		snprintf(err, errlen, "%s: refused", d->name);
		r = want[t->i].fail_attach;
	}
	return r;
}

static void t_detach(struct vdev *d)
{
	note('d', ((struct tdev *)d)->i);
}

static void t_kick(struct vdev *d, uint32_t tag, uint32_t value)
{
	struct tdev *t = (struct tdev *)d;

	assert_int_equal(tag, 7 + t->i);
	last_kick[t->i] = value;
}

static json_t *t_json(const struct vdev *d)
{
	return json_pack("{s:i}", "i", (int)((const struct tdev *)d)->i);
}

static void t_destroy(struct vdev *d)
{
	note('x', ((struct tdev *)d)->i);
	free(d);
}

static int t_dt(struct vdev *d, void *fdt)
{
	return 0;
}

static const struct vdev_ops t_ops = {
	.attach = t_attach, .detach = t_detach, .dt_node = t_dt, .kick = t_kick,
	.json = t_json, .destroy = t_destroy,
};

static unsigned t_count(const struct vm_config *cfg)
{
	return cfg->nr_disks;
}

static const struct vdev_type t_type;

static int t_create(struct vdev_registry *r, const struct vm_config *cfg, unsigned i,
		    struct vdev **out, char *err, size_t errlen)
{
	struct tdev *t = calloc(1, sizeof(*t));
	char name[VDEV_NAME_MAX];

	assert_non_null(t);
	snprintf(name, sizeof(name), "dev %u", i);
	vdev_init(&t->vdev, r, &t_type, &t_ops, name);
	t->i = i;
	*out = &t->vdev;
	return 0;
}

static const struct vdev_type t_type = { "test", "things", t_count, t_create };
static const struct vdev_type *const types[] = { &t_type };

static int hyp_register(void *opaque, uint64_t base, uint64_t size, unsigned flags,
			uint32_t cookie)
{
	if (hyp_fail) {
		int r = hyp_fail;

		hyp_fail = 0;
		return r;
	}
	if (flags == KEEL_MMIO_IOREQ) {
		assert_int_equal(base % KEEL_GUEST_PAGE_SIZE, 0);
		assert_int_equal(size % KEEL_GUEST_PAGE_SIZE, 0);
		nr_ioreq_pages++;
		return 0;
	}
	assert_int_equal(flags, KEEL_MMIO_DOORBELL);
	for (unsigned i = 0; i < NDEV; i++)
		if (base == want[i].base + 0x50)
			cookie_of[i] = cookie;
	nr_bells++;
	return 0;
}

static int hyp_irq(void *opaque, unsigned intid, unsigned level)
{
	return 0;
}

/* keel.ko's part: a zeroed page with magic and revision, as the hypervisor
 * has it. */
static int hyp_shadow(void *opaque, struct keel_ioc_shadow *s, struct keel_shadow_page **page)
{
	shadow_page = aligned_alloc(KEEL_SHADOW_PAGE_SIZE, KEEL_SHADOW_PAGE_SIZE);
	assert_non_null(shadow_page);
	memset(shadow_page, 0, KEEL_SHADOW_PAGE_SIZE);
	shadow_page->magic = KEEL_SHADOW_MAGIC;
	shadow_page->revision = KEEL_SHADOW_REVISION;
	shadow_req = *s;
	nr_shadow_regs++;
	*page = shadow_page;
	return 0;
}

static void hyp_shadow_release(void *opaque, struct keel_shadow_page *page)
{
	assert_ptr_equal(page, shadow_page);
	nr_shadow_released++;
	free(page);
}

static const struct vdev_host_ops hyp = {
	.mmio_register = hyp_register, .irq_line = hyp_irq,
	.shadow_register = hyp_shadow, .shadow_release = hyp_shadow_release,
};
static struct vdev_registry reg;
static char err[256];

/* Three devices, windows 0x200 apart (two share a page), 0 and 2 with doorbells. */
static int setup(void **state)
{
	struct vm_config cfg = { .nr_disks = NDEV };
	struct vdev_host h = { .ops = &hyp, .vm_id = 4, .label = "test.json" };

	memset(want, 0, sizeof(want));
	for (unsigned i = 0; i < NDEV; i++) {
		want[i].base = BASE + i * 0x200;
		want[i].size = 0x200;
	}
	want[0].bell = want[2].bell = true;
	trace[0] = 0;
	nr_ioreq_pages = nr_bells = 0;
	memset(cookie_of, 0, sizeof(cookie_of));
	hyp_fail = 0;
	wlog[0] = plog[0] = 0;
	nr_shadow_regs = nr_shadow_released = 0;
	assert_int_equal(vdev_registry_create(&reg, &h, &cfg, types, 1, err, sizeof(err)), 0);
	assert_int_equal(reg.n, NDEV);
	return 0;
}

static int teardown(void **state)
{
	vdev_registry_destroy(&reg);
	return 0;
}

static void test_order(void **state)
{
	json_t *o = json_object();

	assert_int_equal(vdev_registry_attach(&reg, true, err, sizeof(err)), 0);
	assert_int_equal(nr_ioreq_pages, NDEV);  /* one call each; the hypervisor merges */
	assert_int_equal(nr_bells, 2);
	vdev_registry_json(&reg, o);
	assert_int_equal(json_array_size(json_object_get(o, "things")), NDEV);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(o, "things"), 2), "i")), 2);
	json_decref(o);
	vdev_registry_destroy(&reg);
	assert_string_equal(trace, "a0 a1 a2 d2 d1 d0 x2 x1 x0");
	assert_int_equal(reg.n, 0);
}

static void test_access(void **state)
{
	uint64_t data = 0;

	assert_int_equal(vdev_registry_attach(&reg, true, err, sizeof(err)), 0);
	assert_int_equal(vdev_registry_access(&reg, BASE + 0x200 + 0x10, 4, false, &data), 0);
	assert_int_equal(data, 0x110);
	data = 0xabcd;
	assert_int_equal(vdev_registry_access(&reg, BASE + 0x400 + 8, 2, true, &data), 0);
	assert_int_equal(last_write[2], 0xabcd);
	assert_ptr_equal(vdev_registry_find(&reg, BASE + 0x5ff), reg.dev[2]);
	/* no window there, or one access across two windows: reads 0 */
	data = 1;
	assert_int_equal(vdev_registry_access(&reg, BASE + 0x600, 4, false, &data), -ENOENT);
	assert_int_equal(data, 0);
	assert_int_equal(vdev_registry_access(&reg, BASE + 0x1fc, 8, false, &data), -ENOENT);
	assert_null(vdev_registry_find(&reg, BASE + 0x600));
	/* detached: no windows at all */
	vdev_registry_detach(&reg);
	assert_int_equal(vdev_registry_access(&reg, BASE, 4, false, &data), -ENOENT);
}

static void test_cookies(void **state)
{
	uint32_t old;

	assert_int_equal(vdev_registry_attach(&reg, true, err, sizeof(err)), 0);
	assert_int_not_equal(cookie_of[0], cookie_of[2]);
	assert_int_equal(vdev_registry_kick(&reg, cookie_of[2], 5), 0);
	assert_int_equal(last_kick[2], 5);
	assert_int_equal(vdev_registry_kick(&reg, cookie_of[0], 1), 0);
	assert_int_equal(last_kick[0], 1);
	/* cookies are not device numbers: 1 and 2 name nothing */
	assert_int_equal(vdev_registry_kick(&reg, 1, 0), -ENOENT);
	assert_int_equal(vdev_registry_kick(&reg, 2, 0), -ENOENT);
	assert_int_equal(vdev_registry_kick(&reg, ~0U, 0), -ENOENT);
	/* a new boot hands out new cookies: an old doorbell reaches nobody */
	old = cookie_of[2];
	vdev_registry_detach(&reg);
	assert_int_equal(vdev_registry_kick(&reg, old, 0), -ENOENT);
	assert_int_equal(vdev_registry_attach(&reg, true, err, sizeof(err)), 0);
	assert_int_not_equal(cookie_of[2], old);
	assert_int_equal(vdev_registry_kick(&reg, old, 0), -ENOENT);
	assert_int_equal(vdev_registry_kick(&reg, cookie_of[2], 9), 0);
	assert_int_equal(last_kick[2], 9);
}

/* Device 1's window overlaps device 0's: refused, and 0 is unwound. */
static void test_overlap(void **state)
{
	want[1].base = BASE + 0x100;
	assert_int_equal(vdev_registry_attach(&reg, true, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "dev 1"));
	assert_non_null(strstr(err, "overlaps dev 0"));
	assert_string_equal(trace, "a0 a1 d1 d0");
	assert_false(reg.attached);
	assert_int_equal(reg.mmio.n, 0);
	assert_int_equal(reg.nr_bells, 0);
}

/* A device whose attach fails after claiming its window and doorbell, and
 * one the hypervisor refuses: each is detached with those before it, and
 * nothing is left claimed; the next attach starts clean. */
static void test_attach_fails(void **state)
{
	uint64_t data;

	want[2].fail_attach = -EBUSY;
	assert_int_equal(vdev_registry_attach(&reg, true, err, sizeof(err)), -EBUSY);
	assert_string_equal(err, "dev 2: refused");
	assert_string_equal(trace, "a0 a1 a2 d2 d1 d0");
	assert_int_equal(vdev_registry_access(&reg, BASE, 4, false, &data), -ENOENT);
	assert_int_equal(vdev_registry_kick(&reg, cookie_of[0], 0), -ENOENT);

	trace[0] = 0;
	want[2].fail_attach = 0;
	hyp_fail = -ENOMEM;  /* device 0's page */
	assert_int_equal(vdev_registry_attach(&reg, true, err, sizeof(err)), -ENOMEM);
	assert_non_null(strstr(err, "KEEL_IOC_MMIO_REGISTER"));
	assert_string_equal(trace, "a0 d0");

	trace[0] = 0;
	assert_int_equal(vdev_registry_attach(&reg, true, err, sizeof(err)), 0);
	assert_string_equal(trace, "a0 a1 a2");
	assert_int_equal(vdev_registry_access(&reg, BASE, 4, false, &data), 0);
}

/* Without the hypervisor (a VM an earlier keeld registered): windows serve,
 * nothing is registered. Saving refuses while a device cannot. */
static void test_no_hyp_and_save(void **state)
{
	uint64_t data;
	json_t *saved = NULL;

	assert_int_equal(vdev_registry_attach(&reg, false, err, sizeof(err)), 0);
	assert_int_equal(nr_ioreq_pages + nr_bells, 0);
	assert_int_equal(vdev_registry_access(&reg, BASE + 0x400, 4, false, &data), 0);
	assert_int_equal(vdev_registry_save(&reg, &saved, err, sizeof(err)), -EOPNOTSUPP);
	assert_null(saved);
	assert_non_null(strstr(err, "dev 0"));
}

/* What the hypervisor does on a posted store. */
static void hyp_post(uint32_t offset, uint32_t size, uint64_t data)
{
	uint32_t head = shadow_page->posted_head;

	shadow_page->ring[head % KEEL_SHADOW_RING] = (struct keel_posted){ offset, size, data };
	__atomic_store_n(&shadow_page->posted_head, head + 1, __ATOMIC_RELEASE);
}

/* Device 1's window has shadow registers: one page, registered for its
 * window with a cookie of this attach, bound to the device; posted stores
 * reach it, in order, before an ioreq and on their event; a store outside
 * the window is dropped; the page goes back at detach. */
static void test_shadow(void **state)
{
	struct tdev *t1 = (struct tdev *)reg.dev[1];
	uint64_t data = 0x58;

	want[1].shadow = true;
	assert_int_equal(vdev_registry_attach(&reg, true, err, sizeof(err)), 0);
	assert_int_equal(nr_shadow_regs, 1);
	assert_int_equal(shadow_req.base, want[1].base);
	assert_int_equal(shadow_req.size, 0x200);
	assert_int_equal(shadow_req.nr_regs, 2);
	assert_int_equal(shadow_req.reg[1].kind, KEEL_SHADOW_READ);
	assert_ptr_equal(t1->words, shadow_page->word);

	hyp_post(0, 1, 'a');
	hyp_post(0, 2, 'b');
	hyp_post(0x300, 4, 1);  /* outside the window: dropped */
	hyp_post(0, 1, 'c');
	/* An ioreq of the guest's after them: they come first. */
	assert_int_equal(vdev_registry_access(&reg, want[1].base + 8, 4, true, &data), 0);
	assert_string_equal(wlog, "0:61 0:62 0:63 8:58");
	assert_string_equal(plog, "pppi");  /* the device tells a posted store from an ioreq */
	assert_int_equal(shadow_page->posted_tail, 4);

	/* The event: its cookie drains; another names nothing. */
	hyp_post(0, 1, 'd');
	assert_int_equal(vdev_registry_posted(&reg, shadow_req.cookie + 1), -ENOENT);
	assert_int_equal(vdev_registry_posted(&reg, 0), -ENOENT);
	assert_string_equal(wlog, "0:61 0:62 0:63 8:58");
	assert_int_equal(vdev_registry_posted(&reg, shadow_req.cookie), 0);
	assert_string_equal(wlog, "0:61 0:62 0:63 8:58 0:64");
	assert_int_equal(shadow_page->posted_tail, 5);

	/* The last stores before a stop are applied at detach. */
	hyp_post(0, 1, 'e');
	vdev_registry_detach(&reg);
	assert_string_equal(wlog, "0:61 0:62 0:63 8:58 0:64 0:65");
	assert_string_equal(plog, "pppipp");
	assert_int_equal(nr_shadow_released, 1);
	assert_int_equal(vdev_registry_posted(&reg, shadow_req.cookie), -ENOENT);

	/* Without the hypervisor the device still gets words of its own. */
	t1->words = NULL;
	assert_int_equal(vdev_registry_attach(&reg, false, err, sizeof(err)), 0);
	assert_non_null(t1->words);
	assert_int_equal(nr_shadow_regs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_hyp_and_save, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shadow, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
