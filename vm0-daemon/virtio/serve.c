// SPDX-License-Identifier: GPL-2.0
/* Chains through a queue for synchronous device models (serve.h). */
#include "virtio/serve.h"

#include <errno.h>
#include <pthread.h>

/* A chain vq_pop refused as malformed goes back empty, if its head is one. */
static bool serve_give_back(const struct virtio_server *s, struct vq *q)
{
	(*s->bad)++;
	if (s->chain->head >= q->num)
		return false;
	vq_push(q, s->chain->head, 0);
	return true;
}

static void serve_done(const struct virtio_server *s, unsigned qi, bool pushed, const char *why)
{
	pthread_mutex_unlock(&s->t->vq_lock[qi]);
	/* One interrupt for the batch. */
	if (pushed)
		virtio_mmio_used(s->t, qi);
	if (why) {
		(*s->bad)++;
		virtio_mmio_needs_reset(s->t, why);
	}
}

void virtio_serve_avail(const struct virtio_server *s, unsigned qi, virtio_serve_fn serve)
{
	struct vq *q = &s->t->vq[qi];
	const char *why = NULL;
	bool pushed = false, more = false;

	pthread_mutex_lock(&s->t->vq_lock[qi]);
	for (;;) {
		bool popped = false;
		int rc;

		while ((rc = vq_pop(q, s->chain)) != 0) {
			if (rc == -EBADMSG) {
				pushed |= serve_give_back(s, q);
				continue;
			}
			if (rc < 0) {
				why = "corrupt available ring";
				break;
			}
			popped = true;
			vq_push(q, s->chain->head, serve(s->dev, qi, s->chain));
			pushed = true;
		}
		/* avail->idx never goes back, so after "more available" a
		 * round finds a chain, unless the driver overlaps its rings and
		 * our event writes move its index: stop rather than spin. */
		if (why || (more && !popped))
			break;
		/* No kick is lost between the last empty pop and this. */
		more = vq_enable_kicks(q);
		if (!more)
			break;
	}
	serve_done(s, qi, pushed, why);
}

void virtio_serve_fill(const struct virtio_server *s, unsigned qi, bool (*more)(void *dev),
		       virtio_serve_fn serve, const char *why)
{
	struct vq *q = &s->t->vq[qi];
	bool pushed = false;
	int rc = 0;

	pthread_mutex_lock(&s->t->vq_lock[qi]);
	while (more(s->dev)) {
		rc = vq_pop(q, s->chain);
		if (rc == -EBADMSG || (rc > 0 && !s->chain->in_bytes)) {
			pushed |= serve_give_back(s, q);
			rc = 0;
			continue;
		}
		if (rc < 0)
			break;
		/* Out of buffers: ask for the driver's next kick, unless more
		 * were posted meanwhile. */
		if (rc == 0 && !vq_enable_kicks(q))
			break;
		if (rc > 0) {
			vq_push(q, s->chain->head, serve(s->dev, qi, s->chain));
			pushed = true;
		}
	}
	serve_done(s, qi, pushed, rc < 0 ? why : NULL);
}
