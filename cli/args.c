// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Command-line parsing: per-command options and VM ids. Pure, no I/O. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <keel/vm.h>

#include "cli.h"

/*
 * A VM id is plain decimal below KEEL_MAX_VMS: no sign, no spaces, no hex,
 * so "abc", "-1", "1x" and "99999999999" never reach keeld.
 */
int cli_parse_vm_id(const char *s, uint32_t *id)
{
	uint32_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		v = v * 10 + (uint32_t)(*p - '0');
		if (v >= KEEL_MAX_VMS)
			return -ERANGE;
	}
	*id = v;
	return 0;
}

/* cli_parse_vm_id() plus the message every verb prints for a bad id. */
int cli_vm_id_arg(const char *s, uint32_t *id)
{
	if (cli_parse_vm_id(s, id) == 0)
		return 0;
	cli_error("invalid vm id '%s' (ids are 0..%d)", s, KEEL_MAX_VMS - 1);
	return -EINVAL;
}

/* "-1" is a (bad) positional argument, not an option: the id check names it. */
static bool is_option(const char *s)
{
	return s[0] == '-' && s[1] != '\0' && !isdigit((unsigned char)s[1]);
}

/*
 * Parse what follows "keel <group> <name>". Options and positional
 * arguments may be mixed; "--" ends the options. On -h/--help the rest is
 * not checked. Returns 0, or -EINVAL with a message in err (a usage error).
 */
int cli_parse_args(const struct keel_cmd *c, int argc, char *const argv[], struct cli_args *a,
		   char *err, size_t errlen)
{
	bool opts = true;

	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (opts && strcmp(s, "--") == 0) {
			opts = false;
		} else if (opts && (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0)) {
			a->help = true;
			return 0;
		} else if (opts && (c->flags & CLI_F_JSON) && strcmp(s, "--json") == 0) {
			a->json = true;
		} else if (opts && (c->flags & CLI_F_FORCE) &&
			   (strcmp(s, "-f") == 0 || strcmp(s, "--force") == 0)) {
			a->force = true;
		} else if (opts && (c->flags & CLI_F_INTERVAL) &&
			   (strcmp(s, "-i") == 0 || strcmp(s, "--interval") == 0)) {
			char *end;

			a->interval = i + 1 < argc ? strtod(argv[i + 1], &end) : 0;
			if (i + 1 >= argc || end == argv[i + 1] || *end || !(a->interval >= 0.1) ||
			    a->interval > 3600) {
				snprintf(err, errlen, "%s: expected seconds, 0.1..3600", s);
				return -EINVAL;
			}
			i++;
		} else if (opts && is_option(s)) {
			snprintf(err, errlen, "unknown option '%s' for 'keel %s %s'", s, c->group,
				 c->name);
			return -EINVAL;
		} else if (a->npos >= c->max_pos || a->npos >= CLI_MAX_POS) {
			snprintf(err, errlen, "unexpected argument '%s' for 'keel %s %s'", s,
				 c->group, c->name);
			return -EINVAL;
		} else {
			a->pos[a->npos++] = s;
		}
	}
	if (a->npos < c->min_pos) {
		snprintf(err, errlen, "missing argument for 'keel %s %s'", c->group, c->name);
		return -EINVAL;
	}
	return 0;
}
