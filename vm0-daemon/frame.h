/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket framing and request/response JSON (proto/keel/sock.h), as pure
 * functions: the server feeds them bytes from clients it does not trust.
 */
#ifndef KEELD_FRAME_H
#define KEELD_FRAME_H

#include <stddef.h>

#include <jansson.h>

#include <keel/sock.h>

/* 0: a request whose payload follows. -EPROTONOSUPPORT / -EBADMSG: answer
 * with an error, skip hdr->len bytes, keep the connection. -EPROTO (bad
 * magic: the stream cannot be resynchronised) / -EMSGSIZE: answer and close. */
int frame_check(const struct keel_sock_hdr *h, char *err, size_t errlen);

/* {"cmd": "...", "args": {...}}: on success *root holds a reference the
 * caller drops; *cmd and *args point into it (*args is never NULL). */
int request_parse(const char *buf, size_t len, json_t **root, const char **cmd, json_t **args,
		  char *err, size_t errlen);

/* {"ok": true, "result": ...} or {"ok": false, "errno": N, "error": "..."};
 * steals result. Returns malloc'd text. */
char *response_build(int rc, json_t *result, const char *err, size_t *len);

#endif
