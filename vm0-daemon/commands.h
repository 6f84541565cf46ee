/* SPDX-License-Identifier: GPL-2.0 */
/* The socket's command handlers (server.c holds the table naming them). */
#ifndef KEELD_COMMANDS_H
#define KEELD_COMMANDS_H

#include "server.h"

int cmd_daemon_ping(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		    size_t errlen);
int cmd_system_info(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		    size_t errlen);
int cmd_vm_config(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		  size_t errlen);
int cmd_vm_boot(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		size_t errlen);
int cmd_vm_list(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		size_t errlen);
int cmd_vm_info(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		size_t errlen);
int cmd_vm_shutdown(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		    size_t errlen);
int cmd_vm_reboot(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		  size_t errlen);
int cmd_vm_remove(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		  size_t errlen);
int cmd_vm_console_history(struct keeld *kd, json_t *args, struct req *req, json_t **result,
			   char *err, size_t errlen);
/* commands_display.c */
int cmd_vm_screenshot(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		      size_t errlen);
int cmd_vm_display(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		   size_t errlen);

/* args.id as a VM of kd's (-EINVAL naming cmd, -ENOENT). */
struct vm;
int cmd_arg_id(struct keeld *kd, const char *cmd, json_t *args, struct vm **vm, char *err,
	       size_t errlen);

int cmd_net_list(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		 size_t errlen);

#endif
