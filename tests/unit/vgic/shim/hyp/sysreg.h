/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Host shim for <hyp/sysreg.h>: the real constants (ESR layout, SYS_KEY,
 * MPIDR masks) with the instruction macros made harmless. */
#ifndef SHIM_SYSREG_H
#define SHIM_SYSREG_H
#include_next <hyp/sysreg.h>
#undef read_sysreg
#undef write_sysreg
#undef isb
#undef dsb
#undef dmb
#define read_sysreg(r) (shim_read_sysreg(#r))
#define write_sysreg(v, r) shim_write_sysreg(#r, (u64)(v))
#define isb() do { } while (0)
#define dsb(opt) do { } while (0)
#define dmb(opt) do { } while (0)
u64 shim_read_sysreg(const char *name);
void shim_write_sysreg(const char *name, u64 v);
#endif
