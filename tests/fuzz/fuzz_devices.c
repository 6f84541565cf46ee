// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a hostile guest poking keeld's PL011 UART and PL061
 * GPIO models through the MMIO dispatch table (mmio.c), at their real
 * guest addresses, while the console types and the power button toggles.
 *
 * The input is a program of operations (opcode byte, operands; missing
 * bytes read as 0). Besides sanitizer findings, the harness keeps its own
 * model of what the guest must observe and aborts on any difference:
 * console bytes come out of DR in the order typed and none is lost while
 * the FIFO has room, every byte written to DR reaches the console, the
 * interrupt line is reported only when it changes and always equals
 * "MIS != 0", and reads return no bits beyond the access size.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/guest.h>

#include "input.h"
#include "vdev/mmio.h"
#include "devices/pl011.h"
#include "devices/pl061.h"

struct line {
	bool level;     /* as last reported to the "GIC" */
	unsigned edges;
};

static struct pl011 uart;
static struct pl061 gpio;
static struct mmio_table table;
static struct line uart_line, gpio_line;
/* The harness's copy of the RX FIFO, and TX bytes expected/seen. */
static uint8_t rx_model[PL011_FIFO];
static unsigned rx_head, rx_count;
static unsigned tx_expected, tx_seen;
static uint8_t tx_last;

static void fail(const char *what, unsigned long long a, unsigned long long b)
{
	fprintf(stderr, "fuzz_devices: %s (0x%llx, 0x%llx)\n", what, a, b);
	abort();
}

static void on_irq(void *opaque, bool level)
{
	struct line *l = opaque;

	if (level == l->level)
		fail("interrupt reported without a change", level, l->edges);
	l->level = level;
	l->edges++;
}

static void on_tx(void *opaque, uint8_t byte)
{
	tx_seen++;
	tx_last = byte;
}

static uint64_t size_mask(unsigned size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* A guest access anywhere around the two devices. */
static void op_access(struct input *in)
{
	static const uint64_t bases[4] = {
		KEEL_GUEST_UART_BASE, KEEL_GUEST_GPIO_BASE,
		KEEL_GUEST_UART_BASE + KEEL_GUEST_UART_SIZE, KEEL_GUEST_GPIO_BASE - 8,
	};
	uint8_t sel = (uint8_t)take(in, 1);
	uint64_t addr = bases[sel & 3] + take(in, 2) % 0x1008;
	unsigned size = 1U << ((sel >> 2) & 3);
	bool write = sel & 0x10;
	uint64_t data = write ? take(in, 8) : 0, want = 0;
	const struct mmio_range *r = mmio_find(&table, addr, size);
	bool uart_dr = r && r->dev == &uart && ((addr - r->base) & ~3ULL) == PL011_DR;
	int rc;

	if (sel & 0x20) /* an access size the guest cannot make */
		size = 3;
	if (uart_dr && !write && rx_count && size != 3) {
		/* A DR read pops one byte, whatever the lane. */
		want = rx_model[rx_head] >> (8 * ((addr - r->base) & 3));
		rx_head = (rx_head + 1) % PL011_FIFO;
		rx_count--;
	}
	if (uart_dr && write && size != 3) {
		tx_expected++;
		want = (uint8_t)(data << (8 * ((addr - r->base) & 3)));
	}
	rc = mmio_access(&table, addr, size, write, &data);
	if (size == 3) {
		if (rc != -EINVAL || (!write && data))
			fail("bad access size accepted", addr, (uint64_t)rc);
		return;
	}
	if (rc != (r ? 0 : -ENOENT))
		fail("mmio_access disagrees with mmio_find", addr, (uint64_t)rc);
	if (!write && data & ~size_mask(size))
		fail("read returned bits beyond the access size", addr, data);
	if (uart_dr && !write && data != (want & size_mask(size)))
		fail("DR read returned the wrong console byte", data, want);
	if (uart_dr && write && tx_last != (uint8_t)want)
		fail("DR write sent the wrong byte", tx_last, want);
}

static void op_type(struct input *in)
{
	uint8_t buf[64];
	size_t len = take(in, 1) % sizeof(buf), room = pl011_rx_room(&uart), n;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)take(in, 1);
	n = pl011_receive(&uart, buf, len);
	if (n != (len < room ? len : room))
		fail("console bytes lost or over-taken", n, room);
	for (size_t i = 0; i < n; i++) {
		rx_model[(rx_head + rx_count) % PL011_FIFO] = buf[i];
		rx_count++;
	}
}

static void op_button(struct input *in)
{
	uint8_t v = (uint8_t)take(in, 1);

	pl061_set_input(&gpio, v & 15, v & 0x10);
}

static void op_reset(struct input *in)
{
	if (take(in, 1) & 1) {
		pl011_init(&uart, on_tx, on_irq, &uart_line);
		uart_line.level = false;
		rx_head = rx_count = 0;
	} else {
		pl061_init(&gpio, on_irq, &gpio_line);
		gpio_line.level = false;
	}
}

static void (*const ops[])(struct input *in) = {
	op_access, op_access, op_access, op_type, op_button, op_reset,
};

/* State the guest could read back must agree with the harness's model. */
static void check(void)
{
	uint32_t fr = (uint32_t)pl011_read(&uart, PL011_FR, 4);
	bool uart_mis = pl011_read(&uart, PL011_MIS, 4) != 0;
	bool gpio_mis = (pl061_read(&gpio, PL061_MIS, 4) & 0xff) != 0;

	if (uart.rx_count != rx_count || pl011_rx_room(&uart) != PL011_FIFO - rx_count)
		fail("UART FIFO count differs from the console's bytes", uart.rx_count, rx_count);
	if (!(fr & PL011_FR_RXFE) != (rx_count != 0) || !(fr & PL011_FR_RXFF) != (rx_count != PL011_FIFO))
		fail("UART FR disagrees with the FIFO", fr, rx_count);
	if (uart.irq_level != uart_mis || uart_line.level != uart_mis)
		fail("UART interrupt line is not MIS != 0", uart_line.level, uart_mis);
	if (gpio.irq_level != gpio_mis || gpio_line.level != gpio_mis)
		fail("GPIO interrupt line is not MIS != 0", gpio_line.level, gpio_mis);
	if (tx_seen != tx_expected)
		fail("DR writes and console bytes differ in number", tx_seen, tx_expected);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* As vm_devices_setup registers them. */
	if (mmio_add(&table, KEEL_GUEST_UART_BASE, KEEL_GUEST_UART_SIZE, &pl011_mmio_ops, &uart) ||
	    mmio_add(&table, KEEL_GUEST_GPIO_BASE, KEEL_GUEST_GPIO_SIZE, &pl061_mmio_ops, &gpio))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};

	pl011_init(&uart, on_tx, on_irq, &uart_line);
	pl061_init(&gpio, on_irq, &gpio_line);
	uart_line = gpio_line = (struct line){0};
	rx_head = rx_count = tx_expected = tx_seen = 0;
	while (in.n) {
		ops[take(&in, 1) % (sizeof(ops) / sizeof(ops[0]))](&in);
		check();
	}
	return 0;
}
