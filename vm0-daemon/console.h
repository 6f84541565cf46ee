/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest's console: a 64 KiB history of everything it printed, and the
 * /dev/hvc<id> plumbing through keel.ko (KEEL_IOC_CONSOLE_*).
 */
#ifndef KEELD_CONSOLE_H
#define KEELD_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_HISTORY (64 * 1024)
#define CONSOLE_PENDING 1024

struct dev;

struct console {
	uint8_t hist[CONSOLE_HISTORY];
	uint64_t written;             /* bytes ever written (free-running) */
	uint8_t pending[CONSOLE_PENDING]; /* not yet handed to /dev/hvc */
	size_t npending;
	unsigned id;
	bool dropped_logged;
};

void console_init(struct console *c, unsigned id);
/* Bytes from the guest: into history and the pending buffer. */
void console_write(struct console *c, struct dev *d, const void *buf, size_t len);
/* Hand pending bytes to /dev/hvc<id>; what nobody takes is dropped (history has it). */
void console_flush(struct console *c, struct dev *d);
/* History, oldest first; returns bytes copied (at most CONSOLE_HISTORY). */
size_t console_history(const struct console *c, uint8_t *out);
/* Bytes as valid UTF-8 (for JSON): bad sequences become U+FFFD, NULs go.
 * Returns a malloc'd NUL-terminated string. */
char *console_to_utf8(const uint8_t *in, size_t n);

#endif
