// SPDX-License-Identifier: GPL-2.0 OR MIT
/* keel system stat / pools: figures from two KEEL_IOC_STAT snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/ioctl.h>

#include "../cli.h"
#include "../output.h"

static struct keel_stat a, b;
static char names[KEEL_MAX_VMS][KEEL_VM_NAME_LEN] = { "VM0", "rt" };

static void fill(void)
{
	memset(&a, 0, sizeof(a));
	a.magic = KEEL_STAT_MAGIC;
	a.revision = KEEL_STAT_REVISION;
	a.nr_pcpus = 2;
	a.nr_pools = 2;
	a.now_ns = 1000000000;
	strcpy(a.pool[0].name, "default");
	a.pool[0].pcpus = 0x1;
	strcpy(a.pool[1].name, "rt");
	a.pool[1].kind = KEEL_POOL_BIND;
	a.pool[1].pcpus = 0x2;
	a.pcpu[1].pool = 1;
	a.pcpu[0] = (struct keel_stat_pcpu){ .busy_ns = 100, .idle_ns = 900, .switches = 5 };
	a.pcpu[1] = (struct keel_stat_pcpu){ .busy_ns = 100, .idle_ns = 900, .pool = 1, .nr_vcpus = 1 };
	a.nr_vcpus = 2;
	a.vcpu[0] = (struct keel_stat_vcpu){ .vm = 0, .pcpu = 0, .priority = 128,
					     .state = KEEL_VCPU_BLOCKED };
	a.vcpu[1] = (struct keel_stat_vcpu){ .vm = 1, .pcpu = 1, .priority = 200 };
	b = a;
	b.now_ns += 1000000000;  /* one second later */
	b.pcpu[0].busy_ns += 250000000;  /* 25% */
	b.pcpu[0].idle_ns += 750000000;
	b.pcpu[0].switches += 40;
	b.pcpu[1].busy_ns += 1000000000; /* the spinner: 100% */
	b.vcpu[0].run_ns += 200000000;
	b.vcpu[0].blocked_ns += 800000000;
	b.vcpu[1].run_ns += 1000000000;
	b.vcpu[0].migrations = 3;  /* a total since it started, not per interval */
}

static json_t *find(json_t *arr, const char *key, int val)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o)
		if (json_integer_value(json_object_get(o, key)) == val)
			return o;
	fail_msg("no %s %d", key, val);
	return NULL;
}

static void test_stat_figures(void **state)
{
	json_t *j, *p0, *p1, *v0, *v1;

	(void)state;
	fill();
	j = stat_json(&a, &b, names);
	assert_non_null(j);
	assert_float_equal(json_real_value(json_object_get(j, "interval")), 1.0, 1e-9);
	p0 = find(json_object_get(j, "pcpus"), "pcpu", 0);
	p1 = find(json_object_get(j, "pcpus"), "pcpu", 1);
	assert_float_equal(json_real_value(json_object_get(p0, "load")), 25.0, 1e-9);
	assert_float_equal(json_real_value(json_object_get(p1, "load")), 100.0, 1e-9);
	assert_int_equal(json_integer_value(json_object_get(p0, "switches")), 40);
	assert_string_equal(json_string_value(json_object_get(p1, "kind")), "bind");
	assert_string_equal(json_string_value(json_object_get(p1, "pool")), "rt");
	v0 = find(json_object_get(j, "vcpus"), "vm", 0);
	v1 = find(json_object_get(j, "vcpus"), "vm", 1);
	assert_float_equal(json_real_value(json_object_get(v0, "run")), 20.0, 1e-9);
	assert_float_equal(json_real_value(json_object_get(v0, "blocked")), 80.0, 1e-9);
	assert_string_equal(json_string_value(json_object_get(v0, "state")), "blocked");
	assert_string_equal(json_string_value(json_object_get(v1, "name")), "rt");
	assert_float_equal(json_real_value(json_object_get(v1, "run")), 100.0, 1e-9);
	assert_int_equal(json_integer_value(json_object_get(v0, "migrations")), 3);
	assert_int_equal(json_integer_value(json_object_get(v1, "migrations")), 0);
	json_decref(j);
}

static char *capture(void (*print)(FILE *, const json_t *), const json_t *j)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	print(f, j);
	fclose(f);
	return buf;
}

static void test_text(void **state)
{
	json_t *j;
	char *out;

	(void)state;
	fill();
	j = stat_json(&a, &b, names);
	out = capture(stat_print, j);
	assert_non_null(strstr(out, "LOAD%"));
	assert_non_null(strstr(out, "100.0"));
	assert_non_null(strstr(out, "25.0"));
	assert_non_null(strstr(out, "MIGRATIONS"));
	free(out);
	json_decref(j);
	j = pools_json(&b);
	out = capture(pools_print, j);
	assert_non_null(strstr(out, "rt"));
	assert_non_null(strstr(out, "bind"));
	assert_non_null(strstr(out, "vm1.0@200"));
	assert_non_null(strstr(out, "vm0.0@128"));
	free(out);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_figures),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
