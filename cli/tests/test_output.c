// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Uptimes, sizes, tables, vm list / info / system info text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <keel/ioctl.h>

#include "../cli.h"
#include "../output.h"

static void check_uptime(int64_t s, const char *want)
{
	char buf[32];

	fmt_uptime(buf, sizeof(buf), s);
	assert_string_equal(buf, want);
}

static void test_uptime(void **state)
{
	check_uptime(-1, "-");
	check_uptime(0, "0s");
	check_uptime(59, "59s");
	check_uptime(60, "1m00s");
	check_uptime(3599, "59m59s");
	check_uptime(3600, "1h00m00s");
	check_uptime(3723, "1h02m03s");
	check_uptime(86399, "23h59m59s");
	check_uptime(86400 + 3723, "1d01h02m03s");
}

static void check_size(uint64_t b, const char *want)
{
	char buf[32];

	fmt_size(buf, sizeof(buf), b);
	assert_string_equal(buf, want);
}

static void test_sizes(void **state)
{
	char buf[32];

	fmt_mib(buf, sizeof(buf), 512ULL << 20);
	assert_string_equal(buf, "512");
	fmt_mib(buf, sizeof(buf), (1ULL << 20) - 1);
	assert_string_equal(buf, "0");
	check_size(0, "0 B");
	check_size(12, "12 B");
	check_size(640 << 10, "640 KiB");
	check_size(3ULL << 19, "1.5 MiB");
	check_size(4ULL << 30, "4 GiB");
	check_size((4ULL << 30) - (64ULL << 20), "3.9 GiB");
}

/* Run fn into a memory stream and compare the whole text. */
static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

static void print_table(FILE *f, const void *arg)
{
	static const char *const heads[] = {"ID", "NAME", "N"};
	struct table *t = table_new(3, heads, 0x1 | 0x4);

	table_add(t, (const char *const[]){"1", "linux", "12"});
	table_add(t, (const char *const[]){"10", NULL, "3"});
	table_print(t, f);
	table_free(t);
}

static void test_table(void **state)
{
	char *s = capture(print_table, NULL);

	assert_string_equal(s, "ID  NAME    N\n"
			       " 1  linux  12\n"
			       "10  -       3\n");
	free(s);
}

static void print_vm_list(FILE *f, const void *arg)
{
	assert_int_equal(vm_list_print(f, arg), 0);
}

static void test_vm_list(void **state)
{
	json_t *res = json_loads("{\"vms\": ["
				 "{\"id\": 0, \"name\": \"vm0\", \"state\": \"running\", "
				 "\"vcpus\": 4, \"memory\": 1073741824, \"uptime_s\": 3723, \"autostart\": true},"
				 "{\"id\": 1, \"name\": \"linux-guest\", \"state\": \"created\", "
				 "\"vcpus\": 2, \"memory\": 268435456, \"uptime_s\": null},"
				 "{\"id\": 12, \"name\": \"rtos\", \"state\": \"stopped\", "
				 "\"vcpus\": 1, \"memory\": 16777216}"
				 "]}",
				 0, NULL);
	char *s = capture(print_vm_list, res);

	assert_string_equal(s, "ID  NAME         STATE    VCPUS  MEMORY  UPTIME    AUTO\n"
			       " 0  vm0          running      4    1024  1h02m03s  yes\n"
			       " 1  linux-guest  created      2     256  -         -\n"
			       "12  rtos         stopped      1      16  -         -\n");
	free(s);
	json_decref(res);
}

static void test_vm_list_empty_and_bad(void **state)
{
	json_t *res = json_loads("{\"vms\": []}", 0, NULL);
	char *s = capture(print_vm_list, res);

	assert_string_equal(s, "ID  NAME  STATE  VCPUS  MEMORY  UPTIME  AUTO\n");
	free(s);
	json_decref(res);
	res = json_loads("{\"vm\": 1}", 0, NULL);
	assert_int_not_equal(vm_list_print(stderr, res), 0);
	json_decref(res);
}

static void print_vm_info(FILE *f, const void *arg)
{
	assert_int_equal(vm_info_print(f, arg), 0);
}

static void test_vm_info(void **state)
{
	json_t *res = json_loads(
	    "{\"id\": 1, \"name\": \"linux\", \"state\": \"running\", \"memory\": 268435456,"
	    " \"uptime_s\": 65, \"devices\": [\"blk\", \"net\"], \"kernel\": null}",
	    0, NULL);
	char *s = capture(print_vm_info, res);

	assert_string_equal(s, "id        1\n"
			       "name      linux\n"
			       "state     running\n"
			       "memory    256 MiB\n"
			       "uptime    1m05s\n"
			       "devices   [\"blk\",\"net\"]\n"
			       "kernel    -\n");
	free(s);
	json_decref(res);
}

static const struct keel_sysinfo si = {
    .magic = KEEL_SYSINFO_MAGIC,
    .revision = KEEL_SYSINFO_REVISION,
    .version = KEEL_VERSION_CODE,
    .abi_revision = KEEL_HC_ABI_REVISION,
    .nr_pcpus = 4,
    .gic_version = 3,
    .ram_bytes = 4ULL << 30,
    .hyp_bytes = 32ULL << 20,
    .pool_free_bytes = 2ULL << 30,
    .pool_bytes = 3ULL << 30,
    .nr_vms = 2,
    .doorbell_intid = 40,
    .nr_irqs = 288,
    .max_vms = 16,
};
static const struct keel_ioc_version ver = {
    .version = (0 << 16) | 1,
    .abi_revision = 2,
    .ioc_revision = 2,
};

static void print_sysinfo(FILE *f, const void *arg)
{
	sysinfo_print(f, &si, &ver);
}

static void test_sysinfo(void **state)
{
	char *s = capture(print_sysinfo, NULL);
	json_t *j = sysinfo_json(&si, &ver);
	char *js;

	assert_string_equal(s, "hypervisor      Keel 0.1\n"
			       "abi revision    2 (ioctl 2)\n"
			       "pcpus           4\n"
			       "gic             v3\n"
			       "ram             4 GiB\n"
			       "hypervisor mem  32 MiB\n"
			       "guest pool      2 GiB free of 3 GiB\n"
			       "vms             2 (ids 0..15)\n"
			       "doorbell intid  40\n");
	free(s);
	assert_non_null(j);
	js = json_dumps(j, JSON_COMPACT);
	assert_string_equal(
	    js, "{\"version\":\"0.1\",\"abi_revision\":2,\"ioc_revision\":2,\"pcpus\":4,"
		"\"gic_version\":3,\"ram_bytes\":4294967296,\"hyp_bytes\":33554432,"
		"\"pool_free_bytes\":2147483648,\"pool_bytes\":3221225472,\"vms\":2,"
		"\"max_vms\":16,\"doorbell_intid\":40,\"nr_irqs\":288}");
	free(js);
	json_decref(j);
}

static void print_net_list(FILE *f, const void *arg)
{
	assert_int_equal(net_list_print(f, arg), 0);
}

static void test_net_list(void **state)
{
	json_t *res = json_loads(
	    "{\"switches\": [{\"name\": \"keel0\", \"uplink\": \"keel0\", \"mtu\": 1500,"
	    " \"ports\": [{\"name\": \"keel0\", \"kind\": \"uplink\", \"mac\": \"02:00:00:00:00:01\","
	    "  \"rx_frames\": 12, \"rx_bytes\": 3400, \"tx_frames\": 7, \"tx_bytes\": 900,"
	    "  \"drops\": {\"short\": 0, \"spoof\": 0}},"
	    " {\"name\": \"vm1.net0\", \"kind\": \"guest\", \"mac\": \"52:54:00:00:00:01\","
	    "  \"rx_frames\": 7, \"rx_bytes\": 900, \"tx_frames\": 12, \"tx_bytes\": 3400,"
	    "  \"drops\": {\"short\": 0, \"spoof\": 2, \"nobufs\": 5}}],"
	    " \"macs\": [{\"mac\": \"52:54:00:00:00:01\", \"port\": \"vm1.net0\", \"age_s\": 0,"
	    "  \"static\": true}, {\"mac\": \"02:00:00:00:00:01\", \"port\": \"keel0\","
	    "  \"age_s\": 75, \"static\": false}]},"
	    " {\"name\": \"lab\", \"uplink\": null, \"mtu\": 1500, \"ports\": [], \"macs\": []}]}",
	    0, NULL);
	char *s;

	assert_non_null(res);
	s = capture(print_net_list, res);
	assert_string_equal(
	    s, "switch keel0  uplink keel0  mtu 1500\n"
	       "PORT      KIND    MAC                RX-FRAMES  RX-BYTES  TX-FRAMES  TX-BYTES  DROPS\n"
	       "keel0     uplink  02:00:00:00:00:01         12      3400          7       900  0\n"
	       "vm1.net0  guest   52:54:00:00:00:01          7       900         12      3400  spoof=2 nobufs=5\n"
	       "LEARNED MAC        PORT      AGE\n"
	       "52:54:00:00:00:01  vm1.net0  static\n"
	       "02:00:00:00:00:01  keel0     1m15s\n"
	       "\n"
	       "switch lab  uplink none  mtu 1500\n"
	       "PORT  KIND  MAC  RX-FRAMES  RX-BYTES  TX-FRAMES  TX-BYTES  DROPS\n"
	       "LEARNED MAC  PORT  AGE\n");
	free(s);
	json_decref(res);

	res = json_loads("{\"switches\": []}", 0, NULL);
	s = capture(print_net_list, res);
	assert_string_equal(s, "no switches\n");
	free(s);
	json_decref(res);
	res = json_loads("{\"vms\": []}", 0, NULL);
	assert_int_not_equal(net_list_print(stderr, res), 0);
	json_decref(res);
}

static void test_console_escape(void **state)
{
	const unsigned char a[] = "ls\r", b[] = {'x', 0x1d, 'y'};

	assert_int_equal(console_find_escape(a, 3), 3);
	assert_int_equal(console_find_escape(b, 3), 1);
	assert_int_equal(console_find_escape(b + 1, 2), 0);
	assert_int_equal(console_find_escape(b, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uptime),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_vm_list),
	    cmocka_unit_test(test_vm_list_empty_and_bad),
	    cmocka_unit_test(test_vm_info),
	    cmocka_unit_test(test_sysinfo),
	    cmocka_unit_test(test_console_escape),
	    cmocka_unit_test(test_net_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
