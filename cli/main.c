// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * keel: global options, then dispatch through the command table.
 *
 *   keel [--json] [-h|--help] [--version] <group> <command> [args]
 *   keel help [<group> [<command>]]
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <keel/hypercall.h>

#include "cli.h"

FILE *cli_out;
FILE *cli_err;

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("keel: error: ", cli_err);
	vfprintf(cli_err, fmt, ap);
	fputc('\n', cli_err);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("keel: warning: ", cli_err);
	vfprintf(cli_err, fmt, ap);
	fputc('\n', cli_err);
	va_end(ap);
}

/* `keel help [group [command]]`: help asked for goes to stdout, exit 0. */
static int run_help(int argc, char **argv)
{
	const struct keel_cmd *c;

	if (argc == 0) {
		cli_print_usage(cli_out);
		return CLI_EXIT_OK;
	}
	if (!cli_group_exists(argv[0])) {
		cli_error("unknown command group '%s'", argv[0]);
		cli_print_usage(cli_err);
		return CLI_EXIT_USAGE;
	}
	if (argc == 1) {
		cli_print_group_usage(cli_out, argv[0]);
		return CLI_EXIT_OK;
	}
	c = cli_cmd_find(argv[0], argv[1]);
	if (!c || argc > 2) {
		cli_error("unknown command '%s %s'", argv[0], argv[1]);
		cli_print_group_usage(cli_err, argv[0]);
		return CLI_EXIT_USAGE;
	}
	cli_print_cmd_help(cli_out, c);
	return CLI_EXIT_OK;
}

static int run_cmd(const struct keel_cmd *c, int argc, char **argv, bool json)
{
	struct cli_args a = {.json = json && (c->flags & CLI_F_JSON)};
	char err[256];

	if (cli_parse_args(c, argc, argv, &a, err, sizeof(err)) != 0) {
		cli_error("%s", err);
		fprintf(cli_err, "Usage: keel %s %s %s\n", c->group, c->name, c->usage);
		return CLI_EXIT_USAGE;
	}
	if (a.help) {
		cli_print_cmd_help(cli_out, c);
		return CLI_EXIT_OK;
	}
	return c->run(&a);
}

int cli_main(int argc, char **argv)
{
	const struct keel_cmd *c;
	bool json = false;
	int i;

	if (!cli_out)
		cli_out = stdout;
	if (!cli_err)
		cli_err = stderr;

	/* Global options come before the group. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			cli_print_usage(cli_out);
			return CLI_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			fprintf(cli_out, "keel %d.%d\n", KEEL_VERSION_MAJOR, KEEL_VERSION_MINOR);
			return CLI_EXIT_OK;
		} else {
			cli_error("unknown option '%s'", argv[i]);
			cli_print_usage(cli_err);
			return CLI_EXIT_USAGE;
		}
	}
	if (i == argc) {
		cli_print_usage(cli_err);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return run_help(argc - i - 1, argv + i + 1);
	if (!cli_group_exists(argv[i])) {
		cli_error("unknown command '%s'", argv[i]);
		cli_print_usage(cli_err);
		return CLI_EXIT_USAGE;
	}
	if (i + 1 < argc &&
	    (strcmp(argv[i + 1], "-h") == 0 || strcmp(argv[i + 1], "--help") == 0)) {
		cli_print_group_usage(cli_out, argv[i]);
		return CLI_EXIT_OK;
	}
	/* The group alone, or with options only: its default command, if any. */
	if (i + 1 == argc || argv[i + 1][0] == '-') {
		c = cli_group_default(argv[i]);
		if (c)
			return run_cmd(c, argc - i - 1, argv + i + 1, json);
	}
	if (i + 1 == argc) {
		cli_print_group_usage(cli_err, argv[i]);
		return CLI_EXIT_USAGE;
	}
	c = cli_cmd_find(argv[i], argv[i + 1]);
	if (!c) {
		cli_error("unknown command '%s %s'", argv[i], argv[i + 1]);
		cli_print_group_usage(cli_err, argv[i]);
		return CLI_EXIT_USAGE;
	}
	return run_cmd(c, argc - i - 2, argv + i + 2, json);
}

#ifndef KEEL_CLI_TEST
int main(int argc, char **argv)
{
	int status = cli_main(argc, argv);

	/* A full disk or closed pipe on stdout is an error too. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (status == CLI_EXIT_OK)
			fprintf(stderr, "keel: error: writing output failed\n");
		status = status ? status : CLI_EXIT_ERR;
	}
	return status;
}
#endif
