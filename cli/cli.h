/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * keel, the command-line tool in VM0: the command table, parsed arguments
 * and the error conventions every verb file shares.
 */
#ifndef KEEL_CLI_H
#define KEEL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses: only main() turns these into an exit. */
#define CLI_EXIT_OK    0
#define CLI_EXIT_ERR   1 /* the command failed (bad id, keeld said no, ...) */
#define CLI_EXIT_USAGE 2 /* the command line itself is wrong */

/* Options a command accepts besides -h/--help. */
#define CLI_F_JSON  0x1 /* --json */
#define CLI_F_FORCE 0x2 /* -f, --force */
#define CLI_F_DEFAULT 0x4 /* run for the group alone: `keel net` is `keel net list` */
#define CLI_F_INTERVAL 0x8 /* -i, --interval SECONDS */

#define CLI_MAX_POS 4

struct cli_args {
	bool help;
	bool json;
	bool force;
	double interval;  /* --interval, 0 if not given */
	int npos;
	const char *pos[CLI_MAX_POS];
};

struct keel_cmd {
	const char *group;
	const char *name;
	int (*run)(const struct cli_args *a);
	unsigned int flags;   /* CLI_F_* */
	int min_pos, max_pos; /* positional arguments */
	const char *usage;    /* what follows "keel <group> <name>" */
	const char *help;     /* one line for the command list */
	const char *detail;   /* further paragraphs for --help, or NULL */
};

/* Where output and errors go; unit tests point these at memory streams. */
extern FILE *cli_out;
extern FILE *cli_err;

/* "keel: error: <message>\n" on cli_err. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* main.c: global options, then the command; returns an exit status. */
int cli_main(int argc, char **argv);

/* args.c */
int cli_parse_vm_id(const char *s, uint32_t *id);
int cli_parse_args(const struct keel_cmd *c, int argc, char *const argv[], struct cli_args *a,
		   char *err, size_t errlen);
int cli_vm_id_arg(const char *s, uint32_t *id);

/* cmdtable.c */
extern const struct keel_cmd cli_cmds[];
extern const size_t cli_nr_cmds;
bool cli_group_exists(const char *group);
const struct keel_cmd *cli_cmd_find(const char *group, const char *name);
const struct keel_cmd *cli_group_default(const char *group);
void cli_print_usage(FILE *f);
void cli_print_group_usage(FILE *f, const char *group);
void cli_print_cmd_help(FILE *f, const struct keel_cmd *c);

/* Handlers, one file per group. */
int cmd_system_daemon(const struct cli_args *a);
int cmd_system_info(const struct cli_args *a);
int cmd_system_log(const struct cli_args *a);
int cmd_system_stat(const struct cli_args *a);
int cmd_system_pools(const struct cli_args *a);
int cmd_vm_config(const struct cli_args *a);
int cmd_vm_boot(const struct cli_args *a);
int cmd_vm_shutdown(const struct cli_args *a);
int cmd_vm_reboot(const struct cli_args *a);
int cmd_vm_remove(const struct cli_args *a);
int cmd_vm_list(const struct cli_args *a);
int cmd_vm_info(const struct cli_args *a);
int cmd_vm_console(const struct cli_args *a);
int cmd_net_list(const struct cli_args *a);
int cmd_vm_screenshot(const struct cli_args *a);
int cmd_vm_display(const struct cli_args *a);

/* vm.c: send req (consumed) and return keeld's result (NULL: drop it), or
 * report keeld's error; an exit status. */
struct json_t;
int vm_call(struct json_t *req, struct json_t **result);

/* Pure formatting behind the verbs, for unit tests (jansson's json_t). */
struct json_t;
struct keel_sysinfo;
struct keel_ioc_version;
int vm_list_print(FILE *f, const struct json_t *result);
int vm_info_print(FILE *f, const struct json_t *result);
int net_list_print(FILE *f, const struct json_t *result);
struct json_t *sysinfo_json(const struct keel_sysinfo *si, const struct keel_ioc_version *v);
void sysinfo_print(FILE *f, const struct keel_sysinfo *si, const struct keel_ioc_version *v);
struct keel_stat;
struct json_t *stat_json(const struct keel_stat *a, const struct keel_stat *b,
			 const char names[][32]);
void stat_print(FILE *f, const struct json_t *s);
struct json_t *pools_json(const struct keel_stat *st);
void pools_print(FILE *f, const struct json_t *j);
size_t console_find_escape(const unsigned char *buf, size_t n);

#endif
