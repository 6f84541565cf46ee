// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "dev.h"
#include "log.h"

void console_init(struct console *c, unsigned id)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
}

void console_write(struct console *c, struct dev *d, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		size_t at = (size_t)(c->written % CONSOLE_HISTORY);
		size_t n = len < CONSOLE_HISTORY - at ? len : CONSOLE_HISTORY - at;

		/* Buffer: one ioctl per guest write would double the cost of
		 * every PL011 byte, which already costs an exit. The loop
		 * flushes after each batch of events. */
		if (c->npending == CONSOLE_PENDING)
			console_flush(c, d);
		if (n > CONSOLE_PENDING - c->npending)
			n = CONSOLE_PENDING - c->npending;
		memcpy(c->hist + at, p, n);
		memcpy(c->pending + c->npending, p, n);
		c->written += n;
		c->npending += n;
		p += n;
		len -= n;
	}
}

void console_flush(struct console *c, struct dev *d)
{
	int n;

	if (!c->npending || !d) {
		c->npending = 0;
		return;
	}
	n = dev_console_write(d, c->id, c->pending, c->npending);
	if (n < 0 || (size_t)n < c->npending) {
		if (!c->dropped_logged)
			klog("vm %u: console: /dev/hvc%u took %d of %zu bytes; the rest is only in the history",
			     c->id, c->id, n, c->npending);
		c->dropped_logged = true;
	}
	c->npending = 0;
}

size_t console_history(const struct console *c, uint8_t *out)
{
	size_t n = c->written < CONSOLE_HISTORY ? (size_t)c->written : CONSOLE_HISTORY;
	size_t start = (size_t)((c->written - n) % CONSOLE_HISTORY);
	size_t first = CONSOLE_HISTORY - start < n ? CONSOLE_HISTORY - start : n;

	memcpy(out, c->hist + start, first);
	memcpy(out + first, c->hist, n - first);
	return n;
}

/* Length of a valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong, surrogates, beyond U+10FFFF */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

char *console_to_utf8(const uint8_t *in, size_t n)
{
	char *out = malloc(3 * n + 1), *o = out;
	size_t i = 0;

	if (!out)
		return NULL;
	while (i < n) {
		size_t len = utf8_len(in + i, n - i);

		if (!len) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			if (in[i])
				memcpy(o, in + i, len), o += len;
			i += len;
		}
	}
	*o = 0;
	return out;
}
