// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <keel/guest.h>

#include "guest/loader.h"

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

static const char *kernel_field(const struct vm_config *cfg)
{
	return cfg->shyper ? "image.kernel_filename" : "kernel";
}

/* The name of a config field as its schema spells it. */
#define FIELD(cfg, name) ((cfg)->shyper ? "image." name : name)

static bool clash_segs(const struct boot_layout *out, uint64_t ipa, uint64_t len)
{
	for (unsigned i = 0; i < out->nr_segs; i++)
		if (clash(ipa, len, out->seg[i].ipa, out->seg[i].memsz))
			return true;
	return false;
}

/* Initramfs and DT around the image (out->seg), in RAM region ri. */
static int place_rest(const struct vm_config *cfg, int ri, uint64_t initrd_len, uint64_t dtb_max,
		      struct boot_layout *out, char *err, size_t errlen)
{
	const char *lbl = cfg->label;
	const char *rf = cfg->shyper ? "image.ramdisk_filename" : "initramfs";
	uint64_t rbase = cfg->mem[ri].ipa, rend = rbase + cfg->mem[ri].size;

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
		    clash_segs(out, out->initrd_ipa, initrd_len)) {
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
	if (!fits(cfg, out->dtb_ipa, dtb_max) || clash_segs(out, out->dtb_ipa, dtb_max) ||
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

int loader_plan(const struct vm_config *cfg, uint64_t kernel_len, uint64_t text_offset,
		uint64_t image_size, uint64_t initrd_len, uint64_t dtb_max,
		struct boot_layout *out, char *err, size_t errlen)
{
	const char *lbl = cfg->label;
	uint64_t ksize = image_size > kernel_len ? image_size : kernel_len;
	uint64_t rend;
	int ri;

	memset(out, 0, sizeof(*out));
	if (!cfg->nr_mem)
		return -EINVAL;
	if (cfg->kernel_ipa) {
		if ((cfg->kernel_ipa - text_offset) & (SZ_2M - 1)) {
			snprintf(err, errlen,
				 "%s: %s: 0x%llx is not a 2 MiB-aligned address + the Image's text_offset 0x%llx",
				 lbl, FIELD(cfg, "kernel_load_ipa"),
				 (unsigned long long)cfg->kernel_ipa, (unsigned long long)text_offset);
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
	rend = cfg->mem[ri].ipa + cfg->mem[ri].size;
	out->kernel_end = out->kernel_ipa + ksize;
	out->entry = out->kernel_ipa;
	out->nr_segs = 1;
	out->seg[0] = (struct load_seg){ .ipa = out->kernel_ipa, .filesz = kernel_len, .memsz = ksize };
	if (!fits(cfg, out->kernel_ipa, ksize)) {
		snprintf(err, errlen,
			 "%s: %s: the Image needs %llu MiB at 0x%llx; its RAM region ends at 0x%llx",
			 lbl, kernel_field(cfg), (unsigned long long)((ksize + (1 << 20) - 1) >> 20),
			 (unsigned long long)out->kernel_ipa, (unsigned long long)rend);
		return -ENOSPC;
	}
	return place_rest(cfg, ri, initrd_len, dtb_max, out, err, errlen);
}

int loader_plan_segs(const struct vm_config *cfg, uint64_t initrd_len, uint64_t dtb_max,
		     struct boot_layout *out, char *err, size_t errlen)
{
	const char *lbl = cfg->label, *kf = kernel_field(cfg);
	bool entry_ok = false;
	int ri;

	if (!cfg->nr_mem || !out->nr_segs || out->nr_segs > LOADER_MAX_SEGS)
		return -EINVAL;
	if (cfg->entry)
		out->entry = cfg->entry;
	out->kernel_ipa = UINT64_MAX;
	out->kernel_end = 0;
	for (unsigned i = 0; i < out->nr_segs; i++) {
		const struct load_seg *s = &out->seg[i];

		if (!fits(cfg, s->ipa, s->memsz)) {
			snprintf(err, errlen,
				 "%s: %s: segment %u at 0x%llx+0x%llx is not inside one RAM region (%s)",
				 lbl, kf, i, (unsigned long long)s->ipa, (unsigned long long)s->memsz,
				 cfg->shyper ? "memory.region" : "memory");
			return -ENOSPC;
		}
		for (unsigned j = 0; j < i; j++)
			if (clash(s->ipa, s->memsz, out->seg[j].ipa, out->seg[j].memsz)) {
				snprintf(err, errlen,
					 "%s: %s: segment %u at 0x%llx+0x%llx overlaps segment %u at 0x%llx+0x%llx",
					 lbl, kf, i, (unsigned long long)s->ipa,
					 (unsigned long long)s->memsz, j,
					 (unsigned long long)out->seg[j].ipa,
					 (unsigned long long)out->seg[j].memsz);
				return -EINVAL;
			}
		if (s->ipa < out->kernel_ipa)
			out->kernel_ipa = s->ipa;
		if (s->ipa + s->memsz > out->kernel_end)
			out->kernel_end = s->ipa + s->memsz;
		/* The first instruction must be one the loader put there. */
		entry_ok |= out->entry >= s->ipa && out->entry - s->ipa < s->filesz;
	}
	if (!entry_ok || (out->entry & 3)) {
		snprintf(err, errlen, "%s: %s: 0x%llx is %s", lbl,
			 FIELD(cfg, "kernel_entry_point"), (unsigned long long)out->entry,
			 !entry_ok ? "not inside the loaded image (truncated image, or a wrong entry point?)"
				   : "not 4-byte aligned (an instruction's address)");
		return -EINVAL;
	}
	ri = region_of(cfg, out->entry);
	if (ri < 0)
		return -EINVAL;
	return place_rest(cfg, ri, initrd_len, dtb_max, out, err, errlen);
}

int loader_plan_raw(const struct vm_config *cfg, uint64_t kernel_len, uint64_t initrd_len,
		    uint64_t dtb_max, struct boot_layout *out, char *err, size_t errlen)
{
	uint64_t ipa;

	memset(out, 0, sizeof(*out));
	if (!cfg->nr_mem)
		return -EINVAL;
	if (!kernel_len) {
		snprintf(err, errlen, "%s: %s: %s is empty", cfg->label, kernel_field(cfg), cfg->kernel);
		return -ENOEXEC;
	}
	ipa = cfg->kernel_ipa ? cfg->kernel_ipa : cfg->mem[0].ipa;
	if (!fits(cfg, ipa, kernel_len)) {
		int ri = region_of(cfg, ipa);

		snprintf(err, errlen,
			 "%s: %s: 0x%llx + the image's %llu bytes ends past its RAM region (0x%llx)",
			 cfg->label, FIELD(cfg, "kernel_load_ipa"), (unsigned long long)ipa,
			 (unsigned long long)kernel_len,
			 ri < 0 ? 0ULL : (unsigned long long)(cfg->mem[ri].ipa + cfg->mem[ri].size));
		return -ENOSPC;
	}
	out->nr_segs = 1;
	out->seg[0] = (struct load_seg){ .ipa = ipa, .filesz = kernel_len, .memsz = kernel_len };
	out->entry = ipa;
	return loader_plan_segs(cfg, initrd_len, dtb_max, out, err, errlen);
}

void loader_relocate(struct vm_config *c, const struct guest_mem *gm)
{
	uint64_t *addrs[] = { &c->kernel_ipa, &c->entry, &c->initramfs_ipa, &c->dtb_ipa };
	struct keel_vm_mem old[KEEL_VM_MAX_MEM];

	memcpy(old, c->mem, sizeof(old));
	for (unsigned i = 0; i < c->nr_mem && i < gm->n; i++)
		c->mem[i].ipa = gm->r[i].ipa;
	for (unsigned a = 0; a < sizeof(addrs) / sizeof(addrs[0]); a++)
		for (unsigned i = 0; i < c->nr_mem && i < gm->n && *addrs[a]; i++)
			if (*addrs[a] >= old[i].ipa && *addrs[a] - old[i].ipa < old[i].size) {
				*addrs[a] = *addrs[a] - old[i].ipa + gm->r[i].ipa;
				break;
			}
}

/* ---- reading the kernel file ---- */

int loader_read_at(const char *path, uint8_t *buf, size_t len, uint64_t off, char *err,
		   size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	n = pread(fd, buf, len, (off_t)off);
	close(fd);
	if (n < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if ((size_t)n < len)
		memset(buf + n, 0, len - (size_t)n);
	return 0;
}

static int prepare_linux(const struct vm_config *c, const uint8_t *hdr, uint64_t klen,
			 uint64_t initrd_len, uint64_t dtb_max, struct boot_layout *out, char *err,
			 size_t errlen)
{
	uint64_t text_offset, image_size;

	if (image_parse(hdr, IMAGE_HDR_SIZE, &text_offset, &image_size)) {
		snprintf(err, errlen,
			 "%s: %s: %s is not an arm64 Image (no \"ARM\\x64\" magic at 0x38, or a bad header)%s",
			 c->label, kernel_field(c), c->kernel,
			 elf_magic(hdr, IMAGE_HDR_SIZE) ? "; for an ELF bare-metal program say so with \"type\"" : "");
		return -ENOEXEC;
	}
	return loader_plan(c, klen, text_offset, image_size, initrd_len, dtb_max, out, err, errlen);
}

static int prepare_bare(const struct vm_config *c, const uint8_t *hdr, uint64_t klen,
			uint64_t initrd_len, uint64_t dtb_max, struct boot_layout *out, char *err,
			size_t errlen)
{
	uint8_t ph[ELF_PH_MAX * 56];
	char what[CFG_PATH_MAX + 96];
	uint64_t phoff;
	unsigned phnum;
	int r;

	if (!elf_magic(hdr, klen < IMAGE_HDR_SIZE ? (size_t)klen : IMAGE_HDR_SIZE))
		return loader_plan_raw(c, klen, initrd_len, dtb_max, out, err, errlen);
	memset(out, 0, sizeof(*out));
	snprintf(what, sizeof(what), "%s: %s: %s", c->label, kernel_field(c), c->kernel);
	if ((r = elf_header(hdr, IMAGE_HDR_SIZE, klen, &phoff, &phnum, what, err, errlen)) ||
	    (r = loader_read_at(c->kernel, ph, (size_t)phnum * 56, phoff, err, errlen)) ||
	    (r = elf_segments(hdr, ph, phnum, klen, out, what, err, errlen)))
		return r;
	return loader_plan_segs(c, initrd_len, dtb_max, out, err, errlen);
}

/* By the config's image type (config/image.c). */
static int (*const preparers[])(const struct vm_config *, const uint8_t *, uint64_t, uint64_t,
				uint64_t, struct boot_layout *, char *, size_t) = {
	[CFG_IMAGE_LINUX] = prepare_linux,
	[CFG_IMAGE_BARE] = prepare_bare,
};

int loader_prepare(const struct vm_config *c, uint64_t initrd_len, uint64_t dtb_max,
		   struct boot_layout *out, char *err, size_t errlen)
{
	uint8_t hdr[IMAGE_HDR_SIZE];
	struct stat st;
	int r;

	if ((unsigned)c->image_type >= sizeof(preparers) / sizeof(preparers[0]))
		return -EINVAL;
	if (stat(c->kernel, &st)) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", c->kernel, strerror(-r));
		return r;
	}
	if ((r = loader_read_at(c->kernel, hdr, sizeof(hdr), 0, err, errlen)))
		return r;
	return preparers[c->image_type](c, hdr, (uint64_t)st.st_size, initrd_len, dtb_max, out, err,
					errlen);
}

int loader_copy(const struct guest_mem *gm, const char *path, uint64_t offset, uint64_t ipa,
		uint64_t len, char *err, size_t errlen)
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
		ssize_t n = pread(fd, dst + done, chunk, (off_t)(offset + done));

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
