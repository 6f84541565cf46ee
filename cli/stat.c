// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * keel system stat|pools: the hypervisor's CPU pools and accounting
 * (KEEL_IOC_STAT), read from /dev/keel like `system info` (no keeld
 * needed). stat takes two snapshots --interval apart, like xentop: load
 * is busy time over busy + idle time per pCPU, and each vCPU's run, wait
 * and blocked time is a share of the interval.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <keel/ioctl.h>

#include "cli.h"
#include "output.h"

#define KEEL_DEV "/dev/keel"

static const char *const vcpu_states[] = { "running", "waiting", "blocked", "off" };

static const char *kind_name(uint32_t kind)
{
	return kind == KEEL_POOL_BIND ? "bind" : "shared";
}

static const char *pool_of(const struct keel_stat *st, uint32_t pcpu)
{
	uint32_t p = st->pcpu[pcpu].pool;

	return p < st->nr_pools && p < KEEL_MAX_CPUPOOLS ? st->pool[p].name : "?";
}

static double share(uint64_t a, uint64_t b, uint64_t total)
{
	return total && b > a ? (double)(b - a) * 100.0 / (double)total : 0.0;
}

/* The same vCPU in the earlier snapshot, or NULL (created since). */
static const struct keel_stat_vcpu *find_vcpu(const struct keel_stat *st,
					      const struct keel_stat_vcpu *v)
{
	for (uint32_t i = 0; i < st->nr_vcpus && i < KEEL_STAT_MAX_VCPUS; i++)
		if (st->vcpu[i].vm == v->vm && st->vcpu[i].vcpu == v->vcpu)
			return &st->vcpu[i];
	return NULL;
}

json_t *stat_json(const struct keel_stat *a, const struct keel_stat *b,
		  const char names[][KEEL_VM_NAME_LEN])
{
	uint64_t dt = b->now_ns > a->now_ns ? b->now_ns - a->now_ns : 0;
	json_t *pcpus = json_array(), *vcpus = json_array();

	for (uint32_t i = 0; i < b->nr_pcpus && i < KEEL_STAT_MAX_PCPUS; i++) {
		const struct keel_stat_pcpu *p0 = &a->pcpu[i], *p1 = &b->pcpu[i];

		json_array_append_new(
		    pcpus,
		    json_pack("{s:i, s:s, s:s, s:f, s:I, s:I, s:I, s:i}", "pcpu", (int)i, "pool",
			      pool_of(b, i), "kind", kind_name(b->pool[p1->pool % KEEL_MAX_CPUPOOLS].kind),
			      "load", keel_stat_load_permille(p0, p1) / 10.0, "busy_ns",
			      (json_int_t)p1->busy_ns, "idle_ns", (json_int_t)p1->idle_ns, "switches",
			      (json_int_t)(p1->switches - (p1->switches >= p0->switches ? p0->switches : 0)),
			      "vcpus", (int)p1->nr_vcpus));
	}
	for (uint32_t i = 0; i < b->nr_vcpus && i < KEEL_STAT_MAX_VCPUS; i++) {
		const struct keel_stat_vcpu *v1 = &b->vcpu[i], *v0 = find_vcpu(a, v1);
		struct keel_stat_vcpu zero = { 0 };

		if (!v0)
			v0 = &zero;
		json_array_append_new(
		    vcpus,
		    json_pack("{s:i, s:s, s:i, s:i, s:i, s:s, s:f, s:f, s:f, s:I, s:I, s:I, s:I}", "vm",
			      (int)v1->vm, "name", v1->vm < KEEL_MAX_VMS ? names[v1->vm] : "?", "vcpu",
			      (int)v1->vcpu, "pcpu", (int)v1->pcpu, "priority", (int)v1->priority,
			      "state", vcpu_states[v1->state < 4 ? v1->state : 3], "run",
			      share(v0->run_ns, v1->run_ns, dt), "wait",
			      share(v0->wait_ns, v1->wait_ns, dt), "blocked",
			      share(v0->blocked_ns, v1->blocked_ns, dt), "run_ns",
			      (json_int_t)v1->run_ns, "wait_ns", (json_int_t)v1->wait_ns, "blocked_ns",
			      (json_int_t)v1->blocked_ns, "migrations", (json_int_t)v1->migrations));
	}
	return json_pack("{s:f, s:o, s:o}", "interval", (double)dt / 1e9, "pcpus", pcpus, "vcpus",
			 vcpus);
}

static void add_row(struct table *t, const json_t *o, const char *const *keys, int n)
{
	char *cells[12];

	for (int i = 0; i < n; i++) {
		json_t *v = json_object_get(o, keys[i]);

		if (json_is_real(v)) {
			cells[i] = malloc(16);
			if (cells[i])
				snprintf(cells[i], 16, "%.1f", json_real_value(v));
		} else {
			cells[i] = json_cell(v);
		}
	}
	table_add(t, (const char *const *)cells);
	for (int i = 0; i < n; i++)
		free(cells[i]);
}

static void print_rows(FILE *f, const json_t *arr, const char *const *heads,
		       const char *const *keys, int n, unsigned right)
{
	struct table *t = table_new(n, heads, right);
	size_t i;
	json_t *o;

	if (!t)
		return;
	json_array_foreach(arr, i, o)
		add_row(t, o, keys, n);
	table_print(t, f);
	table_free(t);
}

void stat_print(FILE *f, const json_t *s)
{
	static const char *const ph[] = { "PCPU", "POOL", "KIND", "LOAD%", "SWITCHES", "VCPUS" };
	static const char *const pk[] = { "pcpu", "pool", "kind", "load", "switches", "vcpus" };
	static const char *const vh[] = { "VM", "NAME", "VCPU", "PCPU", "PRIO", "STATE",
					  "RUN%", "WAIT%", "BLOCKED%", "MIGRATIONS" };
	static const char *const vk[] = { "vm", "name", "vcpu", "pcpu", "priority", "state",
					  "run", "wait", "blocked", "migrations" };

	fprintf(f, "interval %.2f s\n", json_real_value(json_object_get(s, "interval")));
	print_rows(f, json_object_get(s, "pcpus"), ph, pk, 6, 0x39);
	fputc('\n', f);
	print_rows(f, json_object_get(s, "vcpus"), vh, vk, 10, 0x3dd);
}

json_t *pools_json(const struct keel_stat *st)
{
	json_t *pools = json_array();

	for (uint32_t p = 0; p < st->nr_pools && p < KEEL_MAX_CPUPOOLS; p++) {
		json_t *pc = json_array(), *vc = json_array();

		for (uint32_t c = 0; c < st->nr_pcpus && c < KEEL_STAT_MAX_PCPUS; c++)
			if (st->pool[p].pcpus & (1ULL << c))
				json_array_append_new(pc, json_integer(c));
		for (uint32_t i = 0; i < st->nr_vcpus && i < KEEL_STAT_MAX_VCPUS; i++)
			if (st->vcpu[i].pcpu < 64 && (st->pool[p].pcpus & (1ULL << st->vcpu[i].pcpu)))
				json_array_append_new(vc, json_pack("{s:i, s:i, s:i, s:i}", "vm",
								    (int)st->vcpu[i].vm, "vcpu",
								    (int)st->vcpu[i].vcpu, "pcpu",
								    (int)st->vcpu[i].pcpu, "priority",
								    (int)st->vcpu[i].priority));
		json_array_append_new(pools, json_pack("{s:s, s:s, s:o, s:o}", "name", st->pool[p].name,
						       "kind", kind_name(st->pool[p].kind), "pcpus", pc,
						       "vcpus", vc));
	}
	return json_pack("{s:o}", "pools", pools);
}

/* One line per pCPU: its pool, and who runs there ("vm2.0@128"). */
void pools_print(FILE *f, const json_t *j)
{
	static const char *const heads[] = { "PCPU", "POOL", "KIND", "VCPUS (vm.vcpu@priority)" };
	struct table *t = table_new(4, heads, 0x1);
	json_t *pool, *c, *v;
	size_t i, k, m;

	if (!t)
		return;
	json_array_foreach(json_object_get(j, "pools"), i, pool) {
		json_array_foreach(json_object_get(pool, "pcpus"), k, c) {
			char num[16], who[256] = "";

			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(c));
			json_array_foreach(json_object_get(pool, "vcpus"), m, v) {
				if (json_integer_value(json_object_get(v, "pcpu")) != json_integer_value(c))
					continue;
				snprintf(who + strlen(who), sizeof(who) - strlen(who), "%svm%lld.%lld@%lld",
					 *who ? " " : "",
					 (long long)json_integer_value(json_object_get(v, "vm")),
					 (long long)json_integer_value(json_object_get(v, "vcpu")),
					 (long long)json_integer_value(json_object_get(v, "priority")));
			}
			table_add(t, (const char *const[]){ num,
				  json_string_value(json_object_get(pool, "name")),
				  json_string_value(json_object_get(pool, "kind")), *who ? who : "-" });
		}
	}
	table_print(t, f);
	table_free(t);
}

static int stat_read(int fd, struct keel_stat *st)
{
	if (ioctl(fd, KEEL_IOC_STAT, st) < 0) {
		int e = errno;

		cli_error("%s: %s%s", KEEL_DEV, strerror(e),
			  e == ENOTTY ? " (keel.ko and keel disagree on the ioctl ABI)" : "");
		return CLI_EXIT_ERR;
	}
	if (st->magic != KEEL_STAT_MAGIC || st->revision != KEEL_STAT_REVISION) {
		cli_error("%s: stat magic 0x%08x revision %u, expected revision %u", KEEL_DEV,
			  st->magic, st->revision, KEEL_STAT_REVISION);
		return CLI_EXIT_ERR;
	}
	return 0;
}

static int dev_open(void)
{
	int fd = open(KEEL_DEV, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		cli_error("cannot open %s: %s%s", KEEL_DEV, strerror(errno),
			  errno == ENOENT ? " (is keel.ko loaded? is this VM0 on Keel?)" : "");
	return fd;
}

static void emit(const struct cli_args *a, json_t *j, void (*print)(FILE *, const json_t *))
{
	if (a->json)
		print_json(cli_out, j);
	else
		print(cli_out, j);
}

int cmd_system_stat(const struct cli_args *a)
{
	static struct keel_stat s0, s1;
	static char names[KEEL_MAX_VMS][KEEL_VM_NAME_LEN];
	double iv = a->interval > 0 ? a->interval : 1.0;
	struct timespec ts = { (time_t)iv, (long)((iv - (double)(time_t)iv) * 1e9) };
	int fd = dev_open(), rc;
	json_t *j;

	if (fd < 0)
		return CLI_EXIT_ERR;
	rc = stat_read(fd, &s0);
	if (!rc) {
		nanosleep(&ts, NULL);
		rc = stat_read(fd, &s1);
	}
	snprintf(names[0], sizeof(names[0]), "VM0");
	for (uint32_t id = 1; !rc && id < KEEL_MAX_VMS; id++) {
		struct keel_vm_info info = { .id = id };

		if (!ioctl(fd, KEEL_IOC_VM_INFO, &info))
			snprintf(names[id], sizeof(names[id]), "%.*s", KEEL_VM_NAME_LEN - 1, info.name);
	}
	close(fd);
	if (rc)
		return rc;
	j = stat_json(&s0, &s1, names);
	if (!j) {
		cli_error("out of memory");
		return CLI_EXIT_ERR;
	}
	emit(a, j, stat_print);
	json_decref(j);
	return CLI_EXIT_OK;
}

int cmd_system_pools(const struct cli_args *a)
{
	static struct keel_stat st;
	int fd = dev_open(), rc;
	json_t *j;

	if (fd < 0)
		return CLI_EXIT_ERR;
	rc = stat_read(fd, &st);
	close(fd);
	if (rc)
		return rc;
	j = pools_json(&st);
	if (!j) {
		cli_error("out of memory");
		return CLI_EXIT_ERR;
	}
	emit(a, j, pools_print);
	json_decref(j);
	return CLI_EXIT_OK;
}
