// SPDX-License-Identifier: GPL-2.0
/* Host tests: the PL011 register model with a fake IRQ line and console. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/pl011.h"

static struct pl011 u;
static char out[256];
static size_t nout;
static int irq_calls;
static bool irq_level;

static void fake_tx(void *opaque, uint8_t b)
{
	out[nout++] = (char)b;
}

static void fake_irq(void *opaque, bool level)
{
	irq_calls++;
	irq_level = level;
}

static int setup(void **state)
{
	nout = 0;
	irq_calls = 0;
	irq_level = false;
	pl011_init(&u, fake_tx, fake_irq, NULL);
	return 0;
}

static uint32_t rd(uint64_t off)
{
	return (uint32_t)pl011_read(&u, off, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	pl011_write(&u, off, 4, v);
}

static void test_ids(void **state)
{
	static const uint8_t want[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

	for (int i = 0; i < 8; i++)
		assert_int_equal(rd(0xfe0 + 4 * i), want[i]);
	assert_int_equal(pl011_read(&u, 0xfe0, 1), 0x11);
	assert_int_equal(rd(0x1000), 0);
	assert_int_equal(rd(0x0fc), 0);
}

static void test_reset_and_regs(void **state)
{
	assert_int_equal(rd(PL011_FR), PL011_FR_TXFE | PL011_FR_RXFE);
	assert_int_equal(rd(PL011_CR), 0x300);
	assert_int_equal(rd(PL011_IFLS), 0x12);
	wr(PL011_IBRD, 13);
	wr(PL011_FBRD, 1);
	wr(PL011_LCR_H, 0x70);
	wr(PL011_CR, 0x301);
	wr(PL011_ILPR, 5);
	wr(PL011_DMACR, 0xff);
	assert_int_equal(rd(PL011_IBRD), 13);
	assert_int_equal(rd(PL011_FBRD), 1);
	assert_int_equal(rd(PL011_LCR_H), 0x70);
	assert_int_equal(rd(PL011_CR), 0x301);
	assert_int_equal(rd(PL011_ILPR), 5);
	assert_int_equal(rd(PL011_DMACR), 7);
	wr(PL011_FR, 0);  /* read-only */
	assert_int_equal(rd(PL011_FR), PL011_FR_TXFE | PL011_FR_RXFE);
	assert_int_equal(rd(PL011_RSR), 0);
	wr(PL011_RSR, 0xf);
	assert_int_equal(irq_calls, 0);
}

static void test_tx(void **state)
{
	wr(PL011_DR, 'h');
	pl011_write(&u, PL011_DR, 1, 'i');  /* earlycon's writeb */
	assert_int_equal(nout, 2);
	assert_memory_equal(out, "hi", 2);
	/* TXIS is always raised; unmasking it raises the line, masking drops it */
	assert_true(rd(PL011_RIS) & PL011_INT_TX);
	assert_int_equal(rd(PL011_MIS), 0);
	wr(PL011_IMSC, PL011_INT_TX);
	assert_int_equal(irq_calls, 1);
	assert_true(irq_level);
	assert_int_equal(rd(PL011_MIS), PL011_INT_TX);
	wr(PL011_ICR, 0x7ff);   /* cannot clear an empty transmitter's TXIS */
	assert_true(irq_level);
	wr(PL011_DR, 'x');      /* no change: no extra call */
	assert_int_equal(irq_calls, 1);
	wr(PL011_IMSC, 0);
	assert_int_equal(irq_calls, 2);
	assert_false(irq_level);
}

static void test_rx(void **state)
{
	uint8_t in[40];

	wr(PL011_IMSC, PL011_INT_RX | PL011_INT_RT);
	assert_int_equal(irq_calls, 0);
	assert_int_equal(pl011_receive(&u, (const uint8_t *)"ab", 2), 2);
	assert_int_equal(irq_calls, 1);
	assert_true(irq_level);
	assert_int_equal(rd(PL011_FR) & PL011_FR_RXFE, 0);
	assert_int_equal(rd(PL011_RIS) & (PL011_INT_RX | PL011_INT_RT), PL011_INT_RX | PL011_INT_RT);
	assert_int_equal(rd(PL011_DR), 'a');
	assert_true(irq_level);
	assert_int_equal(rd(PL011_DR), 'b');
	assert_false(irq_level);
	assert_int_equal(irq_calls, 2);
	assert_true(rd(PL011_FR) & PL011_FR_RXFE);
	assert_int_equal(rd(PL011_DR), 0);  /* empty FIFO */

	memset(in, 'z', sizeof(in));
	assert_int_equal(pl011_rx_room(&u), PL011_FIFO);
	assert_int_equal(pl011_receive(&u, in, sizeof(in)), PL011_FIFO);
	assert_true(rd(PL011_FR) & PL011_FR_RXFF);
	assert_int_equal(pl011_rx_room(&u), 0);
	assert_int_equal(pl011_receive(&u, in, 1), 0);
	for (int i = 0; i < PL011_FIFO; i++)
		assert_int_equal(rd(PL011_DR), 'z');
	assert_true(rd(PL011_FR) & PL011_FR_RXFE);
	assert_false(irq_level);
}

/* Whatever the guest writes, nothing breaks and the level stays consistent. */
static void test_fuzz(void **state)
{
	uint32_t x = 12345;

	for (int i = 0; i < 100000; i++) {
		x = x * 1103515245 + 12345;
		uint64_t off = (x >> 8) & 0x1fff;
		unsigned size = 1U << ((x >> 4) & 3);

		if (x & 1)
			pl011_write(&u, off, size, x * 7);
		else
			pl011_read(&u, off, size);
		if (!(x & 0xf0))
			pl011_receive(&u, (const uint8_t *)"q", 1);
		nout = 0;
		assert_int_equal(irq_level, (rd(PL011_MIS) != 0));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ids, setup),
		cmocka_unit_test_setup(test_reset_and_regs, setup),
		cmocka_unit_test_setup(test_tx, setup),
		cmocka_unit_test_setup(test_rx, setup),
		cmocka_unit_test_setup(test_fuzz, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
