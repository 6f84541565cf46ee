/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Inter-VM channels (core/chan.c, proto/keel/chan.h). */
#ifndef HYP_CHAN_H
#define HYP_CHAN_H
#include <keel/chan.h>
#include <hyp/types.h>

struct vm;

/* Attach vm's end of the channel d names (d: a private copy, checked here),
 * making the channel and its zeroed region on the first attach of the name.
 * Out: the channel's id, vm's end (0/1) and the region's PA. -EINVAL bad
 * descriptor or placement, -EEXIST the name joins other VMs (or another
 * size) or the placement clashes with another channel, -EBUSY this end is
 * attached already, -ENOMEM no slot or pool block. */
int chan_attach(struct vm *vm, const struct keel_chan_desc *d, u32 *id, u32 *end, u64 *pa);
/* The caller's end of channel id rings the other: 0, -EINVAL (no such
 * channel, or not the caller's), -ENOTCONN (peer not attached). */
int chan_kick(struct vm *vm, u64 id);
/* VM0's end of channel id leaves it: 0, -EINVAL, -ENOENT (no VM0 end). */
int chan_detach_vm0(u64 id);
/* A destroyed VM's ends detach; regions no end holds go back to the pool.
 * After vm_kill: no kick can take a new reference to vm. */
void chan_vm_gone(struct vm *vm);
#endif
