// SPDX-License-Identifier: GPL-2.0
/*
 * aimd_sock: one TCP socket and its congestion control, for the shell tests.
 *
 *   aimd_sock [-u UID] [-s CC] [-c] [-i] [-w]
 *
 *   -u UID  drop to UID (and group UID) before anything else
 *   -s CC   setsockopt(TCP_CONGESTION, CC)
 *   -c      connect to a listener on 127.0.0.1 (the socket is then
 *           established; a listener created here accepts it)
 *   -i      print getsockopt(TCP_CC_INFO) as aimd's struct
 *   -w      keep the socket: print "ready", then reprint (-i) at each line
 *           read from stdin; exit at end of input
 *
 * Prints "cc=NAME" (getsockopt(TCP_CONGESTION)). On a failed setsockopt it
 * prints "error=ERRNO_NAME" and exits 2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/tcp.h>

#include <linux/tcpkit.h>
#include <linux/tcpkit_aimd.h>

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	default: return strerror(e);
	}
}

static void print_info(int fd)
{
	struct tcpkit_aimd_info ai;
	socklen_t len = sizeof(ai);

	memset(&ai, 0xa5, sizeof(ai));
	if (getsockopt(fd, IPPROTO_TCP, TCP_CC_INFO, &ai, &len) < 0) {
		printf("ccinfo_error=%s\n", errname(errno));
		return;
	}
	if (len != sizeof(ai)) {
		printf("ccinfo_len=%u\n", len);
		return;
	}
	printf("alpha=%u beta=%u beta_ecn=%u loss_cuts=%u ecn_cuts=%u override=%u\n",
	       ai.aimd_alpha, ai.aimd_beta, ai.aimd_beta_ecn,
	       ai.aimd_loss_cuts, ai.aimd_ecn_cuts,
	       !!(ai.aimd_flags & TCPKIT_AIMD_INFO_OVERRIDE));
}

static int loopback_connect(int fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (void *)&a, &len)) {
		perror("listener");
		return -1;
	}
	if (connect(fd, (void *)&a, sizeof(a))) {
		perror("connect");
		return -1;
	}
	/* The accepted end stays open (in the backlog) until exit. */
	return 0;
}

int main(int argc, char **argv)
{
	const char *cc = NULL;
	int conn = 0, info = 0, wait = 0;
	char name[16] = "", line[64];
	socklen_t len;
	int opt, fd;
	long uid;

	while ((opt = getopt(argc, argv, "u:s:ciw")) != -1) {
		switch (opt) {
		case 'u':
			uid = strtol(optarg, NULL, 10);
			if (setgid(uid) || setuid(uid)) {
				perror("setuid");
				return 1;
			}
			break;
		case 's':
			cc = optarg;
			break;
		case 'c':
			conn = 1;
			break;
		case 'i':
			info = 1;
			break;
		case 'w':
			wait = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-u UID] [-s CC] [-c] [-i] [-w]\n",
				argv[0]);
			return 1;
		}
	}

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (cc && setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc))) {
		printf("error=%s\n", errname(errno));
		return 2;
	}
	if (conn && loopback_connect(fd))
		return 1;

	len = sizeof(name) - 1;
	if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len)) {
		perror("getsockopt TCP_CONGESTION");
		return 1;
	}
	name[len] = '\0';
	printf("cc=%s\n", name);
	if (info)
		print_info(fd);
	if (!wait)
		return 0;

	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (info)
			print_info(fd);
		fflush(stdout);
	}
	return 0;
}
