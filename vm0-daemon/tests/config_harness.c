// SPDX-License-Identifier: GPL-2.0
/* The config tests' shared part: config_harness.h. */
#include "config_harness.h"

char dir[256];

static void touch(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("x", f);
	fclose(f);
}

int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/keeld-test-config-XXXXXX");
	assert_non_null(mkdtemp(dir));
	touch("Image");
	touch("guest.cpio");
	touch("vm1.img");
	touch("vm2.img");
	return 0;
}

int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int parse(const char *text, unsigned id, unsigned npcpus, struct vm_config *out, char *msg)
{
	struct config_env env = {
		.id = id, .nr_pcpus = npcpus, .check_files = true, .dir = dir, .label = "vm1.json",
	};

	msg[0] = 0;
	return config_parse(text, strlen(text), &env, out, msg, CFG_ERR_MAX);
}

struct vm_config cfg;

char err[CFG_ERR_MAX];

void expect_error(const char *text, const char *msg)
{
	int r = parse(text, 1, 4, &cfg, err);

	if (r >= 0)
		fail_msg("accepted %s\nwanted \"%s\"", text, msg);
	if (strcmp(err, msg))
		fail_msg("got \"%s\"\nwanted \"%s\"", err, msg);
}

const char *shyper =
	"{\"name\": \"guest-os-1\", \"type\": \"VM_T_LINUX\","
	" \"cmdline\": \"earlycon console=ttyAMA0 root=/dev/vda rw\","
	" \"image\": {\"kernel_filename\": \"Image\", \"kernel_load_ipa\": \"0x80200000\","
	"   \"kernel_entry_point\": \"0x80200000\", \"device_tree_filename\": \"-\","
	"   \"device_tree_load_ipa\": \"0x80000000\", \"ramdisk_filename\": \"guest.cpio\","
	"   \"ramdisk_load_ipa\": \"0x83000000\"},"
	" \"memory\": {\"region\": [{\"ipa_start\": \"0x80000000\", \"length\": \"0x10000000\"},"
	"                          {\"ipa_start\": 3221225472, \"length\": \"0x4000000\"}]},"
	" \"cpu\": {\"num\": 2, \"allocate_bitmap\": \"0b0110\", \"master\": 2},"
	" \"emulated_device\": {\"emulated_device_list\": ["
	"   {\"name\": \"intc@8000000\", \"base_ipa\": \"0x8000000\", \"length\": \"0x1000\", \"irq_id\": 0,"
	"    \"cfg_num\": 0, \"cfg_list\": [], \"type\": \"EMU_DEVICE_T_GICD\"}]},"
	" \"passthrough_device\": {\"passthrough_device_list\": []},"
	" \"dtb_device\": {\"dtb_device_list\": [{\"name\": \"gicd\", \"type\": \"DTB_DEVICE_T_GICD\"}]}}";

/* Replace the first occurrence of a in the Shyper example with b. */
char *shyper_with(const char *a, const char *b)
{
	static char buf[4096];
	const char *p = strstr(shyper, a);

	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - shyper), shyper, b, p + strlen(a));
	return buf;
}

/* A Keel config with "disks": [...] spliced in. */
char *keel_disks(const char *disks)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "{\"memory\": \"256M\", \"kernel\": \"Image\", \"disks\": %s}", disks);
	return buf;
}

const char *shyper_blk =
	"\"EMU_DEVICE_T_GICD\"}, {\"name\": \"virtio_blk@a000000\", \"base_ipa\": \"0xa000000\","
	" \"length\": \"0x1000\", \"irq_id\": 48, \"cfg_num\": 2, \"cfg_list\": [1, 209715200],"
	" \"type\": \"EMU_DEVICE_T_VIRTIO_BLK_MEDIATED\"}";

/* The Shyper example with one virtio-blk entry, then a, replaced by b. */
char *shyper_blk_with(const char *a, const char *b)
{
	static char buf[4096];
	char t[4096];
	const char *p;

	snprintf(t, sizeof(t), "%s", shyper_with("\"EMU_DEVICE_T_GICD\"}", shyper_blk));
	if (!a) {
		memcpy(buf, t, sizeof(buf));
		return buf;
	}
	p = strstr(t, a);
	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - t), t, b, p + strlen(a));
	return buf;
}

char *shyper_blk_plus(const char *entries)
{
	static char buf[4096];
	char rep[2048];

	snprintf(rep, sizeof(rep), "%s%s", shyper_blk, entries);
	snprintf(buf, sizeof(buf), "%s", shyper_with("\"EMU_DEVICE_T_GICD\"}", rep));
	return buf;
}
