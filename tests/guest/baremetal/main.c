// SPDX-License-Identifier: GPL-2.0
/*
 * A bare-metal guest for Keel's tests (tests/system/test_baremetal.py).
 * It runs with the MMU off (so every data access is Device memory: no
 * unaligned accesses, -mstrict-align), finds its UART and GIC in the DT
 * Keel passes in x0, then prints one line per step:
 *   the DT and where it runs, its data segment, N virtual timer interrupts
 *   (PPI 27), an SGI it sends itself, vCPU 1 brought up with PSCI CPU_ON,
 *   and finally PSCI SYSTEM_OFF.
 * With "keel.crash" on its command line (/chosen/bootargs) it stops after
 * the first lines with a load pair from its UART instead: an MMIO access
 * without syndrome, which Keel cannot emulate and treats as the guest's
 * crash (KEEL_STOP_CRASH): what tests/system/test_on_crash.py needs, in a
 * guest that boots in well under a second.
 * GICv3 through the system registers, GICv2 through the CPU interface MMIO.
 */
#include <stdbool.h>
#include <stdint.h>

#include <keel/guest.h>

#define TICKS 3
#define SGI_ID 1
#define TIMER_PPI 27

#define PSCI_CPU_OFF 0x84000002U
#define PSCI_CPU_ON_64 0xC4000003U
#define PSCI_SYSTEM_OFF 0x84000008U

#define FDT_MAGIC 0xd00dfeedU
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

#define read_sysreg(r) ({ uint64_t v_; __asm__ volatile("mrs %0, " #r : "=r"(v_)); v_; })
#define write_sysreg(v, r) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)))
#define isb() __asm__ volatile("isb" : : : "memory")

/* GICv3 CPU interface registers by encoding (the assembler may lack names). */
#define ICC_SRE_EL1 S3_0_C12_C12_5
#define ICC_PMR_EL1 S3_0_C4_C6_0
#define ICC_BPR1_EL1 S3_0_C12_C12_3
#define ICC_IGRPEN1_EL1 S3_0_C12_C12_7
#define ICC_IAR1_EL1 S3_0_C12_C12_0
#define ICC_EOIR1_EL1 S3_0_C12_C12_1
#define ICC_SGI1R_EL1 S3_0_C12_C11_5

static uint64_t uart = KEEL_GUEST_UART_BASE, gicd, gicr, gicc;
static int gic_version;
static bool crash;
static volatile unsigned ticks, sgis, cpu1_up;
static uint64_t timer_step;
/* Set by the loader (ELF data segment, or the raw image's bytes). */
static volatile uint32_t data_marker = 0x600dda7a;
static uint8_t stack1[8192] __attribute__((aligned(16)));

/* Single str/ldr with a plain base register, so the hypervisor's stage-2
 * abort has a valid syndrome (ISV) to forward the access. */
static inline void mmio_w32(uint64_t a, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline uint32_t mmio_r32(uint64_t a)
{
	uint32_t v;

	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static void putc_(char c)
{
	/* UARTFR.TXFF: wait while the transmit FIFO is full. */
	while (mmio_r32(uart + 0x18) & (1U << 5))
		;
	mmio_w32(uart, (uint8_t)c);
}

static void puts_(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_('\r');
		putc_(*s);
	}
}

static void puthex(uint64_t v)
{
	char b[19];
	int i = 18;

	b[i] = 0;
	do {
		unsigned d = v & 0xf;

		b[--i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v >>= 4;
	} while (v);
	b[--i] = 'x';
	b[--i] = '0';
	puts_(b + i);
}

static void putdec(uint64_t v)
{
	char b[21];
	int i = 20;

	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_(b + i);
}

static uint64_t psci(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	/* The DT's psci node says "hvc" for Keel guests. */
	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

static void power_off(void)
{
	psci(PSCI_SYSTEM_OFF, 0, 0, 0);
	puts_("baremetal: FAIL: SYSTEM_OFF returned\n");
	for (;;)
		__asm__ volatile("wfi");
}

static void fail(const char *what)
{
	puts_("baremetal: FAIL: ");
	puts_(what);
	puts_("\n");
	power_off();
}

/* ---- the device tree (big-endian cells, 4-byte aligned) ---- */

static uint32_t be32(uint64_t a)
{
	uint32_t v = *(volatile uint32_t *)a;

	return __builtin_bswap32(v);
}

static uint64_t be64(uint64_t a)
{
	return ((uint64_t)be32(a) << 32) | be32(a + 4);
}

static bool streq(uint64_t a, const char *s)
{
	for (; *s; a++, s++)
		if (*(volatile char *)a != *s)
			return false;
	return *(volatile char *)a == 0;
}

static uint64_t strsize(uint64_t a)
{
	uint64_t n = 0;

	while (*(volatile char *)(a + n))
		n++;
	return n + 1;
}

/* Does the NUL-terminated string at a hold the word w (space separated)? */
static bool has_word(uint64_t a, const char *w)
{
	for (;;) {
		const char *s = w;
		uint64_t p = a;

		while (*s && *(volatile char *)p == *s)
			p++, s++;
		if (!*s && (*(volatile char *)p == ' ' || *(volatile char *)p == 0))
			return true;
		while (*(volatile char *)a && *(volatile char *)a != ' ')
			a++;
		if (!*(volatile char *)a)
			return false;
		a++;
	}
}

/* Does a "compatible" list hold s? */
static bool compat_has(uint64_t v, uint32_t len, const char *s)
{
	for (uint64_t end = v + len; v < end; v += strsize(v))
		if (streq(v, s))
			return true;
	return false;
}

enum { C_NONE, C_GICV3, C_GICV2, C_UART };

/* The root's #address-cells and #size-cells are 2 in Keel's guest DT. */
static bool dt_scan(uint64_t dt)
{
	uint64_t p, strs;
	uint64_t reg[4] = { 0 };
	int kind = C_NONE;

	if (be32(dt) != FDT_MAGIC)
		return false;
	p = dt + be32(dt + 8);
	strs = dt + be32(dt + 12);
	for (;;) {
		uint32_t tok = be32(p);

		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			p += (strsize(p) + 3) & ~3ULL;
			kind = C_NONE;
			reg[0] = reg[2] = 0;
		} else if (tok == FDT_PROP) {
			uint32_t len = be32(p), name = be32(p + 4);
			uint64_t v = p + 8;

			if (streq(strs + name, "compatible")) {
				if (compat_has(v, len, "arm,gic-v3"))
					kind = C_GICV3;
				else if (compat_has(v, len, "arm,cortex-a15-gic"))
					kind = C_GICV2;
				else if (compat_has(v, len, "arm,pl011"))
					kind = C_UART;
			} else if (streq(strs + name, "bootargs") && len) {
				crash = has_word(v, "keel.crash");
			} else if (streq(strs + name, "reg") && len >= 16) {
				reg[0] = be64(v);
				reg[2] = len >= 32 ? be64(v + 16) : 0;
			}
			p = v + ((len + 3) & ~3U);
		} else if (tok == FDT_END_NODE) {
			if (kind == C_GICV3)
				gic_version = 3, gicd = reg[0], gicr = reg[2];
			else if (kind == C_GICV2)
				gic_version = 2, gicd = reg[0], gicc = reg[2];
			else if (kind == C_UART && reg[0])
				uart = reg[0];
			kind = C_NONE;
		} else if (tok == FDT_END) {
			return true;
		} else if (tok != FDT_NOP) {
			return false;
		}
	}
}

/* ---- GIC ---- */

static unsigned cpu_index(void)
{
	return read_sysreg(mpidr_el1) & 0xff;
}

static void gicv3_cpu_init(void)
{
	unsigned cpu = cpu_index();
	uint64_t rd = gicr + (uint64_t)cpu * 0x20000, sgi = rd + 0x10000;

	/* GICR_TYPER[63:32] is this redistributor's affinity. */
	if ((mmio_r32(rd + 0xc) & 0xff) != cpu)
		fail("GICR_TYPER affinity is not this vCPU's");
	mmio_w32(rd + 0x14, mmio_r32(rd + 0x14) & ~(1U << 1));  /* GICR_WAKER.ProcessorSleep */
	while (mmio_r32(rd + 0x14) & (1U << 2))                  /* ChildrenAsleep */
		;
	mmio_w32(sgi + 0x80, 0xffffffff);                        /* GICR_IGROUPR0: group 1 */
	mmio_w32(sgi + 0x400, 0xa0a0a0a0);                       /* priorities of INTIDs 0..3 */
	mmio_w32(sgi + 0x400 + 24, 0xa0a0a0a0);                  /* ... and 24..27 */
	mmio_w32(sgi + 0x100, (1U << SGI_ID) | (1U << TIMER_PPI)); /* GICR_ISENABLER0 */
	write_sysreg(0xff, ICC_PMR_EL1);
	write_sysreg(0, ICC_BPR1_EL1);
	write_sysreg(1, ICC_IGRPEN1_EL1);
	isb();  /* the CPU interface enabled before IRQs are unmasked */
}

static void gicv2_cpu_init(void)
{
	mmio_w32(gicd + 0x400, 0xa0a0a0a0);                      /* GICD_IPRIORITYR: 0..3 */
	mmio_w32(gicd + 0x400 + 24, 0xa0a0a0a0);                 /* 24..27 */
	mmio_w32(gicd + 0x100, (1U << SGI_ID) | (1U << TIMER_PPI)); /* GICD_ISENABLER0 (banked) */
	mmio_w32(gicc + 0x4, 0xff);                              /* GICC_PMR */
	mmio_w32(gicc + 0x0, 1);                                 /* GICC_CTLR: enable */
}

static bool gic_init(void)
{
	if (gic_version == 3) {
		write_sysreg(read_sysreg(ICC_SRE_EL1) | 1, ICC_SRE_EL1);
		isb();  /* SRE takes effect before the read-back */
		if (!(read_sysreg(ICC_SRE_EL1) & 1))
			return false;
		/* GICD_CTLR: ARE, Group 1 enabled; wait for RWP. */
		mmio_w32(gicd, (1U << 4) | (1U << 1) | 1U);
		while (mmio_r32(gicd) & (1U << 31))
			;
		gicv3_cpu_init();
	} else {
		mmio_w32(gicd, 1);                               /* GICD_CTLR */
		gicv2_cpu_init();
	}
	return true;
}

static uint32_t gic_ack(void)
{
	return gic_version == 3 ? (uint32_t)read_sysreg(ICC_IAR1_EL1) : mmio_r32(gicc + 0xc);
}

static void gic_eoi(uint32_t iar)
{
	if (gic_version == 3)
		write_sysreg(iar, ICC_EOIR1_EL1);
	else
		mmio_w32(gicc + 0x10, iar);
}

static void gic_send_sgi_self(void)
{
	if (gic_version == 3) {
		/* Aff3..1 = 0, target list bit = our Aff0, INTID in 27:24. */
		write_sysreg((1ULL << cpu_index()) | ((uint64_t)SGI_ID << 24), ICC_SGI1R_EL1);
		isb();  /* the SGI is sent before we wait for it */
	} else {
		mmio_w32(gicd + 0xf00, (2U << 24) | SGI_ID);     /* GICD_SGIR: to ourselves */
	}
}

/* ---- interrupts ---- */

void bm_irq(uint64_t vec);
void bm_irq(uint64_t vec)
{
	uint32_t iar = gic_ack(), intid = iar & 0xffffff;

	if (intid >= 1020)
		return;  /* spurious */
	if (intid == TIMER_PPI) {
		ticks++;
		puts_("baremetal: timer tick ");
		putdec(ticks);
		puts_("\n");
		if (ticks < TICKS)
			write_sysreg(timer_step, cntv_tval_el0);
		else
			write_sysreg(0, cntv_ctl_el0);  /* off: the line drops */
		isb();  /* the timer reprogrammed before the EOI */
	} else if ((intid & 0x3ff) == SGI_ID) {
		sgis++;
		puts_("baremetal: SGI ");
		putdec(SGI_ID);
		puts_(" taken on cpu ");
		putdec(cpu_index());
		puts_("\n");
	} else {
		puts_("baremetal: unexpected interrupt ");
		putdec(intid);
		puts_("\n");
	}
	gic_eoi(iar);
}

void bm_unexpected(uint64_t vec);
void bm_unexpected(uint64_t vec)
{
	puts_("baremetal: FAIL: exception at vector ");
	puthex(vec);
	puts_(" ESR ");
	puthex(read_sysreg(esr_el1));
	puts_(" ELR ");
	puthex(read_sysreg(elr_el1));
	puts_("\n");
	power_off();
}

/* Wait for *v >= n with IRQs masked around the test, so an interrupt
 * between the test and WFI still wakes the WFI (it is pending). */
static void wait_for(volatile unsigned *v, unsigned n)
{
	for (;;) {
		__asm__ volatile("msr daifset, #2" : : : "memory");
		if (*v >= n)
			break;
		__asm__ volatile("wfi");
		__asm__ volatile("msr daifclr, #2" : : : "memory");
	}
	__asm__ volatile("msr daifclr, #2" : : : "memory");
}

/* ---- vCPU 1 ---- */

void bm_secondary(void);
void bm_secondary(void)
{
	puts_("baremetal: cpu ");
	putdec(cpu_index());
	puts_(" up, MPIDR ");
	puthex(read_sysreg(mpidr_el1));
	puts_("\n");
	cpu1_up = 1;
	psci(PSCI_CPU_OFF, 0, 0, 0);
	puts_("baremetal: FAIL: CPU_OFF returned\n");
}

void secondary_entry(void);
void bm_main(uint64_t dt, uint64_t self);
void bm_main(uint64_t dt, uint64_t self)
{
	uint64_t r;

	puts_("baremetal: hello from ");
	puthex(self);
	puts_(", device tree at ");
	puthex(dt);
	puts_("\n");
	if (!dt_scan(dt))
		fail("x0 is not a device tree");
	if (!gic_version)
		fail("no GIC in the device tree");
	puts_("baremetal: GICv");
	putdec((uint64_t)gic_version);
	puts_(" at ");
	puthex(gicd);
	puts_(", UART at ");
	puthex(uart);
	puts_("\n");
	if (data_marker != 0x600dda7a)
		fail("the data segment was not loaded");
	puts_("baremetal: data segment ok\n");
	if (crash) {
		uint32_t a, b;

		puts_("baremetal: keel.crash: ldp from the UART\n");
		/* A pair load has no syndrome (ISV = 0): Keel stops us here. */
		__asm__ volatile("ldp %w0, %w1, [%2]" : "=&r"(a), "=&r"(b) : "r"(uart) : "memory");
		fail("the ldp from the UART returned");
	}
	if (!gic_init())
		fail("ICC_SRE_EL1.SRE does not stick (no GICv3 system registers)");

	/* The virtual timer, 20 ms a tick. */
	timer_step = read_sysreg(cntfrq_el0) / 50;
	write_sysreg(timer_step, cntv_tval_el0);
	write_sysreg(1, cntv_ctl_el0);
	isb();  /* the timer armed before we wait for it */
	wait_for(&ticks, TICKS);

	gic_send_sgi_self();
	wait_for(&sgis, 1);

	r = psci(PSCI_CPU_ON_64, 1, (uint64_t)(uintptr_t)secondary_entry,
		 (uint64_t)(uintptr_t)(stack1 + sizeof(stack1)));
	if (r)
		fail("CPU_ON");
	/* Quiet until vCPU 1 has printed its line: one UART, two writers. */
	while (!cpu1_up)
		;
	puts_("baremetal: CPU_ON cpu 1: ");
	putdec(r);
	puts_("\n");
	puts_("baremetal: all done, powering off\n");
	power_off();
}
