// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Symbols Debian's userspace-built libfdt.a expects from a C library. */
#include <hyp/log.h>

unsigned long __stack_chk_guard = 0x5f4b45454c5f5f5fUL;

void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	hyp_panic("stack protector: stack smashed inside libfdt");
}
