// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The hypervisor log: each line to the UART and into a ring that VM0 reads
 * with KEEL_HC_LOG_READ. Sequence numbers count bytes ever written, so a
 * reader that fell behind knows it lost the oldest part. */
#include <asm/timer.h>
#include <hyp/config.h>
#include <hyp/log.h>
#include <hyp/ratelimit.h>
#include <hyp/spinlock.h>
#include <hyp/uart.h>
#include <keel/vm.h>

static char ring[LOG_RING_SIZE];
static u64 ring_seq;  /* total bytes written */
static spinlock_t log_lock = SPINLOCK_INIT;

static void uart_out(char c)
{
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
}

static void emit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ring[ring_seq++ % LOG_RING_SIZE] = s[i];
		uart_out(s[i]);
	}
}

/* Lines logged before the UART was known (a DT too broken to say where it
 * is, or parsed after the error): print them once it is. */
void log_replay(void)
{
	u64 first = ring_seq > LOG_RING_SIZE ? ring_seq - LOG_RING_SIZE : 0;

	for (u64 i = first; i < ring_seq; i++)
		uart_out(ring[i % LOG_RING_SIZE]);
}

void log_vprintf(const char *fmt, va_list ap)
{
	char line[256];
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	u64 flags;

	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	flags = irq_save();
	spin_lock(&log_lock);
	emit(line, n);
	spin_unlock(&log_lock);
	irq_restore(flags);
}

void log_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(fmt, ap);
	va_end(ap);
}

/*
 * Lines a guest causes at will (an undefined system register in a loop, a
 * stream of aborts) would otherwise fill the UART and VM0's view of the
 * ring: a bucket per VM, LOG_GUEST_BURST lines then one per second, and
 * the count of dropped lines before the next one that passes.
 */
#define LOG_GUEST_BURST 10

static struct ratelimit guest_limit[KEEL_MAX_VMS];
static spinlock_t limit_lock = SPINLOCK_INIT;

/* May vm log a line now? Sets *dropped to what it lost since the last one. */
static bool log_guest_take(u32 vm, u64 *dropped)
{
	u64 flags = irq_save();
	bool ok;

	if (vm >= KEEL_MAX_VMS)
		vm = 0; /* out of range: share VM0's slot rather than index past */
	spin_lock(&limit_lock);
	/* The counter in ticks, a period of one second's worth of them. */
	ok = ratelimit_take(&guest_limit[vm], arch_timer_now(), arch_timer_freq(),
			    LOG_GUEST_BURST, dropped);
	spin_unlock(&limit_lock);
	irq_restore(flags);
	return ok;
}

void log_guest(u32 vm, const char *fmt, ...)
{
	u64 dropped;
	va_list ap;

	if (!log_guest_take(vm, &dropped))
		return;
	if (dropped)
		log_printf("keel: vm%u: %llu lines suppressed (rate limit)", vm,
			   (unsigned long long)dropped);
	va_start(ap, fmt);
	log_vprintf(fmt, ap);
	va_end(ap);
}

size_t log_read(char *dst, size_t size, u64 *seq)
{
	u64 flags = irq_save();
	size_t n = 0;

	spin_lock(&log_lock);
	if (*seq + LOG_RING_SIZE < ring_seq)
		*seq = ring_seq - LOG_RING_SIZE;  /* overwritten: skip to the oldest kept */
	if (*seq > ring_seq)
		*seq = ring_seq;
	for (; n < size && *seq < ring_seq; n++, (*seq)++)
		dst[n] = ring[*seq % LOG_RING_SIZE];
	spin_unlock(&log_lock);
	irq_restore(flags);
	return n;
}
