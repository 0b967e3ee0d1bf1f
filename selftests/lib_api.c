// SPDX-License-Identifier: GPL-2.0
/*
 * lib_api: libtcpkit against the running module, in one process.
 *
 * In a private network namespace A, a loopback TCP connection gets known
 * socket options and unread data in both receive queues. The library then
 * reads its state, checkpoints it, and restores the image into a fresh
 * socket in a second namespace B (a handle acts in the namespace it was
 * opened in). The restored socket must report the same sequence numbers,
 * queue lengths and options, and hand out the receive queue byte for byte.
 * Errors (listening, UDP, non-socket, connected target) must come back as
 * a negative errno with the kernel's message. With stop: the original is
 * held (tuple frozen) until an abort gives it back with its queues, or a
 * commit aborts it for its owner, its tuple listed as frozen until thawed.
 * KTAP output; exit 4 (skip) without the module or without root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ktap_result.h"
#include "libtcpkit.h"
#include "sock_lib.h"

#define C2S	50000	/* client to server, left unread in the server */
#define S2C	30000	/* server to client, left unread in the client */
#define PLAN	41

static void skip(const char *name, const char *why)
{
	test_no++;
	printf("ok %d %s # SKIP %s\n", test_no, name, why);
}

static void skip_all(const char *why)
{
	printf("TAP version 13\n1..%d\n", PLAN);
	while (test_no < PLAN)
		skip("lib_api", why);
	exit(4);
}

static unsigned char pattern(size_t i, int dir)
{
	return (unsigned char)(i * 13 + 5 + dir * 77);
}

static int new_netns(void)
{
	if (netns_private())
		return -1;
	return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

static int write_all(int fd, int dir, size_t len)
{
	unsigned char buf[4096];
	size_t off = 0, n, i;
	ssize_t w;

	while (off < len) {
		n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = pattern(off + i, dir);
		w = write(fd, buf, n);
		if (w <= 0)
			return -1;
		off += w;
	}
	return 0;
}

static uint64_t get(const struct tcpkit_image *img, int type)
{
	uint64_t v = UINT64_MAX;

	tcpkit_image_get_uint(img, type, &v);
	return v;
}

/* The options the test sets on the server socket, as the image shows them. */
static bool same_opts(const struct tcpkit_image *a,
		      const struct tcpkit_image *b, char *why, size_t len)
{
	static const int types[] = {
		TCPKIT_A_CONN_SND_SEQ, TCPKIT_A_CONN_RCV_SEQ,
		TCPKIT_A_CONN_RCV_QLEN,
		TCPKIT_A_CONN_MSS, TCPKIT_A_CONN_SND_WSCALE,
		TCPKIT_A_CONN_RCV_WSCALE, TCPKIT_A_CONN_SACK_OK,
		TCPKIT_A_CONN_TSTAMP_OK, TCPKIT_A_CONN_NODELAY,
		TCPKIT_A_CONN_KEEPALIVE, TCPKIT_A_CONN_KEEPIDLE,
		TCPKIT_A_CONN_KEEPINTVL, TCPKIT_A_CONN_KEEPCNT,
		TCPKIT_A_CONN_USER_TIMEOUT, TCPKIT_A_CONN_SNDBUF,
		TCPKIT_A_CONN_SNDBUF_LOCK, TCPKIT_A_CONN_MARK,
		TCPKIT_A_CONN_PRIORITY, TCPKIT_A_CONN_TOS,
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (get(a, types[i]) != get(b, types[i])) {
			snprintf(why, len, "attribute %d: %llu != %llu",
				 types[i], (unsigned long long)get(a, types[i]),
				 (unsigned long long)get(b, types[i]));
			return false;
		}
	}
	/* Restored bytes go out at once: the peer may have acked some. */
	if (get(b, TCPKIT_A_CONN_SND_QLEN) > get(a, TCPKIT_A_CONN_SND_QLEN)) {
		snprintf(why, len, "send queue grew: %llu > %llu",
			 (unsigned long long)get(b, TCPKIT_A_CONN_SND_QLEN),
			 (unsigned long long)get(a, TCPKIT_A_CONN_SND_QLEN));
		return false;
	}
	if (strcmp(tcpkit_image_get_str(a, TCPKIT_A_CONN_CC) ?: "",
		   tcpkit_image_get_str(b, TCPKIT_A_CONN_CC) ?: "")) {
		snprintf(why, len, "cc differs");
		return false;
	}
	return true;
}

/* 1 if @t is in the frozen list, 0 if not, -1 on error. */
static int is_frozen(struct tcpkit *tk, const struct tcpkit_tuple *t)
{
	struct tcpkit_frozen *list;
	int found = 0;
	size_t n, k;

	if (tcpkit_frozen_list(tk, &list, &n, sizeof(*list)))
		return -1;
	for (k = 0; k < n; k++)
		found |= list[k].tuple.family == t->family &&
			 list[k].tuple.sport == t->sport &&
			 list[k].tuple.dport == t->dport &&
			 !memcmp(&list[k].tuple.saddr, &t->saddr, 4) &&
			 !memcmp(&list[k].tuple.daddr, &t->daddr, 4);
	free(list);
	return found;
}

/* An error with a negative errno and a message. */
static void expect_err(const char *name, int ret, struct tcpkit *tk,
		       const char *word)
{
	const char *msg = tcpkit_last_error(tk);

	result(ret < 0 && *msg && (!word || strstr(msg, word)), name,
	       "ret %d, message \"%s\", want \"%s\"", ret, msg,
	       word ? word : "(any)");
	if (ret < 0)
		printf("# %s: %s\n", name, msg);
}

int main(void)
{
	struct tcpkit_image *hdr = NULL, *img = NULL, *back = NULL;
	struct tcpkit_image *rhdr = NULL, *dec;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, idle = 33, mark = 7, prio = 3, sndbuf = 100000;
	int lfd, cfd, sfd, rfd, nsa, nsb, ufd, pfd[2], ret;
	struct tcpkit_sockref ref = { .fd = -1 };
	struct tcpkit *tk, *tkb;
	struct tcpkit_aimd aimd = { .size = sizeof(aimd) };
	struct tcpkit_tuple t;
	socklen_t sl = sizeof(sa);
	unsigned char *q;
	const void *pay;
	uint64_t bytes;
	char why[128];
	size_t elen, plen;
	void *enc;
	bool ok;
	int i;

	if (geteuid())
		skip_all("needs root");
	nsa = new_netns();
	if (nsa < 0)
		skip_all("cannot make a network namespace");
	tk = tcpkit_open();
	if (!tk)
		skip_all(tcpkit_strerror());
	printf("TAP version 13\n1..%d\n", PLAN);

	/* the connection: lfd listens, cfd connects, sfd accepted */
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) ||
	    connect(cfd, (struct sockaddr *)&sa, sizeof(sa)))
		skip_all("cannot connect over loopback");
	sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sfd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(sfd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(sfd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
	setsockopt(sfd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
	setsockopt(sfd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	setsockopt(sfd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4);
	ok = sfd >= 0 && !write_all(cfd, 0, C2S) && !write_all(sfd, 1, S2C) &&
	     !wait_inq(sfd, C2S) && !wait_inq(cfd, S2C);
	result(ok, "setup_connection", "errno %d", errno);

	/* 1. state by fd and by tuple */
	ref.fd = sfd;
	ret = tcpkit_conn_get(tk, &ref, &hdr);
	result(!ret && tcpkit_image_header_only(hdr) &&
	       get(hdr, TCPKIT_A_CONN_STATE) == TCP_ESTABLISHED &&
	       get(hdr, TCPKIT_A_CONN_SPORT) == ntohs(sa.sin_port) &&
	       get(hdr, TCPKIT_A_CONN_RCV_QLEN) == C2S &&
	       get(hdr, TCPKIT_A_CONN_NODELAY) == 1 &&
	       get(hdr, TCPKIT_A_CONN_KEEPIDLE) == (uint64_t)idle &&
	       get(hdr, TCPKIT_A_CONN_MARK) == (uint64_t)mark,
	       "conn_get_by_fd", "%s", tcpkit_last_error(tk));
	if (!hdr)
		return 1;
	tcpkit_image_tuple(hdr, &t);
	ref.fd = -1;
	ref.tuple = t;
	ret = tcpkit_conn_get(tk, &ref, &back);
	result(!ret && get(back, TCPKIT_A_CONN_SND_SEQ) ==
		       get(hdr, TCPKIT_A_CONN_SND_SEQ),
	       "conn_get_by_tuple", "%s", tcpkit_last_error(tk));
	tcpkit_image_free(back);
	back = NULL;
	result(tcpkit_restore(tk, hdr, 0) == -EINVAL,
	       "state_only_image_not_restorable", NULL);

	/* 2. checkpoint without stop: the original goes on */
	ref.fd = sfd;
	ret = tcpkit_checkpoint(tk, &ref, 0, &img);
	result(!ret && tcpkit_image_queue(img, TCPKIT_QUEUE_RECV, &bytes,
					  NULL) == 0 && bytes == C2S,
	       "checkpoint", "%s", tcpkit_last_error(tk));
	if (!img)
		return 1;
	q = malloc(C2S);
	ok = tcpkit_image_queue_copy(img, TCPKIT_QUEUE_RECV, q, C2S) == 0;
	for (i = 0; ok && i < C2S; i++)
		ok = q[i] == pattern(i, 0);
	result(ok, "checkpoint_receive_queue_exact", "byte %d", i - 1);
	/*
	 * An image holds its payload's size, not the buffer it was collected
	 * in: a state image not the 4 KiB of a receive, a queue's not the
	 * next power of two.
	 */
	pay = tcpkit_image_payload(hdr, &plen);
	result(malloc_usable_size((void *)pay) < plen + 256,
	       "image_keeps_its_size_state", "%zu bytes held for %zu",
	       malloc_usable_size((void *)pay), plen);
	pay = tcpkit_image_payload(img, &plen);
	result(malloc_usable_size((void *)pay) < plen + 4096,
	       "image_keeps_its_size_queue", "%zu bytes held for %zu",
	       malloc_usable_size((void *)pay), plen);
	result(tcpkit_image_get_str(img, TCPKIT_IMG_A_KERNEL) &&
	       tcpkit_image_get_str(img, TCPKIT_IMG_A_TOOL),
	       "checkpoint_metadata", NULL);
	ok = tcpkit_image_encode(img, &enc, &elen) == 0;
	dec = ok ? tcpkit_image_decode(enc, elen) : NULL;
	result(dec != NULL, "checkpoint_encode_decode", "%s", tcpkit_strerror());
	tcpkit_image_free(dec);
	free(enc);
	result(write(sfd, "x", 1) == 1, "original_still_works", "errno %d",
	       errno);

	/* 3. errors */
	ref.fd = lfd;
	expect_err("checkpoint_listening", tcpkit_checkpoint(tk, &ref, 0, &back),
		   tk, "listening");
	ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ref.fd = ufd;
	expect_err("checkpoint_udp", tcpkit_conn_get(tk, &ref, &back), tk,
		   "not a TCP socket");
	if (pipe(pfd))
		pfd[0] = 0;
	ref.fd = pfd[0];
	expect_err("checkpoint_pipe", tcpkit_checkpoint(tk, &ref, 0, &back),
		   tk, "not a socket");
	ref.fd = 1000000;
	expect_err("checkpoint_bad_fd", tcpkit_conn_get(tk, &ref, &back), tk,
		   NULL);
	/* a struct smaller than the first layout is refused before use */
	ref.size = 4;
	expect_err("sockref_size_too_small", tcpkit_conn_get(tk, &ref, &back),
		   tk, "too small");
	ref.size = 0;
	ref.fd = -1;
	ref.tuple = t;
	ref.tuple.dport ^= 1;
	expect_err("conn_get_no_such_tuple", tcpkit_conn_get(tk, &ref, &back),
		   tk, NULL);
	expect_err("restore_onto_connected", tcpkit_restore(tk, img, cfd), tk,
		   "target socket");
	expect_err("restore_unknown_flags",
		   tcpkit_restore_flags(tk, img, cfd, 0x100), tk,
		   "unknown restore flags");
	expect_err("restore_same_netns_tuple_taken",
		   tcpkit_restore(tk, img, tcpkit_image_socket(img)), tk, NULL);

	/* 4. restore into namespace B */
	nsb = new_netns();
	tkb = nsb >= 0 ? tcpkit_open() : NULL;
	rfd = tkb ? tcpkit_image_socket(img) : -1;
	ret = rfd >= 0 ? tcpkit_restore(tkb, img, rfd) : -1;
	result(!ret, "restore_other_netns", "%s",
	       tkb ? tcpkit_last_error(tkb) : tcpkit_strerror());
	/* without a peer in B the restored socket may be reset at once */
	ok = wait_inq(rfd, C2S) == 0;
	if (ok) {
		ssize_t n, off = 0;

		while (off < C2S && (n = read(rfd, q + off, C2S - off)) > 0)
			off += n;
		ok = off == C2S;
		for (i = 0; ok && i < C2S; i++)
			ok = q[i] == pattern(i, 0);
	}
	result(ok, "restored_receive_queue_exact", NULL);
	expect_err("restore_twice", tkb ? tcpkit_restore(tkb, img, rfd) : -1,
		   tkb, NULL);
	ret = tkb ? tcpkit_aimd_get(tkb, NULL, &aimd) : -1;
	result(!ret && (aimd.has & TCPKIT_AIMD_HAS_BETA) && aimd.alpha,
	       "aimd_get_global", "%s", tcpkit_strerror());
	tcpkit_close(tkb);
	if (nsb >= 0)
		close(nsb);

	/* 5. stop, freeze, restore in A where the peer lives, thaw */
	if (setns(nsa, CLONE_NEWNET))
		result(false, "back_to_netns_a", "errno %d", errno);
	ref.fd = sfd;
	tcpkit_image_free(back);
	back = NULL;
	ret = tcpkit_checkpoint(tk, &ref, TCPKIT_CHECKPOINT_STOP, &back);
	if (ret == -EOPNOTSUPP) {
		printf("# stop: %s\n", tcpkit_last_error(tk));
		for (i = test_no; i < PLAN; i++)
			skip("stop", "the kernel does not support stop yet");
	} else {
		char c, buf[S2C + 16];
		ssize_t n, off;

		/* held, then given back with its queues */
		result(!ret && tcpkit_image_held(back) &&
		       is_frozen(tk, &t) == 1, "stop_holds", "%s",
		       tcpkit_last_error(tk));
		ret = tcpkit_abort(tk, back);
		result(!ret && !tcpkit_image_held(back) &&
		       is_frozen(tk, &t) == 0, "abort_gives_back", "%s",
		       tcpkit_last_error(tk));
		expect_err("abort_twice", tcpkit_abort(tk, back), tk,
			   "holds no connection");
		tcpkit_image_free(rhdr);
		rhdr = NULL;
		ret = tcpkit_conn_get(tk, &ref, &rhdr);
		result(!ret && get(rhdr, TCPKIT_A_CONN_STATE) == TCP_ESTABLISHED &&
		       get(rhdr, TCPKIT_A_CONN_RCV_QLEN) == C2S &&
		       back && get(rhdr, TCPKIT_A_CONN_SND_QLEN) ==
			       get(back, TCPKIT_A_CONN_SND_QLEN),
		       "aborted_original_intact", "%s", tcpkit_last_error(tk));
		tcpkit_image_free(rhdr);
		rhdr = NULL;
		tcpkit_image_free(back);
		back = NULL;

		/* held, then destroyed once the image is "saved" */
		ret = tcpkit_checkpoint(tk, &ref, TCPKIT_CHECKPOINT_STOP, &back);
		result(!ret, "checkpoint_stop", "%s", tcpkit_last_error(tk));
		ret = back ? tcpkit_commit(tk, back) : -1;
		result(!ret && !tcpkit_image_held(back), "commit", "%s",
		       tcpkit_last_error(tk));
		fcntl(sfd, F_SETFL, O_NONBLOCK);
		errno = 0;
		result(read(sfd, &c, 1) < 0 && errno != EAGAIN,
		       "stopped_original_aborted", "errno %d", errno);
		result(is_frozen(tk, &t) == 1, "frozen_listed", "%s",
		       tcpkit_last_error(tk));
		close(sfd);

		rfd = back ? tcpkit_image_socket(back) : -1;
		/* the conservative start: a request option the kernel takes */
		ret = rfd >= 0 ? tcpkit_restore_flags(tk, back, rfd,
					TCPKIT_RESTORE_CONSERVATIVE) : -1;
		result(!ret, "restore_after_stop", "%s", tcpkit_last_error(tk));
		ref.fd = rfd;
		ret = tcpkit_conn_get(tk, &ref, &rhdr);
		if (ret)
			snprintf(why, sizeof(why), "conn_get: %s",
				 tcpkit_last_error(tk));
		result(!ret && same_opts(back, rhdr, why, sizeof(why)),
		       "restored_state_and_options", "%s", why);
		result(is_frozen(tk, &t) == 0, "restore_thaws", "%s",
		       tcpkit_last_error(tk));

		ok = wait_inq(rfd, C2S) == 0;
		for (off = 0; ok && off < C2S; off += n) {
			n = read(rfd, q + off, C2S - off);
			ok = n > 0;
		}
		for (i = 0; ok && i < C2S; i++)
			ok = q[i] == pattern(i, 0);
		result(ok, "restored_after_stop_receive_queue_exact", NULL);

		/* the peer reads what the original sent, then the new bytes */
		ok = write(rfd, "hello", 5) == 5 && !wait_inq(cfd, S2C + 6);
		for (off = 0; ok && off < S2C + 6; off += n) {
			n = read(cfd, buf + off, S2C + 6 - off);
			ok = n > 0;
		}
		for (i = 0; ok && i < S2C; i++)
			ok = (unsigned char)buf[i] == pattern(i, 1);
		ok = ok && !memcmp(buf + S2C, "xhello", 6);
		result(ok, "data_restored_to_peer", NULL);
		ok = write(cfd, "world", 5) == 5 && !wait_inq(rfd, 5) &&
		     read(rfd, buf, 5) == 5 && !memcmp(buf, "world", 5);
		result(ok, "data_peer_to_restored", NULL);

		ref.fd = rfd;
		tcpkit_image_free(back);
		back = NULL;
		ret = tcpkit_checkpoint(tk, &ref, TCPKIT_CHECKPOINT_STOP, &back);
		if (!ret)
			ret = tcpkit_commit(tk, back);
		result(!ret && is_frozen(tk, &t) == 1, "second_stop", "%s",
		       tcpkit_last_error(tk));
		ret = tcpkit_thaw(tk, &t);
		result(!ret && is_frozen(tk, &t) == 0, "thaw", "%s",
		       tcpkit_last_error(tk));
		expect_err("thaw_twice", tcpkit_thaw(tk, &t), tk, NULL);
		close(rfd);
	}

	tcpkit_image_free(hdr);
	tcpkit_image_free(img);
	tcpkit_image_free(back);
	tcpkit_image_free(rhdr);
	tcpkit_close(tk);
	free(q);
	if (test_no != PLAN)
		printf("# ran %d tests, planned %d\n", test_no, PLAN);
	return failed || test_no != PLAN;
}
