// SPDX-License-Identifier: GPL-2.0
/*
 * keeld: VM0's daemon. It holds the guests' device models and lifecycle
 * policy; keel.ko gives it /dev/keel, the `keel` CLI talks to it over
 * KEEL_SOCK_PATH.
 *
 *   keeld [-f] [-d /dev/keel] [-s /run/keel/keeld.sock] [mediated-cfg.json]
 *
 * It runs in the foreground and logs to stderr; VM0's init script puts it
 * in the background.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include <keel/sock.h>

#include "dev.h"
#include "keeld.h"
#include "log.h"
#include "server.h"
#include "vm/vm.h"
#include "vswitch/vswitch.h"

static struct keeld keeld;

static void usage(void)
{
	fprintf(stderr, "usage: keeld [-f] [-d DEVICE] [-s SOCKET] [mediated-cfg.json]\n"
			"  -f  stay in the foreground (always so; accepted for the CLI)\n"
			"  -d  hypervisor device (default " KEEL_DEV_PATH ")\n"
			"  -s  socket (default " KEEL_SOCK_PATH ")\n");
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct keeld *kd = s->data;

	/* Guests keep running: a new keeld adopts them (vm_adopt_existing). */
	klog("%s: stopping (guests keep running)", strsignal(signum));
	server_stop(kd);
	uv_stop(kd->loop);
}

int main(int argc, char **argv)
{
	const char *devpath = KEEL_DEV_PATH, *sockpath = KEEL_SOCK_PATH, *medpath = NULL;
	struct keeld *kd = &keeld;
	uv_signal_t sigterm, sigint;
	char err[1024];
	int opt, r;

	/* Disk I/O runs on libuv's threadpool (4 threads by default): enough
	 * workers for several disks with requests in flight. Read once, at the
	 * pool's first use; a value from the environment wins. */
	setenv("UV_THREADPOOL_SIZE", "8", 0);

	/* 1. Arguments. */
	while ((opt = getopt(argc, argv, "fd:s:h")) != -1) {
		switch (opt) {
		case 'f': break;
		case 'd': devpath = optarg; break;
		case 's': sockpath = optarg; break;
		default: usage(); return opt == 'h' ? 0 : 2;
		}
	}
	if (optind < argc)
		medpath = argv[optind++];
	if (optind < argc) {
		usage();
		return 2;
	}

	/* 2. A client that hangs up while we answer must cost an EPIPE, not
	 * the daemon. */
	signal(SIGPIPE, SIG_IGN);
	kd->loop = uv_default_loop();

	/* 3. Mediated disks: a typo in the file is reported now, not when a
	 * guest first needs its disk. */
	if (medpath) {
		r = mediated_load(medpath, &kd->mediated, err, sizeof(err));
		if (r) {
			klog("%s", err);
			return 1;
		}
		klog("%s: %u mediated disk(s)", medpath, kd->mediated.n);
	}

	/* 4. The hypervisor, through keel.ko: refuse to run against an ABI
	 * this keeld was not built for rather than misread its structs. */
	r = dev_open(devpath, &kd->dev, &kd->ver, err, sizeof(err));
	if (r) {
		klog("%s", err);
		return 1;
	}
	r = dev_sysinfo(kd->dev, &kd->si);
	if (r) {
		klog("KEEL_IOC_SYSINFO: %s", strerror(-r));
		return 1;
	}
	klog("hypervisor %u.%u (ABI %u, ioctl %u): %u pCPUs, GICv%u (GICD 0x%llx, GICR 0x%llx, GICC 0x%llx), %u IRQs, %llu MiB pool free",
	     kd->si.version >> 16, kd->si.version & 0xffff, kd->si.abi_revision, kd->ver.ioc_revision,
	     kd->si.nr_pcpus, kd->si.gic_version, (unsigned long long)kd->si.gicd_base,
	     (unsigned long long)kd->si.gicr_base, (unsigned long long)kd->si.gicc_base,
	     kd->si.nr_irqs, (unsigned long long)(kd->si.pool_free_bytes >> 20));

	/* 5. The default switch and its uplink TAP, held for keeld's life:
	 * VM0's DHCP server and NAT on keel0 (/etc/keel/network) serve guests
	 * from their first frame, and `keel net` shows it before any guest.
	 * Without it (no tun module) keeld still serves guests without NICs. */
	kd->net = vswitch_get(kd->loop, VSWITCH_DEFAULT, err, sizeof(err));
	if (!kd->net)
		klog("%s", err);

	/* 6. Guests an earlier keeld left running: serve their devices again
	 * before any event about them is read. */
	vm_adopt_existing(kd);

	/* 7. Events (ioreqs, stops, console input) come from /dev/keel. */
	r = dev_watch(kd->dev, kd->loop, vm_on_event, vm_after_events, kd);
	if (r) {
		klog("/dev/keel: uv_poll: %s", uv_strerror(r));
		return 1;
	}

	/* 7b. Guests that start with keeld (after those taken over: a name
	 * one of them has is not started twice). */
	vm_autostart(kd);

	/* 8. Only now accept clients: every command below needs the above. */
	r = server_start(kd, sockpath, err, sizeof(err));
	if (r) {
		klog("%s", err);
		return 1;
	}

	uv_signal_init(kd->loop, &sigterm);
	uv_signal_init(kd->loop, &sigint);
	sigterm.data = sigint.data = kd;
	uv_signal_start(&sigterm, on_signal, SIGTERM);
	uv_signal_start(&sigint, on_signal, SIGINT);
	klog("listening on %s", sockpath);

	/* 9. Everything else happens in callbacks on this one loop. */
	uv_run(kd->loop, UV_RUN_DEFAULT);
	return 0;
}
