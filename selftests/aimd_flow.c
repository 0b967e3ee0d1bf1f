// SPDX-License-Identifier: GPL-2.0
/*
 * aimd_flow: a bulk TCP flow whose sender samples TCP_INFO every
 * millisecond, then checks the window's history against AIMD(alpha, beta).
 *
 *   aimd_flow recv -p PORT [-W CLAMP_BYTES]
 *   aimd_flow send -d ADDR -p PORT [-C CC] [-b BETA] [-e BETA_ECN]
 *                  [-k CUTS] [-g GROWTHS] [-s ECN,LOSS] [-t SECONDS]
 *                  [-P ALPHA,BETA] [-v]
 *
 * The receiver clamps its window (TCP_WINDOW_CLAMP) so that the sender's
 * cwnd stops growing at a plateau; the path drops a packet now and then.
 * Each cut therefore starts from a cwnd that held still for a while, which
 * the samples see exactly. The sender stops after CUTS reductions (default
 * 4) of which GROWTHS (default 1) followed a clean congestion avoidance
 * phase and ECN, LOSS (default 0,0) were ECN and loss reductions from a
 * stable cwnd, or after SECONDS (default 20).
 *
 * For every reduction (entering CWR, Recovery or Loss, or a new ssthresh
 * while there) the sender prints
 *   cut N t_ms=T cwnd=C ssthresh=S expect=E state=X kind=K stable=0|1
 *       ok=0|1 grown=0|1
 * with K = ecn or loss (from aimd's TCP_CC_INFO counters, which moved
 * between the two samples; for other algorithms CWR is ecn), E =
 * max(floor(C * BETA / 1000), 2) (BETA_ECN instead for an ECN reduction,
 * if set), C the cwnd sampled just before, stable = the kind is known
 * and C held for at least 5 samples and 2 RTTs, ok = (S == E), grown =
 * the phase before it was a clean growth phase. Other ssthresh changes
 * (undo of a spurious reduction) print "other ...". For each clean
 * congestion avoidance phase that grows by 9 segments or more (the last 3
 * steps, where the receive window starts to limit, are left out):
 *   growth N from=A to=B delivered=D alpha=M alpha_time=M2 srtt_us=R
 * with M = 1000 * sum(w, w = A..B-1) / D, the additive increase in
 * thousandths of a segment per cwnd packets delivered (Linux's RTT), and M2
 * the same per smoothed RTT of wall-clock time (informational).
 * BETA and BETA_ECN are in thousandths (default 500 and 0 = BETA). With
 * -P, the sender gives its connection its own aimd parameters (thousandths)
 * through the tcpkit family's AIMD_SET, right after connect() and before
 * the first byte. With aimd, the connection's TCP_CC_INFO values follow as
 *   ccinfo alpha=A beta=B beta_ecn=E loss_cuts=L ecn_cuts=N override=0|1
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
#include <time.h>
#include <unistd.h>
#include <linux/tcp.h>
#include <linux/tcpkit_aimd.h>

#include "conn_lib.h"
#include "flow_lib.h"

#define MAX_SAMPLES	200000

struct sample {
	uint64_t t_us;
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t delivered;
	uint32_t rtt_us;
	uint32_t unacked;
	uint32_t loss_cuts;	/* aimd's TCP_CC_INFO counters */
	uint32_t ecn_cuts;
	uint8_t state;
};

/* What a reduction was: its CA state alone cannot say, as CWR (ECN) can
 * turn into Recovery (loss) between two samples, keeping the ECN ssthresh.
 */
enum cut_kind { CUT_LOSS, CUT_ECN, CUT_UNKNOWN };

static const char *const cut_kind_name[] = { "loss", "ecn", "unknown" };

struct aimd_ccinfo {
	uint32_t alpha;
	uint16_t beta, beta_ecn;
	uint32_t loss_cuts, ecn_cuts, flags;
};

static struct sample *samples;
static int have_ccinfo;
static uint32_t beta = 500, beta_ecn;
static unsigned int want_stable_ecn, want_stable_loss;
static unsigned int nsamples;

static int do_recv(int port, int clamp)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	static char buf[1 << 16];
	long long total = 0;
	int one = 1, rcvbuf = 4 << 20, l, fd;
	ssize_t n;

	a.sin_port = htons(port);
	l = socket(AF_INET, SOCK_STREAM, 0);
	/* A buffer far above the clamp: the window is the clamp, whenever
	 * the reader runs.
	 */
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				sizeof(rcvbuf)) ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (clamp && setsockopt(l, IPPROTO_TCP, TCP_WINDOW_CLAMP, &clamp,
				 sizeof(clamp))) ||
	    bind(l, (void *)&a, sizeof(a)) || listen(l, 1)) {
		perror("recv: listener");
		return 1;
	}
	fd = accept(l, NULL, NULL);
	if (fd < 0) {
		perror("recv: accept");
		return 1;
	}
	if (clamp && setsockopt(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &clamp,
				sizeof(clamp))) {
		perror("recv: TCP_WINDOW_CLAMP");
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	printf("# recv bytes=%lld\n", total);
	return 0;
}

static int take_sample(int fd, uint64_t t0)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	struct sample *s;

	if (nsamples >= MAX_SAMPLES)
		return -1;
	s = &samples[nsamples];
	/* The counters first: then a cut that the window shows at sample i
	 * is counted by sample i + 1 at the latest, and never by i - 1.
	 */
	if (have_ccinfo) {
		struct aimd_ccinfo ai;

		len = sizeof(ai);
		if (getsockopt(fd, IPPROTO_TCP, TCP_CC_INFO, &ai, &len) ||
		    len != sizeof(ai))
			return -1;
		s->loss_cuts = ai.loss_cuts;
		s->ecn_cuts = ai.ecn_cuts;
	}
	memset(&ti, 0, sizeof(ti));
	len = sizeof(ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return -1;
	nsamples++;
	s->t_us = now_us() - t0;
	s->cwnd = ti.tcpi_snd_cwnd;
	s->ssthresh = ti.tcpi_snd_ssthresh;
	s->delivered = ti.tcpi_delivered;
	s->rtt_us = ti.tcpi_rtt;
	s->unacked = ti.tcpi_unacked;
	s->state = ti.tcpi_ca_state;
	return 0;
}

/*
 * With aimd, the counters that moved from the sample before @i to the one
 * after it say which kind of reduction it was (two cuts in those 2 ms
 * cannot be told apart). Without them (reno), CWR is ECN and the others
 * are losses.
 */
static enum cut_kind cut_kind(unsigned int i)
{
	unsigned int j = i + 1 < nsamples ? i + 1 : i;
	uint32_t dl, de;

	if (!have_ccinfo)
		return samples[i].state == TCP_CA_CWR ? CUT_ECN : CUT_LOSS;
	dl = samples[j].loss_cuts - samples[i - 1].loss_cuts;
	de = samples[j].ecn_cuts - samples[i - 1].ecn_cuts;
	if (dl == 1 && !de)
		return CUT_LOSS;
	if (de == 1 && !dl)
		return CUT_ECN;
	return CUT_UNKNOWN;
}

/* Is cwnd == samples[i].cwnd over the 5 samples and 2 RTTs up to i? */
static int stable_before(unsigned int i)
{
	const struct sample *s = &samples[i];
	unsigned int j, n = 0;

	for (j = i + 1; j-- > 0; n++) {
		if (samples[j].cwnd != s->cwnd || samples[j].ssthresh != s->ssthresh)
			break;
		if (n >= 4 && s->t_us - samples[j].t_us >= 2ULL * s->rtt_us)
			return 1;
	}
	return 0;
}

/*
 * A reduction: entering CWR, Recovery or Loss (ssthresh may come out the
 * same as last time), or a new ssthresh while already there (an RTO).
 */
static int is_cut(unsigned int i)
{
	return i && samples[i].state >= TCP_CA_CWR &&
	       (samples[i - 1].state < TCP_CA_CWR ||
		samples[i].ssthresh != samples[i - 1].ssthresh);
}

/* Any other ssthresh change (an undo of a spurious reduction). */
static int is_other(unsigned int i)
{
	return i && samples[i].ssthresh != samples[i - 1].ssthresh &&
	       samples[i].state < TCP_CA_CWR;
}

/*
 * Congestion avoidance between the cut at @from and the next one at @to:
 * from recovery exit, cwnd must only grow in the Open state. Returns 1 for
 * a phase that grew by 6 segments or more (printed unless @quiet).
 */
static int growth(unsigned int k, unsigned int from, unsigned int to,
		  int quiet)
{
	unsigned int i, a = 0, b = 0, open = 0;
	uint64_t sum = 0, d, t;
	uint32_t base, top = 0, w;

	for (i = from; i < to; i++) {
		if (samples[i].state == TCP_CA_Open) {
			open = i;
			break;
		}
	}
	if (!open)
		return 0;
	base = samples[open].cwnd;
	for (i = open; i < to; i++) {
		if (samples[i].state != TCP_CA_Open || is_other(i) ||
		    samples[i].cwnd < base)
			return 0;	/* not a clean phase */
		if (!a && samples[i].cwnd > base)
			a = i;
		if (samples[i].cwnd > top)
			top = samples[i].cwnd;
	}
	/* Leave out the last steps into the plateau, where the receive
	 * window starts to limit the flow instead of cwnd.
	 */
	if (!a || top < samples[a].cwnd + 9)
		return 0;
	for (i = a; i < to; i++) {
		if (samples[i].cwnd >= top - 3) {
			b = i;
			break;
		}
	}
	if (!b)
		return 0;
	for (w = samples[a].cwnd; w < samples[b].cwnd; w++)
		sum += w;
	d = samples[b].delivered - samples[a].delivered;
	t = samples[b].t_us - samples[a].t_us;
	if (!d || !t)
		return 0;
	if (!quiet)
		printf("growth %u from=%u to=%u delivered=%llu alpha=%llu "
		       "alpha_time=%llu srtt_us=%u\n",
		       k, samples[a].cwnd, samples[b].cwnd,
		       (unsigned long long)d,
		       (unsigned long long)(sum * 1000 / d),
		       (unsigned long long)((uint64_t)(samples[b].cwnd -
						       samples[a].cwnd) *
					    samples[b].rtt_us * 1000 / t),
		       samples[b].rtt_us);
	return 1;
}

static void analyse(int verbose)
{
	unsigned int i, k = 0, prev = 0, nstable = 0, nok = 0, nother = 0;

	for (i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		const struct sample *before = &samples[i ? i - 1 : 0];
		enum cut_kind kind;
		uint64_t e;
		int stable, grown;

		if (verbose)
			printf("s %llu %u %u %u %u %u\n",
			       (unsigned long long)s->t_us, s->cwnd, s->ssthresh,
			       s->state, s->delivered, s->rtt_us);
		if (is_other(i)) {
			nother++;
			printf("other t_ms=%llu cwnd=%u ssthresh=%u from=%u state=%u\n",
			       (unsigned long long)s->t_us / 1000, s->cwnd,
			       s->ssthresh, before->ssthresh, s->state);
			continue;
		}
		if (!is_cut(i))
			continue;

		kind = cut_kind(i);
		e = (uint64_t)before->cwnd *
		    (kind == CUT_ECN && beta_ecn ? beta_ecn : beta) / 1000;
		if (e < 2)
			e = 2;
		stable = kind != CUT_UNKNOWN && stable_before(i - 1);
		grown = k && growth(k, prev, i, 1);
		nstable += stable;
		nok += stable && s->ssthresh == e;
		printf("cut %u t_ms=%llu cwnd=%u ssthresh=%u expect=%llu "
		       "state=%u kind=%s stable=%d ok=%d grown=%d\n",
		       k + 1, (unsigned long long)s->t_us / 1000, before->cwnd,
		       s->ssthresh, (unsigned long long)e, s->state,
		       cut_kind_name[kind], stable, s->ssthresh == e, grown);
		if (k)
			growth(k, prev, i, 0);
		prev = i;
		k++;
	}
	printf("summary samples=%u cuts=%u stable=%u exact=%u other=%u\n",
	       nsamples, k, nstable, nok, nother);
}

/* aimd's counters, to compare with the reductions seen in the samples. */
static void print_ccinfo(int fd, const char *name)
{
	struct aimd_ccinfo ai;
	socklen_t len = sizeof(ai);

	if (strcmp(name, "aimd"))
		return;
	if (getsockopt(fd, IPPROTO_TCP, TCP_CC_INFO, &ai, &len) ||
	    len != sizeof(ai)) {
		printf("# ccinfo unavailable\n");
		return;
	}
	printf("ccinfo alpha=%u beta=%u beta_ecn=%u loss_cuts=%u ecn_cuts=%u override=%u\n",
	       ai.alpha, ai.beta, ai.beta_ecn, ai.loss_cuts, ai.ecn_cuts,
	       !!(ai.flags & TCPKIT_AIMD_INFO_OVERRIDE));
}

/* The connection's own parameters, through the tcpkit family. */
static int set_own(int fd, uint32_t alpha, uint32_t beta)
{
	struct tk t;
	int err;

	err = tk_open(&t);
	if (!err)
		err = tk_aimd_set(&t, fd, alpha, beta, UINT32_MAX);
	if (err)
		fprintf(stderr, "AIMD_SET alpha %u beta %u: %s (%s)\n", alpha,
			beta, strerror(-err), t.msg);
	tk_close(&t);
	return err;
}

static int do_send(const char *addr, int port, const char *cc,
		   unsigned int want_cuts, unsigned int want_growth,
		   int seconds, const uint32_t *own, int verbose)
{
	struct timespec tick = { 0, 1000000 };
	unsigned int cuts = 0, grown = 0, tail = 0, last = 0, secn = 0, sloss = 0;
	uint64_t t0, deadline;
	char name[16] = "";
	pthread_t thr;
	int fd;

	samples = calloc(MAX_SAMPLES, sizeof(*samples));
	if (!samples)
		return 1;
	fd = flow_connect(addr, port, cc, name, sizeof(name));
	if (fd < 0)
		return 1;
	if (own && set_own(fd, own[0], own[1]))
		return 1;
	printf("# cc=%s beta=%u beta_ecn=%u\n", name, beta, beta_ecn);
	have_ccinfo = !strcmp(name, "aimd");

	if (pthread_create(&thr, NULL, writer, &fd)) {
		fprintf(stderr, "pthread_create failed\n");
		return 1;
	}
	t0 = now_us();
	deadline = (uint64_t)seconds * 1000000;
	while (take_sample(fd, t0) == 0) {
		struct sample *s = &samples[nsamples - 1];
		/* One sample late: its kind needs the sample after it. */
		unsigned int i = nsamples - 2;

		if (nsamples >= 3 && is_cut(i)) {
			if (cuts && growth(cuts, last, i, 1))
				grown++;
			if (stable_before(i - 1)) {
				if (cut_kind(i) == CUT_ECN)
					secn++;
				else if (cut_kind(i) == CUT_LOSS)
					sloss++;
			}
			last = i;
			cuts++;
		}
		/* A few samples past the last cut show its ssthresh. */
		if (cuts >= want_cuts && grown >= want_growth &&
		    secn >= want_stable_ecn && sloss >= want_stable_loss &&
		    ++tail > 20)
			break;
		if (s->t_us > deadline) {
			printf("# deadline: %u of %u cuts, %u of %u growth phases after %d s\n",
			       cuts, want_cuts, grown, want_growth, seconds);
			break;
		}
		nanosleep(&tick, NULL);
	}
	/* Drain: once all is acked no reduction can follow the last sample,
	 * so the connection's counters match what the samples saw.
	 */
	shutdown(fd, SHUT_WR);
	pthread_join(thr, NULL);
	deadline = samples[nsamples - 1].t_us + 10000000;
	while (take_sample(fd, t0) == 0 && samples[nsamples - 1].unacked &&
	       samples[nsamples - 1].t_us < deadline)
		nanosleep(&tick, NULL);
	print_ccinfo(fd, name);
	close(fd);
	analyse(verbose);
	return 0;
}

int main(int argc, char **argv)
{
	int port = 0, clamp = 0, seconds = 20, verbose = 0, opt;
	const char *addr = NULL, *cc = NULL;
	unsigned int cuts = 4, grow = 1;
	uint32_t own[2], *ownp = NULL;

	if (argc < 2)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	optind = 2;
	while ((opt = getopt(argc, argv, "p:W:d:C:b:e:k:g:s:t:P:v")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'W':
			clamp = atoi(optarg);
			break;
		case 'd':
			addr = optarg;
			break;
		case 'C':
			cc = optarg;
			break;
		case 'b':
			beta = strtoul(optarg, NULL, 10);
			break;
		case 'e':
			beta_ecn = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			cuts = strtoul(optarg, NULL, 10);
			break;
		case 'g':
			grow = strtoul(optarg, NULL, 10);
			break;
		case 's':
			if (sscanf(optarg, "%u,%u", &want_stable_ecn,
				   &want_stable_loss) != 2)
				goto usage;
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		case 'P':
			if (sscanf(optarg, "%u,%u", &own[0], &own[1]) != 2)
				goto usage;
			ownp = own;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			goto usage;
		}
	}
	if (!port)
		goto usage;
	if (!strcmp(argv[1], "recv"))
		return do_recv(port, clamp);
	if (!strcmp(argv[1], "send") && addr)
		return do_send(addr, port, cc, cuts, grow, seconds, ownp,
			       verbose);
usage:
	fprintf(stderr,
		"usage: %s recv -p PORT [-W CLAMP]\n"
		"       %s send -d ADDR -p PORT [-C CC] [-b BETA] [-e BETA_ECN] [-k CUTS]\n"
		"            [-g GROWTHS] [-s ECN,LOSS] [-t SECONDS] [-P ALPHA,BETA] [-v]\n",
		argv[0], argv[0]);
	return 1;
}
