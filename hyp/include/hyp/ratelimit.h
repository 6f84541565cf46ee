/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* A token bucket for log lines: burst lines at once, then one per period.
 * Pure (the caller passes the time and holds any lock), so host unit
 * tests drive it with their own clock. */
#ifndef HYP_RATELIMIT_H
#define HYP_RATELIMIT_H
#include <hyp/types.h>

struct ratelimit {
	bool primed;
	u32 tokens;
	u64 stamp;      /* when tokens were last topped up, in the caller's unit */
	u64 suppressed; /* refused since the last line that passed */
};

/* May one more line go out at time now? On yes, *dropped is the number
 * refused since the previous one (to be reported), and the count restarts. */
bool ratelimit_take(struct ratelimit *rl, u64 now, u64 period, u32 burst, u64 *dropped);
#endif
