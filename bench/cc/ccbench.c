// SPDX-License-Identifier: GPL-2.0
/*
 * ccbench: bulk TCP flows for the congestion control benchmark.
 *
 *   ccbench recv -p PORT
 *	accept connections forever, one child process each, discard data
 *   ccbench send -d ADDR -p PORT [-C CC] [-t SECONDS] [-s SKIP] [-n NAME]
 *		  [-i INTERVAL_MS] [-T TRACE_MS]
 *	one bulk flow with congestion control CC for SECONDS; prints
 *	  I NAME T_MS MBPS EVENTS CWND	goodput of each INTERVAL_MS (default 500),
 *					over the time actually elapsed; EVENTS
 *					counts congestion events so far (entries
 *					into CWR, Recovery or Loss, sampled every
 *					5 ms: each lasts an RTT or more); CWND now
 *	  T NAME T_MS CWND SSTHRESH	every TRACE_MS if given
 *	  R NAME cc=CC secs=S mbps=M cwnd_mean=W rtt_ms=R retrans=X
 *	    delivered=D events=E
 *	where the R line covers the time after SKIP seconds (default 0): M is
 *	goodput (bytes acked), W the time average of cwnd sampled every 5 ms,
 *	R the mean smoothed RTT, X the segments retransmitted, D the segments
 *	delivered, E the congestion events in the interval.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/tcp.h>

#include "flow_lib.h"

static int do_recv(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	static char buf[1 << 16];
	int one = 1, l, fd;

	signal(SIGCHLD, SIG_IGN);
	a.sin_port = htons(port);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (void *)&a, sizeof(a)) || listen(l, 64)) {
		perror("recv: listener");
		return 1;
	}
	for (;;) {
		fd = accept(l, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("recv: accept");
			return 1;
		}
		if (fork() == 0) {
			close(l);
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			_exit(0);
		}
		close(fd);
	}
}

static int info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len);
}

static int do_send(const char *addr, int port, const char *cc, int seconds,
		   int skip, const char *name, int interval_ms, int trace_ms)
{
	uint64_t t0, t, next_i, next_t = 0, start_bytes = 0, last_bytes = 0;
	uint64_t cwnd_sum = 0, rtt_sum = 0, n = 0, start_t = 0, last_i = 0;
	unsigned int events = 0, start_events = 0;
	uint8_t state = 0;
	struct timespec tick = { 0, 5000000 };
	uint32_t start_retrans = 0, start_delivered = 0;
	char cc_name[16] = "";
	struct tcp_info ti;
	int fd, started = 0;
	pthread_t thr;

	fd = flow_connect(addr, port, cc, cc_name, sizeof(cc_name));
	if (fd < 0)
		return 1;

	if (pthread_create(&thr, NULL, writer, &fd)) {
		fprintf(stderr, "pthread_create failed\n");
		return 1;
	}
	t0 = now_us();
	next_i = interval_ms * 1000ULL;
	for (;;) {
		nanosleep(&tick, NULL);
		t = now_us() - t0;
		if (info(fd, &ti))
			break;
		if (ti.tcpi_ca_state >= 2 && state < 2)	/* TCP_CA_CWR */
			events++;
		state = ti.tcpi_ca_state;
		if (!started && t >= skip * 1000000ULL) {
			started = 1;
			start_t = t;
			start_bytes = ti.tcpi_bytes_acked;
			start_retrans = ti.tcpi_total_retrans;
			start_delivered = ti.tcpi_delivered;
			start_events = events;
		}
		if (started) {
			cwnd_sum += ti.tcpi_snd_cwnd;
			rtt_sum += ti.tcpi_rtt;
			n++;
		}
		if (t >= next_i) {
			printf("I %s %llu %.3f %u %u\n", name,
			       (unsigned long long)t / 1000,
			       (ti.tcpi_bytes_acked - last_bytes) * 8.0 /
			       (t - last_i), events, ti.tcpi_snd_cwnd);
			last_bytes = ti.tcpi_bytes_acked;
			last_i = t;
			next_i += interval_ms * 1000ULL;
		}
		if (trace_ms && t >= next_t) {
			printf("T %s %llu %u %u\n", name,
			       (unsigned long long)t / 1000, ti.tcpi_snd_cwnd,
			       ti.tcpi_snd_ssthresh);
			next_t = t + trace_ms * 1000ULL;
		}
		if (t >= seconds * 1000000ULL)
			break;
	}
	if (n)
		printf("R %s cc=%s secs=%.3f mbps=%.3f cwnd_mean=%.2f rtt_ms=%.2f retrans=%u delivered=%u events=%u\n",
		       name, cc_name, (t - start_t) / 1e6,
		       (ti.tcpi_bytes_acked - start_bytes) * 8.0 / (t - start_t),
		       (double)cwnd_sum / n, rtt_sum / 1000.0 / n,
		       ti.tcpi_total_retrans - start_retrans,
		       ti.tcpi_delivered - start_delivered,
		       events - start_events);
	fflush(stdout);
	shutdown(fd, SHUT_RDWR);
	pthread_join(thr, NULL);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int port = 0, seconds = 10, skip = 0, interval = 500, trace = 0, opt;
	const char *addr = NULL, *cc = NULL, *name = "flow";

	if (argc < 2)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	optind = 2;
	while ((opt = getopt(argc, argv, "p:d:C:t:s:n:i:T:")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'd':
			addr = optarg;
			break;
		case 'C':
			cc = optarg;
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		case 's':
			skip = atoi(optarg);
			break;
		case 'n':
			name = optarg;
			break;
		case 'i':
			interval = atoi(optarg);
			break;
		case 'T':
			trace = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (!port || interval <= 0)
		goto usage;
	if (!strcmp(argv[1], "recv"))
		return do_recv(port);
	if (!strcmp(argv[1], "send") && addr)
		return do_send(addr, port, cc, seconds, skip, name, interval,
			       trace);
usage:
	fprintf(stderr,
		"usage: %s recv -p PORT\n"
		"       %s send -d ADDR -p PORT [-C CC] [-t SECONDS] [-s SKIP] [-n NAME]\n"
		"                [-i INTERVAL_MS] [-T TRACE_MS]\n",
		argv[0], argv[0]);
	return 1;
}
