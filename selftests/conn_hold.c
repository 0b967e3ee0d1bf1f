// SPDX-License-Identifier: GPL-2.0
/*
 * conn_hold: the two-phase stop. A checkpoint with stop holds the original
 * (parked, its tuple frozen both ways, queues intact); only a commit
 * destroys it. An abort, the holder's netlink socket closing or the
 * freeze's lifetime lapsing give it back, and then both streams go on
 * byte-exact with no RST, the bytes the peer sent during the hold included
 * (kept by the freeze and delivered by the abort).
 * So does unloading the module.
 *
 *   A (held)  <---- loopback ---->  B (peer, keeps sending)
 */
#include <sys/resource.h>

#include "conn_lib.h"
#include "kselftest_harness.h"

#define TMO		20000
#define NSET		160	/* connections of one set: more headers than a 32 KiB dump buffer holds */
#define NBIG		1100	/* more than a request names, and the old cap */
#define FROZEN_MAX	"/sys/module/tcpkit/parameters/frozen_max"
#define FREEZE_MS	"/sys/module/tcpkit/parameters/freeze_ms"

FIXTURE(hold) {
	struct tk tk;
	struct img im;
	int a, b;
	uint64_t a_sent, b_sent, a_read, b_read;
	long rsts;
};

FIXTURE_VARIANT(hold) {
	int family;
};

FIXTURE_VARIANT_ADD(hold, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(hold, ipv6) {
	.family = AF_INET6,
};

FIXTURE_SETUP(hold)
{
	memset(self, 0, sizeof(*self));
	self->a = self->b = -1;
	TK_SETUP_NETNS(&self->tk, TK_NO_MODULE);
	ASSERT_EQ(0, tcp_pair(variant->family, &self->a, &self->b));
	self->rsts = tcp_mib("OutRsts");
}

FIXTURE_TEARDOWN(hold)
{
	close_fds((int *[]){ &self->b, &self->a }, 2);
	img_free(&self->im);
	tk_close(&self->tk);
}

/* Queues on both sides, then the hold; B keeps sending into it. */
static void hold_a(struct __test_metadata *_metadata, FIXTURE_DATA(hold) *self)
{
	char c;

	ASSERT_EQ(3000, stream_write(self->a, 1, &self->a_sent, 3000, false));
	ASSERT_EQ(5000, stream_write(self->b, 2, &self->b_sent, 5000, false));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, 5000, TMO));
	ASSERT_EQ(0, tk_checkpoint_hold(&self->tk, self->a, &self->im))
		TH_LOG("checkpoint with stop: %s", self->tk.msg);
	ASSERT_NE(0U, self->im.hold);
	EXPECT_EQ(5000U, img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));

	/* Held: its owner can neither read nor write, the queues stay. */
	EXPECT_EQ(-1, recv(self->a, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(-1, send(self->a, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL));
	EXPECT_EQ(5000, sock_ioctl(self->a, SIOCINQ));

	/* The peer's bytes go nowhere, its retransmissions neither. */
	ASSERT_EQ(7000, stream_write(self->b, 2, &self->b_sent, 7000, false));
	usleep(300000);
	EXPECT_EQ(5000, sock_ioctl(self->a, SIOCINQ));
}

/* A is back: everything arrives once, both ways, and no RST was sent. */
static void a_resumed(struct __test_metadata *_metadata,
		      FIXTURE_DATA(hold) *self)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	ASSERT_EQ(0, stream_read(self->a, 2, &self->a_read,
				 self->b_sent - self->a_read, TMO))
		TH_LOG("A reading B's stream at %llu",
		       (unsigned long long)self->a_read);
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read,
				 self->a_sent - self->b_read, TMO));
	ASSERT_EQ(20000, stream_write(self->a, 1, &self->a_sent, 20000, false));
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, 20000, TMO));
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
	ASSERT_EQ(0, getsockopt(self->a, SOL_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(TK_ESTABLISHED, (unsigned int)ti.tcpi_state);
}

static unsigned int frozen_count(struct __test_metadata *_metadata,
				 struct tk *t)
{
	struct frozen fr;

	EXPECT_EQ(0, tk_frozen(t, &fr));
	return fr.n;
}

TEST_F(hold, abort)
{
	hold_a(_metadata, self);
	EXPECT_EQ(1U, frozen_count(_metadata, &self->tk));
	ASSERT_EQ(0, tk_hold_end(&self->tk, self->im.hold, false))
		TH_LOG("abort: %s", self->tk.msg);
	EXPECT_EQ(0U, frozen_count(_metadata, &self->tk));
	/* Ended: a second end finds nothing. */
	EXPECT_EQ(-ENOENT, tk_hold_end(&self->tk, self->im.hold, true));
	EXPECT_NE(0, self->tk.msg[0]);
	a_resumed(_metadata, self);
}

TEST_F(hold, commit)
{
	char c;

	hold_a(_metadata, self);
	ASSERT_EQ(0, tk_hold_end(&self->tk, self->im.hold, true))
		TH_LOG("commit: %s", self->tk.msg);
	/* Gone without a word, its tuple still frozen for the restore. */
	EXPECT_EQ(-1, recv(self->a, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(ECONNABORTED, errno);
	EXPECT_EQ(1U, frozen_count(_metadata, &self->tk));
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
	EXPECT_EQ(-ENOENT, tk_hold_end(&self->tk, self->im.hold, false));
}

/*
 * What B sent during the hold was kept: the abort hands it to A at once,
 * while loopback lets nothing through that B sends again.
 */
TEST_F(hold, abort_delivers_kept)
{
	struct frozen fr;

	hold_a(_metadata, self);
	ASSERT_EQ(0, tk_frozen(&self->tk, &fr));
	ASSERT_EQ(1U, fr.n);
	EXPECT_LE(1U, fr.parked[0]);
	ASSERT_EQ(0, wait_ioctl(self->b, SIOCOUTQNSD, 0, TMO));
	ASSERT_EQ(0, system("tc qdisc add dev lo root netem loss 100%"));
	ASSERT_EQ(0, tk_hold_end(&self->tk, self->im.hold, false))
		TH_LOG("abort: %s", self->tk.msg);
	EXPECT_EQ(0, stream_read(self->a, 2, &self->a_read,
				 self->b_sent - self->a_read, 3000))
		TH_LOG("A at offset %llu of %llu",
		       (unsigned long long)self->a_read,
		       (unsigned long long)self->b_sent);
	ASSERT_EQ(0, system("tc qdisc del dev lo root"));
	a_resumed(_metadata, self);
}

/*
 * A set with stop freezes every tuple before the first snapshot: all of
 * them are frozen as soon as the request is sent, whatever of the reply
 * is read. The holder going away gives every connection back.
 */
TEST_F(hold, set_frozen_at_once)
{
	int srv[NSET], cli[NSET], i;
	unsigned char buf[8192];
	uint64_t w, r;
	struct nlmsghdr *nlh;
	struct frozen fr;
	struct tk other;

	for (i = 0; i < NSET; i++)
		ASSERT_EQ(0, tcp_pair(variant->family, &srv[i], &cli[i]));
	nlh = tk_msg(&self->tk, buf, TCPKIT_CMD_CONN_CHECKPOINT, NLM_F_DUMP);
	for (i = 0; i < NSET; i++)
		tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, srv[i], NULL, NULL);
	mnl_attr_put(nlh, TCPKIT_A_CONN_STOP, 0, NULL);
	ASSERT_LT(0, mnl_socket_sendto(self->tk.nl, nlh, nlh->nlmsg_len));

	/* Nothing read: the first message buffer has room for a few. */
	ASSERT_EQ(0, tk_open(&other));
	ASSERT_EQ(0, tk_frozen(&other, &fr));
	EXPECT_EQ((unsigned int)NSET, fr.n);
	tk_close(&self->tk);
	EXPECT_EQ(0, wait_frozen(&other, &fr, 0, 0, TMO));
	tk_close(&other);
	for (i = 0; i < NSET; i++) {
		w = r = 0;
		ASSERT_EQ(100, stream_write(cli[i], 1, &w, 100, false));
		ASSERT_EQ(0, stream_read(srv[i], 1, &r, 100, TMO))
			TH_LOG("connection %d", i);
		w = r = 0;
		ASSERT_EQ(100, stream_write(srv[i], 2, &w, 100, false));
		ASSERT_EQ(0, stream_read(cli[i], 2, &r, 100, TMO))
			TH_LOG("connection %d", i);
		close(srv[i]);
		close(cli[i]);
	}
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
}

/*
 * A namespace holds more frozen tuples than one request may name (two
 * requests with stop) and more than the 1024 it once could: a proxy's
 * connections handed over at once. The frozen list has them all.
 */
TEST_F_TIMEOUT(hold, frozen_over_1024, 300)
{
	static int srv[NBIG], cli[NBIG];
	struct rlimit rl = { .rlim_cur = 3 * NBIG, .rlim_max = 3 * NBIG };
	unsigned char *buf = malloc(1 << 16);
	struct nlmsghdr *nlh;
	struct frozen fr;
	struct tk other;
	int i, first, n;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(16384, read_long(FROZEN_MAX));
	for (i = 0; i < NBIG; i++)
		ASSERT_EQ(0, tcp_pair(variant->family, &srv[i], &cli[i]))
			TH_LOG("connection %d", i);
	for (first = 0; first < NBIG; first += n) {
		n = NBIG - first < TCPKIT_CHECKPOINT_SOCKS_MAX ?
		    NBIG - first : TCPKIT_CHECKPOINT_SOCKS_MAX;
		nlh = tk_msg(&self->tk, buf, TCPKIT_CMD_CONN_CHECKPOINT,
			     NLM_F_DUMP);
		for (i = first; i < first + n; i++)
			tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, srv[i], NULL, NULL);
		mnl_attr_put(nlh, TCPKIT_A_CONN_STOP, 0, NULL);
		ASSERT_EQ(0, tk_xfer(&self->tk, nlh, NULL, NULL))
			TH_LOG("connections %d to %d: %s", first, first + n - 1,
			       self->tk.msg);
	}
	free(buf);

	ASSERT_EQ(0, tk_open(&other));
	ASSERT_EQ(0, tk_frozen(&other, &fr));
	EXPECT_EQ((unsigned int)NBIG, fr.n);
	/* The holder goes: every connection is given back. */
	tk_close(&self->tk);
	EXPECT_EQ(0, wait_frozen(&other, &fr, 0, 0, TMO));
	tk_close(&other);
	for (i = 0; i < NBIG; i += NBIG / 10) {
		uint64_t w = 0, r = 0;

		ASSERT_EQ(100, stream_write(cli[i], 1, &w, 100, false));
		ASSERT_EQ(0, stream_read(srv[i], 1, &r, 100, TMO))
			TH_LOG("connection %d", i);
	}
	for (i = 0; i < NBIG; i++) {
		close(srv[i]);
		close(cli[i]);
	}
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
}

/*
 * frozen_max caps the tuples a namespace has frozen at once: a stop past
 * it is refused, names the parameter and leaves the connection as it was.
 * The parameter's range is 1 to 65536.
 */
TEST_F(hold, frozen_max)
{
	long saved = read_long(FROZEN_MAX);
	int srv[3], cli[3], i;
	struct img im[3] = {};
	uint64_t w = 0, r = 0;
	char val[24];

	ASSERT_LT(0, saved);
	EXPECT_NE(0, write_str(FROZEN_MAX, "0"));
	EXPECT_NE(0, write_str(FROZEN_MAX, "65537"));
	ASSERT_EQ(saved, read_long(FROZEN_MAX));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, tcp_pair(variant->family, &srv[i], &cli[i]));
	ASSERT_EQ(0, write_str(FROZEN_MAX, "2"));
	EXPECT_EQ(0, tk_checkpoint_hold(&self->tk, srv[0], &im[0]));
	EXPECT_EQ(0, tk_checkpoint_hold(&self->tk, srv[1], &im[1]));
	EXPECT_EQ(-ENOSPC, tk_checkpoint_hold(&self->tk, srv[2], &im[2]));
	EXPECT_NE(NULL, strstr(self->tk.msg, "frozen_max"))
		TH_LOG("extack: %s", self->tk.msg);
	ASSERT_EQ(0, write_str(FROZEN_MAX, "65536"));
	snprintf(val, sizeof(val), "%ld", saved);
	ASSERT_EQ(0, write_str(FROZEN_MAX, val));
	ASSERT_EQ(saved, read_long(FROZEN_MAX));

	/* The refused one never stopped; the held ones come back. */
	ASSERT_EQ(100, stream_write(cli[2], 1, &w, 100, false));
	ASSERT_EQ(0, stream_read(srv[2], 1, &r, 100, TMO));
	for (i = 0; i < 2; i++) {
		ASSERT_NE(0U, im[i].hold);
		EXPECT_EQ(0, tk_hold_end(&self->tk, im[i].hold, false));
		w = r = 0;
		ASSERT_EQ(100, stream_write(cli[i], 1, &w, 100, false));
		ASSERT_EQ(0, stream_read(srv[i], 1, &r, 100, TMO))
			TH_LOG("connection %d", i);
	}
	for (i = 0; i < 3; i++) {
		img_free(&im[i]);
		close(srv[i]);
		close(cli[i]);
	}
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
}

/* The CLI killed before it committed: its netlink socket closes. */
TEST_F(hold, holder_closed)
{
	hold_a(_metadata, self);
	tk_close(&self->tk);
	ASSERT_EQ(0, tk_open(&self->tk));
	EXPECT_EQ(0U, frozen_count(_metadata, &self->tk));
	a_resumed(_metadata, self);
}

/* Only the netlink socket that made a hold ends it. */
TEST_F(hold, other_socket)
{
	struct tk other;

	hold_a(_metadata, self);
	ASSERT_EQ(0, tk_open(&other));
	EXPECT_EQ(-ENOENT, tk_hold_end(&other, self->im.hold, true));
	EXPECT_EQ(-ENOENT, tk_hold_end(&other, self->im.hold, false));
	tk_close(&other);
	EXPECT_EQ(-ENOENT, tk_hold_end(&self->tk, self->im.hold + 1, true));
	ASSERT_EQ(0, tk_hold_end(&self->tk, self->im.hold, false));
	a_resumed(_metadata, self);
}

/* While held: no thaw, no second stop, no hold id 0. */
TEST_F(hold, busy)
{
	struct sockaddr_storage sa, da;
	socklen_t len = sizeof(sa);
	struct img again = {};

	hold_a(_metadata, self);
	ASSERT_EQ(0, getsockname(self->a, (void *)&sa, &len));
	len = sizeof(da);
	ASSERT_EQ(0, getpeername(self->a, (void *)&da, &len));
	EXPECT_EQ(-EBUSY, tk_thaw(&self->tk, &sa, &da));
	TH_LOG("thaw: \"%s\"", self->tk.msg);
	EXPECT_EQ(-EBUSY, tk_checkpoint_hold(&self->tk, self->a, &again));
	TH_LOG("second stop: \"%s\"", self->tk.msg);
	EXPECT_NE(0, self->tk.msg[0]);
	img_free(&again);
	EXPECT_EQ(-ERANGE, tk_hold_end(&self->tk, 0, true));
	ASSERT_EQ(0, tk_hold_end(&self->tk, self->im.hold, false));
	a_resumed(_metadata, self);
}

/* Nobody commits: the hold lapses with the freeze, A comes back. */
TEST_F(hold, lapse)
{
	char old[32] = "";
	FILE *f = fopen(FREEZE_MS, "r");

	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(old, sizeof(old), f));
	fclose(f);
	ASSERT_EQ(0, write_str(FREEZE_MS, "1000"));
	hold_a(_metadata, self);
	write_str(FREEZE_MS, old);
	usleep(1500000);
	EXPECT_EQ(0U, frozen_count(_metadata, &self->tk));
	EXPECT_EQ(-ENOENT, tk_hold_end(&self->tk, self->im.hold, true));
	a_resumed(_metadata, self);
}

/* The owner closes its socket while held: a commit still succeeds. */
TEST_F(hold, owner_closed)
{
	hold_a(_metadata, self);
	close(self->a);
	self->a = -1;
	ASSERT_EQ(0, tk_hold_end(&self->tk, self->im.hold, true))
		TH_LOG("commit: %s", self->tk.msg);
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
}

/* The module goes away with a hold outstanding: A is given back. */
TEST_F(hold, module_unload)
{
	hold_a(_metadata, self);
	ASSERT_EQ(0, syscall(SYS_delete_module, "tcpkit", O_NONBLOCK))
		TH_LOG("rmmod: %s", strerror(errno));
	a_resumed(_metadata, self);
	ASSERT_EQ(0, system("modprobe tcpkit"));
	tk_close(&self->tk);
	ASSERT_EQ(0, tk_open(&self->tk));
	EXPECT_EQ(0U, frozen_count(_metadata, &self->tk));
}

TEST_HARNESS_MAIN
