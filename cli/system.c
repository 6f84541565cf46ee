// SPDX-License-Identifier: GPL-2.0 OR MIT
/* keel system daemon|info. info reads /dev/keel itself: no keeld needed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <keel/ioctl.h>

#include "cli.h"
#include "output.h"
#include "sock.h"

#define KEEL_DEV   "/dev/keel"
#define KEELD_PATH "/usr/sbin/keeld"

int cmd_system_daemon(const struct cli_args *a)
{
	const char *keeld = getenv("KEEL_KEELD");
	char *argv[3] = {NULL, NULL, NULL};
	char err[512];
	int fd;

	if (!keeld || !*keeld)
		keeld = KEELD_PATH;
	/* A second keeld would take the socket from the first. */
	fd = sock_connect(sock_path(), err, sizeof(err));
	if (fd >= 0) {
		close(fd);
		cli_error("keeld is already running (%s answers)", sock_path());
		return CLI_EXIT_ERR;
	}
	argv[0] = (char *)keeld;
	argv[1] = a->npos ? (char *)a->pos[0] : NULL;
	fflush(NULL);
	execv(keeld, argv);
	cli_error("cannot run %s: %s", keeld, strerror(errno));
	return CLI_EXIT_ERR;
}

json_t *sysinfo_json(const struct keel_sysinfo *si, const struct keel_ioc_version *v)
{
	char ver[24];

	snprintf(ver, sizeof(ver), "%u.%u", v->version >> 16, v->version & 0xffff);
	return json_pack("{s:s, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:i, s:i, s:i, s:i}",
			 "version", ver, "abi_revision", (int)v->abi_revision, "ioc_revision",
			 (int)v->ioc_revision, "pcpus", (int)si->nr_pcpus, "gic_version",
			 (int)si->gic_version, "ram_bytes", (json_int_t)si->ram_bytes, "hyp_bytes",
			 (json_int_t)si->hyp_bytes, "pool_free_bytes",
			 (json_int_t)si->pool_free_bytes, "pool_bytes", (json_int_t)si->pool_bytes,
			 "vms", (int)si->nr_vms, "max_vms", (int)si->max_vms, "doorbell_intid",
			 (int)si->doorbell_intid, "nr_irqs", (int)si->nr_irqs);
}

void sysinfo_print(FILE *f, const struct keel_sysinfo *si, const struct keel_ioc_version *v)
{
	char ram[32], hyp[32], pfree[32], pool[32];

	fmt_size(ram, sizeof(ram), si->ram_bytes);
	fmt_size(hyp, sizeof(hyp), si->hyp_bytes);
	fmt_size(pfree, sizeof(pfree), si->pool_free_bytes);
	fmt_size(pool, sizeof(pool), si->pool_bytes);
	fprintf(f, "hypervisor      Keel %u.%u\n", v->version >> 16, v->version & 0xffff);
	fprintf(f, "abi revision    %u (ioctl %u)\n", v->abi_revision, v->ioc_revision);
	fprintf(f, "pcpus           %u\n", si->nr_pcpus);
	fprintf(f, "gic             v%u\n", si->gic_version);
	fprintf(f, "ram             %s\n", ram);
	fprintf(f, "hypervisor mem  %s\n", hyp);
	fprintf(f, "guest pool      %s free of %s\n", pfree, pool);
	fprintf(f, "vms             %u (ids 0..%u)\n", si->nr_vms,
		si->max_vms ? si->max_vms - 1 : 0);
	fprintf(f, "doorbell intid  %u\n", si->doorbell_intid);
}

/* Both ioctls, checked; 0 or an exit status with the error printed. */
static int sysinfo_read(struct keel_sysinfo *si, struct keel_ioc_version *v)
{
	int fd = open(KEEL_DEV, O_RDONLY | O_CLOEXEC);
	int e;

	if (fd < 0) {
		e = errno;
		cli_error("cannot open %s: %s%s", KEEL_DEV, strerror(e),
			  e == ENOENT ? " (is keel.ko loaded? is this VM0 on Keel?)" : "");
		return CLI_EXIT_ERR;
	}
	if (ioctl(fd, KEEL_IOC_VERSION, v) < 0 || ioctl(fd, KEEL_IOC_SYSINFO, si) < 0) {
		e = errno;
		close(fd);
		/* The ioctl numbers encode the struct sizes: ENOTTY means another layout. */
		cli_error("%s: %s%s", KEEL_DEV, strerror(e),
			  e == ENOTTY ? " (keel.ko and keel disagree on the ioctl ABI)" : "");
		return CLI_EXIT_ERR;
	}
	close(fd);
	if (si->magic != KEEL_SYSINFO_MAGIC) {
		cli_error("%s: bad sysinfo magic 0x%08x", KEEL_DEV, si->magic);
		return CLI_EXIT_ERR;
	}
	if (si->revision != KEEL_SYSINFO_REVISION || v->ioc_revision != KEEL_IOC_REVISION)
		cli_warn(
		    "keel.ko reports sysinfo revision %u, ioctl revision %u; keel expects %u, %u",
		    si->revision, v->ioc_revision, KEEL_SYSINFO_REVISION, KEEL_IOC_REVISION);
	return 0;
}

int cmd_system_info(const struct cli_args *a)
{
	struct keel_sysinfo si;
	struct keel_ioc_version v;
	json_t *j;
	int rc = sysinfo_read(&si, &v);

	if (rc)
		return rc;
	if (!a->json) {
		sysinfo_print(cli_out, &si, &v);
		return CLI_EXIT_OK;
	}
	j = sysinfo_json(&si, &v);
	if (!j) {
		cli_error("out of memory");
		return CLI_EXIT_ERR;
	}
	print_json(cli_out, j);
	json_decref(j);
	return CLI_EXIT_OK;
}
