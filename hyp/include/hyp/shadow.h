/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Shadow registers (proto/keel/shared.h): registers of a guest's MMIO
 * window answered from a page VM0 shares, without an ioreq. */
#ifndef HYP_SHADOW_H
#define HYP_SHADOW_H
#include <keel/shared.h>
#include <hyp/spinlock.h>
#include <hyp/types.h>

struct mmio_access;
struct vm;

struct shadow_window {
	u64 base, size;
	/* Our own pointer, made from the PA checked at registration; nothing
	 * in the page is ever used as an address. */
	struct keel_shadow_page *page;
	u32 cookie;
	u32 nr_regs;
	struct keel_shadow_reg reg[KEEL_SHADOW_MAX_REGS]; /* private copy, checked */
	u32 head;        /* our posted_head: the page's copy is only a report */
	spinlock_t lock; /* posted-ring producers (any vCPU of the guest) */
};

struct shadow_table {
	u32 nr;          /* windows below nr are complete (published with a dmb) */
	struct shadow_window w[KEEL_SHADOW_MAX_WINDOWS];
};

/* Every check of what VM0 gives is here: the descriptor (a private copy),
 * its registers, the page. -EINVAL bad, -EEXIST overlap or page reused,
 * -ENOSPC table full. */
int shadow_register(struct vm *vm, const struct keel_shadow_desc *d);
/* Called before an access becomes an ioreq: 0 when the access was served
 * here (a read's value in acc->data), -ENOENT when it takes the ioreq path
 * (no shadow register there, a size or direction the register does not
 * take, or a full posted ring). */
int shadow_access(struct vm *vm, struct mmio_access *acc);
#endif
