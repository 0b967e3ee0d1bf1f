// SPDX-License-Identifier: GPL-2.0
/*
 * lib_set: tcpkit_restore_set(), libtcpkit's batched restore, against the
 * running module.
 *
 * In a private network namespace, NCONN loopback connections; the server
 * end of connection i holds 97 * i unread bytes (connection 0 is idle).
 * Each server end is checkpointed and closed in repair mode (no FIN, no
 * RST), then the whole set is restored in one call into fresh sockets,
 * more than one batch of requests; one target is a UDP socket, which must
 * fail alone with the kernel's message while every other connection comes
 * back with its receive queue byte for byte and talks to its peer. Bad
 * arguments fail before anything is sent. KTAP output; exit 4 (skip)
 * without the module or without root.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ktap_result.h"
#include "libtcpkit.h"
#include "sock_lib.h"

#define NCONN	70	/* more than two batches of 32 */
#define BAD	41	/* the connection restored into a UDP socket */
#define PLAN	10

static unsigned char pattern(size_t i, int conn)
{
	return (unsigned char)(i * 7 + conn * 31 + 3);
}

/* Close @fd in repair mode: no FIN, no RST, the 4-tuple free again. */
static int close_silently(int fd)
{
	int one = 1;

	if (setsockopt(fd, SOL_TCP, TCP_REPAIR, &one, sizeof(one)))
		return -1;
	return close(fd);
}

int main(void)
{
	static unsigned char buf[NCONN * 97 + 16];
	struct tcpkit_image *imgs[NCONN] = { 0 };
	int cli[NCONN], srv[NCONN], fds[NCONN], errs[NCONN];
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t alen = sizeof(addr);
	struct tcpkit_sockref ref;
	int lfd, i, ret, bad;
	struct tcpkit *tk;
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0 || netns_private()) {
		return ktap_skip_all("lib_set", PLAN, "needs root");
	}
	tk = tcpkit_open();
	if (!tk) {
		return ktap_skip_all("lib_set", PLAN, tcpkit_strerror());
	}
	printf("TAP version 13\n1..%d\n", PLAN);

	/* NCONN connections, the server end of i holding 97 * i bytes */
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ok = lfd >= 0 && !bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) &&
	     !getsockname(lfd, (struct sockaddr *)&addr, &alen) &&
	     !listen(lfd, NCONN);
	for (i = 0; ok && i < NCONN; i++) {
		cli[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ok = cli[i] >= 0 &&
		     !connect(cli[i], (struct sockaddr *)&addr, sizeof(addr));
		srv[i] = ok ? accept(lfd, NULL, NULL) : -1;
		ok = srv[i] >= 0;
		for (size_t j = 0; ok && j < (size_t)97 * i; j++)
			buf[j] = pattern(j, i);
		ok = ok && write(cli[i], buf, 97 * i) == 97 * i &&
		     !wait_inq(srv[i], 97 * i);
	}
	result(ok, "connections_set_up", "errno %d", errno);
	if (!ok)
		return 1;

	/* checkpoint each, then free its tuple for the restore */
	for (i = 0; ok && i < NCONN; i++) {
		ref = (struct tcpkit_sockref){ .fd = srv[i] };
		ok = !tcpkit_checkpoint(tk, &ref, 0, &imgs[i]) &&
		     !close_silently(srv[i]);
	}
	result(ok, "checkpoint_each", "connection %d: %s", i - 1,
	       tcpkit_last_error(tk));
	if (!ok)
		return 1;

	/* bad arguments: refused before anything is sent */
	ret = tcpkit_restore_set(tk, (const struct tcpkit_image *const *)imgs,
				 fds, NCONN, 0x100, errs);
	result(ret == -EINVAL && strstr(tcpkit_last_error(tk), "flags"),
	       "set_unknown_flags", "%d %s", ret, tcpkit_last_error(tk));
	ret = tcpkit_restore_set(tk, NULL, fds, NCONN, 0, errs);
	result(ret == -EINVAL, "set_null_arrays", "%d", ret);
	result(tcpkit_restore_set(tk, NULL, NULL, 0, 0, NULL) == 0,
	       "set_empty", "%s", tcpkit_last_error(tk));

	/* the set, one target a UDP socket */
	for (i = 0; i < NCONN; i++)
		fds[i] = i == BAD ? socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) :
				    tcpkit_image_socket(imgs[i]);
	ret = tcpkit_restore_set(tk, (const struct tcpkit_image *const *)imgs,
				 fds, NCONN, 0, errs);
	result(ret == 1 && errs[BAD] < 0 &&
	       strstr(tcpkit_last_error(tk), "index 41"), "set_one_failure",
	       "returned %d, errs[%d] %d: %s", ret, BAD, errs[BAD],
	       tcpkit_last_error(tk));
	printf("# %s\n", tcpkit_last_error(tk));
	for (i = 0, bad = -1; i < NCONN && bad < 0; i++)
		if (i != BAD && errs[i])
			bad = i;
	result(bad < 0, "set_others_restored", "connection %d: errno %d", bad,
	       bad >= 0 ? -errs[bad] : 0);

	/* every receive queue back, byte for byte */
	for (i = 0, bad = -1; i < NCONN && bad < 0; i++) {
		ssize_t n, off = 0;

		if (i == BAD)
			continue;
		if (wait_inq(fds[i], 97 * i)) {
			bad = i;
			break;
		}
		while (off < 97 * i &&
		       (n = read(fds[i], buf + off, 97 * i - off)) > 0)
			off += n;
		if (off != 97 * i)
			bad = i;
		for (size_t j = 0; bad < 0 && j < (size_t)off; j++)
			if (buf[j] != pattern(j, i))
				bad = i;
	}
	result(bad < 0, "set_receive_queues_exact", "connection %d", bad);

	/* and each talks to its peer both ways */
	for (i = 0, bad = -1; i < NCONN && bad < 0; i++) {
		char c;

		if (i == BAD)
			continue;
		if (write(fds[i], "s", 1) != 1 || wait_inq(cli[i], 1) ||
		    read(cli[i], &c, 1) != 1 || c != 's' ||
		    write(cli[i], "c", 1) != 1 || wait_inq(fds[i], 1) ||
		    read(fds[i], &c, 1) != 1 || c != 'c')
			bad = i;
	}
	result(bad < 0, "set_connections_live", "connection %d", bad);

	/* restoring the set again: every target is taken now */
	for (i = 0; i < NCONN; i++)
		if (i != BAD)
			fds[i] = tcpkit_image_socket(imgs[i]);
	ret = tcpkit_restore_set(tk, (const struct tcpkit_image *const *)imgs,
				 fds, NCONN, 0, errs);
	result(ret == NCONN, "set_all_fail_again", "returned %d: %s", ret,
	       tcpkit_last_error(tk));

	for (i = 0; i < NCONN; i++)
		tcpkit_image_free(imgs[i]);
	tcpkit_close(tk);
	if (test_no != PLAN)
		printf("# ran %d tests, planned %d\n", test_no, PLAN);
	return failed || test_no != PLAN;
}
