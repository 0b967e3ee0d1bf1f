// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_peer: both ends of a TCP connection that streams a known
 * pseudo-random byte sequence each way and checks every byte received.
 *
 *   tcp_peer server ADDR PORT [OPTIONS]   accept one connection
 *   tcp_peer client ADDR PORT [OPTIONS]   connect
 *   tcp_peer resume [OPTIONS]             take over fd 3 (LISTEN_FDS=1,
 *                                         LISTEN_PID=own pid), restart at
 *                                         the offsets of --state
 * OPTIONS
 *   --send N     bytes to send in all, then shutdown(SHUT_WR)
 *   --recv N     bytes to receive in all, then expect end of file
 *   --rate BPS   send at most BPS bytes per second (0: as fast as possible)
 *   --state F    server: on SIGUSR1 stop touching the socket, write
 *                "fd=N sent=S recv=R" to F and wait to be killed, or for
 *                SIGUSR2 to go on (and not pause again);
 *                resume: read the offsets from F
 *   --pause-at N server: pause as on SIGUSR1 once N bytes were sent
 *   --ready F    write "fd=N lport=L rport=R" to F once connected
 *   --linger S   after both directions finished, keep the socket S seconds
 *   --report F   at the end write to F "sent=S recv=R sent_sum=X
 *                recv_sum=Y gap_ms=G gap_at=O": checksums of the whole
 *                streams sent and received, taken over the bytes this
 *                process wrote and read (resume adds the bytes before
 *                its offsets as the stream defines them: its predecessor
 *                checked them), and the longest pause between two reads
 *                that returned data, in ms, with the receive offset at
 *                which it ended; then " gaps=B-E,..." (or "gaps=-"): the
 *                first 1024 such pauses of 50 ms or more (a loaded or
 *                debug VM makes many), from the last
 *                read before to the first read after, in CLOCK_BOOTTIME
 *                ms (the clock of /proc/uptime)
 *
 * The server (and resume) sends stream 1 and receives stream 2, the client
 * the other way round. Byte i of stream s is a function of (s, i) alone,
 * so a process that takes over knows what comes next. Prints
 * "sent=S recv=R ok" and exits 0, or says what went wrong and exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF	65536

static volatile sig_atomic_t pause_req, go_on;
static const char *prog = "tcp_peer";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Bytes [off, off + len) of stream @s. */
static void stream_fill(int s, uint64_t off, unsigned char *buf, size_t len)
{
	uint64_t block = UINT64_MAX, word = 0;
	size_t i;

	for (i = 0; i < len; i++, off++) {
		if (off / 8 != block) {
			block = off / 8;
			word = splitmix64(((uint64_t)s << 56) ^ block);
		}
		buf[i] = (unsigned char)(word >> (8 * (off % 8)));
	}
}

/*
 * A checksum that can be taken in pieces: the sum of the bytes and the sum
 * of each byte times its stream offset plus one, both mod 2^64. A lost,
 * added, changed or moved byte changes it.
 */
struct sum {
	uint64_t plain, weighted;
};

static void sum_add(struct sum *c, uint64_t off, const unsigned char *p,
		    size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		c->plain += p[i];
		c->weighted += p[i] * (off + i + 1);
	}
}

/* Add bytes [0, len) of stream @s as the stream defines them. */
static void sum_prefix(struct sum *c, int s, uint64_t len, unsigned char *buf)
{
	uint64_t off = 0;
	size_t n;

	while (off < len) {
		n = len - off < BUF ? len - off : BUF;
		stream_fill(s, off, buf, n);
		sum_add(c, off, buf, n);
		off += n;
	}
}

#define MAX_GAPS	1024

static unsigned long long boot_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_file(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || rename(tmp, path))
		die("cannot write %s: %s", path, strerror(errno));
}

static void on_usr1(int sig)
{
	(void)sig;
	pause_req = 1;
}

static void on_usr2(int sig)
{
	(void)sig;
	go_on = 1;
}

/*
 * Paused: wait for SIGUSR2, which stays blocked outside sigsuspend() so
 * that one sent right after the state file appears is not lost.
 */
static void wait_go_on(const sigset_t *unblocked)
{
	while (!go_on)
		sigsuspend(unblocked);
	go_on = 0;
	pause_req = 0;
}

static int resolve(const char *addr, const char *port,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	int err;

	err = getaddrinfo(addr, port, &hints, &ai);
	if (err)
		die("bad address %s port %s: %s", addr, port,
		    gai_strerror(err));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return ss->ss_family;
}

static unsigned int port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || !*s || *end)
		die("bad number \"%s\"", s);
	return v;
}

int main(int argc, char **argv)
{
	unsigned long long to_send = 0, to_recv = 0, rate = 0, linger = 0;
	unsigned long long pause_at = ULLONG_MAX;
	const char *state = NULL, *ready = NULL, *report = NULL, *mode;
	struct sum sent_sum = { 0 }, recv_sum = { 0 };
	unsigned long long gaps[MAX_GAPS][2], last_boot = 0;
	double last_rd = 0, gap = 0;
	unsigned int ngaps = 0, g;
	unsigned long long gap_at = 0;
	unsigned long long sent = 0, recvd = 0, base, rbase;
	static unsigned char out[BUF], in[BUF], want[BUF];
	struct sockaddr_storage ss;
	bool wr_done = false, rd_done = false;
	int fd = -1, lfd, one = 1, send_stream, recv_stream, i;
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct sigaction sa2 = { .sa_handler = on_usr2 };
	sigset_t usr2, unblocked;
	socklen_t sl;
	double t0;
	static char text[MAX_GAPS * 48 + 256];

	if (argc < 2)
		die("usage: tcp_peer server|client ADDR PORT [OPTIONS] | resume [OPTIONS]");
	mode = argv[1];
	i = !strcmp(mode, "resume") ? 2 : 4;
	if (argc < i)
		die("%s needs ADDR PORT", mode);
	for (; i < argc; i++) {
		if (i + 1 >= argc)
			die("%s needs a value", argv[i]);
		if (!strcmp(argv[i], "--send"))
			to_send = num(argv[++i]);
		else if (!strcmp(argv[i], "--recv"))
			to_recv = num(argv[++i]);
		else if (!strcmp(argv[i], "--rate"))
			rate = num(argv[++i]);
		else if (!strcmp(argv[i], "--state"))
			state = argv[++i];
		else if (!strcmp(argv[i], "--ready"))
			ready = argv[++i];
		else if (!strcmp(argv[i], "--linger"))
			linger = num(argv[++i]);
		else if (!strcmp(argv[i], "--report"))
			report = argv[++i];
		else if (!strcmp(argv[i], "--pause-at"))
			pause_at = num(argv[++i]);
		else
			die("unknown option %s", argv[i]);
	}
	signal(SIGPIPE, SIG_IGN);

	if (!strcmp(mode, "server")) {
		prog = "tcp_peer server";
		resolve(argv[2], argv[3], &ss, &sl);
		lfd = socket(ss.ss_family, SOCK_STREAM, 0);
		if (lfd < 0)
			die("socket: %s", strerror(errno));
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(lfd, (struct sockaddr *)&ss, sl) || listen(lfd, 1))
			die("bind/listen: %s", strerror(errno));
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			die("accept: %s", strerror(errno));
		close(lfd);
		send_stream = 1;
		recv_stream = 2;
		if (state) {
			sigaction(SIGUSR1, &sa, NULL);
			sigemptyset(&usr2);
			sigaddset(&usr2, SIGUSR2);
			sigprocmask(SIG_BLOCK, &usr2, &unblocked);
			sigdelset(&unblocked, SIGUSR2);
			sigaction(SIGUSR2, &sa2, NULL);
		}
	} else if (!strcmp(mode, "client")) {
		prog = "tcp_peer client";
		resolve(argv[2], argv[3], &ss, &sl);
		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&ss, sl))
			die("connect: %s", strerror(errno));
		send_stream = 2;
		recv_stream = 1;
	} else if (!strcmp(mode, "resume")) {
		const char *fds = getenv("LISTEN_FDS");
		const char *pid = getenv("LISTEN_PID");
		int type = 0;
		FILE *f;

		prog = "tcp_peer resume";
		if (!fds || strcmp(fds, "1"))
			die("LISTEN_FDS is \"%s\", want \"1\"", fds ? fds : "");
		if (!pid || num(pid) != (unsigned long long)getpid())
			die("LISTEN_PID is \"%s\", my pid is %d", pid ? pid : "",
			    (int)getpid());
		fd = 3;
		sl = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) ||
		    type != SOCK_STREAM)
			die("fd 3 is not a stream socket");
		sl = sizeof(ss);
		if (getpeername(fd, (struct sockaddr *)&ss, &sl))
			die("fd 3 is not connected: %s", strerror(errno));
		if (!state)
			die("resume needs --state");
		f = fopen(state, "r");
		if (!f || fscanf(f, "fd=%*d sent=%llu recv=%llu", &sent,
				 &recvd) != 2)
			die("cannot read offsets from %s", state);
		fclose(f);
		send_stream = 1;
		recv_stream = 2;
	} else {
		die("unknown mode %s", mode);
	}

	if (ready) {
		struct sockaddr_storage l, r;
		socklen_t ll = sizeof(l), rl = sizeof(r);

		if (getsockname(fd, (struct sockaddr *)&l, &ll) ||
		    getpeername(fd, (struct sockaddr *)&r, &rl))
			die("getsockname/getpeername: %s", strerror(errno));
		snprintf(text, sizeof(text), "fd=%d lport=%u rport=%u\n", fd,
			 port_of(&l), port_of(&r));
		write_file(ready, text);
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK))
		die("fcntl: %s", strerror(errno));

	t0 = now_s();
	base = sent;
	rbase = recvd;
	wr_done = sent >= to_send;
	if (wr_done && shutdown(fd, SHUT_WR))
		die("shutdown: %s", strerror(errno));
	while (!wr_done || !rd_done) {
		struct pollfd p = { .fd = fd, .events = 0 };
		unsigned long long allowed = to_send;
		ssize_t n;
		size_t len;

		if (state && !strcmp(mode, "server") && sent >= pause_at)
			pause_req = 1;
		if (pause_req) {
			snprintf(text, sizeof(text), "fd=%d sent=%llu recv=%llu\n",
				 fd, sent, recvd);
			write_file(state, text);
			wait_go_on(&unblocked);
			pause_at = ULLONG_MAX;
			continue;
		}
		if (rate && !wr_done) {
			allowed = base + (unsigned long long)((now_s() - t0) * rate);
			if (allowed > to_send)
				allowed = to_send;
		}
		if (!wr_done && sent < allowed)
			p.events |= POLLOUT;
		if (!rd_done)
			p.events |= POLLIN;
		if (poll(&p, 1, 10) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (pause_req)
			continue;
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(fd, in, sizeof(in));
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				die("read at offset %llu: %s", recvd,
				    strerror(errno));
			if (n == 0) {
				if (recvd != to_recv)
					die("end of stream after %llu bytes, want %llu",
					    recvd, to_recv);
				rd_done = true;
			}
			if (n > 0) {
				if (recvd + n > to_recv)
					die("%llu bytes more than the %llu expected",
					    recvd + n - to_recv, to_recv);
				stream_fill(recv_stream, recvd, want, n);
				if (memcmp(in, want, n)) {
					ssize_t k = 0;

					while (in[k] == want[k])
						k++;
					die("stream differs at offset %llu: got 0x%02x, want 0x%02x",
					    recvd + k, in[k], want[k]);
				}
				recvd += n;
				if (report) {
					unsigned long long tb = boot_ms();
					double t = now_s();

					if (last_rd && t - last_rd >= 0.05 &&
					    ngaps < MAX_GAPS) {
						gaps[ngaps][0] = last_boot;
						gaps[ngaps++][1] = tb;
					}
					last_boot = tb;

					sum_add(&recv_sum, recvd - n, in, n);
					if (last_rd && t - last_rd > gap) {
						gap = t - last_rd;
						gap_at = recvd - n;
					}
					last_rd = t;
				}
			}
		}
		if ((p.revents & POLLOUT) && !wr_done && sent < allowed) {
			len = allowed - sent < BUF ? allowed - sent : BUF;
			stream_fill(send_stream, sent, out, len);
			n = write(fd, out, len);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				die("write at offset %llu: %s", sent,
				    strerror(errno));
			if (n > 0) {
				sent += n;
				if (report)
					sum_add(&sent_sum, sent - n, out, n);
			}
			if (sent == to_send) {
				if (shutdown(fd, SHUT_WR))
					die("shutdown: %s", strerror(errno));
				wr_done = true;
			}
		}
	}
	if (linger)
		sleep(linger);
	if (report) {
		/* after the streams, so that resuming is not slowed down */
		sum_prefix(&sent_sum, send_stream, base, out);
		sum_prefix(&recv_sum, recv_stream, rbase, in);
		snprintf(text, sizeof(text),
			 "sent=%llu recv=%llu sent_sum=%016llx%016llx recv_sum=%016llx%016llx gap_ms=%.1f gap_at=%llu gaps=",
			 sent, recvd, (unsigned long long)sent_sum.plain,
			 (unsigned long long)sent_sum.weighted,
			 (unsigned long long)recv_sum.plain,
			 (unsigned long long)recv_sum.weighted, gap * 1000,
			 gap_at);
		for (g = 0; g < ngaps; g++)
			snprintf(text + strlen(text), sizeof(text) - strlen(text),
				 "%s%llu-%llu", g ? "," : "", gaps[g][0],
				 gaps[g][1]);
		if (!ngaps)
			strcat(text, "-");
		strcat(text, "\n");
		write_file(report, text);
	}
	printf("sent=%llu recv=%llu ok\n", sent, recvd);
	close(fd);
	return 0;
}
