// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk requests: decoded from a copy of the header, checked against
 * the disk and the limits we advertise, and turned into the backend's
 * request (or answered here: GET_ID, and every refusal).
 */
#include <endian.h>
#include <stdio.h>
#include <string.h>

#include "devices/virtio_blk_priv.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t vblk_capacity(const struct vblk *b)
{
	return b->disk->size / DISK_SECTOR;
}

/* [sector, sector + nsec) inside the disk, without overflow. */
static bool vblk_range_ok(const struct vblk *b, uint64_t sector, uint64_t nsec)
{
	return nsec <= vblk_capacity(b) && sector <= vblk_capacity(b) - nsec;
}

/* iovecs for bytes [skip, skip + len) of the chain's readable (or
 * writable) part; at most c->n entries (vblk_prepare bounds c->n). */
static unsigned chain_iov(const struct vq_chain *c, bool writable, uint64_t skip, uint64_t len,
			  struct iovec *iov)
{
	unsigned i = writable ? c->n_out : 0, end = writable ? c->n : c->n_out, n = 0;

	for (; i < end && len; i++) {
		uint64_t l = c->seg[i].len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		l -= skip;
		if (l > len)
			l = len;
		iov[n].iov_base = c->seg[i].host + skip;
		iov[n].iov_len = l;
		n++;
		len -= l;
		skip = 0;
	}
	return n;
}

/* The data iovecs against the seg_max and size_max we advertise: together
 * they bound the bytes one request moves, however often its descriptors
 * name the same guest page. */
static bool vblk_segs_ok(const struct vblk_req *r)
{
	if (r->io.niov > VBLK_SEG_MAX)
		return false;
	for (unsigned i = 0; i < r->io.niov; i++)
		if (r->iov[i].iov_len > VBLK_SIZE_MAX)
			return false;
	return true;
}

static uint8_t vblk_prep_in(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
			    uint64_t sector)
{
	/* Everything writable but the status byte is data. */
	uint64_t len = c->in_bytes - 1;

	if (len % DISK_SECTOR || !vblk_range_ok(b, sector, len / DISK_SECTOR))
		return VIRTIO_BLK_S_IOERR;
	r->io.off = sector * DISK_SECTOR;
	r->io.len = len;
	r->io.niov = chain_iov(c, true, 0, len, r->iov);
	return vblk_segs_ok(r) ? VBLK_QUEUE : VIRTIO_BLK_S_IOERR;
}

static uint8_t vblk_prep_out(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
			     uint64_t sector)
{
	uint64_t len = c->out_bytes - sizeof(struct virtio_blk_outhdr);

	if (len % DISK_SECTOR || !vblk_range_ok(b, sector, len / DISK_SECTOR))
		return VIRTIO_BLK_S_IOERR;
	r->io.off = sector * DISK_SECTOR;
	r->io.len = len;
	r->io.niov = chain_iov(c, false, sizeof(struct virtio_blk_outhdr), len, r->iov);
	return vblk_segs_ok(r) ? VBLK_QUEUE : VIRTIO_BLK_S_IOERR;
}

static uint8_t vblk_prep_queue(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
			       uint64_t sector)
{
	return VBLK_QUEUE;
}

static uint8_t vblk_prep_get_id(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
				uint64_t sector)
{
	/* The ID is zero-padded to 20 bytes, with no NUL when it fills them;
	 * a smaller buffer gets what fits. */
	uint64_t room = c->in_bytes - 1;
	uint64_t n = room < sizeof(b->serial) ? room : sizeof(b->serial);

	r->written = (uint32_t)vq_chain_write(c, 0, b->serial, n) + 1;
	return VIRTIO_BLK_S_OK;
}

/* DISCARD and WRITE_ZEROES: an array of struct virtio_blk_discard_write_zeroes
 * after the header, copied out of guest RAM here and checked on the copy. */
static uint8_t vblk_prep_ranges(struct vblk *b, struct vblk_req *r, const struct vq_chain *c,
				uint64_t sector)
{
	bool discard = r->op->kind == BLKIO_DISCARD;
	uint32_t max_seg = le32toh(discard ? b->cfg.max_discard_seg : b->cfg.max_write_zeroes_seg);
	uint32_t max_sec =
	    le32toh(discard ? b->cfg.max_discard_sectors : b->cfg.max_write_zeroes_sectors);
	uint64_t len = c->out_bytes - sizeof(struct virtio_blk_outhdr);
	struct virtio_blk_discard_write_zeroes s;
	uint32_t allowed = discard ? 0 : VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;

	if (!len || len % sizeof(s) || len / sizeof(s) > max_seg)
		return VIRTIO_BLK_S_IOERR;
	r->io.nrange = (unsigned)(len / sizeof(s));
	for (unsigned i = 0; i < r->io.nrange; i++) {
		uint64_t start;
		uint32_t num, flags;

		vq_chain_read(c, sizeof(struct virtio_blk_outhdr) + i * sizeof(s), &s, sizeof(s));
		start = le64toh(s.sector);
		num = le32toh(s.num_sectors);
		flags = le32toh(s.flags);
		/* Unknown flags, and UNMAP on a discard: UNSUPP (virtio 1.2, 5.2.6.2). */
		if (flags & ~allowed)
			return VIRTIO_BLK_S_UNSUPP;
		if (num > max_sec || !vblk_range_ok(b, start, num))
			return VIRTIO_BLK_S_IOERR;
		r->range[i].off = start * DISK_SECTOR;
		r->range[i].len = (uint64_t)num * DISK_SECTOR;
		r->range[i].unmap = flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
	}
	return VBLK_QUEUE;
}

/* Indexed by VIRTIO_BLK_T_*; holes and anything past the end: UNSUPP. */
static const struct vblk_op vblk_op_table[] = {
	[VIRTIO_BLK_T_IN] = {"read", -1, false, BLKIO_READ, offsetof(struct vblk_stats, reads),
			     vblk_prep_in},
	[VIRTIO_BLK_T_OUT] = {"write", -1, true, BLKIO_WRITE, offsetof(struct vblk_stats, writes),
			      vblk_prep_out},
	[VIRTIO_BLK_T_FLUSH] = {"flush", VIRTIO_BLK_F_FLUSH, false, BLKIO_FLUSH,
				offsetof(struct vblk_stats, flushes), vblk_prep_queue},
	[VIRTIO_BLK_T_GET_ID] = {"get-id", -1, false, -1, offsetof(struct vblk_stats, get_ids),
				 vblk_prep_get_id},
	[VIRTIO_BLK_T_DISCARD] = {"discard", VIRTIO_BLK_F_DISCARD, true, BLKIO_DISCARD,
				  offsetof(struct vblk_stats, discards), vblk_prep_ranges},
	[VIRTIO_BLK_T_WRITE_ZEROES] = {"write-zeroes", VIRTIO_BLK_F_WRITE_ZEROES, true,
				       BLKIO_WRITE_ZEROES, offsetof(struct vblk_stats, write_zeroes),
				       vblk_prep_ranges},
};

static const struct vblk_op *vblk_op_find(const struct vblk *b, uint32_t type)
{
	const struct vblk_op *op;

	if (type >= ARRAY_SIZE(vblk_op_table))
		return NULL;
	op = &vblk_op_table[type];
	if (!op->prepare || (op->feature >= 0 && !(b->features & (1ULL << op->feature))))
		return NULL;
	return op;
}

uint8_t vblk_prepare(struct vblk *b, struct vblk_req *r, const struct vq_chain *c)
{
	struct virtio_blk_outhdr hdr;
	uint32_t type;

	r->written = 1;
	memset(&r->io, 0, offsetof(struct blkio_req, next));
	r->io.iov = r->iov;
	r->io.range = r->range;
	r->op = NULL;
	/* seg_max data segments plus a header and a status descriptor: the
	 * iovec arrays are sized for no more. */
	if (c->out_bytes < sizeof(hdr) || c->n > VBLK_SEG_MAX + 2)
		return VIRTIO_BLK_S_IOERR;
	vq_chain_read(c, 0, &hdr, sizeof(hdr));
	type = le32toh(hdr.type);
	r->op = vblk_op_find(b, type);
	if (!r->op)
		return VIRTIO_BLK_S_UNSUPP;
	if (r->op->writes && b->disk->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (r->op->kind >= 0)
		r->io.kind = (enum blkio_kind)r->op->kind;
	return r->op->prepare(b, r, c, le64toh(hdr.sector));
}

void vblk_setup(struct vblk *b)
{
	const struct disk *d = b->disk;
	struct virtio_blk_config *c = &b->cfg;

	b->features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_SIZE_MAX |
		      1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_FLUSH;
	c->capacity = htole64(d->size / DISK_SECTOR);
	/* Both enforced in vblk_prepare: a request moves at most 8 MiB. */
	c->seg_max = htole32(VBLK_SEG_MAX);
	c->size_max = htole32(VBLK_SIZE_MAX);
	c->blk_size = htole32(d->block_size);
	if (d->readonly) {
		b->features |= 1ULL << VIRTIO_BLK_F_RO;
		return;
	}
	b->features |= 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	c->max_write_zeroes_sectors = htole32(VBLK_MAX_WRITE_ZEROES_SECTORS);
	c->max_write_zeroes_seg = htole32(1);
	c->write_zeroes_may_unmap = disk_zeroes_may_unmap(d);
	if (d->can_discard) {
		b->features |= 1ULL << VIRTIO_BLK_F_DISCARD;
		c->max_discard_sectors = htole32(VBLK_MAX_DISCARD_SECTORS);
		c->max_discard_seg = htole32(VBLK_MAX_DISCARD_SEG);
		c->discard_sector_alignment = htole32(d->discard_align / DISK_SECTOR);
	}
}

int vblk_set_serial(struct vblk *b, const char *serial, char *err, size_t errlen)
{
	const char *base;
	size_t n;

	if (!serial) {
		base = strrchr(b->disk->path, '/');
		base = base ? base + 1 : b->disk->path;
		n = strlen(base);
		/* The end of a long name tells disks apart better than its start. */
		if (n > sizeof(b->serial))
			base += n - sizeof(b->serial);
		serial = base;
	}
	n = strlen(serial);
	if (n > sizeof(b->serial)) {
		snprintf(err, errlen, "%s: serial \"%s\" is longer than %zu bytes", b->disk->path,
			 serial, sizeof(b->serial));
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (serial[i] < 0x20 || serial[i] > 0x7e) {
			snprintf(err, errlen, "%s: serial has a byte that is not printable ASCII",
				 b->disk->path);
			return -EINVAL;
		}
	memcpy(b->serial, serial, n);
	return 0;
}

