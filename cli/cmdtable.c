// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The command table (Xen's xl_cmdtable.c): every verb, its options and its
 * help live here, so `keel help`, `keel <group> --help` and
 * `keel <group> <cmd> --help` are all generated from one place.
 */
#include <ctype.h>
#include <string.h>

#include "cli.h"

/* One command per block reads better than clang-format's packing. */
/* clang-format off */
const struct keel_cmd cli_cmds[] = {
	{ "system", "daemon", cmd_system_daemon, 0, 0, 1,
	  "[mediated-cfg.json]",
	  "run keeld in the foreground",
	  "Replaces itself with keeld ($KEEL_KEELD, default /usr/sbin/keeld), passing\n"
	  "mediated-cfg.json (the disks guests may use) when given. VM0's init\n"
	  "script starts it in the background." },
	{ "system", "info", cmd_system_info, CLI_F_JSON, 0, 0,
	  "[--json]",
	  "show the hypervisor, CPUs, GIC and memory",
	  "Reads /dev/keel directly, so it works without keeld.\n"
	  "\n"
	  "Options:\n"
	  "  --json  print a JSON object" },
	{ "system", "log", cmd_system_log, 0, 0, 0,
	  "",
	  "print the hypervisor's log",
	  "Prints what the hypervisor logged (the part its ring still keeps),\n"
	  "guest crashes included, read from /dev/keel: works without keeld." },
	{ "system", "stat", cmd_system_stat, CLI_F_JSON | CLI_F_INTERVAL, 0, 0,
	  "[--interval S] [--json]",
	  "show per-pCPU load and per-vCPU run/wait/blocked time",
	  "Samples the hypervisor's accounting twice, S seconds apart (default 1),\n"
	  "like xentop. A pCPU's load is the time it did not spend in the idle\n"
	  "loop; on a bind pCPU the guest's own idling is not seen (load 100%).\n"
	  "SWITCHES counts vCPU switches on the pCPU during the interval; RUN,\n"
	  "WAIT (runnable, pCPU busy) and BLOCKED are shares of the interval.\n"
	  "Reads /dev/keel directly, so it works without keeld.\n"
	  "\n"
	  "Options:\n"
	  "  -i, --interval S  seconds between the samples (0.1..3600)\n"
	  "  --json            print a JSON object" },
	{ "system", "pools", cmd_system_pools, CLI_F_JSON, 0, 0,
	  "[--json]",
	  "show the CPU pools, their pCPUs and who runs where",
	  "Pools come from the hypervisor's command line (cpupool=NAME:KIND:CPUS);\n"
	  "a guest config picks one with \"pool\" (and \"priority\", \"slice_ms\").\n"
	  "\n"
	  "Options:\n"
	  "  --json  print a JSON object" },
	{ "vm", "config", cmd_vm_config, CLI_F_JSON, 1, 1,
	  "[--json] <vm.json>",
	  "create a VM from a config file; prints its id",
	  "Creates the VM (not started) and prints its id alone on a line:\n"
	  "  id=$(keel vm config vm1.json) && keel vm boot \"$id\"\n"
	  "Keel's own JSON and Rust-Shyper's VM JSON are both accepted.\n"
	  "\n"
	  "Options:\n"
	  "  --json  print keeld's whole result object" },
	{ "vm", "boot", cmd_vm_boot, 0, 1, 1,
	  "<id>",
	  "load and start a configured VM",
	  NULL },
	{ "vm", "shutdown", cmd_vm_shutdown, CLI_F_FORCE, 1, 1,
	  "[-f|--force] <id>",
	  "power a VM off",
	  "Asks the guest to power off.\n"
	  "\n"
	  "Options:\n"
	  "  -f, --force  stop its vCPUs at once" },
	{ "vm", "reboot", cmd_vm_reboot, CLI_F_FORCE, 1, 1,
	  "[-f|--force] <id>",
	  "restart a VM",
	  "Asks the guest to reboot.\n"
	  "\n"
	  "Options:\n"
	  "  -f, --force  reset it at once" },
	{ "vm", "remove", cmd_vm_remove, 0, 1, 1,
	  "<id>",
	  "destroy a VM and free its memory",
	  NULL },
	{ "vm", "list", cmd_vm_list, CLI_F_JSON, 0, 0,
	  "[--json]",
	  "list VMs",
	  "Columns: ID NAME STATE VCPUS MEMORY (MiB) UPTIME.\n"
	  "\n"
	  "Options:\n"
	  "  --json  print keeld's result object" },
	{ "vm", "info", cmd_vm_info, CLI_F_JSON, 1, 1,
	  "[--json] <id>",
	  "show one VM",
	  "Options:\n"
	  "  --json  print keeld's result object" },
	{ "vm", "console", cmd_vm_console, 0, 1, 1,
	  "<id>",
	  "attach to a VM's console (Ctrl-] detaches)",
	  "Prints the console's history, then connects the terminal to\n"
	  "/dev/hvc<id> in raw mode. Press Ctrl-] to detach. When stdin is not a\n"
	  "terminal, copies both ways until stdin ends (then prints what the guest\n"
	  "still sends for a moment)." },
	{ "vm", "screenshot", cmd_vm_screenshot, 0, 2, 2,
	  "<id> <file.png>",
	  "save what a VM's display shows as a PNG file",
	  "The guest's scanout as the guest drew it (its \"display\" config sets\n"
	  "the size), 8-bit RGB. keeld writes the file: give a path VM0 can see." },
	{ "vm", "display", cmd_vm_display, 0, 1, 1,
	  "<id>|none",
	  "show a VM's display on VM0's screen, or VM0's console (none)",
	  "The guest's scanout, centred (scaled down when larger than the\n"
	  "screen); only what the guest flushes is copied. `none` gives the screen\n"
	  "back to VM0's console. VM0's screen is QEMU's display under scripts/run\n"
	  "(scripts/run --vnc to watch it)." },
	{ "net", "list", cmd_net_list, CLI_F_JSON | CLI_F_DEFAULT, 0, 0,
	  "[--json]",
	  "list keeld's switches, their ports and learned MACs",
	  "`keel net` alone does the same. Each switch joins its guests' NICs and\n"
	  "one uplink TAP in VM0 (named like the switch; keel0 by default). Per port:\n"
	  "frames and bytes into the switch (RX) and out of it (TX), and drops by\n"
	  "reason: short, long (over the MTU and not segmentation offload), spoof\n"
	  "(a source MAC not the port's own), nobufs (the destination had no room),\n"
	  "bad (a malformed offload header). Learned MACs age out after 5 minutes;\n"
	  "a guest's own MAC is static.\n"
	  "\n"
	  "Options:\n"
	  "  --json  print keeld's result object" },
};
/* clang-format on */
const size_t cli_nr_cmds = sizeof(cli_cmds) / sizeof(cli_cmds[0]);

bool cli_group_exists(const char *group)
{
	for (size_t i = 0; i < cli_nr_cmds; i++)
		if (strcmp(cli_cmds[i].group, group) == 0)
			return true;
	return false;
}

const struct keel_cmd *cli_cmd_find(const char *group, const char *name)
{
	for (size_t i = 0; i < cli_nr_cmds; i++)
		if (strcmp(cli_cmds[i].group, group) == 0 && strcmp(cli_cmds[i].name, name) == 0)
			return &cli_cmds[i];
	return NULL;
}

const struct keel_cmd *cli_group_default(const char *group)
{
	for (size_t i = 0; i < cli_nr_cmds; i++)
		if (strcmp(cli_cmds[i].group, group) == 0 && (cli_cmds[i].flags & CLI_F_DEFAULT))
			return &cli_cmds[i];
	return NULL;
}

static void print_group_cmds(FILE *f, const char *group)
{
	for (size_t i = 0; i < cli_nr_cmds; i++) {
		const struct keel_cmd *c = &cli_cmds[i];

		if (strcmp(c->group, group) == 0)
			fprintf(f, "  %-8s %-22s %s\n", c->name, c->usage, c->help);
	}
}

void cli_print_usage(FILE *f)
{
	const char *last = "";

	fprintf(f, "Usage: keel [--json] <group> <command> [options] [args]\n"
		   "       keel help [<group> [<command>]]\n"
		   "       keel --version\n");
	for (size_t i = 0; i < cli_nr_cmds; i++) {
		if (strcmp(cli_cmds[i].group, last) == 0)
			continue;
		last = cli_cmds[i].group;
		fprintf(f, "\n%s commands:\n", last);
		print_group_cmds(f, last);
	}
	fprintf(f, "\nRun 'keel <group> <command> --help' for more about a command.\n");
}

void cli_print_group_usage(FILE *f, const char *group)
{
	fprintf(f, "Usage: keel %s <command> [options] [args]\n\n%s commands:\n", group, group);
	print_group_cmds(f, group);
	fprintf(f, "\nRun 'keel %s <command> --help' for more about a command.\n", group);
}

void cli_print_cmd_help(FILE *f, const struct keel_cmd *c)
{
	/* The one-line help starts lower case in lists, a sentence here. */
	fprintf(f, "Usage: keel %s %s %s\n\n%c%s.\n", c->group, c->name, c->usage,
		toupper((unsigned char)c->help[0]), c->help + 1);
	if (c->detail)
		fprintf(f, "\n%s\n", c->detail);
}
