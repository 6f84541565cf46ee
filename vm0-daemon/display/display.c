// SPDX-License-Identifier: GPL-2.0
/* VM0's screen shared with the guests: display.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "display/display.h"
#include "display/kms.h"
#include "log.h"

static struct {
	unsigned shown;            /* VM id, 0: none */
	struct kms *kms;           /* while a guest is shown */
	uint64_t frames, bytes, last_ns;
	struct vgpu_rect place;    /* where the shown scanout goes */
	uint32_t gw, gh;           /* its size when placed */
} disp;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Copy r of g's scanout to the screen and tell the driver. A new size
 * re-centres it on a black screen first. */
static void display_draw(struct vgpu *g, const struct vgpu_rect *r, uint64_t t0)
{
	struct disp_fb *fb = kms_fb(disp.kms);
	struct vgpu_rect all, done;
	struct vgpu_image img;
	uint64_t n;
	int rc;

	if (!g || vgpu_scanout(g, &img)) {
		disp_clear(fb);
		disp.gw = disp.gh = 0;
		all = (struct vgpu_rect){ 0, 0, fb->w, fb->h };
		kms_dirty(disp.kms, &all);
		return;
	}
	if (img.w != disp.gw || img.h != disp.gh) {
		disp_clear(fb);
		disp_place(img.w, img.h, fb->w, fb->h, &disp.place);
		disp.gw = img.w;
		disp.gh = img.h;
		all = (struct vgpu_rect){ 0, 0, img.w, img.h };
		r = &all;
		n = disp_blit(&img, r, &disp.place, fb, &done);
		done = (struct vgpu_rect){ 0, 0, fb->w, fb->h };
	} else {
		n = disp_blit(&img, r, &disp.place, fb, &done);
	}
	if (!n)
		return;
	rc = kms_dirty(disp.kms, &done);
	if (rc)
		klog("display: DIRTYFB: %s", strerror(-rc));
	disp.frames++;
	disp.bytes += n;
	disp.last_ns = now_ns() - t0;
}

int display_show(unsigned vm_id, struct vgpu *g, char *err, size_t errlen)
{
	int r;

	if (!vm_id) {
		kms_close(disp.kms);
		disp.kms = NULL;
		disp.shown = 0;
		return 0;
	}
	if (!disp.kms && (r = kms_open(&disp.kms, err, errlen)))
		return r;
	disp.shown = vm_id;
	disp.gw = disp.gh = 0;
	display_draw(g, NULL, now_ns());
	return 0;
}

void display_guest_update(unsigned vm_id, struct vgpu *g, const struct vgpu_rect *r)
{
	if (vm_id == disp.shown && disp.kms)
		display_draw(g, r, now_ns());
}

void display_guest_gone(unsigned vm_id)
{
	if (vm_id == disp.shown && disp.kms)
		display_draw(NULL, NULL, 0);
}

void display_vm_removed(unsigned vm_id)
{
	char err[128];

	if (vm_id == disp.shown)
		display_show(0, NULL, err, sizeof(err));
}

json_t *display_json(void)
{
	struct disp_fb *fb = disp.kms ? kms_fb(disp.kms) : NULL;

	return json_pack("{s:i, s:i, s:i, s:I, s:I, s:I}", "shown", (int)disp.shown, "width",
			 fb ? (int)fb->w : 0, "height", fb ? (int)fb->h : 0, "frames",
			 (json_int_t)disp.frames, "bytes_copied", (json_int_t)disp.bytes,
			 "last_flush_to_scanout_ns", (json_int_t)disp.last_ns);
}

json_t *display_json_of(unsigned vm_id)
{
	return vm_id && vm_id == disp.shown ? display_json() : NULL;
}
