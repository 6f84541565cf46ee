// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * keel vm console: print the guest console's history from keeld, then join
 * the terminal to /dev/hvc<id> (keel.ko) until Ctrl-] or end of input.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "request.h"
#include "sock.h"

#define CONSOLE_ESCAPE	  0x1d /* Ctrl-] */
#define CONSOLE_LINGER_MS 300  /* after stdin ends: wait this long for more output */
/* ... but no longer than this in all: a guest that prints without pause
 * (booting, a loop) would otherwise keep a piped `keel vm console` alive. */
#define CONSOLE_LINGER_MAX_MS 2000

static struct termios saved_tio;
static int pump_errno; /* why PUMP_ERROR */
static volatile sig_atomic_t tio_saved;

size_t console_find_escape(const unsigned char *buf, size_t n)
{
	const unsigned char *p = memchr(buf, CONSOLE_ESCAPE, n);

	return p ? (size_t)(p - buf) : n;
}

static int hvc_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	return tcsetattr(fd, TCSANOW, &t) < 0 ? -errno : 0;
}

/* tcsetattr() is async-signal-safe: a killed keel leaves a sane terminal. */
static void tio_restore(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	tio_saved = 0;
}

static void on_signal(int sig)
{
	tio_restore();
	/* SA_RESETHAND made the action default again: die of the same signal. */
	raise(sig);
}

static const int restore_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};

static void set_handlers(void (*fn)(int), int flags)
{
	struct sigaction sa = {.sa_handler = fn, .sa_flags = flags};

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(restore_signals) / sizeof(restore_signals[0]); i++)
		sigaction(restore_signals[i], &sa, NULL);
}

static int tio_raw(void)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return -errno;
	raw = saved_tio;
	cfmakeraw(&raw);
	set_handlers(on_signal, SA_RESETHAND);
	tio_saved = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0) {
		int e = errno;

		tio_saved = 0;
		set_handlers(SIG_DFL, 0);
		return -e;
	}
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Best effort: a console without history is still worth attaching to. */
static void print_history(uint32_t id)
{
	char err[512];
	json_t *req = req_vm_id("vm.console_history", id), *res = NULL;
	const json_t *data;

	if (sock_call(req, &res, err, sizeof(err))) {
		cli_warn("no console history: %s", err);
	} else {
		data = json_object_get(res, "data");
		if (json_is_string(data))
			fwrite(json_string_value(data), 1, json_string_length(data), cli_out);
	}
	json_decref(req);
	json_decref(res);
	fflush(cli_out);
}

enum pump { PUMP_MORE, PUMP_DETACH, PUMP_STDIN_EOF, PUMP_CLOSED, PUMP_ERROR };

/* One poll round. stdin_open: stdin still read; tty: watch for Ctrl-]. */
static enum pump pump_once(int hvc, bool stdin_open, bool tty, int timeout_ms, bool *idle)
{
	struct pollfd pfd[2] = {
	    {.fd = hvc, .events = POLLIN},
	    {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
	};
	unsigned char buf[4096];
	ssize_t n;
	int r = poll(pfd, 2, timeout_ms);

	*idle = r == 0;
	if (r < 0 && errno == EINTR)
		return PUMP_MORE;
	if (r < 0) {
		pump_errno = errno;
		return PUMP_ERROR;
	}
	if (pfd[0].revents) {
		n = read(hvc, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return PUMP_MORE;
		/* EIO / EOF: the VM and its console are gone. */
		if (n <= 0)
			return PUMP_CLOSED;
		r = write_all(STDOUT_FILENO, buf, (size_t)n);
		if (r) {
			pump_errno = -r;
			return PUMP_ERROR;
		}
	}
	if (pfd[1].revents) {
		size_t keep;

		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return PUMP_MORE;
		if (n <= 0)
			return PUMP_STDIN_EOF;
		keep = tty ? console_find_escape(buf, (size_t)n) : (size_t)n;
		if (write_all(hvc, buf, keep))
			return PUMP_CLOSED;
		if (keep < (size_t)n)
			return PUMP_DETACH;
	}
	return PUMP_MORE;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum pump pump(int hvc, bool tty)
{
	bool stdin_open = true, idle;
	long long linger_end = 0;
	enum pump p;

	for (;;) {
		p = pump_once(hvc, stdin_open, tty, stdin_open ? -1 : CONSOLE_LINGER_MS, &idle);
		if (p == PUMP_STDIN_EOF) {
			if (tty)
				return p;
			/* Piped input ended: show the guest's answer, then stop. */
			stdin_open = false;
			linger_end = now_ms() + CONSOLE_LINGER_MAX_MS;
		} else if (p != PUMP_MORE) {
			return p;
		} else if (!stdin_open && (idle || now_ms() >= linger_end)) {
			return PUMP_STDIN_EOF;
		}
	}
}

int cmd_vm_console(const struct cli_args *a)
{
	bool tty = isatty(STDIN_FILENO);
	char dev[32];
	uint32_t id;
	enum pump p;
	int hvc, e;

	if (cli_vm_id_arg(a->pos[0], &id))
		return CLI_EXIT_ERR;
	snprintf(dev, sizeof(dev), "/dev/hvc%u", id);
	hvc = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (hvc < 0) {
		e = errno;
		cli_error("cannot open %s: %s%s", dev, strerror(e),
			  e == ENOENT ? " (is the vm configured?)" : "");
		return CLI_EXIT_ERR;
	}
	/* The console device itself must be raw: with the tty defaults (echo,
	 * canonical input) the guest's output would be echoed back into the
	 * guest as typed input. keel.ko holds output back briefly after open, so
	 * nothing arrives before this. TCSANOW: keep what is already queued. */
	e = hvc_raw(hvc);
	if (e) {
		cli_error("cannot put %s in raw mode: %s", dev, strerror(-e));
		close(hvc);
		return CLI_EXIT_ERR;
	}
	print_history(id);
	if (tty) {
		e = tio_raw();
		if (e) {
			cli_error("cannot put the terminal in raw mode: %s", strerror(-e));
			close(hvc);
			return CLI_EXIT_ERR;
		}
		fprintf(cli_err, "attached to vm %u console; Ctrl-] detaches\r\n", id);
	}
	p = pump(hvc, tty);
	if (tty) {
		tio_restore();
		set_handlers(SIG_DFL, 0);
	}
	close(hvc);
	switch (p) {
	case PUMP_CLOSED:
		fprintf(cli_err, "\nkeel: vm %u console closed\n", id);
		return CLI_EXIT_OK;
	case PUMP_ERROR:
		cli_error("console: %s", strerror(pump_errno));
		return CLI_EXIT_ERR;
	default:
		if (tty)
			fprintf(cli_err, "\ndetached from vm %u console\n", id);
		return CLI_EXIT_OK;
	}
}
