/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pieces of a bulk TCP sender shared by selftests/aimd_flow.c and
 * bench/cc/ccbench.c. testlib/ holds what the selftests and the benchmarks
 * share; both add it to their include path.
 */
#ifndef FLOW_LIB_H
#define FLOW_LIB_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/tcp.h>

static inline uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Thread body: send zeros on *arg until shutdown(SHUT_WR) fails send(). */
static inline void *writer(void *arg)
{
	static char buf[1 << 16];
	int fd = *(int *)arg;

	while (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) > 0 || errno == EINTR)
		;
	return NULL;
}

/*
 * Connect to ADDR:PORT with congestion control CC (NULL: the default),
 * retrying while the receiver is not listening yet; the name the socket
 * ended up with goes to NAME. Returns the fd, or -1 after printing why.
 */
static inline int flow_connect(const char *addr, int port, const char *cc,
			       char *name, socklen_t namelen)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, tries;

	a.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", addr);
		return -1;
	}
	for (tries = 0;; tries++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			perror("socket");
			return -1;
		}
		if (cc && setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc,
				     strlen(cc))) {
			perror("TCP_CONGESTION");
			return -1;
		}
		if (!connect(fd, (void *)&a, sizeof(a)))
			break;
		if (errno != ECONNREFUSED || tries > 100) {
			perror("connect");
			return -1;
		}
		close(fd);
		usleep(20000);
	}
	memset(name, 0, namelen);
	namelen--;
	getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &namelen);
	return fd;
}

#endif /* FLOW_LIB_H */
