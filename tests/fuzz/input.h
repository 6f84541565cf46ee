/* SPDX-License-Identifier: GPL-2.0 */
/* A fuzz input read front to back: what a harness takes past its end is
 * zero, so every byte string is a valid run. */
#ifndef KEEL_FUZZ_INPUT_H
#define KEEL_FUZZ_INPUT_H
#include <stddef.h>
#include <stdint.h>

struct input {
	const uint8_t *p;
	size_t n;
};

/* The next `bytes` bytes (at most 8) as a little-endian number. */
static inline uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}
#endif
