// SPDX-License-Identifier: GPL-2.0
/*
 * The registry across a keeld restart (vdev_registry_save / _resume): a
 * new registry takes over without registering anything with the
 * hypervisor, maps the shadow page the dead one had (its words, the
 * guest's live registers, untouched by the fresh model; its posted stores
 * not yet drained still applied, once), answers the doorbell cookies the
 * hypervisor still holds, and hands each device its saved state.
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

#define BASE 0x0a000000ULL

struct tdev {
	struct vdev vdev;
	uint32_t *words;
	int value;              /* the state save/restore carry */
	uint32_t kicked;
	char wlog[64];
};

static struct keel_shadow_page *page;   /* keel.ko's, outlives keeld */
static unsigned nr_registered, nr_mapped;
static uint32_t bell_cookie;

static uint64_t t_read(void *o, uint64_t off, unsigned size)
{
	return 0;
}

static void t_write(void *o, uint64_t off, unsigned size, uint64_t val)
{
	struct tdev *t = o;
	size_t n = strlen(t->wlog);

	snprintf(t->wlog + n, sizeof(t->wlog) - n, "%s%llx", n ? " " : "", (unsigned long long)val);
}

static void t_bind(void *o, uint32_t *words)
{
	((struct tdev *)o)->words = words;
	words[0] = 0;           /* a fresh model's reset value */
}

static const struct keel_shadow_reg regs[] = {
	{ 0, KEEL_SHADOW_POSTED, KEEL_SHADOW_SIZES, 0 },
	{ 4, KEEL_SHADOW_READ, KEEL_SHADOW_SIZE_4, 0 },
};
static const struct mmio_ops t_mmio = { .name = "t", .read = t_read, .write = t_write,
					.shadow = regs, .nr_shadow = 2, .shadow_bind = t_bind };

static int t_attach(struct vdev *d, char *err, size_t errlen)
{
	int r = vdev_window(d, BASE, 0x200, &t_mmio, d, err, errlen);

	return r ? r : vdev_doorbell(d, BASE + 0x50, 4, 9, err, errlen);
}

static void t_detach(struct vdev *d) {}
static int t_dt(struct vdev *d, void *fdt) { return 0; }
static void t_kick(struct vdev *d, uint32_t tag, uint32_t v) { ((struct tdev *)d)->kicked = v; }
static void t_destroy(struct vdev *d) { free(d); }

static int t_save(struct vdev *d, json_t **state)
{
	*state = json_pack("{s:i}", "value", ((struct tdev *)d)->value);
	return 0;
}

static int t_restore(struct vdev *d, const json_t *state)
{
	((struct tdev *)d)->value = (int)json_integer_value(json_object_get(state, "value"));
	return 0;
}

static const struct vdev_ops t_ops = {
	.attach = t_attach, .detach = t_detach, .dt_node = t_dt, .kick = t_kick,
	.save = t_save, .restore = t_restore, .destroy = t_destroy,
};

static unsigned t_count(const struct vm_config *cfg) { return 1; }
static const struct vdev_type t_type;

static int t_create(struct vdev_registry *r, const struct vm_config *cfg, unsigned i,
		    struct vdev **out, char *err, size_t errlen)
{
	struct tdev *t = calloc(1, sizeof(*t));

	vdev_init(&t->vdev, r, &t_type, &t_ops, "t");
	*out = &t->vdev;
	return 0;
}

static const struct vdev_type t_type = { "test", NULL, t_count, t_create };
static const struct vdev_type *const types[] = { &t_type };

static int h_register(void *o, uint64_t base, uint64_t size, unsigned flags, uint32_t cookie)
{
	nr_registered++;
	if (flags == KEEL_MMIO_DOORBELL)
		bell_cookie = cookie;
	return 0;
}

static int h_irq(void *o, unsigned intid, unsigned level) { return 0; }

static int h_shadow(void *o, struct keel_ioc_shadow *s, struct keel_shadow_page **p)
{
	nr_registered++;
	*p = page;
	return 0;
}

static int h_map(void *o, unsigned slot, struct keel_shadow_page **p)
{
	nr_mapped++;
	if (slot != 0)
		return -EINVAL;
	*p = page;
	return 0;
}

static void h_release(void *o, struct keel_shadow_page *p) {}

static const struct vdev_host_ops hops = { .mmio_register = h_register, .irq_line = h_irq,
					   .shadow_register = h_shadow, .shadow_map = h_map,
					   .shadow_release = h_release };

static void post(uint32_t val)
{
	page->ring[page->posted_head % KEEL_SHADOW_RING] =
		(struct keel_posted){ .offset = 0, .size = 4, .data = val };
	page->posted_head++;
}

static void test_resume(void **state)
{
	struct vm_config cfg = { 0 };
	struct vdev_host h = { .ops = &hops, .vm_id = 3, .label = "t.json" };
	struct vdev_registry old, fresh;
	struct tdev *t;
	json_t *saved;
	char err[256];

	page = aligned_alloc(KEEL_SHADOW_PAGE_SIZE, KEEL_SHADOW_PAGE_SIZE);
	memset(page, 0, KEEL_SHADOW_PAGE_SIZE);
	assert_int_equal(vdev_registry_create(&old, &h, &cfg, types, 1, err, sizeof(err)), 0);
	assert_int_equal(vdev_registry_attach(&old, true, err, sizeof(err)), 0);
	((struct tdev *)old.dev[0])->value = 42;
	post(0x11);
	vdev_registry_kick_all(&old);          /* drains 0x11 */
	assert_int_equal(vdev_registry_save(&old, &saved, err, sizeof(err)), 0);
	/* The guest goes on while no keeld runs: a register word set, one
	 * more posted store. The old keeld dies without detaching. */
	page->word[0] = 0x5a;
	post(0x22);

	nr_registered = 0;
	assert_int_equal(vdev_registry_create(&fresh, &h, &cfg, types, 1, err, sizeof(err)), 0);
	assert_int_equal(vdev_registry_resume(&fresh, saved, err, sizeof(err)), 0);
	t = (struct tdev *)fresh.dev[0];
	assert_int_equal(nr_registered, 0);
	assert_int_equal(nr_mapped, 1);
	assert_int_equal(t->value, 42);
	assert_int_equal(page->word[0], 0x5a);
	vdev_registry_kick_all(&fresh);
	assert_string_equal(t->wlog, "22");    /* 0x11 was the old keeld's */
	assert_int_equal(vdev_registry_kick(&fresh, bell_cookie, 1), 0);
	assert_int_equal(t->kicked, 1);
	/* The next boot's cookies are new ones. */
	{
		uint32_t was = bell_cookie;

		assert_int_equal(vdev_registry_attach(&fresh, true, err, sizeof(err)), 0);
		assert_int_not_equal(bell_cookie, was);
		assert_int_equal(vdev_registry_kick(&fresh, was, 1), -ENOENT);
	}

	json_decref(saved);
	vdev_registry_destroy(&fresh);
	/* old's page is keel.ko's: nothing of old to detach in a dead keeld. */
	old.nr_shadows = 0;
	old.attached = false;
	vdev_registry_destroy(&old);
	free(page);
}

static void test_mismatch(void **state)
{
	struct vm_config cfg = { 0 };
	struct vdev_host h = { .ops = &hops, .vm_id = 3, .label = "t.json" };
	struct vdev_registry r;
	char err[256];
	json_t *bad = json_pack("{s:i, s:[]}", "generation", 1, "devices");

	assert_int_equal(vdev_registry_create(&r, &h, &cfg, types, 1, err, sizeof(err)), 0);
	assert_int_equal(vdev_registry_resume(&r, bad, err, sizeof(err)), -EINVAL);
	assert_false(r.attached);
	json_decref(bad);
	vdev_registry_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
