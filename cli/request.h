/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The JSON requests keel sends to keeld (proto/keel/sock.h), built by pure
 * functions so unit tests can check each command's request exactly.
 * Each returns a new reference {"cmd": ..., "args": {...}}, or NULL on
 * allocation failure.
 */
#ifndef KEEL_CLI_REQUEST_H
#define KEEL_CLI_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

json_t *req_new(const char *cmd, json_t *args);
json_t *req_vm_config(const char *abs_path);
json_t *req_vm_id(const char *cmd, uint32_t id);
json_t *req_vm_stop(const char *cmd, uint32_t id, bool force);
json_t *req_vm_list(void);
/* vm.screenshot: {"id", "path"} (absolute) */
json_t *req_vm_screenshot(uint32_t id, const char *abs_path);
/* vm.display: {"id"}, 0 for none */
json_t *req_vm_display(uint32_t id);

#endif
