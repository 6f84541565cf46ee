/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A mediated disk: a regular file or a block device in VM0 that keeld
 * serves to one guest (devices/virtio_blk.c, through a backend: blkio.h).
 * Opened once per guest with the checks and locks that keep two guests
 * from writing one disk:
 *
 *  - read-write: flock(LOCK_EX|LOCK_NB); read-only: flock(LOCK_SH|LOCK_NB).
 *    flock locks belong to the open file description, so a second
 *    disk_open of the same path in this keeld conflicts just like one in
 *    another process does.
 *  - block devices opened read-write also get O_EXCL, with which the
 *    kernel refuses a device VM0 has mounted (or another O_EXCL opener).
 *
 * These I/O calls go through VM0's page cache (the io_uring backend may
 * also open the disk again with O_DIRECT: backend/file_uring.c);
 * disk_flush() is what puts it on stable storage. They are safe from any
 * thread.
 */
#ifndef KEELD_DISK_H
#define KEELD_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define DISK_SECTOR   512ULL
#define DISK_PATH_MAX 1024

struct disk {
	int fd; /* -1: closed */
	char path[DISK_PATH_MAX];
	bool readonly;
	bool block;	     /* a block device rather than a regular file */
	uint64_t size;	     /* bytes, a non-zero multiple of DISK_SECTOR */
	uint32_t block_size; /* logical block size: BLKSSZGET, DISK_SECTOR for files */
	/* Probed once at open (never for read-only disks). */
	bool can_discard;	/* files: PUNCH_HOLE; block devices: discard_max_bytes > 0 */
	uint32_t discard_align; /* bytes a discard should be aligned to (>= DISK_SECTOR) */
	/* Files: FALLOC_FL_ZERO_RANGE not refused yet. There is no side-effect
	 * free probe for it, so the first EOPNOTSUPP clears it (atomically;
	 * workers share the disk) and write-zeroes falls back. */
	bool zero_range;
	/* Reads / writes with RWF_NOWAIT not refused yet (disk_rw_nowait). */
	bool nowait_read, nowait_write;
};

/**
 * Open path for a guest. On error returns a negative errno and a message
 * naming the path in err:
 * -ENOENT missing, -EACCES/-EPERM/-EROFS not allowed, -EINVAL not a regular
 * file or block device / size 0 / size not a multiple of 512, -EBUSY in use
 * (locked by another guest or process, or a block device VM0 has mounted).
 * d->fd is -1 after a failure.
 */
int disk_open(struct disk *d, const char *path, bool readonly, char *err, size_t errlen);
/** Close (drops the lock); harmless on a closed disk. */
void disk_close(struct disk *d);
/** Drop the flock before closing (the fd stays usable): a flush may still
 * run on it while a new disk_open of the same path succeeds. Block devices
 * keep their O_EXCL claim until disk_close. */
void disk_unlock(struct disk *d);

/**
 * Read/write exactly the bytes described by iov (n entries, any n) at byte
 * offset off. iov is consumed (modified) on partial transfers. 0, or a
 * negative errno; a transfer that ends early (the backing shrank) is -EIO.
 */
int disk_readv(const struct disk *d, struct iovec *iov, unsigned n, uint64_t off);
int disk_writev(const struct disk *d, struct iovec *iov, unsigned n, uint64_t off);
/**
 * One attempt at the whole transfer that must not block (preadv2/pwritev2
 * with RWF_NOWAIT): 0 when all len bytes moved; -EAGAIN when the kernel
 * would have had to wait (data not in VM0's page cache, a partial transfer,
 * or a file that does not take RWF_NOWAIT for this direction, which is then
 * remembered) and the caller should do the transfer where blocking is fine;
 * other negative errno values are real errors. iov is not modified. Only
 * from one thread at a time (it updates the remembered support).
 */
int disk_rw_nowait(struct disk *d, const struct iovec *iov, unsigned n, uint64_t off,
		   uint64_t len, bool write);
/** Everything written so far on stable storage (fdatasync; fsync for block devices). */
int disk_flush(const struct disk *d);
/** Deallocate [off, off+len): later reads return zeroes for files, anything
 * for block devices. -EOPNOTSUPP if !can_discard, -EROFS if read-only. */
int disk_discard(const struct disk *d, uint64_t off, uint64_t len);
/** Make [off, off+len) read back as zeroes; may deallocate if may_unmap. */
int disk_write_zeroes(struct disk *d, uint64_t off, uint64_t len, bool may_unmap);
/** Can write-zeroes deallocate (virtio-blk's write_zeroes_may_unmap)? */
bool disk_zeroes_may_unmap(const struct disk *d);

#endif
