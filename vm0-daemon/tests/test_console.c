// SPDX-License-Identifier: GPL-2.0
/* Host tests: console history ring and its UTF-8 rendering. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "console.h"

static void test_ring(void **state)
{
	struct console *c = malloc(sizeof(*c));
	uint8_t *out = malloc(CONSOLE_HISTORY);

	console_init(c, 1);
	assert_int_equal(console_history(c, out), 0);
	console_write(c, NULL, "hel", 3);
	console_write(c, NULL, "lo", 2);
	assert_int_equal(console_history(c, out), 5);
	assert_memory_equal(out, "hello", 5);
	console_flush(c, NULL);  /* no device: pending bytes dropped, history kept */
	assert_int_equal(c->npending, 0);

	/* wrap: the oldest bytes go */
	for (unsigned i = 0; i < CONSOLE_HISTORY + 10; i++) {
		uint8_t b = (uint8_t)('a' + i % 26);

		console_write(c, NULL, &b, 1);
		if (c->npending == CONSOLE_PENDING)
			console_flush(c, NULL);
	}
	assert_int_equal(console_history(c, out), CONSOLE_HISTORY);
	/* total written = 5 + 64K + 10; the last byte written was i = 64K + 9 */
	assert_int_equal(out[CONSOLE_HISTORY - 1], 'a' + (CONSOLE_HISTORY + 9) % 26);
	assert_int_equal(out[0], 'a' + (15 - 5) % 26);
	free(out);
	free(c);
}

/* A batch larger than the pending buffer and across the history's end
 * lands whole and in order (flushes on the way drop it from pending only). */
static void test_batch(void **state)
{
	struct console *c = malloc(sizeof(*c));
	uint8_t *out = malloc(CONSOLE_HISTORY), *in = malloc(3 * CONSOLE_PENDING);

	console_init(c, 1);
	for (unsigned i = 0; i < 3 * CONSOLE_PENDING; i++)
		in[i] = (uint8_t)(i * 13);
	c->written = CONSOLE_HISTORY - 100;  /* 100 bytes before the wrap */
	console_write(c, NULL, in, 3 * CONSOLE_PENDING);
	assert_true(c->npending <= CONSOLE_PENDING);
	assert_int_equal(c->written, CONSOLE_HISTORY - 100 + 3 * CONSOLE_PENDING);
	assert_int_equal(console_history(c, out), CONSOLE_HISTORY);
	assert_memory_equal(out + CONSOLE_HISTORY - 3 * CONSOLE_PENDING, in, 3 * CONSOLE_PENDING);
	free(in);
	free(out);
	free(c);
}

static void test_utf8(void **state)
{
	char *s;

	s = console_to_utf8((const uint8_t *)"ok\r\n", 4);
	assert_string_equal(s, "ok\r\n");
	free(s);
	s = console_to_utf8((const uint8_t *)"caf\xc3\xa9", 5);
	assert_string_equal(s, "caf\xc3\xa9");
	free(s);
	s = console_to_utf8((const uint8_t *)"a\xff" "b\xc3", 4);  /* bad byte, cut sequence */
	assert_string_equal(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	free(s);
	s = console_to_utf8((const uint8_t *)"x\0y", 3);  /* NULs go */
	assert_string_equal(s, "xy");
	free(s);
	s = console_to_utf8((const uint8_t *)"\xed\xa0\x80\xc0\xaf", 5);  /* surrogate, overlong */
	assert_string_equal(s, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
