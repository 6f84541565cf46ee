// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/falloc.h>
#include <linux/fs.h>

#include "backend/disk.h"

/* open(2) failures a user can act on, with what to tell them. */
static const struct {
	int err;
	int ret; /* what disk_open returns for it */
	const char *what;
} disk_open_errors[] = {
	{ENOENT, -ENOENT, "no such file or block device"},
	{ENOTDIR, -ENOTDIR, "a directory on the path does not exist"},
	{EACCES, -EACCES, "permission denied"},
	{EPERM, -EPERM, "permission denied"},
	{EROFS, -EROFS, "on a read-only file system (serve it read-only)"},
	{ETXTBSY, -ETXTBSY, "is a running executable"},
	/* The same answer as for any other thing that is not a disk. */
	{EISDIR, -EINVAL, "is not a regular file or a block device"},
	/* Only a block device opened with O_EXCL gives EBUSY from open(). */
	{EBUSY, -EBUSY, "is in use (mounted in VM0, or served to another guest)"},
};

static int disk_fail(struct disk *d, int r, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int disk_fail(struct disk *d, int r, char *err, size_t errlen, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s: %s", d->path, what);
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	return r;
}

static int disk_size(struct disk *d, const struct stat *st)
{
	uint64_t bytes;
	int lbs;

	if (!d->block) {
		d->size = (uint64_t)st->st_size;
		d->block_size = DISK_SECTOR;
		return 0;
	}
	if (ioctl(d->fd, BLKGETSIZE64, &bytes) || ioctl(d->fd, BLKSSZGET, &lbs))
		return -errno;
	d->size = bytes;
	/* The kernel's logical block sizes are powers of two, 512..64K; treat
	 * anything else as 512 rather than advertise nonsense to the guest. */
	d->block_size =
	    (lbs >= 512 && lbs <= 65536 && !(lbs & (lbs - 1))) ? (uint32_t)lbs : DISK_SECTOR;
	return 0;
}

/* A number from sysfs, 0 if absent. */
static uint64_t sysfs_u64(const char *path)
{
	unsigned long long v = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* A block device's queue limit; a partition has no queue/ of its own and
 * uses its disk's (the parent directory). */
static uint64_t blk_queue_limit(const struct stat *st, const char *name)
{
	char p[128];
	uint64_t v;

	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/queue/%s", major(st->st_rdev),
		 minor(st->st_rdev), name);
	v = sysfs_u64(p);
	if (v)
		return v;
	snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/../queue/%s", major(st->st_rdev),
		 minor(st->st_rdev), name);
	return sysfs_u64(p);
}

static void disk_probe(struct disk *d, const struct stat *st)
{
	d->discard_align = d->block_size;
	if (d->readonly)
		return;
	if (d->block) {
		uint64_t gran = blk_queue_limit(st, "discard_granularity");

		d->can_discard = blk_queue_limit(st, "discard_max_bytes") > 0;
		if (gran > d->discard_align && gran <= (1U << 30) && !(gran & (gran - 1)))
			d->discard_align = (uint32_t)gran;
		return;
	}
	/* Punching a hole past the end of the file changes nothing but says
	 * whether the file system can punch holes at all. */
	d->can_discard = !fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				    (off_t)d->size, DISK_SECTOR);
	d->zero_range = true;
}

int disk_open(struct disk *d, const char *path, bool readonly, char *err, size_t errlen)
{
	/* O_EXCL without O_CREAT means "exclusive" for block devices only and
	 * is ignored for other files, so it can be passed before we know
	 * which one path is. O_NONBLOCK so a FIFO cannot hang us here. */
	int flags = (readonly ? O_RDONLY : O_RDWR | O_EXCL) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	struct stat st;
	size_t len;
	int r, fl;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	d->readonly = readonly;
	len = strlen(path);
	if (len >= sizeof(d->path)) {
		snprintf(err, errlen, "%.64s...: path longer than %d bytes", path,
			 DISK_PATH_MAX - 1);
		return -ENAMETOOLONG;
	}
	memcpy(d->path, path, len + 1);

	d->fd = open(path, flags);
	if (d->fd < 0) {
		r = -errno;
		for (size_t i = 0; i < sizeof(disk_open_errors) / sizeof(disk_open_errors[0]); i++)
			if (disk_open_errors[i].err == -r)
				return disk_fail(d, disk_open_errors[i].ret, err, errlen, "%s",
						 disk_open_errors[i].what);
		return disk_fail(d, r, err, errlen, "%s", strerror(-r));
	}
	if (fstat(d->fd, &st))
		return disk_fail(d, -errno, err, errlen, "fstat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return disk_fail(d, -EINVAL, err, errlen,
				 "is not a regular file or a block device");
	d->block = S_ISBLK(st.st_mode);
	fl = fcntl(d->fd, F_GETFL);
	if (fl < 0 || fcntl(d->fd, F_SETFL, fl & ~O_NONBLOCK))
		return disk_fail(d, -errno, err, errlen, "fcntl: %s", strerror(errno));

	if (flock(d->fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		r = -errno;
		if (r == -EWOULDBLOCK)
			return disk_fail(
			    d, -EBUSY, err, errlen,
			    "is in use by another guest (or locked by another process)");
		return disk_fail(d, r, err, errlen, "flock: %s", strerror(-r));
	}

	r = disk_size(d, &st);
	if (r)
		return disk_fail(d, r, err, errlen, "cannot read the device size: %s",
				 strerror(-r));
	if (!d->size)
		return disk_fail(d, -EINVAL, err, errlen, "is empty (size 0)");
	if (d->size % DISK_SECTOR)
		return disk_fail(d, -EINVAL, err, errlen,
				 "size %llu is not a multiple of %llu bytes",
				 (unsigned long long)d->size, DISK_SECTOR);
	disk_probe(d, &st);
	d->nowait_read = d->nowait_write = true;  /* until the kernel says otherwise */
	return 0;
}

void disk_unlock(struct disk *d)
{
	if (d->fd >= 0)
		flock(d->fd, LOCK_UN);
}

void disk_close(struct disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

static int disk_rw(const struct disk *d, struct iovec *iov, unsigned n, uint64_t off, bool write)
{
	for (;;) {
		ssize_t k;

		/* Empty entries would make a legitimate 0 look like end of file. */
		while (n && !iov->iov_len) {
			iov++;
			n--;
		}
		if (!n)
			return 0;
		k = write ? pwritev(d->fd, iov, n > IOV_MAX ? IOV_MAX : (int)n, (off_t)off)
			  : preadv(d->fd, iov, n > IOV_MAX ? IOV_MAX : (int)n, (off_t)off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!k)
			return -EIO;
		off += (uint64_t)k;
		while ((size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++;
			n--;
			if (!k)
				break;
		}
		if (k) {
			iov->iov_base = (uint8_t *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
}

int disk_readv(const struct disk *d, struct iovec *iov, unsigned n, uint64_t off)
{
	return disk_rw(d, iov, n, off, false);
}

int disk_writev(const struct disk *d, struct iovec *iov, unsigned n, uint64_t off)
{
	if (d->readonly)
		return -EROFS;
	return disk_rw(d, iov, n, off, true);
}

int disk_rw_nowait(struct disk *d, const struct iovec *iov, unsigned n, uint64_t off,
		   uint64_t len, bool write)
{
	bool *ok = write ? &d->nowait_write : &d->nowait_read;
	ssize_t k;

	if (write && d->readonly)
		return -EROFS;
	if (!*ok || n > IOV_MAX)
		return -EAGAIN;
	do
		k = write ? pwritev2(d->fd, iov, (int)n, (off_t)off, RWF_NOWAIT)
			  : preadv2(d->fd, iov, (int)n, (off_t)off, RWF_NOWAIT);
	while (k < 0 && errno == EINTR);
	if (k < 0 && (errno == EOPNOTSUPP || errno == EINVAL)) {
		/* Buffered RWF_NOWAIT writes need filesystem support (and
		 * block devices may refuse it): stop asking. */
		*ok = false;
		return -EAGAIN;
	}
	if (k < 0)
		return -errno;
	/* Short: the rest would block (or the backing shrank): the blocking
	 * path redoes the whole transfer, which is idempotent. */
	return (uint64_t)k == len ? 0 : -EAGAIN;
}

int disk_flush(const struct disk *d)
{
	/* fdatasync of a block device node syncs the node's inode, not the
	 * device's page cache in every kernel: fsync does both. */
	if (d->block ? fsync(d->fd) : fdatasync(d->fd))
		return -errno;
	return 0;
}

static int disk_punch(const struct disk *d, uint64_t off, uint64_t len)
{
	if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len))
		return -errno;
	return 0;
}

static int blk_range_ioctl(const struct disk *d, unsigned long req, uint64_t off, uint64_t len)
{
	uint64_t range[2] = {off, len};

	if (ioctl(d->fd, req, range))
		return -errno;
	return 0;
}

int disk_discard(const struct disk *d, uint64_t off, uint64_t len)
{
	if (d->readonly)
		return -EROFS;
	if (!d->can_discard)
		return -EOPNOTSUPP;
	return d->block ? blk_range_ioctl(d, BLKDISCARD, off, len) : disk_punch(d, off, len);
}

/* The last resort: write the zeroes. */
static int disk_write_zero_bytes(const struct disk *d, uint64_t off, uint64_t len)
{
	static const uint8_t zeroes[64 << 10];

	while (len) {
		size_t chunk = len < sizeof(zeroes) ? (size_t)len : sizeof(zeroes);
		ssize_t k = pwrite(d->fd, zeroes, chunk, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (!k)
			return -EIO;
		off += (uint64_t)k;
		len -= (uint64_t)k;
	}
	return 0;
}

int disk_write_zeroes(struct disk *d, uint64_t off, uint64_t len, bool may_unmap)
{
	int r;

	if (d->readonly)
		return -EROFS;
	/* BLKZEROOUT never deallocates and falls back to writing zeroes in
	 * the kernel when the device has no zeroing command. */
	if (d->block)
		return blk_range_ioctl(d, BLKZEROOUT, off, len);
	if (may_unmap && d->can_discard)
		return disk_punch(d, off, len);
	if (__atomic_load_n(&d->zero_range, __ATOMIC_RELAXED)) {
		if (!fallocate(d->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, (off_t)off,
			       (off_t)len))
			return 0;
		r = -errno;
		if (r != -EOPNOTSUPP)
			return r;
		/* Relaxed: a stale true in another worker only costs it one
		 * more refused fallocate. */
		__atomic_store_n(&d->zero_range, false, __ATOMIC_RELAXED);
	}
	/* Without UNMAP the guest wants the blocks kept allocated (Linux's
	 * REQ_NOUNMAP: later writes must not fail for lack of space), so no
	 * hole: write the zeroes. */
	return disk_write_zero_bytes(d, off, len);
}

bool disk_zeroes_may_unmap(const struct disk *d)
{
	return !d->readonly && !d->block && d->can_discard;
}
