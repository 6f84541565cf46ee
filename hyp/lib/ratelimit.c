// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <hyp/ratelimit.h>

bool ratelimit_take(struct ratelimit *rl, u64 now, u64 period, u32 burst, u64 *dropped)
{
	if (!rl->primed) {
		rl->primed = true;
		rl->tokens = burst;
		rl->stamp = now;
	}
	/* now < stamp (a clock that went back) adds nothing rather than
	 * a wrapped-around fortune of tokens. */
	if (period && now > rl->stamp && now - rl->stamp >= period) {
		u64 add = (now - rl->stamp) / period;

		if (add >= burst - rl->tokens) {
			rl->tokens = burst;
			rl->stamp = now;
		} else {
			rl->tokens += (u32)add;
			rl->stamp += add * period;
		}
	}
	if (!rl->tokens) {
		rl->suppressed++;
		return false;
	}
	rl->tokens--;
	*dropped = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
