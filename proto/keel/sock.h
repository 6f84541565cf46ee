/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/**
 * @file sock.h
 * @brief The keel <-> keeld socket protocol.
 *
 * A UNIX stream socket at KEEL_SOCK_PATH. Each message is a struct
 * keel_sock_hdr followed by hdr.len bytes of UTF-8 JSON:
 *   request:  {"cmd": "vm.boot", "args": {"id": 1}}
 *   response: {"ok": true, "result": {...}}
 *          or {"ok": false, "errno": 22, "error": "vm.json: cpu.num: 9 is more than 8"}
 * One response per request, in order, with the request's seq.
 *
 * Commands: "daemon.ping", "vm.config" {"path": ...} or {"config": {...}} -> {"id"},
 * "vm.boot" {"id"}, "vm.list" -> {"vms": [...]}, "vm.info" {"id"},
 * "vm.shutdown" {"id", "force"}, "vm.reboot" {"id", "force"}, "vm.remove" {"id"},
 * "vm.console_history" {"id"} -> {"data": "..."}, "system.info".
 */
#ifndef KEEL_PROTO_SOCK_H
#define KEEL_PROTO_SOCK_H

#include "types.h"

#define KEEL_SOCK_PATH "/run/keel/keeld.sock"
#define KEEL_SOCK_MAGIC 0x434f534bU /* "KSOC" */
#define KEEL_SOCK_REVISION 1
#define KEEL_SOCK_MAX_PAYLOAD (1U << 20)

#define KEEL_SOCK_REQUEST 1
#define KEEL_SOCK_RESPONSE 2

struct keel_sock_hdr {
	__u32 magic;     /**< KEEL_SOCK_MAGIC */
	__u16 revision;  /**< KEEL_SOCK_REVISION: a mismatch gets an error response */
	__u16 type;      /**< KEEL_SOCK_REQUEST or KEEL_SOCK_RESPONSE */
	__u32 len;       /**< payload bytes, at most KEEL_SOCK_MAX_PAYLOAD */
	__u32 seq;       /**< echoed in the response */
};
KEEL_STATIC_ASSERT(sizeof(struct keel_sock_hdr) == 16, "keel_sock_hdr layout");

#endif
