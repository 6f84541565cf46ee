// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <keel/guest.h>

#include "loader.h"

#define PAGE_SIZE KEEL_GUEST_PAGE_SIZE
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((a) - 1))

uint8_t *guest_ptr(const struct guest_mem *gm, uint64_t ipa, uint64_t len)
{
	for (unsigned i = 0; i < gm->n; i++) {
		const struct guest_region *r = &gm->r[i];

		if (r->host && ipa >= r->ipa && ipa - r->ipa <= r->size &&
		    len <= r->size - (ipa - r->ipa))
			return r->host + (ipa - r->ipa);
	}
	return NULL;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

int image_parse(const uint8_t *hdr, size_t len, uint64_t *text_offset, uint64_t *image_size)
{
	if (len < IMAGE_HDR_SIZE || memcmp(hdr + 0x38, "ARM\x64", 4))
		return -ENOEXEC;
	*text_offset = le64(hdr + 8);
	*image_size = le64(hdr + 16);
	/* booting.rst: image_size 0 means an old kernel with text_offset 0x80000 */
	if (!*image_size)
		*text_offset = 0x80000;
	if (*text_offset >= SZ_2M || *image_size > (1ULL << 32))
		return -ENOEXEC;
	return 0;
}

static int region_of(const struct vm_config *cfg, uint64_t ipa)
{
	for (unsigned i = 0; i < cfg->nr_mem; i++)
		if (ipa >= cfg->mem[i].ipa && ipa - cfg->mem[i].ipa < cfg->mem[i].size)
			return (int)i;
	return -1;
}

/* [ipa, ipa+len) inside one RAM region */
static int fits(const struct vm_config *cfg, uint64_t ipa, uint64_t len)
{
	int i = region_of(cfg, ipa);

	return i >= 0 && len <= cfg->mem[i].size - (ipa - cfg->mem[i].ipa);
}

static int clash(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

int loader_plan(const struct vm_config *cfg, uint64_t kernel_len, uint64_t text_offset,
		uint64_t image_size, uint64_t initrd_len, uint64_t dtb_max,
		struct boot_layout *out, char *err, size_t errlen)
{
	const char *lbl = cfg->label;
	const char *kf = cfg->shyper ? "image.kernel_filename" : "kernel";
	const char *rf = cfg->shyper ? "image.ramdisk_filename" : "initramfs";
	uint64_t ksize = image_size > kernel_len ? image_size : kernel_len;
	uint64_t rbase, rend;
	int ri;

	memset(out, 0, sizeof(*out));
	if (!cfg->nr_mem)
		return -EINVAL;
	if (cfg->kernel_ipa) {
		if ((cfg->kernel_ipa - text_offset) & (SZ_2M - 1)) {
			snprintf(err, errlen,
				 "%s: image.kernel_load_ipa: 0x%llx is not a 2 MiB-aligned address + the Image's text_offset 0x%llx",
				 lbl, (unsigned long long)cfg->kernel_ipa,
				 (unsigned long long)text_offset);
			return -EINVAL;
		}
		out->kernel_ipa = cfg->kernel_ipa;
		ri = region_of(cfg, cfg->kernel_ipa);
	} else {
		ri = 0;
		out->kernel_ipa = ALIGN_UP(cfg->mem[0].ipa, SZ_2M) + text_offset;
	}
	if (ri < 0)
		return -EINVAL;
	rbase = cfg->mem[ri].ipa;
	rend = rbase + cfg->mem[ri].size;
	out->kernel_end = out->kernel_ipa + ksize;
	if (!fits(cfg, out->kernel_ipa, ksize)) {
		snprintf(err, errlen,
			 "%s: %s: the Image needs %llu MiB at 0x%llx; its RAM region ends at 0x%llx",
			 lbl, kf, (unsigned long long)((ksize + (1 << 20) - 1) >> 20),
			 (unsigned long long)out->kernel_ipa, (unsigned long long)rend);
		return -ENOSPC;
	}

	if (initrd_len) {
		if (cfg->initramfs_ipa) {
			out->initrd_ipa = cfg->initramfs_ipa;
		} else {
			/* After the kernel: 2 MiB aligned when that fits, else page aligned. */
			out->initrd_ipa = ALIGN_UP(out->kernel_end, SZ_2M);
			if (!fits(cfg, out->initrd_ipa, initrd_len))
				out->initrd_ipa = ALIGN_UP(out->kernel_end, PAGE_SIZE);
		}
		out->initrd_end = out->initrd_ipa + initrd_len;
		if (!fits(cfg, out->initrd_ipa, initrd_len) ||
		    clash(out->initrd_ipa, initrd_len, out->kernel_ipa, ksize)) {
			snprintf(err, errlen,
				 "%s: %s: %llu KiB does not fit at 0x%llx (kernel 0x%llx..0x%llx, RAM region ends at 0x%llx)",
				 lbl, rf, (unsigned long long)(initrd_len >> 10),
				 (unsigned long long)out->initrd_ipa,
				 (unsigned long long)out->kernel_ipa,
				 (unsigned long long)out->kernel_end, (unsigned long long)rend);
			return -ENOSPC;
		}
	}

	out->dtb_max = dtb_max;
	if (cfg->dtb_ipa) {
		out->dtb_ipa = cfg->dtb_ipa;
	} else {
		/* The last 2 MiB block of the kernel's region: booting.rst wants
		 * the DT within one 2 MiB block, and the top stays clear of the
		 * kernel and initramfs. */
		if (rend - rbase < SZ_2M || dtb_max > SZ_2M) {
			snprintf(err, errlen, "%s: memory: no room for the device tree", lbl);
			return -ENOSPC;
		}
		out->dtb_ipa = ALIGN_DOWN(rend - dtb_max, SZ_2M);
		if (out->dtb_ipa < rbase)
			out->dtb_ipa = rbase;
	}
	if (!fits(cfg, out->dtb_ipa, dtb_max) || clash(out->dtb_ipa, dtb_max, out->kernel_ipa, ksize) ||
	    clash(out->dtb_ipa, dtb_max, out->initrd_ipa, initrd_len)) {
		snprintf(err, errlen,
			 "%s: the device tree (%llu KiB) does not fit at 0x%llx: kernel 0x%llx..0x%llx, initramfs 0x%llx..0x%llx; give the guest more memory",
			 lbl, (unsigned long long)(dtb_max >> 10), (unsigned long long)out->dtb_ipa,
			 (unsigned long long)out->kernel_ipa, (unsigned long long)out->kernel_end,
			 (unsigned long long)out->initrd_ipa, (unsigned long long)out->initrd_end);
		return -ENOSPC;
	}
	return 0;
}

int loader_copy(const struct guest_mem *gm, const char *path, uint64_t ipa, uint64_t len,
		char *err, size_t errlen)
{
	uint8_t *dst = guest_ptr(gm, ipa, len);
	uint64_t done = 0;
	int fd, r = 0;

	if (!dst) {
		snprintf(err, errlen, "%s: 0x%llx+0x%llx is not in mapped guest RAM", path,
			 (unsigned long long)ipa, (unsigned long long)len);
		return -EFAULT;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	while (done < len) {
		size_t chunk = len - done > (1U << 24) ? (1U << 24) : (size_t)(len - done);
		ssize_t n = read(fd, dst + done, chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			snprintf(err, errlen, "%s: %s", path,
				 n < 0 ? strerror(-r) : "shorter than when it was checked");
			break;
		}
		done += (uint64_t)n;
	}
	close(fd);
	return r;
}
