// SPDX-License-Identifier: GPL-2.0
/*
 * chanbench: round trips and throughput over a byte stream (a channel's
 * /dev/ttyKC<n>, or a TCP socket for the comparison), run in guests by
 * tests/bench/chan. Static: the guest image carries no libraries for it.
 *
 *   chanbench echo DEV              echo every byte back, forever
 *   chanbench ping DEV N            N one-byte round trips; prints the median and mean in us
 *   chanbench send DEV BYTES        write BYTES; prints MB/s (until the last write returned)
 *   chanbench recv DEV BYTES        read BYTES; prints MB/s (first byte to last)
 *   chanbench raw DEV MYOFF MYVAL PEEROFF
 *                                   the raw device (/dev/keelchan<n>): mmap the region
 *                                   (and check a mapping past its end is refused), store
 *                                   the 32-bit MYVAL at MYOFF, kick, and wait (kicks, poll)
 *                                   until the peer's word at PEEROFF is not 0; print it
 * DEV is a path, or tcp:HOST:PORT (connect) / tcp::PORT (accept one).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <keel/ioctl.h>

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int die(const char *what)
{
	perror(what);
	exit(1);
}

static int open_stream(const char *dev)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, one = 1;
	char host[64];
	unsigned port;

	if (strncmp(dev, "tcp:", 4)) {
		struct termios t;

		fd = open(dev, O_RDWR | O_NOCTTY);
		if (fd < 0)
			die(dev);
		if (!tcgetattr(fd, &t)) {
			cfmakeraw(&t);
			tcsetattr(fd, TCSANOW, &t);
		}
		return fd;
	}
	if (sscanf(dev + 4, "%63[^:]:%u", host, &port) != 2 &&
	    !(host[0] = 0, sscanf(dev + 4, ":%u", &port) == 1))
		die("tcp:HOST:PORT or tcp::PORT");
	a.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (host[0]) {
		inet_pton(AF_INET, host, &a.sin_addr);
		for (int i = 0; connect(fd, (struct sockaddr *)&a, sizeof(a)); i++)
			if (i > 100)
				die("connect");
			else
				usleep(100000);
	} else {
		int l = fd;

		if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1))
			die("bind");
		fd = accept(l, NULL, NULL);
		if (fd < 0)
			die("accept");
		close(l);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int raw(const char *dev, unsigned long myoff, uint32_t myval, unsigned long peeroff)
{
	struct keel_chan_info info;
	volatile uint32_t *mine, *peer;
	struct pollfd p;
	uint64_t kicks = 0, n, one = 1;
	uint8_t *m;
	int fd = open(dev, O_RDWR), waited = 0;

	if (fd < 0 || ioctl(fd, KEEL_CHAN_IOC_INFO, &info))
		die(dev);
	if (myoff + 4 > info.size || peeroff + 4 > info.size || (myoff | peeroff) & 3)
		return fprintf(stderr, "chanraw: offsets outside the region\n"), 2;
	if (mmap(NULL, info.size + 4096, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED)
		return fprintf(stderr, "chanraw: a mapping past the region was allowed\n"), 1;
	m = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap");
	mine = (volatile uint32_t *)(m + myoff);
	peer = (volatile uint32_t *)(m + peeroff);
	*mine = myval;
	/* Full barrier: our word is visible to the peer before the kick that
	 * tells it to look (the kick is a hypercall, no barrier for others). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (write(fd, &one, 8) != 8)
		die("kick");
	while (!*peer) {
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 200) > 0 && read(fd, &n, 8) == 8)
			kicks += n;
		/* Full barrier: the kick we saw is ordered before our look at
		 * the peer's word. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (++waited > 300)
			return fprintf(stderr, "chanraw: no word from the peer in 60 s\n"), 1;
	}
	/* The peer may still wait for its first look at our word: ring once more. */
	if (write(fd, &one, 8) != 8)
		die("kick");
	printf("chanraw: %s end %u size %llu; mmap past the end refused; peer word 0x%08x; kicks %llu\n",
	       info.name, info.end, (unsigned long long)info.size, *peer, (unsigned long long)kicks);
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	long long n = argc > 3 ? atoll(argv[3]) : 0, done = 0;
	double t0, *rt;
	int fd;

	if (argc < 3)
		return fprintf(stderr, "usage: chanbench echo|ping|send|recv DEV [N|BYTES]\n"), 2;
	if (!strcmp(argv[1], "raw") && argc == 6)
		return raw(argv[2], strtoul(argv[3], NULL, 0), (uint32_t)strtoul(argv[4], NULL, 0),
			   strtoul(argv[5], NULL, 0));
	fd = open_stream(argv[2]);
	if (!strcmp(argv[1], "echo")) {
		for (;;) {
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r <= 0 || write(fd, buf, (size_t)r) != r)
				return 0;
		}
	}
	if (!strcmp(argv[1], "ping")) {
		rt = calloc((size_t)n, sizeof(*rt));
		for (long long i = 0; i < n; i++) {
			t0 = now_us();
			if (write(fd, "p", 1) != 1 || read(fd, buf, 1) != 1)
				die("round trip");
			rt[i] = now_us() - t0;
		}
		qsort(rt, (size_t)n, sizeof(*rt), cmp);
		for (long long i = 0; i < n; i++)
			done += (long long)rt[i];
		printf("chanbench ping: %lld round trips, median %.1f us, mean %.1f us\n", n,
		       rt[n / 2], (double)done / n);
		return 0;
	}
	if (!strcmp(argv[1], "send") || !strcmp(argv[1], "recv")) {
		t0 = 0;
		while (done < n) {
			size_t want = n - done < (long long)sizeof(buf) ? (size_t)(n - done) : sizeof(buf);
			ssize_t r = argv[1][0] == 's' ? write(fd, buf, want) : read(fd, buf, want);

			if (r <= 0)
				die(argv[1]);
			if (!t0)
				t0 = now_us();
			done += r;
		}
		printf("chanbench %s: %lld bytes, %.1f MB/s\n", argv[1], n,
		       n / (now_us() - t0));
		return 0;
	}
	return fprintf(stderr, "chanbench: %s: not echo, ping, send or recv\n", argv[1]), 2;
}
