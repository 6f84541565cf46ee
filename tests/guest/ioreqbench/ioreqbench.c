// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark, loaded inside a guest: round trip of an MMIO read that VM0's
 * keeld serves (the PL011 interrupt mask register, through an ioreq) beside a null
 * hypercall (trap to the hypervisor and straight back), medians of N each,
 * timed with the virtual counter.
 */
#include <linux/arm-smccc.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <asm/arch_timer.h>
#include <keel/guest.h>
#include <keel/hypercall.h>

static unsigned int iterations = 10000;
module_param(iterations, uint, 0444);

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median_ns(u64 *t, unsigned int n)
{
	sort(t, n, sizeof(*t), cmp_u64, NULL);
	return div_u64(t[n / 2] * 1000000000ULL, arch_timer_get_cntfrq());
}

static int __init ioreqbench_init(void)
{
	void __iomem *uart = ioremap(KEEL_GUEST_UART_BASE, KEEL_GUEST_UART_SIZE);
	u64 *t = kmalloc_array(iterations, sizeof(u64), GFP_KERNEL);
	u64 mmio, shadow, hvc;
	unsigned int i;

	if (!uart || !t || iterations < 2) {
		kfree(t);
		if (uart)
			iounmap(uart);
		return -ENOMEM;
	}
	for (i = 0; i < iterations; i++) {
		u64 t0 = __arch_counter_get_cntvct();

		/* UARTIMSC: keeld answers it (an ioreq; CR and FR are shadowed). */
		readl(uart + 0x38);
		t[i] = __arch_counter_get_cntvct() - t0;
	}
	mmio = median_ns(t, iterations);
	for (i = 0; i < iterations; i++) {
		u64 t0 = __arch_counter_get_cntvct();

		readl(uart + 0x18);  /* UARTFR: a shadow register, the hypervisor answers */
		t[i] = __arch_counter_get_cntvct() - t0;
	}
	shadow = median_ns(t, iterations);
	for (i = 0; i < iterations; i++) {
		struct arm_smccc_res res;
		u64 t0 = __arch_counter_get_cntvct();

		arm_smccc_1_1_hvc(KEEL_HC_VERSION, &res);
		t[i] = __arch_counter_get_cntvct() - t0;
	}
	hvc = median_ns(t, iterations);
	pr_info("ioreqbench: %u iterations: ioreq MMIO read %llu ns, null hypercall %llu ns, shadow MMIO read %llu ns (median)\n",
		iterations, mmio, hvc, shadow);
	kfree(t);
	iounmap(uart);
	return 0;
}

static void __exit ioreqbench_exit(void)
{
}

module_init(ioreqbench_init);
module_exit(ioreqbench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Keel benchmark: ioreq round trip vs null hypercall");
