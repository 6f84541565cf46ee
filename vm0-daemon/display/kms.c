// SPDX-License-Identifier: GPL-2.0
/* VM0's screen through libdrm's KMS calls: kms.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#include "display/kms.h"

#define KMS_CARD "/dev/dri/card0"

struct kms {
	int fd;
	uint32_t crtc, conn, fb_id, handle;
	drmModeModeInfo mode;
	drmModeCrtc *saved;        /* what the CRTC showed before us */
	uint64_t size;
	struct disp_fb fb;
};

/* The first connected connector with a mode, and a CRTC its encoder can
 * drive. */
static int kms_pick(struct kms *k, char *err, size_t errlen)
{
	drmModeRes *res = drmModeGetResources(k->fd);
	int r = -ENODEV;

	if (!res) {
		snprintf(err, errlen, "%s: no KMS resources", KMS_CARD);
		return -ENODEV;
	}
	for (int i = 0; i < res->count_connectors && r; i++) {
		drmModeConnector *c = drmModeGetConnector(k->fd, res->connectors[i]);
		drmModeEncoder *e;

		if (!c)
			continue;
		if (c->connection == DRM_MODE_CONNECTED && c->count_modes > 0 && c->count_encoders) {
			e = drmModeGetEncoder(k->fd, c->encoder_id ? c->encoder_id : c->encoders[0]);
			for (int j = 0; e && j < res->count_crtcs; j++)
				if (e->possible_crtcs & (1U << j)) {
					k->crtc = res->crtcs[j];
					k->conn = c->connector_id;
					k->mode = c->modes[0];  /* the preferred one comes first */
					for (int m = 0; m < c->count_modes; m++)
						if (c->modes[m].type & DRM_MODE_TYPE_PREFERRED) {
							k->mode = c->modes[m];
							break;
						}
					r = 0;
					break;
				}
			drmModeFreeEncoder(e);
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	if (r)
		snprintf(err, errlen, "%s: no connected output", KMS_CARD);
	return r;
}

int kms_open(struct kms **out, char *err, size_t errlen)
{
	struct kms *k = calloc(1, sizeof(*k));
	struct drm_mode_create_dumb cd = { 0 };
	struct drm_mode_map_dumb md = { 0 };
	void *map;
	int r;

	*out = NULL;
	if (!k)
		return -ENOMEM;
	k->fd = open(KMS_CARD, O_RDWR | O_CLOEXEC);
	if (k->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "VM0 has no display (%s: %s)", KMS_CARD, strerror(-r));
		free(k);
		return r == -ENOENT ? -ENODEV : r;
	}
	if ((r = kms_pick(k, err, errlen)))
		goto fail;
	cd.width = k->mode.hdisplay;
	cd.height = k->mode.vdisplay;
	cd.bpp = 32;
	if (drmIoctl(k->fd, DRM_IOCTL_MODE_CREATE_DUMB, &cd)) {
		r = -errno;
		snprintf(err, errlen, "%s: dumb buffer: %s", KMS_CARD, strerror(-r));
		goto fail;
	}
	k->handle = cd.handle;
	k->size = cd.size;
	if (drmModeAddFB(k->fd, cd.width, cd.height, 24, 32, cd.pitch, cd.handle, &k->fb_id)) {
		r = -errno;
		snprintf(err, errlen, "%s: framebuffer: %s", KMS_CARD, strerror(-r));
		goto fail;
	}
	md.handle = cd.handle;
	if (drmIoctl(k->fd, DRM_IOCTL_MODE_MAP_DUMB, &md) ||
	    (map = mmap(NULL, cd.size, PROT_READ | PROT_WRITE, MAP_SHARED, k->fd, (off_t)md.offset)) ==
		    MAP_FAILED) {
		r = -errno;
		snprintf(err, errlen, "%s: map: %s", KMS_CARD, strerror(-r));
		goto fail;
	}
	k->fb = (struct disp_fb){ cd.width, cd.height, cd.pitch, map };
	disp_clear(&k->fb);
	k->saved = drmModeGetCrtc(k->fd, k->crtc);
	if (drmModeSetCrtc(k->fd, k->crtc, k->fb_id, 0, 0, &k->conn, 1, &k->mode)) {
		r = -errno;
		snprintf(err, errlen, "%s: mode set: %s", KMS_CARD, strerror(-r));
		goto fail;
	}
	*out = k;
	return 0;
fail:
	kms_close(k);
	return r;
}

struct disp_fb *kms_fb(struct kms *k)
{
	return &k->fb;
}

int kms_dirty(struct kms *k, const struct vgpu_rect *r)
{
	drmModeClip clip = { (uint16_t)r->x, (uint16_t)r->y, (uint16_t)(r->x + r->w),
			     (uint16_t)(r->y + r->h) };

	return drmModeDirtyFB(k->fd, k->fb_id, &clip, 1) ? -errno : 0;
}

void kms_close(struct kms *k)
{
	if (!k)
		return;
	/* Give the CRTC back what it showed; closing the last DRM master
	 * also brings VM0's fbcon back. */
	if (k->saved) {
		drmModeSetCrtc(k->fd, k->saved->crtc_id, k->saved->buffer_id, k->saved->x,
			       k->saved->y, &k->conn, 1, &k->saved->mode);
		drmModeFreeCrtc(k->saved);
	}
	if (k->fb.pixels)
		munmap(k->fb.pixels, k->size);
	if (k->fb_id)
		drmModeRmFB(k->fd, k->fb_id);
	if (k->handle) {
		struct drm_mode_destroy_dumb dd = { .handle = k->handle };

		drmIoctl(k->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &dd);
	}
	close(k->fd);
	free(k);
}
