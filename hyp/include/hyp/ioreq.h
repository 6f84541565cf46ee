/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* MMIO forwarding to VM0 (ioreq slots) and VM0's event ring. */
#ifndef HYP_IOREQ_H
#define HYP_IOREQ_H
#include <keel/shared.h>
#include <hyp/mmio.h>
#include <hyp/types.h>

int ioreq_shared_setup(u64 pa, u64 size);
/* The mmio_handler_t of ranges VM0 serves: fills the vCPU's slot, posts an
 * event, returns MMIO_DEFERRED (the vCPU waits for ioreq_complete). */
int ioreq_mmio(struct vcpu *v, struct mmio_access *acc, void *priv);
int ioreq_complete(u32 vm_id, u32 vcpu_id);
/* The mmio_handler_t of posted doorbells (priv = VM0's cookie): a write
 * becomes KEEL_EV_DOORBELL and the vCPU goes on at once; a read gives 0. */
int ioreq_doorbell(struct vcpu *v, struct mmio_access *acc, void *priv);
/* Queue an event for VM0 and raise its doorbell. */
void ioreq_post_event(u32 type, u32 vm_id, u32 vcpu, u32 arg);
/* A vCPU waiting on an ioreq is abandoned (its VM stops). */
void ioreq_cancel(struct vcpu *v);
#endif
