// SPDX-License-Identifier: GPL-2.0
/*
 * conn_restore: checkpoint a TCP connection through the tcpkit family,
 * make the original vanish without a FIN or RST, restore the image into a
 * fresh socket and check that both byte streams continue exactly, with no
 * RST seen in the netns. IPv4 and IPv6 over loopback in a private netns.
 *
 *   A (server side, checkpointed)  <---- loopback ---->  B (peer)
 *   A is replaced by C, restored from A's image; B never notices.
 *
 * Stream 1 flows A/C -> B, stream 2 flows B -> A/C (see conn_lib.h).
 */
#include <stdarg.h>

#include "conn_lib.h"
#include "kselftest_harness.h"

#define TMO	20000	/* ms: TCG guests are slow and RTOs are whole seconds */

FIXTURE(conn) {
	struct tk tk;
	struct img im;
	int a, b, c;
	uint64_t a_sent, b_sent;	/* stream bytes written by A, by B */
	uint64_t a_read, b_read;	/* stream bytes read by A, by B */
	long rsts;		/* Tcp OutRsts of the netns at the start */
};

FIXTURE_VARIANT(conn) {
	int family;
};

FIXTURE_VARIANT_ADD(conn, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(conn, ipv6) {
	.family = AF_INET6,
};

FIXTURE_SETUP(conn)
{
	memset(self, 0, sizeof(*self));
	self->a = self->b = self->c = -1;
	TK_SETUP_NETNS(&self->tk, TK_NO_MODULE);
	ASSERT_EQ(0, tcp_pair(variant->family, &self->a, &self->b));
	self->rsts = tcp_mib("OutRsts");
}

FIXTURE_TEARDOWN(conn)
{
	close_fds((int *[]){ &self->c, &self->b, &self->a }, 3);
	img_free(&self->im);
	tk_close(&self->tk);
}

/*
 * Checkpoint A by fd, check the image against what A's ioctls say. With
 * @stop, A is silenced under the same lock: needed when B may still send,
 * or bytes A acknowledges after the checkpoint would be lost.
 */
static void checkpoint_a_stop(struct __test_metadata *_metadata,
			      FIXTURE_DATA(conn) *self, bool stop)
{
	uint32_t inq = sock_ioctl(self->a, SIOCINQ);
	uint32_t outq = sock_ioctl(self->a, SIOCOUTQ);
	uint32_t rq, sq;
	int err;

	if (stop)
		err = tk_checkpoint_stop(&self->tk, self->a, &self->im);
	else
		err = tk_checkpoint(&self->tk, self->a, NULL, NULL, false,
				    &self->im);
	ASSERT_EQ(0, err) TH_LOG("checkpoint: %s", self->tk.msg);
	ASSERT_LE(1U, self->im.msgs);
	EXPECT_EQ(TK_ESTABLISHED, img_u32(&self->im, TCPKIT_A_CONN_STATE));
	/* A reads and writes nothing meanwhile, but a window update of B's
	 * may still bring bytes in, or an ACK take some out.
	 */
	rq = img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN);
	sq = img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN);
	EXPECT_LE(inq, rq);
	EXPECT_GE(outq, sq);
	if (!stop) {
		EXPECT_GE((uint32_t)sock_ioctl(self->a, SIOCINQ), rq);
		EXPECT_LE((uint32_t)sock_ioctl(self->a, SIOCOUTQ), sq);
	}
	ASSERT_EQ((uint64_t)img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN),
		  img_data_len(&self->im, TCPKIT_A_CONN_SND_DATA));
	ASSERT_EQ((uint64_t)img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN),
		  img_data_len(&self->im, TCPKIT_A_CONN_RCV_DATA));
	TH_LOG("image: %zu bytes in %u messages, snd %u (unsent %u), rcv %u",
	       self->im.len, self->im.msgs,
	       img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN),
	       img_u32(&self->im, TCPKIT_A_CONN_UNSENT_LEN),
	       img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));
}

static void checkpoint_a(struct __test_metadata *_metadata,
			 FIXTURE_DATA(conn) *self)
{
	checkpoint_a_stop(_metadata, self, false);
}

/* A vanishes silently (if stop did not do that), C takes its place. */
static void replace_a(struct __test_metadata *_metadata,
		      FIXTURE_DATA(conn) *self, int family)
{
	int err;

	ASSERT_EQ(0, kill_silently(self->a));
	self->a = -1;
	self->c = socket(family, SOCK_STREAM, 0);
	ASSERT_LE(0, self->c);
	err = tk_restore(&self->tk, self->c, &self->im);
	ASSERT_EQ(0, err) TH_LOG("restore: %s", self->tk.msg);
}

/*
 * No RST left this netns (both ends live here, so that is every RST either
 * end could have seen) and B's connection is in @state.
 */
static void no_reset(struct __test_metadata *_metadata,
		     FIXTURE_DATA(conn) *self, unsigned int state)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
	ASSERT_EQ(0, getsockopt(self->b, SOL_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(state, (unsigned int)ti.tcpi_state);
}

/*
 * Everything A had queued arrives, then both directions carry @more bytes
 * each, byte-exact, and the netns sent no RST.
 */
static void check_streams(struct __test_metadata *_metadata,
			  FIXTURE_DATA(conn) *self, size_t more)
{
	int err;

	err = stream_read(self->c, 2, &self->a_read,
			  self->b_sent - self->a_read, TMO);
	ASSERT_EQ(0, err) TH_LOG("C reading what B sent before: offset %llu",
				 (unsigned long long)self->a_read);
	err = stream_read(self->b, 1, &self->b_read,
			  self->a_sent - self->b_read, TMO);
	ASSERT_EQ(0, err) TH_LOG("B reading what A queued: offset %llu",
				 (unsigned long long)self->b_read);

	ASSERT_EQ((long)more, stream_write(self->c, 1, &self->a_sent, more,
					   false));
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, more, TMO));
	ASSERT_EQ((long)more, stream_write(self->b, 2, &self->b_sent, more,
					   false));
	ASSERT_EQ(0, stream_read(self->c, 2, &self->a_read, more, TMO));

	no_reset(_metadata, self, TK_ESTABLISHED);
}

TEST_F(conn, idle)
{
	checkpoint_a(_metadata, self);
	EXPECT_EQ(0U, img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN));
	EXPECT_EQ(0U, img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));
	replace_a(_metadata, self, variant->family);
	check_streams(_metadata, self, 100000);
}

TEST_F(conn, recv_queue)
{
	/* B sends; A reads a little and leaves the rest queued. */
	ASSERT_EQ(60000, stream_write(self->b, 2, &self->b_sent, 60000, false));
	ASSERT_EQ(0, stream_read(self->a, 2, &self->a_read, 1234, TMO));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, 60000 - 1234, TMO));
	checkpoint_a(_metadata, self);
	replace_a(_metadata, self, variant->family);
	check_streams(_metadata, self, 100000);
}

/*
 * The image holds A's queue as it was at the request, however late the
 * dump is read: with the reply still unread (only its first message
 * buffer is built), A reads everything, B sends more, A reads that too;
 * then the image must hold exactly the bytes A had queued.
 */
TEST_F(conn, snapshot_at_request)
{
	const struct nlattr *a;
	unsigned char buf[1024];
	struct nlmsghdr *nlh;
	uint64_t off = 1234;
	uint32_t i, n;
	int err;

	ASSERT_EQ(60000, stream_write(self->b, 2, &self->b_sent, 60000, false));
	ASSERT_EQ(0, stream_read(self->a, 2, &self->a_read, 1234, TMO));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, 60000 - 1234, TMO));
	nlh = tk_msg(&self->tk, buf, TCPKIT_CMD_CONN_CHECKPOINT, NLM_F_DUMP);
	tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, self->a, NULL, NULL);
	ASSERT_EQ(0, tk_send(&self->tk, nlh));

	ASSERT_EQ(0, stream_read(self->a, 2, &self->a_read, 60000 - 1234, TMO));
	ASSERT_EQ(20000, stream_write(self->b, 2, &self->b_sent, 20000, false));
	ASSERT_EQ(0, stream_read(self->a, 2, &self->a_read, 20000, TMO));

	err = tk_reply(&self->tk, tk_img_cb, &self->im);
	ASSERT_EQ(0, err) TH_LOG("checkpoint: %s", self->tk.msg);
	EXPECT_LT(1U, self->im.msgs);
	ASSERT_EQ(60000U - 1234, img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));
	img_for_each(a, &self->im) {
		if (mnl_attr_get_type(a) != TCPKIT_A_CONN_RCV_DATA)
			continue;
		n = mnl_attr_get_payload_len(a);
		for (i = 0; i < n; i++, off++)
			ASSERT_EQ(stream_byte(2, off),
				  ((const unsigned char *)mnl_attr_get_payload(a))[i])
				TH_LOG("image byte at stream offset %llu",
				       (unsigned long long)off);
	}
	EXPECT_EQ(60000U, off);
	no_reset(_metadata, self, TK_ESTABLISHED);
}

TEST_F(conn, send_queue_zero_window)
{
	long n;

	/* B never reads: its window closes, A's queue fills to EAGAIN. */
	n = stream_write(self->a, 1, &self->a_sent, 64 << 20, true);
	ASSERT_LT(0, n);
	wait_stable(self->a, SIOCOUTQ, 300);
	checkpoint_a(_metadata, self);
	EXPECT_LT(0U, img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN));
	replace_a(_metadata, self, variant->family);
	check_streams(_metadata, self, 100000);
}

TEST_F(conn, both_queues_full)
{
	ASSERT_LT(0, stream_write(self->b, 2, &self->b_sent, 64 << 20, true));
	ASSERT_LT(0, stream_write(self->a, 1, &self->a_sent, 64 << 20, true));
	wait_stable(self->a, SIOCOUTQ, 300);
	wait_stable(self->a, SIOCINQ, 300);
	/* B's queue is full too: it sends whenever A's window opens. */
	checkpoint_a_stop(_metadata, self, true);
	EXPECT_LT(0U, img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN));
	EXPECT_LT(0U, img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));
	/* B's own unsent bytes follow once C reads. */
	replace_a(_metadata, self, variant->family);
	check_streams(_metadata, self, 100000);
}

TEST_F(conn, in_flight)
{
	uint32_t inflight;

	/* 100 ms each way: the bytes stay unacknowledged for 200 ms. */
	if (system("tc qdisc add dev lo root netem delay 100ms"))
		SKIP(return, "no tc/netem");
	ASSERT_EQ(200000, stream_write(self->a, 1, &self->a_sent, 200000,
				       false));
	checkpoint_a(_metadata, self);
	inflight = img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN) -
		   img_u32(&self->im, TCPKIT_A_CONN_UNSENT_LEN);
	TH_LOG("in flight at checkpoint: %u", inflight);
	EXPECT_LT(0U, inflight);
	replace_a(_metadata, self, variant->family);
	check_streams(_metadata, self, 100000);
}

/* A few round trips each way over 40 ms (netem on lo), then A's TCP_INFO. */
static void rtt_sampled(struct __test_metadata *_metadata,
			FIXTURE_DATA(conn) *self, struct tcp_info *ia)
{
	socklen_t len = sizeof(*ia);
	int i;

	for (i = 0; i < 8; i++) {
		ASSERT_EQ(1000, stream_write(self->a, 1, &self->a_sent, 1000,
					     false));
		ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, 1000, TMO));
		ASSERT_EQ(1000, stream_write(self->b, 2, &self->b_sent, 1000,
					     false));
		ASSERT_EQ(0, stream_read(self->a, 2, &self->a_read, 1000, TMO));
	}
	ASSERT_EQ(0, getsockopt(self->a, SOL_TCP, TCP_INFO, ia, &len));
	ASSERT_LT(10000U, ia->tcpi_rtt) TH_LOG("netem delay not in the RTT?");
}

/* Is @v within 20% of @ref? */
static bool within_20(uint32_t v, uint32_t ref)
{
	return (uint64_t)v * 5 >= (uint64_t)ref * 4 &&
	       (uint64_t)v * 5 <= (uint64_t)ref * 6;
}

/* The RTT estimate travels: C starts from A's, not from 1 s. */
TEST_F(conn, rtt_carried)
{
	struct tcp_info ia, ic;
	socklen_t len = sizeof(ic);

	if (system("tc qdisc add dev lo root netem delay 20ms"))
		SKIP(return, "no tc/netem");
	rtt_sampled(_metadata, self, &ia);
	/* With stop: B's ACKs still on their way must not meet no socket. */
	checkpoint_a_stop(_metadata, self, true);
	EXPECT_TRUE(within_20(img_u32(&self->im, TCPKIT_A_CONN_SRTT_US),
			      ia.tcpi_rtt));
	replace_a(_metadata, self, variant->family);
	ASSERT_EQ(0, getsockopt(self->c, SOL_TCP, TCP_INFO, &ic, &len));
	TH_LOG("A: rtt %u rttvar %u rto %u min_rtt %u; C: rtt %u rttvar %u rto %u min_rtt %u",
	       ia.tcpi_rtt, ia.tcpi_rttvar, ia.tcpi_rto, ia.tcpi_min_rtt,
	       ic.tcpi_rtt, ic.tcpi_rttvar, ic.tcpi_rto, ic.tcpi_min_rtt);
	EXPECT_TRUE(within_20(ic.tcpi_rtt, ia.tcpi_rtt));
	EXPECT_TRUE(within_20(ic.tcpi_min_rtt, ia.tcpi_min_rtt));
	EXPECT_TRUE(within_20(ic.tcpi_rttvar, ia.tcpi_rttvar));
	EXPECT_TRUE(within_20(ic.tcpi_rto, ia.tcpi_rto));
	EXPECT_GT(1000000U, ic.tcpi_rto);
	check_streams(_metadata, self, 100000);
}

/*
 * An image without the estimate (an older module's) restores as before:
 * no sample, and the kernel's RTO for a handshake without one (RFC 6298
 * 5.7: 3 s, at least the initial 1 s).
 */
TEST_F(conn, rtt_old_image)
{
	struct tcp_info ia, ic;
	socklen_t len = sizeof(ic);

	if (system("tc qdisc add dev lo root netem delay 20ms"))
		SKIP(return, "no tc/netem");
	rtt_sampled(_metadata, self, &ia);
	/* With stop: B's ACKs still on their way must not meet no socket. */
	checkpoint_a_stop(_metadata, self, true);
	ASSERT_NE(UINT32_MAX, img_u32(&self->im, TCPKIT_A_CONN_SRTT_US));
	img_del(&self->im, TCPKIT_A_CONN_SRTT_US);
	img_del(&self->im, TCPKIT_A_CONN_RTTVAR_US);
	img_del(&self->im, TCPKIT_A_CONN_RTO_US);
	img_del(&self->im, TCPKIT_A_CONN_MIN_RTT_US);
	replace_a(_metadata, self, variant->family);
	ASSERT_EQ(0, getsockopt(self->c, SOL_TCP, TCP_INFO, &ic, &len));
	EXPECT_EQ(0U, ic.tcpi_rtt);
	EXPECT_LE(1000000U, ic.tcpi_rto);
	check_streams(_metadata, self, 100000);
}

/*
 * A's bytes in flight are lost (netem drops everything while A sends them
 * and the checkpoint runs), then the path heals and C takes over: C must
 * repair the loss within a loose 500 ms (TCG), not at a timer of a second
 * or more. The tail loss probe C sends once live does it about one RTT
 * after the restore, with or without the RTT estimate (@old_image: the
 * attributes removed); with the estimate the RTO (about 230 ms here)
 * would too, later, without it the 1 s initial RTO would not. With
 * @unsent, A writes more than the window lets out: unsent bytes wait
 * behind the lost ones and cannot go out by themselves; the probe must
 * still go, and repair the loss before the carried RTO would.
 */
static void in_flight_lost(struct __test_metadata *_metadata,
			   FIXTURE_DATA(conn) *self, int family, bool old_image,
			   bool unsent)
{
	uint32_t lost, queued;
	struct timespec t0, t1;
	struct tcp_info ia;
	long ms, n;

	rtt_sampled(_metadata, self, &ia);
	ASSERT_EQ(0, system("tc qdisc change dev lo root netem delay 20ms loss 100%"));
	n = unsent ? stream_write(self->a, 1, &self->a_sent, 16 << 20, true) :
		     stream_write(self->a, 1, &self->a_sent, 20000, false);
	ASSERT_LT(0, n);
	checkpoint_a_stop(_metadata, self, true);
	queued = img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN);
	lost = queued - img_u32(&self->im, TCPKIT_A_CONN_UNSENT_LEN);
	TH_LOG("%u bytes queued, %u of them in flight", queued, lost);
	EXPECT_EQ(n, queued);
	EXPECT_LT(0U, lost);
	if (unsent) {
		ASSERT_LT(lost, queued) TH_LOG("nothing waits behind the window");
	} else {
		EXPECT_EQ(queued, lost);
	}
	if (old_image) {
		img_del(&self->im, TCPKIT_A_CONN_SRTT_US);
		img_del(&self->im, TCPKIT_A_CONN_RTTVAR_US);
		img_del(&self->im, TCPKIT_A_CONN_RTO_US);
		img_del(&self->im, TCPKIT_A_CONN_MIN_RTT_US);
	}
	ASSERT_EQ(0, system("tc qdisc change dev lo root netem delay 20ms"));
	replace_a(_metadata, self, family);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, lost, TMO));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	TH_LOG("lost bytes in flight repaired %ld ms after the restore (A's rto %u us)",
	       ms, ia.tcpi_rto);
	EXPECT_GT(500, ms);
	/* With the estimate, the RTO would repair it too, later: the probe. */
	if (!old_image)
		EXPECT_GT((long)ia.tcpi_rto / 1000, ms);
	check_streams(_metadata, self, 100000);
}

TEST_F(conn, in_flight_lost)
{
	if (system("tc qdisc add dev lo root netem delay 20ms"))
		SKIP(return, "no tc/netem");
	in_flight_lost(_metadata, self, variant->family, false, false);
}

TEST_F(conn, in_flight_lost_old_image)
{
	if (system("tc qdisc add dev lo root netem delay 20ms"))
		SKIP(return, "no tc/netem");
	in_flight_lost(_metadata, self, variant->family, true, false);
}

TEST_F(conn, in_flight_lost_unsent_behind)
{
	if (system("tc qdisc add dev lo root netem delay 20ms"))
		SKIP(return, "no tc/netem");
	in_flight_lost(_metadata, self, variant->family, false, true);
}

/*
 * A bulk transfer over 40 ms grows A's window past the initial one; C
 * starts from it (clamped to what B's window lets through, never below
 * the initial window), or, asked for a conservative start, from the
 * initial window in slow start.
 */
static void cwnd_restore(struct __test_metadata *_metadata,
			 FIXTURE_DATA(conn) *self, int family,
			 bool conservative)
{
	struct nlattr flag = { .nla_len = 4,
			       .nla_type = TCPKIT_A_CONN_CONSERVATIVE };
	uint64_t end = self->a_sent + (8 << 20);
	struct tcp_info ia, ic;
	socklen_t len = sizeof(ia);
	int n;

	while (self->b_read < end) {
		if (self->a_sent < end) {
			ASSERT_LE(0, stream_write(self->a, 1, &self->a_sent,
						  end - self->a_sent, true));
		}
		n = sock_ioctl(self->b, SIOCINQ);
		if (n <= 0) {
			usleep(1000);
			continue;
		}
		ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, n, TMO));
	}
	/* B's last ACKs in: none reaches C later to grow its window. */
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCOUTQ, 0, TMO));
	ASSERT_EQ(0, getsockopt(self->a, SOL_TCP, TCP_INFO, &ia, &len));
	/* Above the initial window, or the test tells nothing. */
	ASSERT_LT(10U, ia.tcpi_snd_cwnd);
	/* With stop: B's ACKs still on their way must not meet no socket. */
	checkpoint_a_stop(_metadata, self, true);
	EXPECT_EQ(ia.tcpi_snd_cwnd, img_u32(&self->im, TCPKIT_A_CONN_CWND));
	EXPECT_EQ(ia.tcpi_snd_ssthresh,
		  img_u32(&self->im, TCPKIT_A_CONN_SSTHRESH));
	if (conservative) {
		ASSERT_EQ(0, img_add(&self->im, &flag));
	}
	replace_a(_metadata, self, family);
	len = sizeof(ic);
	ASSERT_EQ(0, getsockopt(self->c, SOL_TCP, TCP_INFO, &ic, &len));
	TH_LOG("A: cwnd %u ssthresh %u; C: cwnd %u ssthresh %u (B's window %u bytes, mss %u)",
	       ia.tcpi_snd_cwnd, ia.tcpi_snd_ssthresh, ic.tcpi_snd_cwnd,
	       ic.tcpi_snd_ssthresh, img_u32(&self->im, TCPKIT_A_CONN_SND_WND),
	       ic.tcpi_snd_mss);
	if (conservative) {
		EXPECT_EQ(10U, ic.tcpi_snd_cwnd);
		EXPECT_EQ(0x7fffffffU, ic.tcpi_snd_ssthresh);
	} else {
		uint32_t wnd = img_u32(&self->im, TCPKIT_A_CONN_SND_WND);
		uint32_t segs = (wnd + ic.tcpi_snd_mss - 1) / ic.tcpi_snd_mss;
		uint32_t want = ia.tcpi_snd_cwnd < segs ? ia.tcpi_snd_cwnd :
							  segs;

		EXPECT_EQ(want > 10 ? want : 10, ic.tcpi_snd_cwnd);
		EXPECT_EQ(ia.tcpi_snd_ssthresh, ic.tcpi_snd_ssthresh);
	}
	check_streams(_metadata, self, 100000);
}

TEST_F(conn, cwnd_carried)
{
	if (system("tc qdisc add dev lo root netem delay 20ms"))
		SKIP(return, "no tc/netem");
	cwnd_restore(_metadata, self, variant->family, false);
}

TEST_F(conn, cwnd_conservative)
{
	if (system("tc qdisc add dev lo root netem delay 20ms"))
		SKIP(return, "no tc/netem");
	cwnd_restore(_metadata, self, variant->family, true);
}

TEST_F(conn, by_tuple)
{
	struct sockaddr_storage sa, da;
	socklen_t len = sizeof(sa);

	ASSERT_EQ(5000, stream_write(self->b, 2, &self->b_sent, 5000, false));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, 5000, TMO));
	ASSERT_EQ(0, getsockname(self->a, (void *)&sa, &len));
	len = sizeof(da);
	ASSERT_EQ(0, getpeername(self->a, (void *)&da, &len));
	ASSERT_EQ(0, tk_checkpoint(&self->tk, -1, &sa, &da, false, &self->im))
		TH_LOG("checkpoint by tuple: %s", self->tk.msg);
	EXPECT_EQ(5000U, img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));
	replace_a(_metadata, self, variant->family);
	check_streams(_metadata, self, 10000);
}

TEST_F(conn, get_matches_checkpoint)
{
	struct img hdr = {};
	struct nlattr *a;

	ASSERT_EQ(777, stream_write(self->b, 2, &self->b_sent, 777, false));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, 777, TMO));
	ASSERT_EQ(0, tk_checkpoint(&self->tk, self->a, NULL, NULL, true, &hdr))
		TH_LOG("conn get: %s", self->tk.msg);
	checkpoint_a(_metadata, self);
	EXPECT_EQ(NULL, img_find(&hdr, TCPKIT_A_CONN_RCV_DATA));
	/* Same header but the timestamp clock, which moves. */
	img_for_each(a, &hdr) {
		struct nlattr *b = img_find(&self->im, mnl_attr_get_type(a));

		if (mnl_attr_get_type(a) == TCPKIT_A_CONN_TS_VAL)
			continue;
		ASSERT_NE(NULL, b);
		EXPECT_EQ(0, memcmp(a, b, a->nla_len))
			TH_LOG("attribute %d differs", mnl_attr_get_type(a));
	}
	img_free(&hdr);
}

/*
 * The peer's last TSval travels: the restored socket echoes it (TSecr)
 * before any segment of B's reached it, not 0. Loopback drops everything
 * from before the restore until the restored header is read, so that
 * nothing of B's can replace it meanwhile.
 */
TEST_F(conn, ts_recent_carried)
{
	struct img hdr = {};
	uint32_t echo;

	ASSERT_EQ(777, stream_write(self->b, 2, &self->b_sent, 777, false));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, 777, TMO));
	checkpoint_a(_metadata, self);
	ASSERT_NE(NULL, img_find(&self->im, TCPKIT_A_CONN_TS_RECENT));
	echo = img_u32(&self->im, TCPKIT_A_CONN_TS_RECENT);
	ASSERT_EQ(0, system("tc qdisc add dev lo root netem loss 100%"));
	replace_a(_metadata, self, variant->family);
	EXPECT_EQ(0, tk_checkpoint(&self->tk, self->c, NULL, NULL, true, &hdr))
		TH_LOG("conn get: %s", self->tk.msg);
	ASSERT_EQ(0, system("tc qdisc del dev lo root"));
	EXPECT_NE(NULL, img_find(&hdr, TCPKIT_A_CONN_TS_RECENT));
	EXPECT_EQ(echo, img_u32(&hdr, TCPKIT_A_CONN_TS_RECENT));
	img_free(&hdr);
	check_streams(_metadata, self, 10000);
}

static int getint(int fd, int level, int opt)
{
	socklen_t len = sizeof(int);
	int v = -1;

	getsockopt(fd, level, opt, &v, &len);
	return v;
}

TEST_F(conn, options)
{
	static const struct { int level, opt, val; } opts[] = {
		{ SOL_TCP, TCP_NODELAY, 1 },
		{ SOL_SOCKET, SO_KEEPALIVE, 1 },
		{ SOL_TCP, TCP_KEEPIDLE, 77 },
		{ SOL_TCP, TCP_KEEPINTVL, 11 },
		{ SOL_TCP, TCP_KEEPCNT, 5 },
		{ SOL_TCP, TCP_USER_TIMEOUT, 12345 },
		{ SOL_SOCKET, SO_SNDBUF, 200000 },
		{ SOL_SOCKET, SO_RCVBUF, 300000 },
		{ SOL_SOCKET, SO_MARK, 42 },
		{ SOL_SOCKET, SO_PRIORITY, 3 },
		{ SOL_SOCKET, SO_REUSEADDR, 1 },
	};
	int tos_level = variant->family == AF_INET ? SOL_IP : SOL_IPV6;
	int tos_opt = variant->family == AF_INET ? IP_TOS : IPV6_TCLASS;
	struct tcp_info ia, ic;
	char cca[16] = "", ccc[16] = "";
	int want[16], tos = 0x20;
	socklen_t len;
	unsigned int i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		ASSERT_EQ(0, setsockopt(self->a, opts[i].level, opts[i].opt,
					&opts[i].val, sizeof(int)));
	ASSERT_EQ(0, setsockopt(self->a, tos_level, tos_opt, &tos, sizeof(tos)));
	ASSERT_EQ(0, setsockopt(self->a, SOL_TCP, TCP_CONGESTION, "reno", 4));
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		want[i] = getint(self->a, opts[i].level, opts[i].opt);
	len = sizeof(ia);
	ASSERT_EQ(0, getsockopt(self->a, SOL_TCP, TCP_INFO, &ia, &len));
	len = sizeof(cca);
	ASSERT_EQ(0, getsockopt(self->a, SOL_TCP, TCP_CONGESTION, cca, &len));

	checkpoint_a(_metadata, self);
	replace_a(_metadata, self, variant->family);

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		EXPECT_EQ(want[i], getint(self->c, opts[i].level, opts[i].opt))
			TH_LOG("option %d/%d", opts[i].level, opts[i].opt);
	EXPECT_EQ(tos, getint(self->c, tos_level, tos_opt));
	len = sizeof(ccc);
	ASSERT_EQ(0, getsockopt(self->c, SOL_TCP, TCP_CONGESTION, ccc, &len));
	EXPECT_STREQ(cca, ccc);
	len = sizeof(ic);
	ASSERT_EQ(0, getsockopt(self->c, SOL_TCP, TCP_INFO, &ic, &len));
	EXPECT_EQ(ia.tcpi_options, ic.tcpi_options);
	EXPECT_EQ((int)ia.tcpi_snd_wscale, (int)ic.tcpi_snd_wscale);
	EXPECT_EQ((int)ia.tcpi_rcv_wscale, (int)ic.tcpi_rcv_wscale);
	/* Loopback negotiates all three: they must still be on. */
	EXPECT_TRUE(ic.tcpi_options & TCPI_OPT_TIMESTAMPS);
	EXPECT_TRUE(ic.tcpi_options & TCPI_OPT_SACK);
	EXPECT_TRUE(ic.tcpi_options & TCPI_OPT_WSCALE);
	check_streams(_metadata, self, 100000);
}

TEST_F(conn, close_wait)
{
	/* B sends some bytes and its FIN; A leaves them unread. */
	ASSERT_EQ(4000, stream_write(self->b, 2, &self->b_sent, 4000, false));
	ASSERT_EQ(0, shutdown(self->b, SHUT_WR));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, 4000, TMO));
	ASSERT_EQ(0, wait_tcp_state(self->a, TK_CLOSE_WAIT, TMO));
	ASSERT_EQ(0, tk_checkpoint(&self->tk, self->a, NULL, NULL, false,
				   &self->im)) TH_LOG("%s", self->tk.msg);
	EXPECT_EQ(TK_CLOSE_WAIT, img_u32(&self->im, TCPKIT_A_CONN_STATE));
	EXPECT_EQ(4000U, img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));
	replace_a(_metadata, self, variant->family);

	/* C reads the data, then end of file; it can still send. */
	ASSERT_EQ(0, stream_read(self->c, 2, &self->a_read, 4000, TMO));
	EXPECT_EQ(-EPIPE, stream_read(self->c, 2, &self->a_read, 1, TMO));
	ASSERT_EQ(50000, stream_write(self->c, 1, &self->a_sent, 50000, false));
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, 50000, TMO));
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(-EPIPE, stream_read(self->b, 1, &self->b_read, 1, TMO));
	/* B sent its FIN first and got ours (EOF, not ECONNRESET): its
	 * socket handed over to a TIME_WAIT sock and is CLOSE now.
	 */
	no_reset(_metadata, self, 7);
}

/*
 * Unsent bytes far above net.ipv4.tcp_notsent_lowat (set once A had
 * queued them): the ordinary send path would refuse them with EAGAIN
 * after repair mode was left, and the peer would get an RST.
 */
TEST_F(conn, unsent_above_notsent_lowat)
{
	int sndbuf = 3 << 19;	/* the kernel doubles it: 3 MiB */
	uint32_t unsent;

	ASSERT_EQ(0, setsockopt(self->a, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
				sizeof(sndbuf)));
	ASSERT_LT(0, stream_write(self->a, 1, &self->a_sent, 64 << 20, true));
	wait_stable(self->a, SIOCOUTQ, 300);
	checkpoint_a_stop(_metadata, self, true);
	unsent = img_u32(&self->im, TCPKIT_A_CONN_UNSENT_LEN);
	TH_LOG("unsent at checkpoint: %u", unsent);
	ASSERT_LE(1U << 20, unsent);
	ASSERT_EQ(0, write_str("/proc/sys/net/ipv4/tcp_notsent_lowat", "16384"));
	replace_a(_metadata, self, variant->family);
	/* Back to the default: the blocking writes below would wait. */
	ASSERT_EQ(0, write_str("/proc/sys/net/ipv4/tcp_notsent_lowat",
				"4294967295"));
	check_streams(_metadata, self, 100000);
}

/* Urgent data read out of band: the image cannot say where it was. */
TEST_F(conn, urgent_refused)
{
	char c = 0;
	int i, err;

	ASSERT_EQ(100, stream_write(self->b, 2, &self->b_sent, 100, false));
	ASSERT_EQ(1, send(self->b, "!", 1, MSG_OOB));
	for (i = 0; i < 200; i++) {
		if (recv(self->a, &c, 1, MSG_OOB | MSG_DONTWAIT) == 1)
			break;
		usleep(10000);
	}
	ASSERT_EQ('!', c);
	err = tk_checkpoint(&self->tk, self->a, NULL, NULL, false, &self->im);
	EXPECT_EQ(-EOPNOTSUPP, err);
	TH_LOG("urgent byte read: %d \"%s\"", err, self->tk.msg);
	EXPECT_NE(0, self->tk.msg[0]);
}

/* Keepalive values travel only when the owner set them. */
TEST_F(conn, keepalive_only_when_set)
{
	int idle = 77, one = 1;

	ASSERT_EQ(0, setsockopt(self->a, SOL_SOCKET, SO_KEEPALIVE, &one,
				sizeof(one)));
	checkpoint_a(_metadata, self);
	EXPECT_EQ(1U, img_u32(&self->im, TCPKIT_A_CONN_KEEPALIVE));
	EXPECT_EQ(NULL, img_find(&self->im, TCPKIT_A_CONN_KEEPIDLE));
	EXPECT_EQ(NULL, img_find(&self->im, TCPKIT_A_CONN_KEEPINTVL));
	EXPECT_EQ(NULL, img_find(&self->im, TCPKIT_A_CONN_KEEPCNT));

	ASSERT_EQ(0, setsockopt(self->a, SOL_TCP, TCP_KEEPIDLE, &idle,
				sizeof(idle)));
	checkpoint_a(_metadata, self);
	EXPECT_EQ(77U, img_u32(&self->im, TCPKIT_A_CONN_KEEPIDLE));
	EXPECT_EQ(NULL, img_find(&self->im, TCPKIT_A_CONN_KEEPINTVL));
	replace_a(_metadata, self, variant->family);
	ASSERT_EQ(0, getsockopt(self->c, SOL_TCP, TCP_KEEPIDLE, &idle,
				&(socklen_t){ sizeof(idle) }));
	EXPECT_EQ(77, idle);
	check_streams(_metadata, self, 10000);
}


static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a shell command line made with printf's @fmt. */
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int enter(const char *ns)
{
	char path[128];
	int fd, err;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	err = setns(fd, CLONE_NEWNET);
	close(fd);
	return err ? -errno : 0;
}

/*
 * Replace the fixture's pair by one across a veth between netns @peer (B,
 * first address of @net) and @one (A, second), port 5000; @tk is opened
 * in @one, self->rsts read in @peer, where the caller is left.
 * @net: "10.9.0" or "fd09:".
 */
static void veth_pair(struct __test_metadata *_metadata,
		      FIXTURE_DATA(conn) *self, int family, const char *net,
		      const char *peer, const char *one, struct tk *tk)
{
	char a1[64], a2[64], dst[64];
	struct sockaddr_storage ss;
	socklen_t len;
	int l;

	if (family == AF_INET) {
		snprintf(a1, sizeof(a1), "%s.1/24", net);
		snprintf(a2, sizeof(a2), "%s.2/24", net);
		snprintf(dst, sizeof(dst), "%s.2", net);
	} else {
		snprintf(a1, sizeof(a1), "%s:1/64 nodad", net);
		snprintf(a2, sizeof(a2), "%s:2/64 nodad", net);
		snprintf(dst, sizeof(dst), "%s:2", net);
	}
	ASSERT_EQ(0, sh("ip -n %s link add v0 type veth peer name v1 netns %s &&"
			" ip -n %s addr add %s dev v0 && ip -n %s link set v0 up &&"
			" ip -n %s addr add %s dev v1 && ip -n %s link set v1 up",
			peer, one, peer, a1, peer, one, a2, one));

	close(self->a);
	close(self->b);
	ASSERT_EQ(0, enter(one));
	ASSERT_EQ(0, tk_open(tk));
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = family;
	if (family == AF_INET) {
		inet_pton(AF_INET, dst, &((struct sockaddr_in *)&ss)->sin_addr);
		((struct sockaddr_in *)&ss)->sin_port = htons(5000);
		len = sizeof(struct sockaddr_in);
	} else {
		inet_pton(AF_INET6, dst, &((struct sockaddr_in6 *)&ss)->sin6_addr);
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(5000);
		len = sizeof(struct sockaddr_in6);
	}
	l = socket(family, SOCK_STREAM, 0);
	ASSERT_EQ(0, bind(l, (void *)&ss, len));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, enter(peer));
	self->rsts = tcp_mib("OutRsts");
	self->b = socket(family, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(self->b, (void *)&ss, len));
	self->a = accept(l, NULL, NULL);
	ASSERT_LE(0, self->a);
	close(l);
}

/*
 * Restore into another netns, the way a connection moves between hosts:
 *
 *   ns peer: B, v0 10.9.0.1 / fd09::1 ---- v1 10.9.0.2 / fd09::2: ns one (A)
 *
 * A is checkpointed with stop in "one", v1 with its address moves to
 * "two", C is restored there; B keeps its connection throughout.
 */
TEST_F(conn, other_netns)
{
	const char *a2 = variant->family == AF_INET ? "10.9.0.2/24" : "fd09::2/64 nodad";
	char peer[32], one[32], two[32];
	struct tk tk1, tk2;
	int err;

	snprintf(peer, sizeof(peer), "tkp%d", getpid());
	snprintf(one, sizeof(one), "tk1%d", getpid());
	snprintf(two, sizeof(two), "tk2%d", getpid());
	if (sh("ip netns add %s && ip netns add %s && ip netns add %s",
	       peer, one, two))
		SKIP(return, "ip netns not usable");
	ASSERT_EQ(0, sh("ip -n %s link set lo up && ip -n %s link set lo up",
			one, two));
	/* A listens in "one", B connects from "peer". */
	veth_pair(_metadata, self, variant->family,
		  variant->family == AF_INET ? "10.9.0" : "fd09:", peer, one,
		  &tk1);

	ASSERT_EQ(10000, stream_write(self->b, 2, &self->b_sent, 10000, false));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, 10000, TMO));
	ASSERT_EQ(20000, stream_write(self->a, 1, &self->a_sent, 20000, false));

	ASSERT_EQ(0, tk_checkpoint_stop(&tk1, self->a, &self->im))
		TH_LOG("checkpoint stop: %s", tk1.msg);
	close(self->a);
	self->a = -1;

	/*
	 * The address moves to "two" while B keeps sending. B's path is
	 * blacked out (netem loss 100%% on v0) until C is there: "two" has no
	 * freeze, and would answer a segment that beats the restore with an
	 * RST, as any host would.
	 */
	ASSERT_EQ(5000, stream_write(self->b, 2, &self->b_sent, 5000, false));
	if (sh("tc -n %s qdisc add dev v0 root netem loss 100%%", peer))
		SKIP(goto out, "no tc/netem");
	ASSERT_EQ(0, sh("ip -n %s link set v1 netns %s && ip -n %s addr add %s dev v1"
			" && ip -n %s link set v1 up", one, two, two, a2, two));
	ASSERT_EQ(0, enter(two));
	ASSERT_EQ(0, tk_open(&tk2));
	self->c = socket(variant->family, SOCK_STREAM, 0);
	err = tk_restore(&tk2, self->c, &self->im);
	ASSERT_EQ(0, err) TH_LOG("restore in another netns: %s", tk2.msg);
	ASSERT_EQ(0, sh("tc -n %s qdisc del dev v0 root", peer));

	ASSERT_EQ(0, enter(peer));
	check_streams(_metadata, self, 100000);
	tk_close(&tk2);
out:
	tk_close(&tk1);
	sh("ip netns del %s; ip netns del %s; ip netns del %s", peer, one, two);
}

static unsigned int snd_mss(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len))
		return 0;
	return ti.tcpi_snd_mss;
}

/*
 * The restored sender's segments are as large as the original's from the
 * first one on, over a 1500-byte veth path (loopback's MTU hides it):
 *
 *   ns peer: B, v0 10.8.0.1 / fd08::1 ---- v1 10.8.0.2 / fd08::2: ns one (A, C)
 */
TEST_F(conn, snd_mss_over_veth)
{
	char peer[32], one[32];
	unsigned int mss;
	struct tk tk1;

	snprintf(peer, sizeof(peer), "tmp%d", getpid());
	snprintf(one, sizeof(one), "tm1%d", getpid());
	if (sh("ip netns add %s && ip netns add %s", peer, one))
		SKIP(return, "ip netns not usable");
	veth_pair(_metadata, self, variant->family,
		  variant->family == AF_INET ? "10.8.0" : "fd08:", peer, one,
		  &tk1);
	ASSERT_EQ(0, enter(one));
	self->rsts = tcp_mib("OutRsts");

	ASSERT_EQ(30000, stream_write(self->a, 1, &self->a_sent, 30000, false));
	mss = snd_mss(self->a);
	TH_LOG("original snd_mss %u", mss);
	ASSERT_LT(1000U, mss);
	ASSERT_EQ(0, tk_checkpoint_stop(&tk1, self->a, &self->im))
		TH_LOG("checkpoint stop: %s", tk1.msg);
	close(self->a);
	self->a = -1;
	self->c = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_EQ(0, tk_restore(&tk1, self->c, &self->im))
		TH_LOG("restore: %s", tk1.msg);
	/* Before any byte moves. */
	EXPECT_EQ(mss, snd_mss(self->c));
	check_streams(_metadata, self, 100000);
	EXPECT_EQ(mss, snd_mss(self->c));
	tk_close(&tk1);
	sh("ip netns del %s; ip netns del %s", peer, one);
}

TEST_HARNESS_MAIN
