// SPDX-License-Identifier: GPL-2.0
/*
 * Keel's schema, the lifecycle keys beside on_poweroff / on_reboot:
 *   "autostart": true          keeld creates and boots it when it starts
 *                              (configs in /etc/keel/auto/ are, marked or not)
 *   "on_crash": "stop"         (default) a crashed guest stays stopped;
 *               "restart"      booted again after a back-off (1 s, doubling
 *                              up to CFG_CRASH_BACKOFF_MAX_S), at most
 *   "crash_restarts": 3        times in a row (a run longer than
 *                              CFG_CRASH_RESET_S starts the count over).
 */
#include <errno.h>
#include <string.h>

#include "priv.h"

int cfg_parse_lifecycle(struct pctx *p, json_t *root)
{
	struct vm_config *c = p->cfg;
	json_t *v;
	uint64_t n;
	int on = 0, r;

	c->crash_restarts = CFG_CRASH_RESTARTS_DEFAULT;
	if ((v = json_object_get(root, "autostart"))) {
		if (!json_is_boolean(v))
			return cfg_fail(p, EINVAL, "autostart", v, "is not true or false");
		c->autostart = json_is_true(v);
	}
	if ((r = cfg_get_on(p, root, "on_crash", "stop", "restart", &on)))
		return r;
	c->on_crash = on ? CFG_CRASH_RESTART : CFG_CRASH_STOP;
	if ((v = json_object_get(root, "crash_restarts"))) {
		if ((r = cfg_get_u64(p, "crash_restarts", v, &n)))
			return r;
		if (n > CFG_CRASH_RESTARTS_MAX)
			return cfg_fail(p, EINVAL, "crash_restarts", v, "is more than %d",
					CFG_CRASH_RESTARTS_MAX);
		c->crash_restarts = (unsigned)n;
	}
	return 0;
}
