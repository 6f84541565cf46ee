// SPDX-License-Identifier: GPL-2.0
/* Build-time check: every proto/ header compiles in the kernel, unchanged.
 * (Never loaded; the build of this module is the test.) */
#include <linux/module.h>
#include <keel/types.h>
#include <keel/hypercall.h>
#include <keel/dt.h>
#include <keel/vm.h>
#include <keel/passthrough.h>
#include <keel/shared.h>
#include <keel/ioctl.h>
#include <keel/sock.h>
#include <keel/guest.h>
#include <keel/chan.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Keel build check: proto headers in the kernel");
