// SPDX-License-Identifier: GPL-2.0 OR MIT
/* keel net [list]: keeld's switches, their ports and learned MACs. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "request.h"
#include "sock.h"

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static void fmt_count(char *buf, size_t n, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(buf, n, "-");
}

/* "0", or the reasons that counted: "spoof=2 nobufs=7". */
static void fmt_drops(char *buf, size_t n, const json_t *drops)
{
	const char *why;
	json_t *v;
	size_t at = 0;

	buf[0] = '\0';
	json_object_foreach((json_t *)drops, why, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) == 0 || at >= n)
			continue;
		at += (size_t)snprintf(buf + at, n - at, "%s%s=%" JSON_INTEGER_FORMAT,
				       at ? " " : "", why, json_integer_value(v));
	}
	if (!buf[0])
		snprintf(buf, n, "0");
}

static int ports_print(FILE *f, const json_t *ports)
{
	static const char *const heads[] = {"PORT",	"KIND",	     "MAC",	 "RX-FRAMES",
					    "RX-BYTES", "TX-FRAMES", "TX-BYTES", "DROPS"};
	struct table *t = table_new(8, heads, 0x78);
	const json_t *p;
	size_t i;

	if (!t)
		return -ENOMEM;
	json_array_foreach(ports, i, p)
	{
		char rxf[24], rxb[24], txf[24], txb[24], drops[128];

		fmt_count(rxf, sizeof(rxf), p, "rx_frames");
		fmt_count(rxb, sizeof(rxb), p, "rx_bytes");
		fmt_count(txf, sizeof(txf), p, "tx_frames");
		fmt_count(txb, sizeof(txb), p, "tx_bytes");
		fmt_drops(drops, sizeof(drops), json_object_get(p, "drops"));
		if (table_add(t, (const char *const[]){
				     str_or(p, "name", "?"), str_or(p, "kind", "?"),
				     str_or(p, "mac", "?"), rxf, rxb, txf, txb, drops})) {
			table_free(t);
			return -ENOMEM;
		}
	}
	table_print(t, f);
	table_free(t);
	return 0;
}

static int macs_print(FILE *f, const json_t *macs)
{
	static const char *const heads[] = {"LEARNED MAC", "PORT", "AGE"};
	struct table *t = table_new(3, heads, 0);
	const json_t *m;
	size_t i;

	if (!t)
		return -ENOMEM;
	json_array_foreach(macs, i, m)
	{
		char age[32];
		const json_t *a = json_object_get(m, "age_s");

		if (json_is_true(json_object_get(m, "static")))
			snprintf(age, sizeof(age), "static");
		else
			fmt_uptime(age, sizeof(age),
				   json_is_integer(a) ? json_integer_value(a) : -1);
		if (table_add(t, (const char *const[]){str_or(m, "mac", "?"),
						       str_or(m, "port", "?"), age})) {
			table_free(t);
			return -ENOMEM;
		}
	}
	table_print(t, f);
	table_free(t);
	return 0;
}

/* net.list's {"switches": [{name, uplink, mtu, ports: [...], macs: [...]}]}:
 * per switch a line, its ports, its learned MACs. */
int net_list_print(FILE *f, const json_t *result)
{
	const json_t *sws = json_object_get(result, "switches"), *sw;
	size_t i;
	int r;

	if (!json_is_array(sws))
		return -EPROTO;
	if (json_array_size(sws) == 0)
		fprintf(f, "no switches\n");
	json_array_foreach(sws, i, sw)
	{
		char mtu[24];

		fmt_count(mtu, sizeof(mtu), sw, "mtu");
		fprintf(f, "%sswitch %s  uplink %s  mtu %s\n", i ? "\n" : "",
			str_or(sw, "name", "?"), str_or(sw, "uplink", "none"), mtu);
		if ((r = ports_print(f, json_object_get(sw, "ports"))) ||
		    (r = macs_print(f, json_object_get(sw, "macs"))))
			return r;
	}
	return 0;
}

int cmd_net_list(const struct cli_args *a)
{
	char err[512];
	json_t *req = req_new("net.list", NULL), *res = NULL;
	int rc = sock_call(req, &res, err, sizeof(err));

	json_decref(req);
	if (rc) {
		cli_error("%s", err);
		return CLI_EXIT_ERR;
	}
	rc = CLI_EXIT_OK;
	if (a->json) {
		print_json(cli_out, res);
	} else if (net_list_print(cli_out, res)) {
		cli_error("keeld's answer to net.list has no \"switches\" list");
		rc = CLI_EXIT_ERR;
	}
	json_decref(res);
	return rc;
}
