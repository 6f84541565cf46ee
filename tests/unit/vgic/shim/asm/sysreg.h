/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Host shim for <asm/sysreg.h>: the real constants (ESR layout, SYS_KEY,
 * MPIDR masks) with the register accesses going to the test's
 * shim_read_sysreg / shim_write_sysreg (barriers: shim asm/barrier.h). */
#ifndef SHIM_SYSREG_H
#define SHIM_SYSREG_H
#include_next <asm/sysreg.h>
#undef read_sysreg
#undef write_sysreg
#define read_sysreg(r) (shim_read_sysreg(#r))
#define write_sysreg(v, r) shim_write_sysreg(#r, (u64)(v))
u64 shim_read_sysreg(const char *name);
void shim_write_sysreg(const char *name, u64 v);
#endif
