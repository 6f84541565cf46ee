// SPDX-License-Identifier: GPL-2.0
/*
 * Socket commands of guests' displays: vm.screenshot {id, path} writes
 * the guest's scanout as a PNG file at path (absolute; the socket is
 * root's, as keeld is, so keeld writing it grants the client nothing);
 * vm.display {id} shows that guest on VM0's screen (id 0: none).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "devices/vgpu.h"
#include "display/display.h"
#include "display/png.h"
#include "vm/vm.h"

static int write_file(const char *path, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	/* O_NOFOLLOW: a link planted at path is not followed as root. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	int r = 0;

	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
			break;
		}
		buf += n;
		len -= (size_t)n;
	}
	if (close(fd) && !r) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	}
	return r;
}

int cmd_vm_screenshot(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		      size_t errlen)
{
	const char *path = json_string_value(json_object_get(args, "path"));
	struct vgpu_image img;
	struct vgpu *g;
	struct vm *vm;
	uint8_t *png;
	size_t len;
	int r = cmd_arg_id(kd, "vm.screenshot", args, &vm, err, errlen);

	if (r)
		return r;
	if (!path || path[0] != '/') {
		snprintf(err, errlen, "vm.screenshot: args.path: is not an absolute file name");
		return -EINVAL;
	}
	if (!vgpu_configured(&vm->vdevs)) {
		snprintf(err, errlen, "vm %u has no display (its config has no \"display\")", vm->id);
		return -ENODEV;
	}
	g = vgpu_of(&vm->vdevs);
	if (!g || vgpu_scanout(g, &img)) {
		snprintf(err, errlen, "vm %u shows nothing on its display%s", vm->id,
			 g ? "" : " (it is not running)");
		return -ENODATA;
	}
	if ((r = png_encode(&img, &png, &len))) {
		snprintf(err, errlen, "vm %u: PNG: %s", vm->id, strerror(-r));
		return r;
	}
	r = write_file(path, png, len, err, errlen);
	free(png);
	if (!r)
		*result = json_pack("{s:i, s:s, s:i, s:i, s:I}", "id", (int)vm->id, "path", path,
				    "width", (int)img.w, "height", (int)img.h, "bytes",
				    (json_int_t)len);
	return r;
}

int cmd_vm_display(struct keeld *kd, json_t *args, struct req *req, json_t **result, char *err,
		   size_t errlen)
{
	json_t *v = json_object_get(args, "id");
	struct vm *vm = NULL;
	int r;

	/* 0: VM0's own console again. */
	if (!(json_is_integer(v) && json_integer_value(v) == 0)) {
		if ((r = cmd_arg_id(kd, "vm.display", args, &vm, err, errlen)))
			return r;
		if (!vgpu_configured(&vm->vdevs)) {
			snprintf(err, errlen, "vm %u has no display (its config has no \"display\")",
				 vm->id);
			return -ENODEV;
		}
	}
	r = display_show(vm ? vm->id : 0, vm ? vgpu_of(&vm->vdevs) : NULL, err, errlen);
	if (!r)
		*result = display_json();
	return r;
}
