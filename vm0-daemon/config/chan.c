// SPDX-License-Identifier: GPL-2.0
/*
 * "channels" in Keel's schema: inter-VM channels (proto/keel/chan.h).
 *   "channels": [{"name": "ctl", "peer": "vm2", "size": "64K"}]
 * Both ends' configs declare the channel, with the same name and size and
 * each other as peer ("vm0" for VM0's end, which has no config). Channel n
 * of a config sits at KEEL_GUEST_CHAN_BASE + n * KEEL_CHAN_MAX_SIZE (or at
 * "ipa") and is raised on SPI KEEL_GUEST_CHAN_SPI + n. What one config
 * cannot know (is the peer configured, does it agree) keeld checks when
 * both are there (vm/chan.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <keel/chan.h>

#include "priv.h"

static const char *const chan_keys[] = { "name", "peer", "size", "ipa", NULL };

#define CHAN_DEFAULT_SIZE 0x10000ULL

static bool chan_name_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* What a channel's region may not cover: RAM, the GIC, keeld's device
 * windows (UART, GPIO, virtio-mmio), earlier channels. */
static int chan_check_place(struct pctx *p, json_t *v, const char *field, unsigned i)
{
	const struct vm_config *c = p->cfg;
	const struct cfg_chan *ch = &c->chan[i];
	const struct {
		uint64_t base, size;
		const char *what;
	} fixed[] = {
		{ KEEL_GUEST_UART_BASE, KEEL_GUEST_UART_SIZE, "the PL011" },
		{ KEEL_GUEST_GPIO_BASE, KEEL_GUEST_GPIO_SIZE, "the PL061" },
		{ KEEL_GUEST_VIRTIO_BASE, KEEL_GUEST_VIRTIO_MAX * KEEL_GUEST_VIRTIO_STRIDE,
		  "the virtio-mmio windows" },
		{ p->env->gicd, p->env->gicd ? KEEL_GUEST_GICD_SIZE : 0, "the GIC distributor" },
		{ p->env->gicr, p->env->gicr ? KEEL_MAX_VCPUS * KEEL_GUEST_GICR_STRIDE : 0,
		  "the GIC redistributors" },
		{ p->env->gicc, p->env->gicc ? KEEL_GUEST_GICC_SIZE : 0, "the GIC CPU interface" },
	};

	if (ch->ipa % PAGE_SIZE || ch->ipa + ch->size < ch->ipa ||
	    ch->ipa + ch->size > KEEL_GUEST_IPA_LIMIT)
		return cfg_fail(p, EINVAL, field, v,
				"is not a page-aligned guest address with the channel below 0x%llx",
				(unsigned long long)KEEL_GUEST_IPA_LIMIT);
	for (unsigned m = 0; m < c->nr_mem; m++)
		if (overlaps(ch->ipa, ch->size, c->mem[m].ipa, c->mem[m].size))
			return cfg_fail(p, EINVAL, field, v, "overlaps guest RAM (memory)");
	for (size_t f = 0; f < sizeof(fixed) / sizeof(fixed[0]); f++)
		if (overlaps(ch->ipa, ch->size, fixed[f].base, fixed[f].size))
			return cfg_fail(p, EINVAL, field, v, "overlaps %s", fixed[f].what);
	for (unsigned j = 0; j < i; j++)
		if (overlaps(ch->ipa, ch->size, c->chan[j].ipa, c->chan[j].size))
			return cfg_fail(p, EINVAL, field, v, "overlaps channels[%u] (0x%llx, %llu bytes)",
					j, (unsigned long long)c->chan[j].ipa,
					(unsigned long long)c->chan[j].size);
	return 0;
}

static int parse_chan(struct pctx *p, json_t *e, unsigned i)
{
	struct cfg_chan *ch = &p->cfg->chan[i];
	char field[64];
	json_t *v;
	int r;

	snprintf(field, sizeof(field), "channels[%u]", i);
	if ((r = cfg_check_entry(p, e, field, chan_keys,
				   "{\"name\": NAME, \"peer\": VM, \"size\": SIZE}")))
		return r;
	ch->entry = i;
	ch->spi = KEEL_GUEST_CHAN_SPI + i;
	ch->ipa = KEEL_GUEST_CHAN_BASE + i * KEEL_CHAN_MAX_SIZE;
	ch->size = CHAN_DEFAULT_SIZE;

	snprintf(field, sizeof(field), "channels[%u].name", i);
	v = json_object_get(e, "name");
	if ((r = cfg_get_string(p, field, v, ch->name, sizeof(ch->name))))
		return r;
	if (!ch->name[0] || !chan_name_ok(ch->name))
		return cfg_fail(p, EINVAL, field, v,
				"is not 1 to %d letters, digits, '-' or '_'", KEEL_CHAN_NAME_LEN - 1);
	for (unsigned j = 0; j < i; j++)
		if (!strcmp(p->cfg->chan[j].name, ch->name))
			return cfg_fail(p, EEXIST, field, v, "is named twice (also channels[%u])", j);

	snprintf(field, sizeof(field), "channels[%u].peer", i);
	v = json_object_get(e, "peer");
	if ((r = cfg_get_string(p, field, v, ch->peer, sizeof(ch->peer))))
		return r;
	if (!ch->peer[0])
		return cfg_fail(p, EINVAL, field, v, "is empty: the other VM's name, or \"vm0\"");
	if (!strcmp(ch->peer, p->cfg->name))
		return cfg_fail(p, EINVAL, field, v, "is this VM itself: a channel joins two VMs");

	snprintf(field, sizeof(field), "channels[%u].size", i);
	if ((v = json_object_get(e, "size"))) {
		if ((r = cfg_get_size(p, field, v, &ch->size)))
			return r;
		if (ch->size < KEEL_CHAN_MIN_SIZE || ch->size > KEEL_CHAN_MAX_SIZE)
			return cfg_fail(p, ERANGE, field, v, "is not between %llu KiB and %llu MiB",
					KEEL_CHAN_MIN_SIZE >> 10, KEEL_CHAN_MAX_SIZE >> 20);
		if (ch->size % PAGE_SIZE)
			return cfg_fail(p, EINVAL, field, v, "is not a multiple of %llu bytes",
					(unsigned long long)PAGE_SIZE);
	}

	snprintf(field, sizeof(field), "channels[%u].ipa", i);
	if ((v = json_object_get(e, "ipa")) && (r = cfg_get_u64(p, field, v, &ch->ipa)))
		return r;
	return chan_check_place(p, v, field, i);
}

int cfg_parse_channels(struct pctx *p, json_t *list)
{
	json_t *e;
	size_t i;
	int r;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return cfg_fail(p, EINVAL, "channels", list,
				"is not a list of {\"name\": NAME, \"peer\": VM, \"size\": SIZE}");
	if (json_array_size(list) > CFG_MAX_CHANS)
		return cfg_fail(p, EINVAL, "channels", NULL, "%zu channels, at most %d",
				json_array_size(list), CFG_MAX_CHANS);
	if (json_array_size(list) && !strcmp(p->cfg->name, KEEL_CHAN_VM0_NAME))
		return cfg_fail(p, EINVAL, "name", NULL,
				"\"%s\" names VM0's end of channels: a guest with channels needs another name",
				KEEL_CHAN_VM0_NAME);
	json_array_foreach(list, i, e) {
		if ((r = parse_chan(p, e, (unsigned)i)))
			return r;
		p->cfg->nr_chans++;
	}
	return 0;
}
