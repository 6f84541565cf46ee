/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef HYP_UART_H
#define HYP_UART_H
#include <hyp/types.h>

void uart_init(u64 base);
void uart_putc(char c);
bool uart_ready(void);
#endif
