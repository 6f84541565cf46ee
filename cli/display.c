// SPDX-License-Identifier: GPL-2.0 OR MIT
/* keel vm screenshot|display: requests to keeld about guests' displays. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "request.h"

int cmd_vm_screenshot(const struct cli_args *a)
{
	char path[PATH_MAX], cwd[PATH_MAX];
	const char *file = a->pos[1];
	json_t *res;
	uint32_t id;
	int rc;

	if (cli_vm_id_arg(a->pos[0], &id))
		return CLI_EXIT_ERR;
	/* keeld has its own working directory: send an absolute path. */
	if (file[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd))) {
			cli_error("the current directory: %s", strerror(errno));
			return CLI_EXIT_ERR;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", cwd, file) >= sizeof(path)) {
			cli_error("%s: file name too long", file);
			return CLI_EXIT_ERR;
		}
		file = path;
	}
	rc = vm_call(req_vm_screenshot(id, file), &res);
	if (rc)
		return rc;
	fprintf(cli_out, "%s: %lldx%lld\n", file,
		(long long)json_integer_value(json_object_get(res, "width")),
		(long long)json_integer_value(json_object_get(res, "height")));
	json_decref(res);
	return CLI_EXIT_OK;
}

int cmd_vm_display(const struct cli_args *a)
{
	uint32_t id = 0;
	json_t *res;
	int rc;

	/* "none": VM0's own console on its screen again. */
	if (strcmp(a->pos[0], "none") && cli_vm_id_arg(a->pos[0], &id))
		return CLI_EXIT_ERR;
	rc = vm_call(req_vm_display(id), &res);
	if (rc)
		return rc;
	if (id)
		fprintf(cli_out, "vm %u on VM0's screen (%lldx%lld)\n", id,
			(long long)json_integer_value(json_object_get(res, "width")),
			(long long)json_integer_value(json_object_get(res, "height")));
	else
		fprintf(cli_out, "VM0's console on VM0's screen\n");
	json_decref(res);
	return CLI_EXIT_OK;
}
