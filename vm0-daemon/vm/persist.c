// SPDX-License-Identifier: GPL-2.0
/*
 * What a restarted keeld takes a guest over from, under KEELD_STATE_DIR
 * (tmpfs: it lives as long as VM0 and its guests):
 *   vm<id>.json  the config's origin (its text, parsed again), the run
 *                state and, while the guest runs, each device's saved
 *                state (vdev_registry_save). Rewritten whole (temporary
 *                file + rename, so a reader finds the old or the new one)
 *                when it changes: at create, boot, stop, and when a device
 *                says its registers changed, which a guest does while it
 *                configures its devices, not per request.
 *   vm<id>.live  VDEV_MAX pages mapped shared: what changes per request
 *                (each queue's progress, struct vq_live), kept with plain
 *                stores that outlive the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "vm/priv.h"

#define VM_STATE_REVISION 1
#define VM_LIVE_BYTES ((size_t)VDEV_MAX * VDEV_LIVE_PAGE)
#define VM_ORIGIN_MAX (1U << 20)

static void state_path(char *buf, size_t len, unsigned id, const char *ext)
{
	snprintf(buf, len, "%s/vm%u.%s", KEELD_STATE_DIR, id, ext);
}

json_t *vm_origin(const char *path, json_t *inline_cfg, const char *dir)
{
	json_t *o;

	if (!path) {
		char *text = json_dumps(inline_cfg, JSON_COMPACT);

		o = text ? json_pack("{s:s, s:s, s:s, s:s}", "text", text, "dir", dir ? dir : "",
				     "label", "config", "source", "") : NULL;
		free(text);
		return o;
	}
	/* The file as it is now: an edit after `keel vm config` must not
	 * change the guest a restarted keeld takes over. */
	FILE *f = fopen(path, "re");
	char *buf = malloc(VM_ORIGIN_MAX + 1), dirbuf[CFG_PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = 0;

	if (!f || !buf) {
		klog("%s: reading it for a later restart: %s", path, strerror(errno));
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, VM_ORIGIN_MAX, f);
	fclose(f);
	buf[n] = 0;
	/* config_load's rule: relative names resolve next to the file. */
	snprintf(dirbuf, sizeof(dirbuf), "%.*s", slash ? (int)(slash - path) : 0, path);
	if (slash && slash == path)
		snprintf(dirbuf, sizeof(dirbuf), "/");
	o = json_pack("{s:s%, s:s, s:s, s:s}", "text", buf, n, "dir", dirbuf, "label",
		      slash ? slash + 1 : path, "source", path);
	free(buf);
	return o;
}

int vm_live_map(struct vm *vm, bool keep)
{
	char path[64];
	void *p;
	int fd;

	vm_live_unmap(vm);
	mkdir(KEELD_STATE_DIR, 0755);
	state_path(path, sizeof(path), vm->id, "live");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | (keep ? 0 : O_TRUNC), 0600);
	if (fd < 0 || ftruncate(fd, (off_t)VM_LIVE_BYTES)) {
		int e = errno;

		klog("vm %u: %s: %s (a keeld restart will not find its queues)", vm->id, path,
		     strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	p = mmap(NULL, VM_LIVE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	vm->live = p;
	vm->vdevs.host.live = p;
	return 0;
}

void vm_live_unmap(struct vm *vm)
{
	if (vm->live)
		munmap(vm->live, VM_LIVE_BYTES);
	vm->live = NULL;
	vm->vdevs.host.live = NULL;
}

/* Devices mark themselves dirty on every batch that touched saved state,
 * often ending where they began (Linux's console save/restores the PL011's
 * CR around each message): a state the file already holds is not written
 * again. */
void vm_persist(struct vm *vm)
{
	char path[64], tmp[72], err[CFG_ERR_MAX];
	json_t *o, *devs = NULL;
	char *text;
	FILE *f;
	int r;

	if (!vm->origin)
		return;
	if (vm->vdevs.attached && vdev_registry_save(&vm->vdevs, &devs, err, sizeof(err)))
		klog("%s", err);
	vm->vdevs.dirty = false;
	o = json_pack("{s:i, s:i, s:s, s:I, s:b, s:O, s:o*}", "revision", VM_STATE_REVISION, "id",
		      (int)vm->id, "state", vm_state_name(vm->state), "boots", (json_int_t)vm->boots,
		      "autostart", vm->autostart, "origin", vm->origin, "devices", devs);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text && vm->persisted && !strcmp(text, vm->persisted)) {
		free(text);
		return;
	}
	state_path(path, sizeof(path), vm->id, "json");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	r = -1;
	if (text && (f = fopen(tmp, "w"))) {
		r = fputs(text, f) < 0;
		r |= fclose(f) != 0;
	}
	if (r || rename(tmp, path)) {
		klog_vm(vm->id, "vm %u: writing %s: %s", vm->id, path, strerror(errno));
		free(text);
		return;
	}
	free(vm->persisted);
	vm->persisted = text;
}

void vm_persist_if_dirty(struct vm *vm)
{
	if (vm->vdevs.dirty)
		vm_persist(vm);
}

void vm_persist_forget(struct vm *vm)
{
	char path[64];

	state_path(path, sizeof(path), vm->id, "json");
	unlink(path);
	free(vm->persisted);
	vm->persisted = NULL;
	state_path(path, sizeof(path), vm->id, "live");
	unlink(path);
}

json_t *vm_saved(unsigned id)
{
	char path[64];
	json_t *o;
	json_error_t je;

	state_path(path, sizeof(path), id, "json");
	o = json_load_file(path, 0, &je);
	if (!o)
		return NULL;
	if (json_integer_value(json_object_get(o, "revision")) != VM_STATE_REVISION ||
	    !json_is_object(json_object_get(o, "origin"))) {
		klog("%s: not a state file this keeld knows: ignored", path);
		json_decref(o);
		return NULL;
	}
	return o;
}
