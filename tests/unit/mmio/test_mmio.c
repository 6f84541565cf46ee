// SPDX-License-Identifier: GPL-2.0 OR MIT
/* hyp/core/mmio.c: which regions may coexist, and which one an access finds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/mmio.h>
#include <asm/sysreg.h>
#include <hyp/vm.h>

u64 shim_read_sysreg(const char *name) { (void)name; return 0; }
void shim_write_sysreg(const char *name, u64 v) { (void)name; (void)v; }

static int page_handler(struct vcpu *v, struct mmio_access *a, void *p) { return 0; }
static int bell_handler(struct vcpu *v, struct mmio_access *a, void *p) { return 0; }

static struct vm *new_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	assert_non_null(vm);
	return vm;
}

static void test_doorbell_inside_page_wins(void **state)
{
	struct vm *vm = new_vm();
	const struct mmio_region *r;

	assert_int_equal(mmio_register(vm, 0xa000000, 0x1000, page_handler, NULL, false), 0);
	assert_int_equal(mmio_register(vm, 0xa000050, 4, bell_handler, (void *)7, true), 0);
	assert_int_equal(mmio_register(vm, 0xa000250, 4, bell_handler, (void *)8, true), 0);
	r = mmio_find(vm, 0xa000050);
	assert_non_null(r);
	assert_ptr_equal(r->handler, bell_handler);
	assert_ptr_equal(r->priv, (void *)7);
	assert_ptr_equal(mmio_find(vm, 0xa000253)->priv, (void *)8);
	/* Next to a doorbell: the page. */
	assert_ptr_equal(mmio_find(vm, 0xa000054)->handler, page_handler);
	assert_ptr_equal(mmio_find(vm, 0xa00004c)->handler, page_handler);
	assert_null(mmio_find(vm, 0xa001000));
	free(vm);
}

static void test_overlaps_refused(void **state)
{
	struct vm *vm = new_vm();

	assert_int_equal(mmio_register(vm, 0xa000000, 0x1000, page_handler, NULL, false), 0);
	assert_int_equal(mmio_register(vm, 0xa000050, 4, bell_handler, NULL, true), 0);
	/* two doorbells on one address, or overlapping */
	assert_int_equal(mmio_register(vm, 0xa000050, 4, bell_handler, NULL, true), -EEXIST);
	assert_int_equal(mmio_register(vm, 0xa000052, 2, bell_handler, NULL, true), -EEXIST);
	/* an ordinary region over another, partly or wholly */
	assert_int_equal(mmio_register(vm, 0xa000000, 0x1000, page_handler, NULL, false), -EEXIST);
	assert_int_equal(mmio_register(vm, 0x9fff000, 0x2000, page_handler, NULL, false), -EEXIST);
	/* a doorbell straddling the page's end */
	assert_int_equal(mmio_register(vm, 0xa000ffc, 8, bell_handler, NULL, true), -EEXIST);
	/* empty or wrapping */
	assert_int_equal(mmio_register(vm, 0xb000000, 0, page_handler, NULL, false), -EINVAL);
	assert_int_equal(mmio_register(vm, ~0ULL - 8, 0x100, page_handler, NULL, false), -EINVAL);
	assert_int_equal(vm->nr_mmio, 2);
	free(vm);
}

static void test_doorbell_alone_and_page_around_it(void **state)
{
	struct vm *vm = new_vm();

	/* A doorbell first, then the page that holds it: allowed. */
	assert_int_equal(mmio_register(vm, 0xc000050, 4, bell_handler, NULL, true), 0);
	assert_int_equal(mmio_register(vm, 0xc000000, 0x1000, page_handler, NULL, false), 0);
	assert_ptr_equal(mmio_find(vm, 0xc000050)->handler, bell_handler);
	/* A page only partly covering a doorbell: refused. */
	assert_int_equal(mmio_register(vm, 0xd000ffc, 8, bell_handler, NULL, true), 0);
	assert_int_equal(mmio_register(vm, 0xd000000, 0x1000, page_handler, NULL, false), -EEXIST);
	free(vm);
}

static void test_table_full(void **state)
{
	struct vm *vm = new_vm();
	u32 i;

	for (i = 0; i < MAX_MMIO_REGIONS; i++)
		assert_int_equal(mmio_register(vm, 0x10000000 + i * 0x1000ULL, 0x1000, page_handler,
					       NULL, false), 0);
	assert_int_equal(mmio_register(vm, 0x20000000, 0x1000, page_handler, NULL, false), -ENOSPC);
	free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doorbell_inside_page_wins),
		cmocka_unit_test(test_overlaps_refused),
		cmocka_unit_test(test_doorbell_alone_and_page_around_it),
		cmocka_unit_test(test_table_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
