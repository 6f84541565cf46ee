/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Host tests of vgic_unassign_hw: a forwarded SPI changing hands between
 * VMs (device passthrough, hyp/core/passthrough.c), against the fakes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <hyp/errno.h>
#include <hyp/pcpu.h>

#include "fakes.h"

static struct vm *a, *b;

static void free_vm(struct vm *vm)
{
	for (u32 i = 0; vm && i < vm->nr_vcpus; i++)
		free(vm->vcpus[i]);
	if (vm)
		free(vm->vgic.spis);
	free(vm);
}

static int setup(void **state)
{
	a = fake_vm(3, 2, NULL);
	b = fake_vm(3, 1, NULL);
	ngcalls = 0;
	return 0;
}

static int teardown(void **state)
{
	free_vm(a);
	free_vm(b);
	return 0;
}

static struct vgic_irq *spi(struct vm *vm, u32 intid) { return &vm->vgic.spis[intid - 32]; }

static void test_move_between_vms(void **state)
{
	assert_int_equal(vgic_assign_hw(a, 64), 0);
	spi(a, 64)->enabled = 1;  /* as VM a's driver left it */
	ngcalls = 0;
	assert_int_equal(vgic_unassign_hw(a, 64, false), 0);
	assert_false(spi(a, 64)->hw);
	assert_true(spi(a, 64)->enabled);  /* kept for when it comes back */
	assert_true(find_gcall(G_ENABLE, 64, 0) >= 0);
	assert_true(find_gcall(G_ACTIVE, 64, 0) >= 0);
	assert_true(find_gcall(G_PENDING, 64, 0) >= 0);
	/* a's software may now inject it (no longer the hardware's) */
	assert_int_equal(vgic_inject(a, 0, 64, true), 0);
	assert_int_equal(vgic_inject(a, 0, 64, false), 0);

	/* b gets it, disabled until b enables it */
	ngcalls = 0;
	assert_int_equal(vgic_assign_hw(b, 64), 0);
	assert_true(find_gcall(G_ENABLE, 64, 0) >= 0);
	assert_int_equal(vgic_inject(b, 0, 64, true), -EINVAL);

	/* back to a: enabled again as a had it */
	assert_int_equal(vgic_unassign_hw(b, 64, true), 0);
	ngcalls = 0;
	assert_int_equal(vgic_assign_hw(a, 64), 0);
	assert_true(find_gcall(G_ENABLE, 64, 1) >= 0);
}

static void test_busy_while_handled(void **state)
{
	assert_int_equal(vgic_assign_hw(a, 70), 0);
	spi(a, 70)->enabled = 1;
	vgic_forward_phys(a, 70);
	spi(a, 70)->active = 1;  /* the guest took it and has not finished */
	assert_int_equal(vgic_unassign_hw(a, 70, false), -EBUSY);
	assert_true(spi(a, 70)->hw);
	spi(a, 70)->active = 0;
	spi(a, 70)->in_lr = 1;
	assert_int_equal(vgic_unassign_hw(a, 70, false), -EBUSY);
	/* a dead VM never finishes it: forced, and the physical one ends */
	ngcalls = 0;
	assert_int_equal(vgic_unassign_hw(a, 70, true), 0);
	assert_false(spi(a, 70)->hw);
	assert_false(spi(a, 70)->pending);
	assert_true(find_gcall(G_ACTIVE, 70, 0) >= 0);
	spi(a, 70)->in_lr = 0;
}

static void test_only_spis(void **state)
{
	assert_int_equal(vgic_unassign_hw(a, 27, true), -EINVAL);
	assert_int_equal(vgic_unassign_hw(a, 15, true), -EINVAL);
	assert_int_equal(vgic_unassign_hw(a, a->vgic.nr_irqs, true), -EINVAL);
	/* never forwarded: nothing to do, nothing touched */
	ngcalls = 0;
	assert_int_equal(vgic_unassign_hw(a, 80, false), 0);
	assert_int_equal(ngcalls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_move_between_vms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_while_handled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_spis, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
