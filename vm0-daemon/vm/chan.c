// SPDX-License-Identifier: GPL-2.0
/*
 * Channels across VMs: what one config cannot check alone (config/chan.c).
 * Both ends declare a channel; names are machine-wide. At `keel vm config`
 * a declaration must agree with every configured VM's; at boot the peer
 * must be configured (or be VM0), and the end is attached in the
 * hypervisor, VM0's too when VM0 is the peer (keel.ko then serves it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <keel/chan.h>
#include <keel/guest.h>

#include "dev.h"
#include "keeld.h"
#include "log.h"
#include "vm/priv.h"

static const struct cfg_chan *cfg_chan_find(const struct vm_config *c, const char *name)
{
	for (unsigned i = 0; i < c->nr_chans; i++)
		if (!strcmp(c->chan[i].name, name))
			return &c->chan[i];
	return NULL;
}

/* Does channel ch of cfg agree with every other configured VM? need_peer:
 * the peer must be configured too (boot). */
static int chan_agree(struct keeld *kd, const struct vm_config *cfg, const struct cfg_chan *ch,
		      bool need_peer, char *err, size_t errlen)
{
	bool peer_seen = !strcmp(ch->peer, KEEL_CHAN_VM0_NAME);

	for (unsigned id = 1; id < KEEL_MAX_VMS; id++) {
		const struct vm *o = kd->vms[id];
		const struct cfg_chan *oc;

		if (!o || o->adopted || &o->cfg == cfg || !strcmp(o->cfg.name, cfg->name))
			continue;
		oc = cfg_chan_find(&o->cfg, ch->name);
		if (strcmp(o->cfg.name, ch->peer)) {
			if (oc) {
				snprintf(err, errlen,
					 "%s: channels[%u].name: \"%s\" is already %s's channel to %s (channel names are machine-wide)",
					 cfg->label, ch->entry, ch->name, o->cfg.name, oc->peer);
				return -EEXIST;
			}
			continue;
		}
		peer_seen = true;
		if (!oc) {
			snprintf(err, errlen,
				 "%s: channels[%u].peer: %s (vm %u) declares no channel \"%s\": declare it in both configs",
				 cfg->label, ch->entry, ch->peer, id, ch->name);
			return -ENOENT;
		}
		if (strcmp(oc->peer, cfg->name)) {
			snprintf(err, errlen,
				 "%s: channels[%u].peer: %s's channel \"%s\" joins it to %s, not to %s",
				 cfg->label, ch->entry, ch->peer, ch->name, oc->peer, cfg->name);
			return -EINVAL;
		}
		if (oc->size != ch->size) {
			snprintf(err, errlen,
				 "%s: channels[%u].size: %llu, but %s declares \"%s\" with %llu bytes",
				 cfg->label, ch->entry, (unsigned long long)ch->size, ch->peer, ch->name,
				 (unsigned long long)oc->size);
			return -EINVAL;
		}
	}
	if (need_peer && !peer_seen) {
		snprintf(err, errlen,
			 "%s: channels[%u].peer: \"%s\" is not a configured VM (keel vm list; or \"vm0\" for VM0)",
			 cfg->label, ch->entry, ch->peer);
		return -ENOENT;
	}
	return 0;
}

int vm_chan_check(struct keeld *kd, const struct vm_config *cfg, char *err, size_t errlen)
{
	int r;

	for (unsigned i = 0; i < cfg->nr_chans; i++)
		if ((r = chan_agree(kd, cfg, &cfg->chan[i], false, err, errlen)))
			return r;
	return 0;
}

static int chan_hyp_attach(struct vm *vm, const struct cfg_chan *ch, unsigned vm_id,
			   struct keel_ioc_chan *ic, char *err, size_t errlen)
{
	int r;

	*ic = (struct keel_ioc_chan){ .desc = {
		.magic = KEEL_CHAN_DESC_MAGIC,
		.revision = KEEL_CHAN_DESC_REVISION,
		.vm_id = vm_id,
		.intid = vm_id ? KEEL_GUEST_SPI_BASE + ch->spi : 0,
		.size = ch->size,
		.ipa = vm_id ? ch->ipa : 0,
	} };
	snprintf(ic->desc.name, sizeof(ic->desc.name), "%s", ch->name);
	snprintf(ic->desc.peer, sizeof(ic->desc.peer), "%s", vm_id ? ch->peer : vm->cfg.name);
	r = dev_chan_attach(vm->kd->dev, ic);
	if (!r)
		return 0;
	snprintf(err, errlen, "%s: channels[%u] \"%s\": attaching %s's end: %s%s", vm->cfg.label,
		 ch->entry, ch->name, vm_id ? vm->cfg.name : "VM0", strerror(-r),
		 r == -EEXIST ? " (the hypervisor holds the channel for other VMs or another size, or the place clashes: remove both VMs to change it)" :
		 r == -ENOMEM ? " (no free channel slot or guest pool block)" :
		 r == -EBUSY ? " (that end is attached already)" : "");
	return r;
}

int vm_chan_attach(void *opaque, const struct cfg_chan *ch, uint32_t *chan_id, uint32_t *end,
		   char *err, size_t errlen)
{
	struct vm *vm = opaque;
	struct keel_ioc_chan ic, vm0_ic;
	int r = chan_agree(vm->kd, &vm->cfg, ch, true, err, errlen);

	if (r || (r = chan_hyp_attach(vm, ch, vm->id, &ic, err, errlen)))
		return r;
	/* VM0's end, made (or found, from an earlier boot) by keel.ko. */
	if (!strcmp(ch->peer, KEEL_CHAN_VM0_NAME) &&
	    (r = chan_hyp_attach(vm, ch, 0, &vm0_ic, err, errlen)))
		return r;
	*chan_id = ic.chan_id;
	*end = ic.end;
	return 0;
}

void vm_chan_detach_vm0(void *opaque, uint32_t chan_id)
{
	struct vm *vm = opaque;
	int r = dev_chan_detach(vm->kd->dev, chan_id);

	if (r)
		klog("vm %u: VM0's end of channel %u stays: %s%s", vm->id, chan_id, strerror(-r),
		     r == -EBUSY ? " (its /dev/ttyKC or /dev/keelchan is open)" : "");
}
