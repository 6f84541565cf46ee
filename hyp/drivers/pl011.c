// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Polled PL011 output for the hypervisor's log. VM0 owns the UART (and its
 * interrupt); the hypervisor only ever writes the data register, so its log
 * lines interleave with VM0's console but never steal input. */
#include <hyp/uart.h>

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1U << 5)

static volatile u8 *uart_base;

void uart_init(u64 base)
{
	uart_base = (volatile u8 *)(uintptr_t)base;
}

bool uart_ready(void)
{
	return uart_base != NULL;
}

void uart_putc(char c)
{
	if (!uart_base)
		return;
	for (unsigned spin = 0; spin < 1000000; spin++)
		if (!(*(volatile u32 *)(uart_base + UART_FR) & UART_FR_TXFF))
			break;
	*(volatile u32 *)(uart_base + UART_DR) = (u8)c;
}
