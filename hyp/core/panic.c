// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What the hypervisor does when it cannot go on: say so on the log, then
 * power the machine off (a stopped machine is what scripts and watchdogs
 * can see; a hang is not). Only for failures before VM0 exists and for the
 * hypervisor's own faults: anything a VM causes stops that VM (vm_stop).
 * The arch reports its own state first where it has some (hyp_fault).
 */
#include <asm/firmware.h>
#include <hyp/log.h>

void hyp_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_printf("keel: PANIC: the hypervisor cannot continue");
	log_vprintf(fmt, ap);
	va_end(ap);
	firmware_system_off();
}
