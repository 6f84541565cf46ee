/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * keel's client for keeld's socket (proto/keel/sock.h): a 16-byte header
 * then JSON, one response per request with the request's seq.
 */
#ifndef KEEL_CLI_SOCK_H
#define KEEL_CLI_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <keel/sock.h>

#define SOCK_HDR_LEN   sizeof(struct keel_sock_hdr)
#define SOCK_TIMEOUT_S 120 /* vm.boot loads images: be patient, not forever */

/* $KEEL_SOCK if set (tests, a second keeld), else KEEL_SOCK_PATH. */
const char *sock_path(void);

/* Framing: pure. */
void sock_hdr_encode(void *buf, uint16_t type, uint32_t len, uint32_t seq);
int sock_hdr_decode(const void *buf, size_t n, uint16_t want_type, struct keel_sock_hdr *hdr,
		    char *err, size_t errlen);
int sock_frame(const json_t *msg, uint16_t type, uint32_t seq, char **frame, size_t *len);
int sock_parse_response(const char *payload, size_t len, json_t **result, char *err, size_t errlen);

/* One request over a connected fd; takes nothing, *result is a new reference. */
int sock_exchange(int fd, const json_t *req, uint32_t seq, json_t **result, char *err,
		  size_t errlen);
int sock_connect(const char *path, char *err, size_t errlen);

/*
 * Connect, send req, return keeld's result. On failure returns non-zero
 * with the whole message for the user in err (keeld's own text as is).
 */
int sock_call(const json_t *req, json_t **result, char *err, size_t errlen);

#endif
