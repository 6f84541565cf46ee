// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int frame_check(const struct keel_sock_hdr *h, char *err, size_t errlen)
{
	if (h->magic != KEEL_SOCK_MAGIC) {
		snprintf(err, errlen, "bad message magic 0x%08x (expected 0x%08x)", h->magic,
			 KEEL_SOCK_MAGIC);
		return -EPROTO;
	}
	if (h->len > KEEL_SOCK_MAX_PAYLOAD) {
		snprintf(err, errlen, "message of %u bytes: the limit is %u", h->len,
			 KEEL_SOCK_MAX_PAYLOAD);
		return -EMSGSIZE;
	}
	if (h->revision != KEEL_SOCK_REVISION) {
		snprintf(err, errlen, "socket protocol revision %u: keeld speaks %u", h->revision,
			 KEEL_SOCK_REVISION);
		return -EPROTONOSUPPORT;
	}
	if (h->type != KEEL_SOCK_REQUEST) {
		snprintf(err, errlen, "message type %u is not a request", h->type);
		return -EBADMSG;
	}
	return 0;
}

int request_parse(const char *buf, size_t len, json_t **root, const char **cmd, json_t **args,
		  char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *r, *c, *a;

	*root = NULL;
	r = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!r) {
		snprintf(err, errlen, "request is not JSON: line %d column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		return -EINVAL;
	}
	c = json_object_get(r, "cmd");
	a = json_object_get(r, "args");
	if (!json_is_object(r) || !json_is_string(c)) {
		snprintf(err, errlen, "request has no \"cmd\" string");
		json_decref(r);
		return -EINVAL;
	}
	if (!a || json_is_null(a)) {
		a = json_object();
		json_object_set_new(r, "args", a);
	} else if (!json_is_object(a)) {
		snprintf(err, errlen, "%s: args: is not an object", json_string_value(c));
		json_decref(r);
		return -EINVAL;
	}
	*root = r;
	*cmd = json_string_value(c);
	*args = a;
	return 0;
}

char *response_build(int rc, json_t *result, const char *err, size_t *len)
{
	json_t *resp;
	char *text;

	if (rc >= 0) {
		resp = json_pack("{s:b, s:o}", "ok", 1, "result", result ? result : json_object());
	} else {
		json_decref(result);
		resp = json_pack("{s:b, s:i, s:s}", "ok", 0, "errno", -rc, "error",
				 err && *err ? err : strerror(-rc));
		/* err came from a config or a guest; if it is not valid UTF-8
		 * jansson refuses it: fall back to the errno text. */
		if (!resp)
			resp = json_pack("{s:b, s:i, s:s}", "ok", 0, "errno", -rc, "error",
					 strerror(-rc));
	}
	if (!resp)
		return NULL;
	text = json_dumps(resp, JSON_COMPACT);
	json_decref(resp);
	if (text)
		*len = strlen(text);
	return text;
}
