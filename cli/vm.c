// SPDX-License-Identifier: GPL-2.0 OR MIT
/* keel vm config|boot|shutdown|reboot|remove|list|info: requests to keeld. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "request.h"
#include "sock.h"

/* Send req (consumed) and return keeld's result, or report its error. */
int vm_call(json_t *req, json_t **result)
{
	char err[512];
	json_t *res = NULL;
	int rc = sock_call(req, &res, err, sizeof(err));

	json_decref(req);
	if (rc) {
		cli_error("%s", err);
		return CLI_EXIT_ERR;
	}
	if (result)
		*result = res;
	else
		json_decref(res);
	return CLI_EXIT_OK;
}

static int64_t int_or(const json_t *obj, const char *key, int64_t dflt)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

/* vm.list's {"vms": [{id, name, state, vcpus, memory (bytes), uptime_s, autostart}]}. */
int vm_list_print(FILE *f, const json_t *result)
{
	static const char *const heads[] = {"ID", "NAME", "STATE", "VCPUS", "MEMORY", "UPTIME", "AUTO"};
	const json_t *vms = json_object_get(result, "vms"), *vm;
	struct table *t;
	size_t i;

	if (!json_is_array(vms))
		return -EPROTO;
	t = table_new(7, heads, 0x1 | 0x8 | 0x10);
	if (!t)
		return -ENOMEM;
	json_array_foreach(vms, i, vm)
	{
		char id[24], vcpus[24], mem[24], up[32];
		const char *name = json_string_value(json_object_get(vm, "name"));
		const char *state = json_string_value(json_object_get(vm, "state"));
		int64_t m = int_or(vm, "memory", -1);

		snprintf(id, sizeof(id), "%" PRId64, int_or(vm, "id", -1));
		snprintf(vcpus, sizeof(vcpus), "%" PRId64, int_or(vm, "vcpus", 0));
		if (m >= 0)
			fmt_mib(mem, sizeof(mem), (uint64_t)m);
		else
			snprintf(mem, sizeof(mem), "-");
		fmt_uptime(up, sizeof(up), int_or(vm, "uptime_s", -1));
		if (table_add(t, (const char *const[]){id, name, state, vcpus, mem, up,
							json_is_true(json_object_get(vm, "autostart")) ? "yes" : "-"})) {
			table_free(t);
			return -ENOMEM;
		}
	}
	table_print(t, f);
	table_free(t);
	return 0;
}

/* vm.info's object as "key  value" lines, in keeld's order. */
int vm_info_print(FILE *f, const json_t *result)
{
	const char *key;
	json_t *v;
	int w = 0;

	if (!json_is_object(result))
		return -EPROTO;
	json_object_foreach((json_t *)result, key, v) if ((int)strlen(key) > w) w =
	    (int)strlen(key);
	json_object_foreach((json_t *)result, key, v)
	{
		char buf[32];

		if (strcmp(key, "memory") == 0 && json_is_integer(v)) {
			fmt_size(buf, sizeof(buf), (uint64_t)json_integer_value(v));
			fprintf(f, "%-*s  %s\n", w, key, buf);
		} else if (strcmp(key, "uptime_s") == 0) {
			fmt_uptime(buf, sizeof(buf),
				   json_is_integer(v) ? json_integer_value(v) : -1);
			fprintf(f, "%-*s  %s\n", w, "uptime", buf);
		} else {
			char *s = json_cell(v);

			fprintf(f, "%-*s  %s\n", w, key, s ? s : "?");
			free(s);
		}
	}
	return 0;
}

int cmd_vm_config(const struct cli_args *a)
{
	char path[PATH_MAX];
	json_t *res;
	int rc;

	/* keeld has its own working directory: send an absolute path. */
	if (!realpath(a->pos[0], path)) {
		cli_error("%s: %s", a->pos[0], strerror(errno));
		return CLI_EXIT_ERR;
	}
	rc = vm_call(req_vm_config(path), &res);
	if (rc)
		return rc;
	if (a->json) {
		print_json(cli_out, res);
	} else if (json_is_integer(json_object_get(res, "id"))) {
		fprintf(cli_out, "%" JSON_INTEGER_FORMAT "\n",
			json_integer_value(json_object_get(res, "id")));
	} else {
		cli_error("keeld's answer to vm.config has no id");
		rc = CLI_EXIT_ERR;
	}
	json_decref(res);
	return rc;
}

static int vm_simple(const struct cli_args *a, const char *cmd)
{
	uint32_t id;

	if (cli_vm_id_arg(a->pos[0], &id))
		return CLI_EXIT_ERR;
	return vm_call(req_vm_id(cmd, id), NULL);
}

static int vm_stop(const struct cli_args *a, const char *cmd)
{
	uint32_t id;

	if (cli_vm_id_arg(a->pos[0], &id))
		return CLI_EXIT_ERR;
	return vm_call(req_vm_stop(cmd, id, a->force), NULL);
}

int cmd_vm_boot(const struct cli_args *a)
{
	return vm_simple(a, "vm.boot");
}

int cmd_vm_remove(const struct cli_args *a)
{
	return vm_simple(a, "vm.remove");
}

int cmd_vm_shutdown(const struct cli_args *a)
{
	return vm_stop(a, "vm.shutdown");
}

int cmd_vm_reboot(const struct cli_args *a)
{
	return vm_stop(a, "vm.reboot");
}

int cmd_vm_list(const struct cli_args *a)
{
	json_t *res;
	int rc = vm_call(req_vm_list(), &res);

	if (rc)
		return rc;
	if (a->json) {
		print_json(cli_out, res);
	} else if (vm_list_print(cli_out, res)) {
		cli_error("keeld's answer to vm.list has no \"vms\" list");
		rc = CLI_EXIT_ERR;
	}
	json_decref(res);
	return rc;
}

int cmd_vm_info(const struct cli_args *a)
{
	uint32_t id;
	json_t *res;
	int rc;

	if (cli_vm_id_arg(a->pos[0], &id))
		return CLI_EXIT_ERR;
	rc = vm_call(req_vm_id("vm.info", id), &res);
	if (rc)
		return rc;
	if (a->json) {
		print_json(cli_out, res);
	} else if (vm_info_print(cli_out, res)) {
		cli_error("keeld's answer to vm.info is not an object");
		rc = CLI_EXIT_ERR;
	}
	json_decref(res);
	return rc;
}
