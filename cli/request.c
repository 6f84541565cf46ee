// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Request bodies for keeld. Pure: no I/O. */
#include "request.h"

/* Takes the reference to args (an empty object when NULL). */
json_t *req_new(const char *cmd, json_t *args)
{
	if (!args)
		args = json_object();
	return json_pack("{s:s, s:o}", "cmd", cmd, "args", args);
}

/* keeld runs with its own working directory, so the path must be absolute. */
json_t *req_vm_config(const char *abs_path)
{
	if (!abs_path || abs_path[0] != '/')
		return NULL;
	return req_new("vm.config", json_pack("{s:s}", "path", abs_path));
}

/* vm.boot, vm.info, vm.remove, vm.console_history: {"id"} */
json_t *req_vm_id(const char *cmd, uint32_t id)
{
	return req_new(cmd, json_pack("{s:I}", "id", (json_int_t)id));
}

/* vm.shutdown, vm.reboot: {"id", "force"} */
json_t *req_vm_stop(const char *cmd, uint32_t id, bool force)
{
	return req_new(cmd, json_pack("{s:I, s:b}", "id", (json_int_t)id, "force", force));
}

json_t *req_vm_list(void)
{
	return req_new("vm.list", NULL);
}

json_t *req_vm_screenshot(uint32_t id, const char *abs_path)
{
	return req_new("vm.screenshot", json_pack("{s:I, s:s}", "id", (json_int_t)id, "path",
						   abs_path));
}

json_t *req_vm_display(uint32_t id)
{
	return req_new("vm.display", json_pack("{s:I}", "id", (json_int_t)id));
}
