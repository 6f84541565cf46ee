// SPDX-License-Identifier: GPL-2.0
/* Host tests: the PL061 register model and the power-button line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "devices/pl061.h"

static struct pl061 g;
static int irq_calls;
static bool irq_level;

static void fake_irq(void *opaque, bool level)
{
	irq_calls++;
	irq_level = level;
}

static int setup(void **state)
{
	irq_calls = 0;
	irq_level = false;
	pl061_init(&g, fake_irq, NULL);
	return 0;
}

static uint32_t rd(uint64_t off)
{
	return (uint32_t)pl061_read(&g, off, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	pl061_write(&g, off, 4, v);
}

static void test_ids(void **state)
{
	static const uint8_t want[8] = { 0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

	for (int i = 0; i < 8; i++)
		assert_int_equal(rd(0xfe0 + 4 * i), want[i]);
}

static void test_data_mask(void **state)
{
	wr(PL061_DIR, 0x0f);            /* lines 0-3 outputs */
	wr(0x3fc, 0xff);                /* all-ones mask */
	assert_int_equal(rd(0x3fc), 0x0f);  /* inputs 4-7 read low */
	wr(0x3fc, 0x00);
	wr(0x1 << 2, 0xff);             /* only line 0 */
	assert_int_equal(rd(0x3fc), 0x01);
	assert_int_equal(rd(0x2 << 2), 0x00);
	pl061_set_input(&g, 5, true);
	assert_int_equal(rd(0x3fc), 0x21);
	assert_int_equal(rd(0x20 << 2), 0x20);
	assert_int_equal(rd(0x0), 0);   /* mask 0 reads nothing */
	assert_int_equal(irq_calls, 0); /* nothing enabled */
}

/* Linux's gpio-keys asks for both edges: press and release both interrupt. */
static void test_button_both_edges(void **state)
{
	wr(PL061_IBE, 1 << 3);
	wr(PL061_IE, 1 << 3);
	pl061_set_input(&g, 3, true);
	assert_true(irq_level);
	assert_int_equal(rd(PL061_RIS), 1 << 3);
	assert_int_equal(rd(PL061_MIS), 1 << 3);
	assert_int_equal(rd(1 << 5), 1 << 3);  /* DATA, mask = line 3 */
	wr(PL061_IC, 1 << 3);
	assert_false(irq_level);
	assert_int_equal(rd(PL061_RIS), 0);
	pl061_set_input(&g, 3, false);
	assert_true(irq_level);
	wr(PL061_IC, 0xff);
	assert_false(irq_level);
	assert_int_equal(irq_calls, 4);
}

static void test_button_rising_only(void **state)
{
	wr(PL061_IEV, 1 << 3);
	wr(PL061_IE, 1 << 3);
	pl061_set_input(&g, 3, false);
	assert_int_equal(irq_calls, 0);
	pl061_set_input(&g, 3, true);
	assert_true(irq_level);
	wr(PL061_IC, 1 << 3);
	pl061_set_input(&g, 3, false);  /* falling: nothing */
	assert_false(irq_level);
	assert_int_equal(irq_calls, 2);
	/* masked edges latch in RIS, not MIS */
	wr(PL061_IE, 0);
	pl061_set_input(&g, 3, true);
	assert_int_equal(rd(PL061_RIS), 1 << 3);
	assert_int_equal(rd(PL061_MIS), 0);
	assert_false(irq_level);
	wr(PL061_IE, 1 << 3);  /* unmasking a latched edge raises the line */
	assert_true(irq_level);
}

static void test_level(void **state)
{
	wr(PL061_IS, 1 << 3);
	wr(PL061_IEV, 1 << 3);  /* high level */
	wr(PL061_IE, 1 << 3);
	pl061_set_input(&g, 3, true);
	assert_true(irq_level);
	wr(PL061_IC, 1 << 3);   /* a level cannot be cleared while it lasts */
	assert_true(irq_level);
	pl061_set_input(&g, 3, false);
	assert_false(irq_level);
	assert_int_equal(rd(PL061_RIS), 0);
}

static void test_regs_and_fuzz(void **state)
{
	uint32_t x = 99;

	wr(PL061_AFSEL, 0x5);
	assert_int_equal(rd(PL061_AFSEL), 5);
	for (int i = 0; i < 100000; i++) {
		x = x * 1103515245 + 12345;
		uint64_t off = (x >> 8) & 0x1fff;

		if (x & 1)
			pl061_write(&g, off, 4, x);
		else
			pl061_read(&g, off, 4);
		if (!(x & 0x30))
			pl061_set_input(&g, (x >> 12) & 15, x & 0x100);
		assert_int_equal(irq_level, rd(PL061_MIS) != 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ids, setup),
		cmocka_unit_test_setup(test_data_mask, setup),
		cmocka_unit_test_setup(test_button_both_edges, setup),
		cmocka_unit_test_setup(test_button_rising_only, setup),
		cmocka_unit_test_setup(test_level, setup),
		cmocka_unit_test_setup(test_regs_and_fuzz, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
