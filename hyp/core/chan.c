// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Inter-VM channels (proto/keel/chan.h): a region of the guest pool mapped
 * into two VMs' stage 2, and a doorbell each way. A kick is a hypercall
 * from one end that becomes the other end's channel SPI (a guest) or a
 * KEEL_EV_CHAN event (VM0): the hypervisor knows nothing of what the two
 * ends keep in the region.
 *
 * A channel is named, and its two ends are VM names, so a destroyed guest
 * that is created again (with a new id, perhaps) attaches to the same
 * region and finds its peer where it left it. The region lives while an
 * end is attached: a guest's end goes with the guest (chan_vm_gone from
 * guest_destroy), VM0's when keel.ko lets it go (chan_detach_vm0).
 *
 * Locking: chan_lock covers the table. It nests inside nothing and takes
 * only the stage-2 locks (to map) inside it; kicks take a reference on the
 * peer (vm_get) before they look at it under the lock, so a peer cannot be
 * freed under a kick, and a peer that is being destroyed (DYING) is not
 * rung at all: vm_get refuses it.
 */
#include <keel/chan.h>
#include <keel/guest.h>
#include <hyp/chan.h>
#include <hyp/errno.h>
#include <hyp/gic.h>
#include <hyp/ioreq.h>
#include <hyp/log.h>
#include <hyp/mem.h>
#include <hyp/pool.h>
#include <hyp/stage2.h>
#include <hyp/vgic.h>
#include <hyp/vm.h>
#include <string.h>

struct chan_end {
	char vm_name[KEEL_VM_NAME_LEN];  /* fixed when the channel is made */
	struct vm *vm;                   /* attached, or NULL */
	u64 ipa;                         /* guest: where it is mapped */
	u32 intid;                       /* guest: what the peer's kick raises */
};

struct chan {
	bool used;
	char name[KEEL_CHAN_NAME_LEN];
	u64 size;
	u64 pa;                          /* pool block (rounded up to POOL_ALIGN) */
	struct chan_end end[2];
};

static struct chan chans[KEEL_CHAN_MAX];
static spinlock_t chan_lock = SPINLOCK_INIT;

static u64 chan_lock_take(void)
{
	/* irq_save: kicks come from exits taken with interrupts on. */
	u64 flags = irq_save();

	spin_lock(&chan_lock);
	return flags;
}

static void chan_lock_drop(u64 flags)
{
	spin_unlock(&chan_lock);
	irq_restore(flags);
}

static const char *chan_vm_name(const struct vm *vm)
{
	return vm->is_vm0 ? KEEL_CHAN_VM0_NAME : vm->name;
}

static bool overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* A channel name: 1..15 of [A-Za-z0-9_-], NUL-terminated in its field. */
static bool chan_name_ok(const char *s, u32 len)
{
	u32 i;

	for (i = 0; i < len && s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return i > 0 && i < len;
}

/* Where a guest end may sit: whole pages of its IPA space that are none of
 * its RAM, GIC frames, MMIO VM0 serves, or another channel's region. Under
 * chan_lock (other ends). */
static int chan_guest_place_ok(struct vm *vm, const struct keel_chan_desc *d)
{
	u64 ipa = d->ipa, size = d->size;
	u64 cpu_base = plat.gic.version == 3 ? vm->vgic.redist_base : vm->vgic.cpuif_base;
	u64 cpu_size = plat.gic.version == 3 ? vm->nr_vcpus * GICR_STRIDE : KEEL_GUEST_GICC_SIZE;

	if (!IS_ALIGNED(ipa, PAGE_SIZE) || ipa + size < ipa || ipa + size > KEEL_GUEST_IPA_LIMIT)
		return -EINVAL;
	if (d->intid < GIC_NR_PRIVATE || d->intid >= vm->vgic.nr_irqs)
		return -EINVAL;
	for (u32 i = 0; i < vm->nr_mem; i++)
		if (overlap(ipa, size, vm->mem[i].base, vm->mem[i].size))
			return -EINVAL;
	if (overlap(ipa, size, vm->vgic.dist_base, KEEL_GUEST_GICD_SIZE) ||
	    overlap(ipa, size, cpu_base, cpu_size))
		return -EINVAL;
	for (u32 i = 0; i < READ_ONCE(vm->nr_mmio); i++)
		if (overlap(ipa, size, vm->mmio[i].base, vm->mmio[i].size))
			return -EINVAL;
	for (u32 c = 0; c < KEEL_CHAN_MAX; c++)
		for (u32 e = 0; chans[c].used && e < 2; e++)
			if (chans[c].end[e].vm == vm &&
			    (overlap(ipa, size, chans[c].end[e].ipa, chans[c].size) ||
			     chans[c].end[e].intid == d->intid))
				return -EEXIST;
	return 0;
}

/* The descriptor alone (a private copy): shape, limits, names. */
static int chan_desc_check(const struct keel_chan_desc *d)
{
	if (d->magic != KEEL_CHAN_DESC_MAGIC || d->revision != KEEL_CHAN_DESC_REVISION)
		return -EINVAL;
	if (d->size < KEEL_CHAN_MIN_SIZE || d->size > KEEL_CHAN_MAX_SIZE ||
	    !IS_ALIGNED(d->size, PAGE_SIZE))
		return -EINVAL;
	if (!chan_name_ok(d->name, sizeof(d->name)) ||
	    !memchr(d->peer, '\0', sizeof(d->peer)) || !d->peer[0])
		return -EINVAL;
	if (!d->vm_id && (d->ipa || d->intid))
		return -EINVAL;  /* VM0 sees it at IPA = PA and hears KEEL_EV_CHAN */
	return 0;
}

static struct chan *chan_find(const char *name)
{
	for (u32 c = 0; c < KEEL_CHAN_MAX; c++)
		if (chans[c].used && !strncmp(chans[c].name, name, KEEL_CHAN_NAME_LEN))
			return &chans[c];
	return NULL;
}

/* A new channel between self and peer, its region zeroed; self is end 0.
 * Under chan_lock: the pool has its own lock and zeroing is bounded by
 * KEEL_CHAN_MAX_SIZE; attaches come from keeld, rarely. */
static struct chan *chan_make(const struct keel_chan_desc *d, const char *self)
{
	struct chan *c = NULL;
	u64 pa;

	for (u32 i = 0; i < KEEL_CHAN_MAX && !c; i++)
		if (!chans[i].used)
			c = &chans[i];
	if (!c)
		return NULL;
	pa = pool_alloc(d->size);
	if (!pa)
		return NULL;
	memset((void *)(uintptr_t)pa, 0, d->size);
	/* The zeroes reach memory: an end may map the region non-cacheable,
	 * and the previous tenant's data must not show through. */
	dcache_clean_inval_range(pa, d->size);
	*c = (struct chan){ .used = true, .size = d->size, .pa = pa };
	memcpy(c->name, d->name, sizeof(c->name));
	memcpy(c->end[0].vm_name, self, strlen(self) + 1);
	memcpy(c->end[1].vm_name, d->peer, sizeof(c->end[1].vm_name));
	return c;
}

static void chan_release(struct chan *c)
{
	if (c->end[0].vm || c->end[1].vm)
		return;
	pool_free(c->pa, c->size);
	pr_info("channel '%s' freed", c->name);
	*c = (struct chan){ 0 };
}

/* Map the region for one end: a guest at its IPA, VM0 at IPA = PA (the pool
 * is outside VM0's RAM and devices). s2_lock: VM0's stage 2 is live on
 * every pCPU, a guest's may be too. */
static int chan_map(struct vm *vm, const struct chan *c, u64 ipa)
{
	u64 flags = irq_save();
	int ret;

	spin_lock(&vm->s2_lock);
	ret = stage2_map(&vm->s2, vm->is_vm0 ? c->pa : ipa, c->pa, c->size, S2_NORMAL_RW);
	spin_unlock(&vm->s2_lock);
	irq_restore(flags);
	return ret;
}

int chan_attach(struct vm *vm, const struct keel_chan_desc *d, u32 *id, u32 *end, u64 *pa)
{
	const char *self = chan_vm_name(vm);
	struct chan *c;
	u64 flags;
	int ret = chan_desc_check(d), e;

	if (ret)
		return ret;
	if (!vm->is_vm0 && !strcmp(vm->name, KEEL_CHAN_VM0_NAME))
		return -EINVAL;  /* a guest may not pose as VM0's end */
	if (!strncmp(self, d->peer, sizeof(d->peer)))
		return -EINVAL;  /* both ends in one VM */
	flags = chan_lock_take();
	if (!vm->is_vm0 && (ret = chan_guest_place_ok(vm, d)))
		goto out;
	c = chan_find(d->name);
	if (!c && !(c = chan_make(d, self))) {
		ret = -ENOMEM;
		goto out;
	}
	/* The same name must join the same two VMs with the same size. */
	e = !strcmp(c->end[0].vm_name, self) ? 0 : !strcmp(c->end[1].vm_name, self) ? 1 : -1;
	if (e < 0 || strncmp(c->end[!e].vm_name, d->peer, sizeof(d->peer)) || c->size != d->size) {
		ret = -EEXIST;
		goto out;
	}
	if (c->end[e].vm) {
		ret = -EBUSY;
		goto out;
	}
	ret = chan_map(vm, c, d->ipa);
	if (ret) {
		chan_release(c);
		goto out;
	}
	c->end[e].vm = vm;
	c->end[e].ipa = vm->is_vm0 ? c->pa : d->ipa;
	c->end[e].intid = d->intid;
	*id = (u32)(c - chans);
	*end = (u32)e;
	*pa = c->pa;
	pr_info("vm%u: channel '%s' end %d attached (%llu KiB, peer %s%s)", vm->id, c->name, e,
		(unsigned long long)(c->size >> 10), c->end[!e].vm_name,
		c->end[!e].vm ? "" : ", not attached yet");
out:
	chan_lock_drop(flags);
	return ret;
}

/*
 * A kick from the caller's end of channel id. Everything comes from the
 * caller's registers: the id is only an index, and the caller must be one
 * of the channel's ends. -ENOTCONN when the peer is not attached (never
 * was, or destroyed): the kick is dropped, and the caller learns why.
 */
int chan_kick(struct vm *vm, u64 id)
{
	struct vm *peer = NULL;
	u32 peer_id = 0, intid = 0;
	bool vm0_peer = false;
	u64 flags;
	int e, ret = 0;

	if (id >= KEEL_CHAN_MAX)
		return -EINVAL;
	flags = chan_lock_take();
	e = !chans[id].used ? -1 : chans[id].end[0].vm == vm ? 0 : chans[id].end[1].vm == vm ? 1 : -1;
	if (e >= 0 && chans[id].end[!e].vm) {
		peer_id = chans[id].end[!e].vm->id;
		vm0_peer = chans[id].end[!e].vm->is_vm0;
	}
	chan_lock_drop(flags);
	/* Not one of the caller's channels: the same answer as no channel
	 * at all, so a guest learns nothing of channels it is not in. */
	if (e < 0)
		return -EINVAL;
	if (vm0_peer) {
		ioreq_post_event(KEEL_EV_CHAN, 0, (u32)id, 0);
		return 0;
	}
	/* A reference first, then check (under the lock) that it is still
	 * the same VM at that end: the id may have been destroyed and reused
	 * since we looked. */
	peer = peer_id ? vm_get(peer_id) : NULL;
	if (!peer)
		return -ENOTCONN;
	flags = chan_lock_take();
	if (chans[id].end[!e].vm == peer)
		intid = chans[id].end[!e].intid;
	chan_lock_drop(flags);
	if (!intid)
		ret = -ENOTCONN;
	/* An edge: pending once however often it rings before the peer
	 * takes it, so a kick storm costs the peer one interrupt. */
	else if (!(ret = vgic_inject(peer, 0, intid, true)))
		ret = vgic_inject(peer, 0, intid, false);
	vm_put(peer);
	return ret;
}

int chan_detach_vm0(u64 id)
{
	u64 flags, s2_flags;
	int e, ret = 0;

	if (id >= KEEL_CHAN_MAX)
		return -EINVAL;
	flags = chan_lock_take();
	e = !chans[id].used ? -1 : chans[id].end[0].vm == vm0 ? 0 : chans[id].end[1].vm == vm0 ? 1 : -1;
	if (e < 0) {
		ret = -ENOENT;
	} else {
		/* VM0 stops seeing the region before it can go back to the
		 * pool (stage2_unmap flushes VM0's TLB entries for it). */
		s2_flags = irq_save();
		spin_lock(&vm0->s2_lock);
		stage2_unmap(&vm0->s2, chans[id].pa, chans[id].size);
		spin_unlock(&vm0->s2_lock);
		irq_restore(s2_flags);
		chans[id].end[e].vm = NULL;
		pr_info("vm0: channel '%s' end %d detached", chans[id].name, e);
		chan_release(&chans[id]);
	}
	chan_lock_drop(flags);
	return ret;
}

void chan_vm_gone(struct vm *vm)
{
	u64 flags = chan_lock_take();

	for (u32 c = 0; c < KEEL_CHAN_MAX; c++) {
		for (u32 e = 0; chans[c].used && e < 2; e++) {
			if (chans[c].end[e].vm != vm)
				continue;
			/* Its stage 2 goes with it (vm_free); the survivor keeps
			 * its mapping, and its kicks now get -ENOTCONN. */
			chans[c].end[e].vm = NULL;
			pr_info("vm%u: channel '%s' end %u detached", vm->id, chans[c].name, e);
			chan_release(&chans[c]);
		}
	}
	chan_lock_drop(flags);
}
