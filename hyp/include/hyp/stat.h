/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef HYP_STAT_H
#define HYP_STAT_H

struct keel_stat;

/* Fill a whole struct keel_stat: pools, every pCPU, every vCPU of every
 * VM (VM0 first). */
void stat_fill(struct keel_stat *st);
#endif
