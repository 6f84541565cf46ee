/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's state: one instance, owned by main(), reached by every part. */
#ifndef KEELD_KEELD_H
#define KEELD_KEELD_H

#include <uv.h>

#include <keel/ioctl.h>

#include "config/mediated.h"

#define KEELD_VERSION "0.1.0"
/* What a restarted keeld takes guests over from (vm/persist.c): tmpfs,
 * so it lasts as long as VM0 and the guests. */
#define KEELD_STATE_DIR "/run/keel"
/* Guests keeld creates and boots when it starts (vm/autostart.c). */
#define KEELD_CONFIG_DIR "/etc/keel"
#define KEELD_AUTOSTART_DIR "/etc/keel/auto"

struct dev;
struct vm;
struct server;
struct vswitch;

struct keeld {
	uv_loop_t *loop;
	struct dev *dev;
	struct keel_ioc_version ver;
	struct keel_sysinfo si;
	struct vm *vms[KEEL_MAX_VMS];   /* index = VM id; 0 (VM0) unused */
	struct mediated_cfg mediated;
	struct server *server;
	struct vswitch *net;            /* the default switch, held while keeld runs */
};

#endif
