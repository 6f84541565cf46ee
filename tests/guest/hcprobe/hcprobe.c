// SPDX-License-Identifier: GPL-2.0
/*
 * Bad-input probe, loaded inside a guest: issues every Keel management
 * hypercall with plausible arguments and reports what came back. A guest
 * must get SMCCC NOT_SUPPORTED (-1) for all of them and keep running.
 */
#include <linux/arm-smccc.h>
#include <linux/errno.h>
#include <linux/module.h>
#include <keel/hypercall.h>

static int __init hcprobe_init(void)
{
	unsigned int fn, denied = 0;

	for (fn = 0; fn < KEEL_HC_NR + 2; fn++) {
		struct arm_smccc_res res;

		/* Arguments that would mean something to VM0: VM id 1, low RAM. */
		arm_smccc_1_1_hvc(KEEL_HC(fn), 1, 0x40000000, 0x1000, &res);
		if (fn == KEEL_HC_CHAN_KICK_FN) {
			/* The one call a guest may make, for its own channels:
			 * this guest has none, so channel 1 is not its. */
			if ((long)res.a0 != -EINVAL)
				pr_err("hcprobe: fn %u was ACCEPTED from a guest: %ld\n", fn, (long)res.a0);
			continue;
		}
		if (fn == KEEL_HC_VERSION_FN) {
			/* Discovery is allowed to say nothing either; both are fine. */
			pr_info("hcprobe: fn %u -> %ld\n", fn, (long)res.a0);
			continue;
		}
		if ((long)res.a0 == KEEL_SMCCC_NOT_SUPPORTED)
			denied++;
		else
			pr_err("hcprobe: fn %u was ACCEPTED from a guest: %ld\n", fn, (long)res.a0);
	}
	pr_info("hcprobe: %u of %u management hypercalls refused\n", denied, KEEL_HC_NR);
	return 0;
}

static void __exit hcprobe_exit(void)
{
}

module_init(hcprobe_init);
module_exit(hcprobe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Keel test: management hypercalls from a guest");
