/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Test helpers: run keel's code with cli_out / cli_err in memory. */
#ifndef KEEL_CLI_TEST_CAPTURE_H
#define KEEL_CLI_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "../cli.h"

struct capture {
	char *out, *err;
	size_t out_len, err_len;
};

static inline void capture_begin(struct capture *c)
{
	c->out = c->err = NULL;
	cli_out = open_memstream(&c->out, &c->out_len);
	cli_err = open_memstream(&c->err, &c->err_len);
}

static inline void capture_end(struct capture *c)
{
	fclose(cli_out);
	fclose(cli_err);
	cli_out = cli_err = NULL;
}

static inline void capture_free(struct capture *c)
{
	free(c->out);
	free(c->err);
}

/* Run cli_main on a NULL-terminated argv (argv[0] added). */
static inline int run_keel(struct capture *c, const char *const *args)
{
	char *argv[16] = {"keel"};
	int argc = 1, rc;

	while (args[argc - 1])
		argv[argc] = (char *)args[argc - 1], argc++;
	capture_begin(c);
	rc = cli_main(argc, argv);
	capture_end(c);
	return rc;
}

#define KEEL(c, ...) run_keel((c), (const char *const[]){__VA_ARGS__, NULL})

#endif
