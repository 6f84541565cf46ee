// SPDX-License-Identifier: GPL-2.0 OR MIT
/* keel system log: the hypervisor's log (its ring, KEEL_IOC_LOG_READ),
 * read from /dev/keel directly so it works without keeld, to diagnose a
 * guest crash without a serial cable. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <keel/ioctl.h>

#include "cli.h"

#define KEEL_DEV "/dev/keel"
#define LOG_CHUNK (64U << 10)

int cmd_system_log(const struct cli_args *a)
{
	struct keel_ioc_log l = { .len = LOG_CHUNK, .seq = 0 };
	char *buf = malloc(LOG_CHUNK);
	int fd = open(KEEL_DEV, O_RDONLY | O_CLOEXEC), rc = CLI_EXIT_OK;

	if (fd < 0 || !buf) {
		cli_error("cannot open %s: %s", KEEL_DEV, buf ? strerror(errno) : "out of memory");
		free(buf);
		if (fd >= 0)
			close(fd);
		return CLI_EXIT_ERR;
	}
	l.buf = (uint64_t)(uintptr_t)buf;
	/* From the oldest byte the ring keeps to the newest. */
	for (;;) {
		if (ioctl(fd, KEEL_IOC_LOG_READ, &l) < 0) {
			int e = errno;

			cli_error("%s: KEEL_IOC_LOG_READ: %s%s", KEEL_DEV, strerror(e),
				  e == ENOTTY ? " (keel.ko is older than this keel)" : "");
			rc = CLI_EXIT_ERR;
			break;
		}
		if (!l.bytes)
			break;
		fwrite(buf, 1, (size_t)l.bytes, cli_out);
	}
	fflush(cli_out);
	free(buf);
	close(fd);
	return rc;
}
