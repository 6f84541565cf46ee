// SPDX-License-Identifier: GPL-2.0
/*
 * fbprobe: draws on a Keel guest's display through Linux's fbdev (/dev/fb0,
 * DRM's emulation over the virtio-gpu keeld serves), for tests/system and
 * tests/bench/display. Static, so the guest initramfs carries it alone.
 *
 *   fbprobe draw SEED    the pattern fbprobe_pixel(x, y, SEED) on the whole
 *                        screen, then "fbprobe: drew WxH seed SEED"; holds
 *                        the screen (the VT in graphics mode, so fbcon draws
 *                        nothing over it) until SIGTERM/SIGINT.
 *   fbprobe bench N      N full-screen frames as fast as they go; prints
 *                        "fbprobe: N frames WxH in S s: F frames/s".
 *
 * The pattern (8-bit r, g, b of pixel x, y) is what the tests recompute:
 *   r = (x + 37 * seed) & 255, g = (y + 91 * seed) & 255,
 *   b = (x ^ y ^ (seed * 13)) & 255.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fb.h>
#include <linux/kd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

struct fb {
	int fd;
	struct fb_var_screeninfo v;
	struct fb_fix_screeninfo f;
	uint8_t *frame;   /* one screen, line_length apart */
};

static uint32_t pixel(const struct fb *fb, unsigned x, unsigned y, unsigned seed)
{
	uint32_t r = (x + 37 * seed) & 255, g = (y + 91 * seed) & 255, b = (x ^ y ^ (seed * 13)) & 255;

	return r << fb->v.red.offset | g << fb->v.green.offset | b << fb->v.blue.offset;
}

static void render(struct fb *fb, unsigned seed)
{
	for (unsigned y = 0; y < fb->v.yres; y++) {
		uint32_t *row = (uint32_t *)(fb->frame + (size_t)y * fb->f.line_length);

		for (unsigned x = 0; x < fb->v.xres; x++)
			row[x] = pixel(fb, x, y, seed);
	}
}

/* The whole frame through write(): DRM's fbdev marks it damaged and its
 * worker flushes it to the device. */
static int show(struct fb *fb)
{
	size_t len = (size_t)fb->f.line_length * fb->v.yres, done = 0;

	if (lseek(fb->fd, 0, SEEK_SET) < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fb->fd, fb->frame + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int fb_open(struct fb *fb)
{
	fb->fd = open("/dev/fb0", O_RDWR);
	if (fb->fd < 0 || ioctl(fb->fd, FBIOGET_VSCREENINFO, &fb->v) ||
	    ioctl(fb->fd, FBIOGET_FSCREENINFO, &fb->f)) {
		fprintf(stderr, "fbprobe: /dev/fb0: %s\n", strerror(errno));
		return -1;
	}
	if (fb->v.bits_per_pixel != 32) {
		fprintf(stderr, "fbprobe: %u bits per pixel, not 32\n", fb->v.bits_per_pixel);
		return -1;
	}
	fb->frame = malloc((size_t)fb->f.line_length * fb->v.yres);
	return fb->frame ? 0 : -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct fb fb;
	int tty, r;

	if (argc != 3 || (strcmp(argv[1], "draw") && strcmp(argv[1], "bench"))) {
		fprintf(stderr, "usage: fbprobe draw SEED | fbprobe bench FRAMES\n");
		return 2;
	}
	if (fb_open(&fb))
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	/* fbcon stops drawing (text, its cursor) on a VT in graphics mode. */
	tty = open("/dev/tty0", O_RDWR);
	if (tty >= 0 && ioctl(tty, KDSETMODE, KD_GRAPHICS))
		fprintf(stderr, "fbprobe: KD_GRAPHICS: %s\n", strerror(errno));
	if (!strcmp(argv[1], "draw")) {
		unsigned seed = (unsigned)strtoul(argv[2], NULL, 0);

		render(&fb, seed);
		if ((r = show(&fb))) {
			fprintf(stderr, "fbprobe: write: %s\n", strerror(-r));
			return 1;
		}
		printf("fbprobe: drew %ux%u seed %u\n", fb.v.xres, fb.v.yres, seed);
		fflush(stdout);
		while (!stop)
			pause();
	} else {
		unsigned n = (unsigned)strtoul(argv[2], NULL, 0), i;
		size_t len = (size_t)fb.f.line_length * fb.v.yres;
		uint8_t *frames[2] = { malloc(len), malloc(len) }, *own = fb.frame;
		double t0, t;

		/* Two frames drawn beforehand, written in turn: the guest's
		 * drawing speed is not what is measured. */
		if (!frames[0] || !frames[1])
			return 1;
		for (i = 0; i < 2; i++) {
			fb.frame = frames[i];
			render(&fb, i + 1);
		}
		t0 = now();
		for (i = 0; i < n && !stop; i++) {
			fb.frame = frames[i & 1];
			if ((r = show(&fb))) {
				fprintf(stderr, "fbprobe: write: %s\n", strerror(-r));
				return 1;
			}
		}
		t = now() - t0;
		fb.frame = own;
		printf("fbprobe: %u frames %ux%u in %.3f s: %.1f frames/s\n", i, fb.v.xres,
		       fb.v.yres, t, i / t);
	}
	if (tty >= 0)
		ioctl(tty, KDSETMODE, KD_TEXT);
	return 0;
}
