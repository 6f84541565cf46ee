/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The UNIX socket at KEEL_SOCK_PATH (framing in proto/keel/sock.h) and the
 * command table. One response per request, in order: a connection whose
 * request is held (answered later) reads nothing more until it is answered.
 */
#ifndef KEELD_SERVER_H
#define KEELD_SERVER_H

#include <stddef.h>

#include <jansson.h>

#include "keeld.h"

#define CMD_HELD 1

struct req;

/* Returns 0 (result set, or NULL for {}), -errno (err set) or CMD_HELD
 * after server_hold(req). */
typedef int (*cmd_fn)(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		      size_t errlen);

struct cmd {
	const char *name;
	cmd_fn fn;
};

int server_start(struct keeld *kd, const char *path, char *err, size_t errlen);
void server_stop(struct keeld *kd);

struct req *server_hold(struct req *req);
/* Answer a held request: rc 0 with result (stolen; NULL = {}), or -errno with err. */
void server_finish(struct req *req, int rc, json_t *result, const char *err);

#endif
