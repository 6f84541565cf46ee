/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vswitch's insides, shared by its files (vswitch.c: switches, ports,
 * forwarding; mactable.c: learned addresses; uplink.c: the TAP) and its
 * unit tests. Port owners use vswitch.h only.
 */
#ifndef KEELD_VSWITCH_PRIV_H
#define KEELD_VSWITCH_PRIV_H

#include "vswitch.h"

#define VSWITCH_MTU 1500
/* A GSO frame carries up to 64 KiB of IP packet: the limit of what a TAP
 * or a guest may hand the switch as one frame (plus an 802.1Q tag). */
#define VSWITCH_GSO_MAX (65535 + VSWITCH_ETH_HLEN + 4)
#define VSWITCH_AGE_MS (300 * 1000ULL)   /* 802.1D's default ageing time */

/* The MAC table: VSWITCH_MAC_SETS sets of VSWITCH_MAC_WAYS entries. A
 * full set evicts its oldest learned entry, so a port sending from random
 * sources costs other ports at most a flood, never their static entries. */
#define VSWITCH_MAC_SETS 256
#define VSWITCH_MAC_WAYS 4

struct mac_entry {
	uint8_t mac[6];
	bool is_static;             /* a guest port's own MAC: never ages, never moves */
	struct vswitch_port *port;  /* NULL: free */
	uint64_t seen_ms;
};

struct mactable {
	struct mac_entry e[VSWITCH_MAC_SETS][VSWITCH_MAC_WAYS];
	uint64_t age_ms;
};

void mactable_init(struct mactable *t, uint64_t age_ms);
/* The port that owns mac now, or NULL (unknown or aged out). */
struct vswitch_port *mactable_lookup(struct mactable *t, const uint8_t mac[6], uint64_t now);
/* mac was seen coming from p. A static entry is never moved by this;
 * returns false when mac is another port's static address. */
bool mactable_learn(struct mactable *t, const uint8_t mac[6], struct vswitch_port *p,
		    bool is_static, uint64_t now);
void mactable_forget_port(struct mactable *t, const struct vswitch_port *p);
/* [{"mac", "port", "age_s", "static"}] of the live entries. */
json_t *mactable_json(const struct mactable *t, uint64_t now);

struct vswitch_port {
	struct vswitch *sw;
	struct vswitch_port *next;
	char name[32];
	uint8_t mac[6];
	bool uplink;                /* may send from any unicast source */
	const struct vswitch_port_ops *ops;
	void *opaque;
	struct vswitch_port_stats st;
};

struct vswitch {
	struct vswitch *next;
	char name[VSWITCH_NAME_MAX];
	unsigned refs;
	unsigned mtu;
	uv_loop_t *loop;
	struct vswitch_port *ports;     /* the uplink among them */
	struct vswitch_port *uplink;
	void *uplink_priv;              /* the uplink backend's state */
	struct mactable macs;
};

/* How a switch gets its uplink: uplink.c's TAP in keeld; unit tests and
 * fuzzers put their own in vswitch_uplink_backend. open() adds the
 * uplink port (vswitch_port_new with uplink = true) and sets sw->uplink. */
struct vswitch_uplink_ops {
	int (*open)(struct vswitch *sw, char *err, size_t errlen);
	void (*close)(struct vswitch *sw);
};
extern const struct vswitch_uplink_ops vswitch_tap_uplink;
/* uplink.c's reading and writing on fd (a TAP with the 12-byte header, or
 * in tests any descriptor that keeps frames apart): makes sw's uplink. */
int tap_uplink_attach(struct vswitch *sw, int fd, const char *ifname, const uint8_t mac[6],
		      char *err, size_t errlen);
extern const struct vswitch_uplink_ops *vswitch_uplink_backend;

/* Milliseconds on a monotonic clock; tests replace it (NULL restores). */
void vswitch_set_clock(uint64_t (*now_ms)(void));
uint64_t vswitch_now(void);

struct vswitch_port *vswitch_port_new(struct vswitch *sw, const char *name, const uint8_t mac[6],
				      bool uplink, const struct vswitch_port_ops *ops, void *opaque);

static inline bool mac_is_multicast(const uint8_t mac[6])
{
	return mac[0] & 1;  /* the I/G bit; broadcast included */
}

void mac_format(char out[18], const uint8_t mac[6]);

#endif
