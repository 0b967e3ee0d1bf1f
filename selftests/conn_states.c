// SPDX-License-Identifier: GPL-2.0
/*
 * conn_states: the half-closed states. A is checkpointed with stop (its
 * tuple frozen, so nothing B sends meanwhile draws an RST) in FIN_WAIT1,
 * FIN_WAIT2, CLOSING or LAST_ACK, each with data of B's unread and, where
 * the state allows, data of A's unacknowledged, and restored into C. Then
 * the close completes as it would have: B reads every byte A queued and
 * A's EOF once, C reads every byte B sent and B's EOF once, both sockets
 * end closed (C through TIME_WAIT where A closed first), and no RST left
 * the netns (nor is any connection still counted established). IPv4 and
 * IPv6 over loopback in a private netns.
 *
 *   A (checkpointed, then C)  <---- loopback ---->  B (peer)
 *
 * Stream 1 flows A/C -> B, stream 2 flows B -> A/C (see conn_lib.h). Our
 * FIN is unsent where B's window is closed (A filled it), in flight where
 * netem delays loopback; each path of the restore takes one of the two.
 */
#include "conn_lib.h"
#include "kselftest_harness.h"

#define TMO	20000	/* ms: TCG guests are slow and RTOs are whole seconds */

FIXTURE(st) {
	struct tk tk;
	struct img im;
	int a, b, c;
	uint64_t a_sent, b_sent;	/* stream bytes written by A, by B */
	uint64_t a_read, b_read;	/* stream bytes read by A/C, by B */
	long rsts;		/* Tcp OutRsts of the netns at the start */
};

FIXTURE_VARIANT(st) {
	int family;
};

FIXTURE_VARIANT_ADD(st, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(st, ipv6) {
	.family = AF_INET6,
};

FIXTURE_SETUP(st)
{
	memset(self, 0, sizeof(*self));
	self->a = self->b = self->c = -1;
	TK_SETUP_NETNS(&self->tk, TK_NO_MODULE);
	ASSERT_EQ(0, tcp_pair(variant->family, &self->a, &self->b));
	self->rsts = tcp_mib("OutRsts");
}

FIXTURE_TEARDOWN(st)
{
	close_fds((int *[]){ &self->c, &self->b, &self->a }, 3);
	img_free(&self->im);
	tk_close(&self->tk);
}

/* B sends @n bytes that A leaves unread. */
static void b_sends_unread(struct __test_metadata *_metadata,
			   FIXTURE_DATA(st) *self, size_t n)
{
	ASSERT_EQ((long)n, stream_write(self->b, 2, &self->b_sent, n, false));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, n, TMO));
}

/* B never reads: A queues until EAGAIN, B's window and A's buffer full. */
static void a_fills(struct __test_metadata *_metadata, FIXTURE_DATA(st) *self)
{
	ASSERT_LT(0, stream_write(self->a, 1, &self->a_sent, 64 << 20, true));
	wait_stable(self->a, SIOCOUTQ, 300);
}

/*
 * Checkpoint A with stop in @state (A is silenced and its tuple stays
 * frozen until the restore), close A, restore into C: C is in @state too.
 * @unsent: whether A still had bytes never sent (1), none (0), or either
 * (-1). The image's queue lengths count bytes only, never a FIN.
 */
static void migrate(struct __test_metadata *_metadata, FIXTURE_DATA(st) *self,
		    int family, unsigned int state, int unsent)
{
	uint32_t outq = sock_ioctl(self->a, SIOCOUTQ);
	uint32_t sq, us;
	int err;

	ASSERT_EQ(state, tcp_state(self->a));
	err = tk_checkpoint_stop(&self->tk, self->a, &self->im);
	ASSERT_EQ(0, err) TH_LOG("checkpoint: %s", self->tk.msg);
	ASSERT_EQ(state, img_u32(&self->im, TCPKIT_A_CONN_STATE));
	sq = img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN);
	us = img_u32(&self->im, TCPKIT_A_CONN_UNSENT_LEN);
	TH_LOG("image: state %u, snd %u (unsent %u), rcv %u, A's outq %u",
	       state, sq, us, img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN),
	       outq);
	ASSERT_EQ((uint64_t)sq, img_data_len(&self->im, TCPKIT_A_CONN_SND_DATA));
	ASSERT_EQ((uint64_t)img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN),
		  img_data_len(&self->im, TCPKIT_A_CONN_RCV_DATA));
	/* Not acknowledged by B: at most what B has not read, at least
	 * what B has not received.
	 */
	EXPECT_GE(self->a_sent - self->b_read, (uint64_t)sq);
	EXPECT_LE(self->a_sent - self->b_read -
		  (uint64_t)sock_ioctl(self->b, SIOCINQ), (uint64_t)sq);
	if (unsent >= 0)
		EXPECT_EQ(unsent, us > 0);

	ASSERT_EQ(0, close(self->a));
	self->a = -1;
	self->c = socket(family, SOCK_STREAM, 0);
	ASSERT_LE(0, self->c);
	err = tk_restore(&self->tk, self->c, &self->im);
	ASSERT_EQ(0, err) TH_LOG("restore: %s", self->tk.msg);
}

/*
 * After the restore: C reads what B had sent and, if @b_closed, B's EOF;
 * B reads everything A queued, then A's EOF. B did not close yet: it
 * sends @more bytes that C reads, then closes. Both end in CLOSE (C
 * through TIME_WAIT when A closed first), and no RST left the netns.
 */
static void finish(struct __test_metadata *_metadata, FIXTURE_DATA(st) *self,
		   bool b_closed, size_t more)
{
	int err;

	err = stream_read(self->c, 2, &self->a_read,
			  self->b_sent - self->a_read, TMO);
	ASSERT_EQ(0, err) TH_LOG("C reading what B sent: offset %llu",
				 (unsigned long long)self->a_read);
	err = stream_read(self->b, 1, &self->b_read,
			  self->a_sent - self->b_read, TMO);
	ASSERT_EQ(0, err) TH_LOG("B reading what A queued: offset %llu",
				 (unsigned long long)self->b_read);
	/* A's FIN: end of file, once. */
	EXPECT_EQ(-EPIPE, stream_read(self->b, 1, &self->b_read, 1, TMO));
	EXPECT_EQ(-EPIPE, stream_read(self->b, 1, &self->b_read, 1, TMO));
	/* C cannot send any more: it sent its FIN. */
	EXPECT_EQ(-EPIPE, send(self->c, "x", 1, MSG_NOSIGNAL) < 0 ?
			  -errno : 0);

	if (!b_closed) {
		ASSERT_EQ((long)more, stream_write(self->b, 2, &self->b_sent,
						   more, false));
		ASSERT_EQ(0, stream_read(self->c, 2, &self->a_read, more, TMO));
		ASSERT_EQ(0, shutdown(self->b, SHUT_WR));
	}
	EXPECT_EQ(-EPIPE, stream_read(self->c, 2, &self->a_read, 1, TMO));
	EXPECT_EQ(-EPIPE, stream_read(self->c, 2, &self->a_read, 1, TMO));

	/* A TIME_WAIT socket takes over the tuple: the full socket is CLOSE. */
	EXPECT_EQ(0, wait_state(self->c, TK_CLOSE, TMO))
		TH_LOG("C in state %u", tcp_state(self->c));
	EXPECT_EQ(0, wait_state(self->b, TK_CLOSE, TMO))
		TH_LOG("B in state %u", tcp_state(self->b));
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
	/* Every state change was counted: none of them is established. */
	EXPECT_EQ(0, tcp_mib("CurrEstab"));
}

/* A shut down with bytes B's closed window holds back: FIN unsent. */
TEST_F(st, fin_wait1_unsent)
{
	b_sends_unread(_metadata, self, 4000);
	a_fills(_metadata, self);
	ASSERT_EQ(0, shutdown(self->a, SHUT_WR));
	usleep(100000);
	migrate(_metadata, self, variant->family, TK_FIN_WAIT1, 1);
	EXPECT_EQ(TK_FIN_WAIT1, tcp_state(self->c));
	finish(_metadata, self, false, 50000);
}

/*
 * A stop that is aborted gives A back as it was: still FIN_WAIT1 with its
 * FIN waiting behind the unsent bytes, which the probe timer, re-armed,
 * gets going once B reads.
 */
TEST_F(st, fin_wait1_hold_abort)
{
	b_sends_unread(_metadata, self, 4000);
	a_fills(_metadata, self);
	ASSERT_EQ(0, shutdown(self->a, SHUT_WR));
	usleep(100000);
	ASSERT_EQ(0, tk_checkpoint_hold(&self->tk, self->a, &self->im))
		TH_LOG("checkpoint: %s", self->tk.msg);
	ASSERT_NE(0U, self->im.hold);
	EXPECT_EQ(TK_FIN_WAIT1, img_u32(&self->im, TCPKIT_A_CONN_STATE));
	ASSERT_EQ(0, tk_hold_end(&self->tk, self->im.hold, false))
		TH_LOG("abort: %s", self->tk.msg);
	self->im.hold = 0;
	EXPECT_EQ(TK_FIN_WAIT1, tcp_state(self->a));
	self->c = self->a;
	self->a = -1;
	finish(_metadata, self, false, 50000);
}

/* Bytes and FIN in flight: netem holds B's ACKs back for 400 ms. */
TEST_F(st, fin_wait1_in_flight)
{
	if (system("tc qdisc add dev lo root netem delay 200ms"))
		SKIP(return, "no tc/netem");
	b_sends_unread(_metadata, self, 3000);
	ASSERT_EQ(20000, stream_write(self->a, 1, &self->a_sent, 20000, false));
	ASSERT_EQ(0, shutdown(self->a, SHUT_WR));
	usleep(50000);
	migrate(_metadata, self, variant->family, TK_FIN_WAIT1, 0);
	EXPECT_EQ(TK_FIN_WAIT1, tcp_state(self->c));
	finish(_metadata, self, false, 30000);
}

/* Our FIN acknowledged, B still sending: C must still receive. */
TEST_F(st, fin_wait2)
{
	b_sends_unread(_metadata, self, 4000);
	ASSERT_EQ(10000, stream_write(self->a, 1, &self->a_sent, 10000, false));
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, 10000, TMO));
	ASSERT_EQ(0, shutdown(self->a, SHUT_WR));
	ASSERT_EQ(0, wait_state(self->a, TK_FIN_WAIT2, TMO));
	migrate(_metadata, self, variant->family, TK_FIN_WAIT2, 0);
	EXPECT_EQ(0U, img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN));
	EXPECT_EQ(TK_FIN_WAIT2, tcp_state(self->c));
	finish(_metadata, self, false, 50000);
}

/* A closed first, its FIN held back by B's window; then B's FIN came. */
TEST_F(st, closing_unsent)
{
	b_sends_unread(_metadata, self, 4000);
	a_fills(_metadata, self);
	ASSERT_EQ(0, shutdown(self->a, SHUT_WR));
	ASSERT_EQ(0, shutdown(self->b, SHUT_WR));
	ASSERT_EQ(0, wait_state(self->a, TK_CLOSING, TMO));
	migrate(_metadata, self, variant->family, TK_CLOSING, 1);
	EXPECT_EQ(TK_CLOSING, tcp_state(self->c));
	finish(_metadata, self, true, 0);
}

/* Simultaneous close over a 400 ms RTT: both FINs in flight, crossing. */
TEST_F(st, closing_in_flight)
{
	if (system("tc qdisc add dev lo root netem delay 200ms"))
		SKIP(return, "no tc/netem");
	b_sends_unread(_metadata, self, 3000);
	ASSERT_EQ(20000, stream_write(self->a, 1, &self->a_sent, 20000, false));
	ASSERT_EQ(0, shutdown(self->a, SHUT_WR));
	ASSERT_EQ(0, shutdown(self->b, SHUT_WR));
	/* B's FIN is in after 200 ms, B's ACK of ours only after 400 ms. */
	ASSERT_EQ(0, wait_state(self->a, TK_CLOSING, TMO));
	migrate(_metadata, self, variant->family, TK_CLOSING, 0);
	EXPECT_EQ(TK_CLOSING, tcp_state(self->c));
	finish(_metadata, self, true, 0);
}

/* B closed first, A answered with bytes B's window holds back, then FIN. */
TEST_F(st, last_ack_unsent)
{
	b_sends_unread(_metadata, self, 4000);
	ASSERT_EQ(0, shutdown(self->b, SHUT_WR));
	ASSERT_EQ(0, wait_state(self->a, TK_CLOSE_WAIT, TMO));
	a_fills(_metadata, self);
	ASSERT_EQ(0, shutdown(self->a, SHUT_WR));
	usleep(100000);
	migrate(_metadata, self, variant->family, TK_LAST_ACK, 1);
	EXPECT_EQ(TK_LAST_ACK, tcp_state(self->c));
	finish(_metadata, self, true, 0);
}

/* B closed first; A's bytes and FIN in flight over a 400 ms RTT. */
TEST_F(st, last_ack_in_flight)
{
	if (system("tc qdisc add dev lo root netem delay 200ms"))
		SKIP(return, "no tc/netem");
	b_sends_unread(_metadata, self, 3000);
	ASSERT_EQ(0, shutdown(self->b, SHUT_WR));
	ASSERT_EQ(0, wait_state(self->a, TK_CLOSE_WAIT, TMO));
	ASSERT_EQ(20000, stream_write(self->a, 1, &self->a_sent, 20000, false));
	ASSERT_EQ(0, shutdown(self->a, SHUT_WR));
	usleep(50000);
	migrate(_metadata, self, variant->family, TK_LAST_ACK, 0);
	EXPECT_EQ(TK_LAST_ACK, tcp_state(self->c));
	finish(_metadata, self, true, 0);
}

TEST_HARNESS_MAIN
