// SPDX-License-Identifier: GPL-2.0
/*
 * The vswitch's MAC table: a set-associative cache of (MAC -> port).
 * Fixed size, so no source address stream can grow keeld's memory; a
 * lookup touches one set. Entries age out VSWITCH_AGE_MS after the last
 * frame from their MAC (checked when read: no timer to run).
 */
#include <stdio.h>
#include <string.h>

#include "vswitch_priv.h"

void mac_format(char out[18], const uint8_t mac[6])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

static struct mac_entry *mac_set(struct mactable *t, const uint8_t mac[6])
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (int i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return t->e[(h ^ (h >> 16)) % VSWITCH_MAC_SETS];
}

static bool entry_live(const struct mactable *t, const struct mac_entry *e, uint64_t now)
{
	return e->port && (e->is_static || now - e->seen_ms < t->age_ms);
}

void mactable_init(struct mactable *t, uint64_t age_ms)
{
	memset(t, 0, sizeof(*t));
	t->age_ms = age_ms;
}

struct vswitch_port *mactable_lookup(struct mactable *t, const uint8_t mac[6], uint64_t now)
{
	struct mac_entry *set = mac_set(t, mac);

	for (int w = 0; w < VSWITCH_MAC_WAYS; w++)
		if (set[w].port && !memcmp(set[w].mac, mac, 6))
			return entry_live(t, &set[w], now) ? set[w].port : NULL;
	return NULL;
}

bool mactable_learn(struct mactable *t, const uint8_t mac[6], struct vswitch_port *p,
		    bool is_static, uint64_t now)
{
	struct mac_entry *set = mac_set(t, mac), *victim = NULL;

	for (int w = 0; w < VSWITCH_MAC_WAYS; w++) {
		struct mac_entry *e = &set[w];

		if (e->port && !memcmp(e->mac, mac, 6)) {
			/* A guest's own address stays its own: a frame from
			 * elsewhere claiming it does not redirect its traffic. */
			if (e->is_static && e->port != p)
				return false;
			e->port = p;
			e->is_static = e->is_static || is_static;
			e->seen_ms = now;
			return true;
		}
	}
	/* A new address: a free or expired way, else the oldest learned one.
	 * A set of static entries only keeps them: the newcomer floods. */
	for (int w = 0; w < VSWITCH_MAC_WAYS; w++) {
		struct mac_entry *e = &set[w];

		if (!entry_live(t, e, now)) {
			victim = e;
			break;
		}
		if (!e->is_static && (!victim || e->seen_ms < victim->seen_ms))
			victim = e;
	}
	if (victim) {
		memcpy(victim->mac, mac, 6);
		victim->port = p;
		victim->is_static = is_static;
		victim->seen_ms = now;
	}
	return true;
}

void mactable_forget_port(struct mactable *t, const struct vswitch_port *p)
{
	for (int s = 0; s < VSWITCH_MAC_SETS; s++)
		for (int w = 0; w < VSWITCH_MAC_WAYS; w++)
			if (t->e[s][w].port == p)
				memset(&t->e[s][w], 0, sizeof(t->e[s][w]));
}

json_t *mactable_json(const struct mactable *t, uint64_t now)
{
	json_t *a = json_array();

	for (int s = 0; s < VSWITCH_MAC_SETS; s++)
		for (int w = 0; w < VSWITCH_MAC_WAYS; w++) {
			const struct mac_entry *e = &t->e[s][w];
			char mac[18];

			if (!entry_live(t, e, now))
				continue;
			mac_format(mac, e->mac);
			json_array_append_new(
			    a, json_pack("{s:s, s:s, s:I, s:b}", "mac", mac, "port", e->port->name,
					 "age_s",
					 (json_int_t)(e->is_static ? 0 : (now - e->seen_ms) / 1000),
					 "static", e->is_static));
		}
	return a;
}
