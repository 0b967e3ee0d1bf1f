// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_netlink: structure-aware fuzzer of the "tcpkit" generic netlink
 * family.
 *
 *   fuzz_netlink [-s SEED] [-n COUNT] [-b BATCH] [-u UNPRIV_COUNT] [-l] [-v]
 *
 * Defaults: seed 1, 120000 requests (25-35 s under QEMU TCG), 64 per
 * sendmsg, COUNT/10 unprivileged ones. Long mode: -n 1000000.
 *
 * Builds requests for every command from a model of the per-op policies
 * (module/netlink-gen.c, generated from the spec), then breaks
 * them: unknown attributes, wrong lengths, NLA_F_NESTED missing or extra,
 * truncated attributes, boundary values around the uapi bounds, duplicated
 * and dropped attributes, huge and empty payloads, non-zero reserved genl
 * bytes, other versions, dump flags on do commands and the reverse, fds that
 * are not sockets, UDP, listening or closed, tuples that exist and that do
 * not. Several requests go out in one sendmsg.
 *
 * Every request must get exactly one final reply (NLMSG_ERROR, or
 * NLMSG_DONE for a dump) within 20 s. Requests broken in a way the strict
 * policy must catch must be refused; refusals need an extack message except
 * those of the genl core (EOPNOTSUPP: unknown command or do/dump mismatch,
 * EINVAL: no room for the genl header, EBUSY: a dump still running). A
 * rejection that names a missing attribute (NLMSGERR_ATTR_MISS_TYPE, from
 * GENL_REQ_ATTR_CHECK) without a text counts as a rejection without
 * message; -l only lists it. A second phase as uid 65534 expects EPERM for
 * every command (or the core's refusal of a broken header). Afterwards: global AIMD parameters restored, a
 * valid round trip works, no splat in dmesg, refcount 0 and rmmod works.
 */
#include <getopt.h>
#include <sys/stat.h>

#include "fuzz_lib.h"

#define MSG_MAX		(256 * 1024)
#define BATCH_MAX	256

enum kind { K_U8, K_U16, K_U32, K_BIN, K_STR, K_FLAG, K_NEST };

struct adesc {
	unsigned char kind;
	uint32_t min, max;	/* value (ints) or length (bin, str) */
};

/* Largest value of a kind: the "no range" bound. */
#define U8M	0xffU
#define U16M	0xffffU
#define U32M	0xffffffffU

static const struct adesc sock_desc[TCPKIT_A_SOCK_MAX + 1] = {
	[TCPKIT_A_SOCK_FD]	= { K_U32, 0, 0x7fffffff },
	[TCPKIT_A_SOCK_FAMILY]	= { K_U16, AF_INET, AF_INET6 },
	[TCPKIT_A_SOCK_SADDR]	= { K_BIN, 4, 16 },
	[TCPKIT_A_SOCK_DADDR]	= { K_BIN, 4, 16 },
	[TCPKIT_A_SOCK_SPORT]	= { K_U16, 1, U16M },
	[TCPKIT_A_SOCK_DPORT]	= { K_U16, 1, U16M },
	[TCPKIT_A_SOCK_IFINDEX]	= { K_U32, 0, 0x7fffffff },
};

static const struct adesc aimd_desc[TCPKIT_A_AIMD_MAX + 1] = {
	[TCPKIT_A_AIMD_SOCK]	= { K_NEST, 0, 0 },
	[TCPKIT_A_AIMD_ALPHA]	= { K_U32, TCPKIT_AIMD_ALPHA_MIN, TCPKIT_AIMD_ALPHA_MAX },
	[TCPKIT_A_AIMD_BETA]	= { K_U32, TCPKIT_AIMD_BETA_MIN, TCPKIT_AIMD_BETA_MAX },
	[TCPKIT_A_AIMD_BETA_ECN] = { K_U32, 0, TCPKIT_AIMD_BETA_MAX },
	[TCPKIT_A_AIMD_CWND]	= { K_U32, 0, U32M },
	[TCPKIT_A_AIMD_SSTHRESH] = { K_U32, 0, U32M },
	[TCPKIT_A_AIMD_LOSS_CUTS] = { K_U32, 0, U32M },
	[TCPKIT_A_AIMD_ECN_CUTS] = { K_U32, 0, U32M },
	[TCPKIT_A_AIMD_OVERRIDE] = { K_FLAG, 0, 0 },
};

/* Bounds of the restore policy (module/netlink-gen.c). */
static const struct adesc conn_desc[TCPKIT_A_CONN_MAX + 1] = {
	[TCPKIT_A_CONN_SOCK]	= { K_NEST, 0, 0 },
	[TCPKIT_A_CONN_STOP]	= { K_FLAG, 0, 0 },
	[TCPKIT_A_CONN_FAMILY]	= { K_U16, AF_INET, AF_INET6 },
	[TCPKIT_A_CONN_SADDR]	= { K_BIN, 4, 16 },
	[TCPKIT_A_CONN_DADDR]	= { K_BIN, 4, 16 },
	[TCPKIT_A_CONN_SPORT]	= { K_U16, 1, U16M },
	[TCPKIT_A_CONN_DPORT]	= { K_U16, 1, U16M },
	[TCPKIT_A_CONN_IFINDEX]	= { K_U32, 0, 0x7fffffff },
	[TCPKIT_A_CONN_V6ONLY]	= { K_U8, 0, 1 },
	[TCPKIT_A_CONN_STATE]	= { K_U8, TK_ESTABLISHED, TK_CLOSING },
	[TCPKIT_A_CONN_SND_SEQ]	= { K_U32, 0, U32M },
	[TCPKIT_A_CONN_RCV_SEQ]	= { K_U32, 0, U32M },
	[TCPKIT_A_CONN_SND_QLEN] = { K_U32, 0, U32M },
	[TCPKIT_A_CONN_UNSENT_LEN] = { K_U32, 0, U32M },
	[TCPKIT_A_CONN_RCV_QLEN] = { K_U32, 0, U32M },
	[TCPKIT_A_CONN_MSS]	= { K_U32, 88, U16M },
	[TCPKIT_A_CONN_SND_WSCALE] = { K_U8, 0, 14 },
	[TCPKIT_A_CONN_RCV_WSCALE] = { K_U8, 0, 14 },
	[TCPKIT_A_CONN_SACK_OK]	= { K_U8, 0, 1 },
	[TCPKIT_A_CONN_TSTAMP_OK] = { K_U8, 0, 1 },
	[TCPKIT_A_CONN_TS_VAL]	= { K_U32, 0, U32M },
	[TCPKIT_A_CONN_TS_CLOCK] = { K_U8, TCPKIT_TS_CLOCK_MS, TCPKIT_TS_CLOCK_US },
	[TCPKIT_A_CONN_SND_WL1]	= { K_U32, 0, U32M },
	[TCPKIT_A_CONN_SND_WND]	= { K_U32, 0, U32M },
	[TCPKIT_A_CONN_MAX_WINDOW] = { K_U32, 0, U32M },
	[TCPKIT_A_CONN_RCV_WND]	= { K_U32, 0, U32M },
	[TCPKIT_A_CONN_RCV_WUP]	= { K_U32, 0, U32M },
	[TCPKIT_A_CONN_NODELAY]	= { K_U8, 0, 1 },
	[TCPKIT_A_CONN_CORK]	= { K_U8, 0, 1 },
	[TCPKIT_A_CONN_KEEPALIVE] = { K_U8, 0, 1 },
	[TCPKIT_A_CONN_KEEPIDLE] = { K_U32, 1, 32767 },
	[TCPKIT_A_CONN_KEEPINTVL] = { K_U32, 1, 32767 },
	[TCPKIT_A_CONN_KEEPCNT]	= { K_U32, 1, 127 },
	[TCPKIT_A_CONN_USER_TIMEOUT] = { K_U32, 0, 0x7fffffff },
	[TCPKIT_A_CONN_SNDBUF]	= { K_U32, 0, 0x7fffffff },
	[TCPKIT_A_CONN_RCVBUF]	= { K_U32, 0, 0x7fffffff },
	[TCPKIT_A_CONN_SNDBUF_LOCK] = { K_U8, 0, 1 },
	[TCPKIT_A_CONN_RCVBUF_LOCK] = { K_U8, 0, 1 },
	[TCPKIT_A_CONN_MARK]	= { K_U32, 0, U32M },
	[TCPKIT_A_CONN_PRIORITY] = { K_U32, 0, U32M },
	[TCPKIT_A_CONN_TOS]	= { K_U8, 0, U8M },
	[TCPKIT_A_CONN_REUSEADDR] = { K_U8, 0, 1 },
	[TCPKIT_A_CONN_CC]	= { K_STR, 0, 15 },
	[TCPKIT_A_CONN_AIMD]	= { K_NEST, 0, 0 },
	[TCPKIT_A_CONN_SND_DATA] = { K_BIN, 1, TCPKIT_CHUNK_MAX },
	[TCPKIT_A_CONN_RCV_DATA] = { K_BIN, 1, TCPKIT_CHUNK_MAX },
	[TCPKIT_A_CONN_SRTT_US]	= { K_U32, 0, 120000000 },
	[TCPKIT_A_CONN_RTTVAR_US] = { K_U32, 0, 120000000 },
	[TCPKIT_A_CONN_RTO_US]	= { K_U32, 1, 120000000 },
	[TCPKIT_A_CONN_MIN_RTT_US] = { K_U32, 0, 120000000 },
	[TCPKIT_A_CONN_CWND]	= { K_U32, 1, 0x7fffffff },
	[TCPKIT_A_CONN_SSTHRESH] = { K_U32, 2, 0x7fffffff },
	[TCPKIT_A_CONN_CONSERVATIVE] = { K_FLAG, 0, 0 },
};

/* Attributes each op's policy knows: maxattr; 0 = no policy at all. */
static const unsigned int op_maxattr[TCPKIT_CMD_MAX + 1] = {
	[TCPKIT_CMD_AIMD_GET]		= TCPKIT_A_AIMD_SOCK,
	[TCPKIT_CMD_AIMD_SET]		= TCPKIT_A_AIMD_BETA_ECN,
	[TCPKIT_CMD_CONN_GET]		= TCPKIT_A_CONN_SOCK,
	[TCPKIT_CMD_CONN_CHECKPOINT]	= TCPKIT_A_CONN_STOP,
	[TCPKIT_CMD_CONN_RESTORE]	= TCPKIT_A_CONN_MAX,
	[TCPKIT_CMD_CONN_THAW]		= TCPKIT_A_CONN_SOCK,
	[TCPKIT_CMD_FROZEN_GET]		= 0,
};

static const bool op_is_dump[TCPKIT_CMD_MAX + 1] = {
	[TCPKIT_CMD_CONN_CHECKPOINT]	= true,
	[TCPKIT_CMD_FROZEN_GET]		= true,
};

static const char *const cmd_name[] = {
	"cmd0", "aimd-get", "aimd-set", "conn-get", "conn-checkpoint",
	"conn-restore", "conn-thaw", "frozen-get",
};

/* What a request was made of: how the reply is judged. */
enum mut {
	M_NONE,		/* well formed */
	M_BENIGN,	/* changed, but nothing the policy must refuse */
	M_REJECT,	/* the strict policy (or genl) must refuse it */
	M_CORE,		/* genl core refuses it, without a message */
};

static const char *const mut_name[] = { "valid", "benign", "invalid", "core" };

struct req {
	uint8_t cmd;
	bool dump;
	enum mut mut;
	const char *what;	/* last mutation applied */
	int err;		/* final reply */
	bool msg;		/* extack message present */
	bool miss;		/* extack names a missing attribute instead */
	bool hdr_bad;		/* reserved bits or flags genl refuses */
	bool done;
};

/* ---- the world the requests talk about ---------------------------------- */

enum {
	FD_TCP4, FD_TCP4_PEER, FD_TCP6, FD_AIMD, FD_UDP, FD_LISTEN, FD_CLOSED,
	FD_PIPE, FD_FRESH4, FD_FRESH6, FD_UNIX, FD_NETLINK, FD_FILE, FD_NR
};

static int fds[FD_NR], peer6 = -1, peer_aimd = -1;
static struct sockaddr_storage tup_s[3], tup_d[3];	/* tcp4, tcp6, aimd */
static struct img tmpl4, tmpl6;				/* checkpoint images */
static bool fresh_used;

static int sock_names(int fd, int i)
{
	socklen_t l = sizeof(tup_s[i]);

	if (getsockname(fd, (void *)&tup_s[i], &l))
		return -errno;
	l = sizeof(tup_d[i]);
	return getpeername(fd, (void *)&tup_d[i], &l) ? -errno : 0;
}

/* Repair-mode close sends nothing; unprivileged, a plain close. */
static void close_tcp(int fd)
{
	if (fd >= 0 && kill_silently(fd))
		close(fd);
}

static int fresh_sockets(void)
{
	close_tcp(fds[FD_FRESH4]);
	close_tcp(fds[FD_FRESH6]);
	fds[FD_FRESH4] = socket(AF_INET, SOCK_STREAM, 0);
	fds[FD_FRESH6] = socket(AF_INET6, SOCK_STREAM, 0);
	fresh_used = false;
	return fds[FD_FRESH4] < 0 || fds[FD_FRESH6] < 0 ? -errno : 0;
}

static int world_setup(struct tk *t)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int pfd[2], x, y, one = 1;
	char buf[2000];

	memset(buf, 0x5a, sizeof(buf));
	if (tcp_pair(AF_INET, &fds[FD_TCP4_PEER], &fds[FD_TCP4]) ||
	    tcp_pair(AF_INET6, &x, &fds[FD_TCP6]))
		return -errno;
	if (tcp_pair(AF_INET, &y, &fds[FD_AIMD]))
		return -errno;
	/* Not an error when aimd is missing: the kernel then refuses. */
	setsockopt(fds[FD_AIMD], SOL_TCP, TCP_CONGESTION, "aimd", 4);
	/* Data queued both ways, so that images carry chunks. */
	send(fds[FD_TCP4], buf, sizeof(buf), 0);
	send(fds[FD_TCP4_PEER], buf, 1200, 0);
	send(fds[FD_TCP6], buf, 700, 0);
	send(x, buf, 900, 0);
	peer6 = x;
	peer_aimd = y;
	sock_names(fds[FD_TCP4], 0);
	sock_names(fds[FD_TCP6], 1);
	sock_names(fds[FD_AIMD], 2);
	fds[FD_UDP] = socket(AF_INET, SOCK_DGRAM, 0);
	fds[FD_LISTEN] = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fds[FD_LISTEN], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fds[FD_LISTEN], (void *)&sin, sizeof(sin)) ||
	    listen(fds[FD_LISTEN], 4))
		return -errno;
	fds[FD_CLOSED] = 1000;	/* never opened: fds stay far below */
	close(fds[FD_CLOSED]);
	if (pipe(pfd))
		return -errno;
	fds[FD_PIPE] = pfd[0];
	fds[FD_FRESH4] = -1;
	fds[FD_FRESH6] = -1;
	fds[FD_UNIX] = socket(AF_UNIX, SOCK_STREAM, 0);
	fds[FD_NETLINK] = mnl_socket_get_fd(t->nl);
	fds[FD_FILE] = open("/proc/self/stat", O_RDONLY);
	usleep(20000);
	if (tk_checkpoint(t, fds[FD_TCP4], NULL, NULL, false, &tmpl4) ||
	    tk_checkpoint(t, fds[FD_TCP6], NULL, NULL, false, &tmpl6)) {
		printf("# template checkpoint failed: %s\n", t->msg);
		return -EIO;
	}
	return fresh_sockets();
}

/* ---- building requests -------------------------------------------------- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static unsigned char *buf_room(struct buf *b, size_t n)
{
	if (b->len + n > b->cap)
		return NULL;
	b->len += n;
	return b->p + b->len - n;
}

static void put_attr(struct buf *b, uint16_t type, const void *data,
		     size_t len)
{
	struct nlattr *a;
	size_t al = NLA_ALIGN(NLA_HDRLEN + len);

	if (len > 0xffff - NLA_HDRLEN)
		len = 0xffff - NLA_HDRLEN;
	a = (void *)buf_room(b, NLA_ALIGN(NLA_HDRLEN + len));
	if (!a)
		return;
	(void)al;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(a + 1, data, len);
	memset((unsigned char *)(a + 1) + len, 0,
	       NLA_ALIGN(NLA_HDRLEN + len) - NLA_HDRLEN - len);
}

/* Write attribute @type of @len bytes at @at, inside room already taken. */
static void put_attr_at(struct buf *b, size_t at, uint16_t type,
			const void *data, size_t len)
{
	struct nlattr *a = (void *)(b->p + at);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy(a + 1, data, len);
}

static void put_int(struct buf *b, uint16_t type, unsigned char kind,
		    uint32_t v)
{
	uint8_t v8 = v;
	uint16_t v16 = v;

	switch (kind) {
	case K_U8:
		put_attr(b, type, &v8, 1);
		break;
	case K_U16:
		put_attr(b, type, &v16, 2);
		break;
	case K_FLAG:
		put_attr(b, type, NULL, 0);
		break;
	default:
		put_attr(b, type, &v, 4);
		break;
	}
}

/*
 * A value for @d: mostly in range (bounds, around them, random), sometimes
 * just outside. *out says the value is outside the policy's range.
 */
static uint32_t pick_value(const struct adesc *d, bool *out)
{
	uint32_t kmax = d->kind == K_U8 ? U8M : d->kind == K_U16 ? U16M : U32M;
	uint32_t v;

	*out = false;
	switch (fz_below(10)) {
	case 0:
		v = d->min;
		break;
	case 1:
		v = d->max;
		break;
	case 2:
		if (d->min == 0)
			return d->min + 1;
		*out = true;
		return d->min - 1;
	case 3:
		if (d->max == kmax)
			return d->max - 1;
		*out = true;
		return d->max + 1;
	case 4:
		v = kmax;
		break;
	case 5:
		v = 0;
		break;
	default:
		v = d->min + fz_below(d->max - d->min + 1 ? d->max - d->min + 1 :
				      U32M);
		break;
	}
	v &= kmax;
	*out = v < d->min || v > d->max;
	return v;
}

/* Must be refused; the genl core's own refusals stay what they are. */
static void set_reject(enum mut *mut)
{
	if (*mut != M_CORE)
		*mut = M_REJECT;
}

/* The sock nest: by fd (of any kind) or by tuple (existing or not). */
static void build_sock(struct buf *b, uint16_t type, bool restore,
		       enum mut *mut, const char **what)
{
	struct buf in = { .p = b->p + b->len + NLA_HDRLEN,
			  .cap = b->cap - b->len - NLA_HDRLEN };
	unsigned int i;
	bool out;

	if (b->len + NLA_HDRLEN > b->cap)
		return;
	if (fz_pct(55)) {
		int fd;

		i = restore && fz_pct(70) ? (fz_pct(50) ? FD_FRESH4 : FD_FRESH6)
					  : fz_below(FD_NR);
		fd = fds[i];
		if (i == FD_FRESH4 || i == FD_FRESH6)
			fresh_used = true;
		if (fz_pct(5)) {
			fd = pick_value(&sock_desc[TCPKIT_A_SOCK_FD], &out);
			if (out) {
				set_reject(mut);
				*what = "fd out of range";
			}
		}
		put_int(&in, TCPKIT_A_SOCK_FD, K_U32, fd);
		if (fz_pct(5)) {
			/* fd and tuple together */
			put_int(&in, TCPKIT_A_SOCK_SPORT, K_U16, 1 + fz_below(65535));
			if (*mut == M_NONE)
				*mut = M_BENIGN;
		}
	} else if (fz_pct(90)) {
		unsigned int t = fz_below(3);
		struct sockaddr_storage *s = &tup_s[t], *d = &tup_d[t];
		bool v6 = s->ss_family == AF_INET6;
		const void *sa = v6 ? (void *)&((struct sockaddr_in6 *)s)->sin6_addr :
				      (void *)&((struct sockaddr_in *)s)->sin_addr;
		const void *da = v6 ? (void *)&((struct sockaddr_in6 *)d)->sin6_addr :
				      (void *)&((struct sockaddr_in *)d)->sin_addr;
		uint16_t sp = ntohs(((struct sockaddr_in *)s)->sin_port);
		uint16_t dp = ntohs(((struct sockaddr_in *)d)->sin_port);
		bool swap = fz_pct(15);

		if (fz_pct(20)) {
			/* a tuple that does not exist */
			sp = 1 + fz_below(65535);
			*mut = *mut == M_NONE ? M_BENIGN : *mut;
		}
		if (!fz_pct(5))
			put_int(&in, TCPKIT_A_SOCK_FAMILY, K_U16,
				fz_pct(5) ? fz_below(12) : v6 ? AF_INET6 : AF_INET);
		if (!fz_pct(5))
			put_attr(&in, TCPKIT_A_SOCK_SADDR, swap ? da : sa,
				 fz_pct(5) ? 4 + fz_below(13) : v6 ? 16 : 4);
		if (!fz_pct(5))
			put_attr(&in, TCPKIT_A_SOCK_DADDR, swap ? sa : da, v6 ? 16 : 4);
		if (!fz_pct(5))
			put_int(&in, TCPKIT_A_SOCK_SPORT, K_U16, swap ? dp : sp);
		if (!fz_pct(5))
			put_int(&in, TCPKIT_A_SOCK_DPORT, K_U16, swap ? sp : dp);
		if (fz_pct(10))
			put_int(&in, TCPKIT_A_SOCK_IFINDEX, K_U32, fz_below(4));
	} else {
		/* random sock attributes */
		unsigned int n = fz_below(6);

		while (n--) {
			i = 1 + fz_below(TCPKIT_A_SOCK_MAX);
			if (sock_desc[i].kind == K_BIN) {
				unsigned char a[16];

				fz_bytes(a, sizeof(a));
				put_attr(&in, i, a, 4 + 12 * fz_below(2));
			} else {
				uint32_t v = pick_value(&sock_desc[i], &out);

				put_int(&in, i, sock_desc[i].kind, v);
				if (out) {
					set_reject(mut);
					*what = "sock value out of range";
				}
			}
		}
		if (*mut == M_NONE)
			*mut = M_BENIGN;
	}
	{
		struct nlattr *nest = (void *)(b->p + b->len);

		nest->nla_type = type | NLA_F_NESTED;
		nest->nla_len = NLA_HDRLEN + in.len;
		b->len += NLA_HDRLEN + in.len;
	}
}

/* Scalar attributes of a command with their value model. */
static void build_aimd_params(struct buf *b, bool all, enum mut *mut,
			      const char **what)
{
	unsigned int i;
	bool out;

	for (i = TCPKIT_A_AIMD_ALPHA; i <= TCPKIT_A_AIMD_BETA_ECN; i++) {
		uint32_t v;

		if (!all && fz_pct(40))
			continue;
		v = pick_value(&aimd_desc[i], &out);
		put_int(b, i, K_U32, v);
		if (out) {
			set_reject(mut);
			*what = "aimd value out of range";
		}
	}
}

/* A restore request: a real image, one field or chunk changed. */
static void build_restore(struct buf *b, enum mut *mut, const char **what)
{
	const struct img *im = fz_pct(50) ? &tmpl4 : &tmpl6;
	int target = fz_below(TCPKIT_A_CONN_MAX) + 1;
	struct nlattr *a;
	bool out;

	build_sock(b, TCPKIT_A_CONN_SOCK, true, mut, what);
	img_for_each(a, im) {
		int type = mnl_attr_get_type(a);
		const struct adesc *d = &conn_desc[type];

		if (type == target && fz_pct(60) &&
		    (d->kind == K_U8 || d->kind == K_U16 || d->kind == K_U32)) {
			uint32_t v = pick_value(d, &out);

			put_int(b, type, d->kind, v);
			if (out) {
				set_reject(mut);
				*what = "conn value out of range";
			} else if (*mut == M_NONE) {
				*mut = M_BENIGN;
			}
			target = -1;
			continue;
		}
		if (b->len + MNL_ALIGN(a->nla_len) > b->cap)
			break;
		memcpy(b->p + b->len, a, MNL_ALIGN(a->nla_len));
		b->len += MNL_ALIGN(a->nla_len);
	}
	if (target == TCPKIT_A_CONN_CC) {
		static const char *const cc[] = { "cubic", "reno", "aimd",
						  "nosuchcc", "", "0123456789abcde" };
		const char *s = cc[fz_below(6)];

		put_attr(b, TCPKIT_A_CONN_CC, s, strlen(s) + 1);
		*mut = *mut == M_NONE ? M_BENIGN : *mut;
	} else if (target == TCPKIT_A_CONN_AIMD) {
		unsigned char *start = b->p + b->len;
		struct nlattr *nest = (void *)start;

		if (buf_room(b, NLA_HDRLEN)) {
			build_aimd_params(b, true, mut, what);
			nest->nla_type = TCPKIT_A_CONN_AIMD | NLA_F_NESTED;
			nest->nla_len = b->p + b->len - start;
		}
		*mut = *mut == M_NONE ? M_BENIGN : *mut;
	}
}

/* Type and position of each top-level attribute of [p, p+len). */
static unsigned int attr_list(unsigned char *p, size_t len,
			      struct nlattr **list, unsigned int max)
{
	unsigned int n = 0;
	size_t off = 0;

	while (off + NLA_HDRLEN <= len && n < max) {
		struct nlattr *a = (void *)(p + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			break;
		list[n++] = a;
		off += NLA_ALIGN(a->nla_len);
	}
	return n;
}

static const struct adesc *desc_of(uint8_t cmd, int type)
{
	switch (cmd) {
	case TCPKIT_CMD_AIMD_GET:
	case TCPKIT_CMD_AIMD_SET:
		return type <= TCPKIT_A_AIMD_MAX ? &aimd_desc[type] : NULL;
	default:
		return type <= TCPKIT_A_CONN_MAX ? &conn_desc[type] : NULL;
	}
}

/*
 * One structural mutation of the attributes in @b starting at @base.
 * Marks the request M_REJECT when the strict policy must refuse it.
 */
static void mutate_attrs(struct buf *b, size_t base, uint8_t cmd,
			 enum mut *mut, const char **what)
{
	unsigned int max = cmd <= TCPKIT_CMD_MAX ? op_maxattr[cmd] : 0;
	bool policed = cmd >= 1 && cmd <= TCPKIT_CMD_MAX &&
		       cmd != TCPKIT_CMD_FROZEN_GET;
	struct nlattr *list[128], *a;
	const struct adesc *d;
	unsigned int n, i;
	size_t off, alen;
	int type;

	n = attr_list(b->p + base, b->len - base, list, 128);
	*mut = *mut == M_NONE ? M_BENIGN : *mut;
	switch (fz_below(11)) {
	case 0:	/* unknown attribute type */
		type = fz_pct(50) ? max + 1 + fz_below(8) : fz_pct(20) ? 0 :
		       fz_below(0x3fff);
		{
			uint32_t v = fz_rand();

			put_attr(b, type, &v, fz_below(5));
		}
		if (policed && (type == 0 || (unsigned int)type > max)) {
			set_reject(mut);
			*what = "unknown attribute";
		}
		return;
	case 1:	/* wrong length of a fixed-size attribute */
		if (!n)
			return;
		a = list[n - 1];
		type = a->nla_type & NLA_TYPE_MASK;
		d = desc_of(cmd, type);
		alen = a->nla_len - NLA_HDRLEN;
		if (!d)
			return;
		{
			size_t nl = alen ? alen - 1 : 1 + fz_below(3);

			if (fz_pct(50) && buf_room(b, 4))
				nl = alen + 1 + fz_below(4);
			a->nla_len = NLA_HDRLEN + nl;
			b->len = (unsigned char *)a - b->p + NLA_ALIGN(a->nla_len);
			if (policed && (unsigned int)type <= max &&
			    (d->kind == K_U8 || d->kind == K_U16 ||
			     d->kind == K_U32 || d->kind == K_FLAG)) {
				set_reject(mut);
				*what = "wrong attribute length";
			}
		}
		return;
	case 2:	/* NLA_F_NESTED toggled */
		if (!n)
			return;
		a = list[fz_below(n)];
		a->nla_type ^= NLA_F_NESTED;
		type = a->nla_type & NLA_TYPE_MASK;
		if (policed && type && (unsigned int)type <= max) {
			set_reject(mut);
			*what = "NLA_F_NESTED toggled";
		}
		return;
	case 3:	/* truncated: the last attribute claims more than is there */
		if (!n)
			return;
		a = list[n - 1];
		a->nla_len += 4 + fz_below(64);
		if (policed) {
			set_reject(mut);
			*what = "truncated attribute";
		}
		return;
	case 4:	/* trailing garbage shorter than an attribute header */
		if (buf_room(b, 0))
			b->len += 0;
		if (b->len + 4 <= b->cap) {
			memset(b->p + b->len, 0xee, 4);
			/* nlmsg_len is not aligned: the kernel sees 1..3 bytes */
			b->len += 1 + fz_below(3);
			if (policed) {
				set_reject(mut);
				*what = "trailing bytes";
			}
		}
		return;
	case 5:	/* duplicate one */
		if (!n)
			return;
		a = list[fz_below(n)];
		alen = NLA_ALIGN(a->nla_len);
		off = (unsigned char *)a - b->p;
		if (buf_room(b, alen))
			memcpy(b->p + b->len - alen, b->p + off, alen);
		*what = "duplicate";
		return;
	case 6:	/* drop one */
		if (!n)
			return;
		a = list[fz_below(n)];
		alen = NLA_ALIGN(a->nla_len);
		off = (unsigned char *)a - b->p;
		memmove(b->p + off, b->p + off + alen, b->len - off - alen);
		b->len -= alen;
		*what = "drop";
		/* it may have been the broken one */
		if (*mut == M_REJECT)
			*mut = M_BENIGN;
		return;
	case 7:	/* reverse the order */
		if (n < 2)
			return;
		{
			static unsigned char tmp[MSG_MAX];
			size_t t = 0;

			for (i = n; i-- > 0;) {
				memcpy(tmp + t, list[i], NLA_ALIGN(list[i]->nla_len));
				t += NLA_ALIGN(list[i]->nla_len);
			}
			memcpy(b->p + base, tmp, t);
		}
		*what = "reorder";
		return;
	case 8:	/* zero-length payload on a random attribute */
		if (!n)
			return;
		a = list[n - 1];
		type = a->nla_type & NLA_TYPE_MASK;
		d = desc_of(cmd, type);
		a->nla_len = NLA_HDRLEN;
		b->len = (unsigned char *)a - b->p + NLA_HDRLEN;
		if (policed && d && (unsigned int)type <= max &&
		    d->kind != K_FLAG && d->kind != K_STR &&
		    !(d->kind == K_BIN && d->min == 0)) {
			set_reject(mut);
			*what = "empty attribute";
		}
		return;
	case 9:	/* huge: many big chunks or one huge binary */
		{
			unsigned int k = fz_pct(80) ? 1 : 3;
			static unsigned char big[65536];

			while (k-- && b->len + 65536 < b->cap)
				put_attr(b, fz_pct(50) ? TCPKIT_A_CONN_SND_DATA :
					 TCPKIT_A_CONN_RCV_DATA, big,
					 fz_pct(50) ? TCPKIT_CHUNK_MAX :
					 0xffff - NLA_HDRLEN);
			*what = "huge";
			if (policed && max < TCPKIT_A_CONN_SND_DATA) {
				set_reject(mut);
				*what = "huge unknown";
			}
		}
		return;
	default:	/* random bytes over one attribute's payload */
		if (!n)
			return;
		a = list[fz_below(n)];
		fz_bytes(a + 1, a->nla_len - NLA_HDRLEN);
		*what = "random payload";
		if (*mut == M_REJECT)
			*mut = M_BENIGN;
		return;
	}
}

/* Commands weighted: restore has the most to parse, dumps cost batching. */
static uint8_t pick_cmd(void)
{
	static const uint8_t w[] = {
		TCPKIT_CMD_CONN_RESTORE, TCPKIT_CMD_CONN_RESTORE,
		TCPKIT_CMD_CONN_RESTORE, TCPKIT_CMD_CONN_RESTORE,
		TCPKIT_CMD_AIMD_SET, TCPKIT_CMD_AIMD_SET, TCPKIT_CMD_AIMD_SET,
		TCPKIT_CMD_AIMD_GET, TCPKIT_CMD_AIMD_GET,
		TCPKIT_CMD_CONN_GET, TCPKIT_CMD_CONN_GET, TCPKIT_CMD_CONN_GET,
		TCPKIT_CMD_CONN_THAW, TCPKIT_CMD_CONN_THAW,
		TCPKIT_CMD_CONN_CHECKPOINT, TCPKIT_CMD_FROZEN_GET,
	};
	unsigned int r = fz_below(100);

	if (r < 2)
		return 0;
	if (r < 3)
		return TCPKIT_CMD_MAX + 1 + fz_below(250);
	if (r < 10)
		return fz_pct(50) ? TCPKIT_CMD_CONN_CHECKPOINT : TCPKIT_CMD_FROZEN_GET;
	return w[fz_below(sizeof(w) - 2)];
}

/* Build one request at @b's end; returns its length or 0. */
static size_t build_req(struct buf *b, uint16_t family, uint32_t seq,
			struct req *r)
{
	size_t start = b->len, base;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	const char *what = "none";
	enum mut mut = M_NONE;
	bool out;
	uint8_t cmd;

	if (b->len + 1024 > b->cap)
		return 0;
	cmd = pick_cmd();
	r->cmd = cmd;
	r->dump = cmd <= TCPKIT_CMD_MAX && op_is_dump[cmd];
	nlh = (void *)buf_room(b, NLMSG_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	if (cmd == 0 || cmd > TCPKIT_CMD_MAX) {
		mut = M_CORE;
		what = "unknown command";
	}
	if (fz_pct(4)) {
		r->dump = !r->dump;
		if (mut == M_NONE || mut == M_BENIGN) {
			mut = M_CORE;
			what = "do/dump mismatch";
		}
	}
	if (r->dump)
		nlh->nlmsg_flags |= NLM_F_DUMP;
	if (fz_pct(1))
		nlh->nlmsg_flags |= NLM_F_ECHO;	/* allowed */
	if (fz_pct(2)) {
		/* half a dump, or create/replace bits: genl refuses them */
		/* 0x100/0x200 are NLM_F_DUMP's own bits on a dump */
		nlh->nlmsg_flags |= r->dump ? 0x400 << fz_below(2) :
				    0x100 << fz_below(4);
		r->hdr_bad = true;
	}

	if (fz_pct(1)) {
		/* no (or half a) genl header */
		size_t h = fz_below(GENL_HDRLEN);

		g = (void *)buf_room(b, h);
		if (h)
			memset(g, cmd, h);
		nlh->nlmsg_len = b->len - start;
		r->mut = M_CORE;
		r->what = "short genl header";
		return nlh->nlmsg_len;
	}
	g = (void *)buf_room(b, GENL_HDRLEN);
	g->cmd = cmd;
	g->version = TCPKIT_FAMILY_VERSION;
	g->reserved = 0;
	if (fz_pct(3)) {
		g->version = fz_rand();
		mut = mut == M_NONE ? M_BENIGN : mut;
	}
	if (fz_pct(3)) {
		g->reserved = fz_rand() | 1;
		r->hdr_bad = true;
	}
	if (r->hdr_bad) {
		set_reject(&mut);
		what = "genl header reserved bits or nlmsg flags";
	}
	base = b->len;

	switch (fz_pct(3) ? 0 : cmd) {
	case TCPKIT_CMD_AIMD_GET:
		if (fz_pct(70))
			build_sock(b, TCPKIT_A_AIMD_SOCK, false, &mut, &what);
		break;
	case TCPKIT_CMD_AIMD_SET:
		if (fz_pct(75)) {
			build_sock(b, TCPKIT_A_AIMD_SOCK, false, &mut, &what);
			build_aimd_params(b, false, &mut, &what);
		} else {
			/* global: values in range only unless mutated below */
			build_aimd_params(b, false, &mut, &what);
		}
		break;
	case TCPKIT_CMD_CONN_GET:
	case TCPKIT_CMD_CONN_THAW:
		build_sock(b, TCPKIT_A_CONN_SOCK, false, &mut, &what);
		break;
	case TCPKIT_CMD_CONN_CHECKPOINT:
		build_sock(b, TCPKIT_A_CONN_SOCK, false, &mut, &what);
		if (fz_pct(8)) {
			/*
			 * A set (sock repeated): a few of any kind, or one
			 * more fd than checkpoint-socks-max, which must be
			 * refused. Never with stop.
			 */
			unsigned int k = fz_pct(15) ? TCPKIT_CHECKPOINT_SOCKS_MAX :
				       1 + fz_below(4);
			unsigned int i;

			for (i = 0; i < k && k < 16; i++)
				build_sock(b, TCPKIT_A_CONN_SOCK, false, &mut,
					   &what);
			for (i = 0; i < k && k >= 16; i++) {
				unsigned char z[NLA_HDRLEN + 4] = { 0 };
				uint32_t fd = fds[FD_TCP4];
				size_t at = b->len;

				put_attr(b, TCPKIT_A_CONN_SOCK | NLA_F_NESTED,
					 z, sizeof(z));
				if (b->len == at)
					break;
				put_attr_at(b, at + NLA_HDRLEN,
					    TCPKIT_A_SOCK_FD, &fd, 4);
			}
			if (k >= 16 && i == k) {
				set_reject(&mut);
				what = "more socks than checkpoint-socks-max";
			} else if (mut == M_NONE) {
				mut = M_BENIGN;
			}
			break;
		}
		/* A stop would silence the world's connections: rarely. */
		if (fz_pct(2))
			put_attr(b, TCPKIT_A_CONN_STOP, NULL, 0);
		break;
	case TCPKIT_CMD_CONN_RESTORE:
		build_restore(b, &mut, &what);
		break;
	case TCPKIT_CMD_FROZEN_GET:
		break;
	default:
		/* empty payload, or random attributes of the conn space */
		if (fz_pct(50)) {
			unsigned int k = fz_below(6);

			while (k--) {
				int t = 1 + fz_below(TCPKIT_A_CONN_MAX + 2);
				const struct adesc *d = desc_of(cmd, t);
				uint32_t v = fz_rand();

				put_attr(b, t, &v, d && d->kind == K_U8 ? 1 :
					 d && d->kind == K_U16 ? 2 : 4);
			}
			mut = mut == M_NONE ? M_BENIGN : mut;
		}
		break;
	}
	(void)out;
	if (fz_pct(45))
		mutate_attrs(b, base, cmd, &mut, &what);
	nlh->nlmsg_len = b->len - start;
	r->mut = mut;
	r->what = what;
	return nlh->nlmsg_len;
}

/* ---- sending and judging -------------------------------------------------- */

struct stats {
	unsigned long sent, rejected, nomsg, accepted_invalid, ok;
	unsigned long by_mut[4], rej_by_mut[4], core_nomsg, bad;
	unsigned long bytes, miss;
};

struct nomsg_diag {
	uint8_t cmd;
	int err;
	const char *what;
	unsigned long count;
};

static struct nomsg_diag diags[64], miss_diags[16];
static unsigned int ndiags, nmiss_diags;
static bool verbose, strict_text = true;

static void diag_add(struct nomsg_diag *d, unsigned int *n, unsigned int max,
		     const struct req *r, const char *what)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (d[i].cmd == r->cmd && d[i].err == r->err &&
		    d[i].what == what) {
			d[i].count++;
			return;
		}
	if (*n < max)
		d[(*n)++] = (struct nomsg_diag){ r->cmd, r->err, what, 1 };
}

static void diag_nomsg(const struct req *r)
{
	diag_add(diags, &ndiags, 64, r, r->what);
}

/* Read until every request of the batch has its final reply. */
static int collect(int fd, struct req *reqs, unsigned int nr, uint32_t seq0)
{
	static unsigned char rbuf[1 << 17];
	unsigned int left = nr;

	while (left) {
		ssize_t n = recv(fd, rbuf, sizeof(rbuf), 0);
		struct nlmsghdr *h = (void *)rbuf;
		int len = n;

		if (n < 0) {
			printf("# recv: %s (%u replies missing)\n",
			       strerror(errno), left);
			return -errno;
		}
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			uint32_t i = h->nlmsg_seq - seq0;
			struct req *r;
			size_t off;

			if (i >= nr)
				continue;
			r = &reqs[i];
			if (r->done)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				r->err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				off = sizeof(struct nlmsgerr);
			} else if (h->nlmsg_type == NLMSG_DONE) {
				r->err = h->nlmsg_len >= NLMSG_HDRLEN + 4 ?
					 *(int *)NLMSG_DATA(h) : 0;
				off = 4;
			} else {
				continue;
			}
			r->done = true;
			left--;
			if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
				const struct nlattr *a;

				mnl_attr_for_each(a, h, off)
					if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
						r->msg = true;
					else if (mnl_attr_get_type(a) ==
						 NLMSGERR_ATTR_MISS_TYPE)
						r->miss = true;
			}
		}
	}
	return 0;
}

/* Judge one reply; returns false for a failure of the family. */
static bool judge(struct req *r, bool priv, struct stats *st)
{
	st->by_mut[r->mut]++;
	if (r->err > 0 || r->err < -4095) {
		printf("# bad error code %d (cmd %u, %s)\n", r->err, r->cmd, r->what);
		return false;
	}
	if (!priv) {
		/* Everything is refused: EPERM, or the core's own errors. */
		if (r->err == -EPERM || (r->mut == M_CORE &&
					 (r->err == -EOPNOTSUPP || r->err == -EINVAL)) ||
		    (r->hdr_bad && r->err == -EINVAL && r->msg)) {
			st->rejected++;
			return true;
		}
		printf("# unprivileged: cmd %s dump %d (%s) got %d, want EPERM\n",
		       r->cmd <= TCPKIT_CMD_MAX ? cmd_name[r->cmd] : "?",
		       r->dump, r->what, r->err);
		return false;
	}
	if (!r->err) {
		st->ok++;
		if (r->mut == M_REJECT || r->mut == M_CORE) {
			st->accepted_invalid++;
			printf("# accepted though invalid: cmd %u dump %d: %s\n",
			       r->cmd, r->dump, r->what);
			return false;
		}
		return true;
	}
	st->rejected++;
	st->rej_by_mut[r->mut]++;
	if (r->msg)
		return true;
	if (r->miss) {
		/* GENL_REQ_ATTR_CHECK without a text: accepted unless -m */
		st->miss++;
		diag_add(miss_diags, &nmiss_diags, 16, r, "missing attribute");
		if (!strict_text)
			return true;
	}
	st->nomsg++;
	if ((r->mut == M_CORE && (r->err == -EOPNOTSUPP || r->err == -EINVAL)) ||
	    (r->dump && r->err == -EBUSY)) {
		st->core_nomsg++;
		return true;
	}
	diag_nomsg(r);
	return true;	/* judged in bulk at the end */
}

static int run_phase(int fd, uint16_t family, unsigned long count,
		     unsigned int batch, bool priv, struct stats *st)
{
	static unsigned char mbuf[4 * MSG_MAX];
	static struct req reqs[BATCH_MAX];
	static uint32_t seq = 1000;
	unsigned long done = 0, fails = 0;
	int sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);
	size_t cap = sizeof(mbuf);

	/* netlink_sendmsg() refuses more than sk_sndbuf - 32 in one go. */
	if (!getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) &&
	    (size_t)sndbuf < cap + 4096)
		cap = sndbuf - 4096;

	while (done < count) {
		struct buf b = { .p = mbuf, .cap = cap };
		unsigned int nr = 0, i, dumps = 0;
		uint32_t seq0 = seq;
		ssize_t n;

		/* Up to @batch requests; a dump only last (one per batch). */
		while (nr < batch && done + nr < count) {
			size_t before = b.len;

			memset(&reqs[nr], 0, sizeof(reqs[nr]));
			if (!build_req(&b, family, seq + nr, &reqs[nr])) {
				b.len = before;
				break;
			}
			nr++;
			if ((((struct nlmsghdr *)(mbuf + before))->nlmsg_flags &
			     NLM_F_DUMP) == NLM_F_DUMP)
				dumps++;
			if (dumps >= 4 || b.len > cap / 2)
				break;
			/* align the next header */
			b.len = NLMSG_ALIGN(b.len);
		}
		if (!nr)
			break;
		seq += nr;
		n = send(fd, mbuf, b.len, 0);
		if (n < 0) {
			printf("# send of %u requests (%zu bytes): %s\n", nr,
			       b.len, strerror(errno));
			return -1;
		}
		st->bytes += b.len;
		if (collect(fd, reqs, nr, seq0))
			return -1;
		for (i = 0; i < nr; i++) {
			if (!judge(&reqs[i], priv, st) && ++fails > 20)
				return -1;
			if (verbose)
				printf("# %u %s %s err %d msg %d\n", reqs[i].cmd,
				       mut_name[reqs[i].mut], reqs[i].what,
				       reqs[i].err, reqs[i].msg);
		}
		st->sent += nr;
		done += nr;
		if (fresh_used && fresh_sockets())
			return -1;
	}
	return fails ? -1 : 0;
}

/* ---- main --------------------------------------------------------------- */

static int aimd_global(struct tk *t, bool set, uint32_t *v)
{
	unsigned char buf[512];
	struct nlmsghdr *nlh;
	int i;

	nlh = tk_msg(t, buf, set ? TCPKIT_CMD_AIMD_SET : TCPKIT_CMD_AIMD_GET,
		     NLM_F_ACK);
	if (set) {
		for (i = 0; i < 3; i++)
			mnl_attr_put_u32(nlh, TCPKIT_A_AIMD_ALPHA + i, v[i]);
		return tk_xfer(t, nlh, NULL, NULL);
	}
	return tk_xfer(t, nlh, NULL, NULL) ?: 0;
}

static int aimd_get_cb(const struct nlmsghdr *nlh, void *data)
{
	uint32_t *v = data;
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		int t = mnl_attr_get_type(a);

		if (t >= TCPKIT_A_AIMD_ALPHA && t <= TCPKIT_A_AIMD_BETA_ECN)
			v[t - TCPKIT_A_AIMD_ALPHA] = mnl_attr_get_u32(a);
	}
	return MNL_CB_OK;
}

static int aimd_read(struct tk *t, uint32_t *v)
{
	unsigned char buf[512];
	struct nlmsghdr *nlh;

	nlh = tk_msg(t, buf, TCPKIT_CMD_AIMD_GET, NLM_F_ACK);
	return tk_xfer(t, nlh, aimd_get_cb, v);
}

/* Drop every freeze left in this netns. */
static void thaw_all(struct tk *t)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		tk_thaw(t, &tup_s[i], &tup_d[i]);
}

static int unpriv_phase(uint16_t family, unsigned long count,
			unsigned int batch, struct stats *st)
{
	struct stats *shared = st;
	int pfd[2];
	pid_t pid;
	int status;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		struct mnl_socket *nl;
		int one = 1, r;

		close(pfd[0]);
		if (setgid(65534) || setuid(65534)) {
			printf("# setuid: %s\n", strerror(errno));
			_exit(2);
		}
		nl = mnl_socket_open(NETLINK_GENERIC);
		if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
			_exit(2);
		setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_EXT_ACK,
			   &one, sizeof(one));
		setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_CAP_ACK,
			   &one, sizeof(one));
		{
			struct timeval tv = { .tv_sec = 20 };

			setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET,
				   SO_RCVTIMEO, &tv, sizeof(tv));
		}
		memset(shared, 0, sizeof(*shared));
		r = run_phase(mnl_socket_get_fd(nl), family, count, batch,
			      false, shared);
		fflush(stdout);
		if (write(pfd[1], shared, sizeof(*shared)) != sizeof(*shared))
			_exit(2);
		_exit(r ? 1 : 0);
	}
	close(pfd[1]);
	if (read(pfd[0], st, sizeof(*st)) != sizeof(*st))
		memset(st, 0, sizeof(*st));
	close(pfd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned long count = 120000, unpriv_count = 0;
	uint32_t aimd_saved[3] = {}, aimd_now[3] = {};
	struct stats st = {}, ust = {};
	unsigned int batch = 64, i;
	uint64_t seed = 1;
	struct timeval tv = { .tv_sec = 20 };
	double t0, t1;
	struct tk t;
	int initns, opt, r, ok;

	while ((opt = getopt(argc, argv, "s:n:b:u:lv")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			batch = strtoul(optarg, NULL, 0);
			if (!batch || batch > BATCH_MAX)
				batch = BATCH_MAX;
			break;
		case 'u':
			unpriv_count = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			strict_text = false;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-n COUNT] [-b BATCH] [-u UNPRIV_COUNT] [-l] [-v]\n",
				argv[0]);
			return 2;
		}
	}
	if (!unpriv_count)
		unpriv_count = count / 10;
	fz_seed(seed);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..9\n");
	printf("# fuzz_netlink seed %llu count %lu batch %u\n",
	       (unsigned long long)seed, count, batch);
	dmesg_start();

	initns = open("/proc/self/ns/net", O_RDONLY);
	if (initns < 0 || netns_private() || tk_open(&t)) {
		printf("Bail out! no private netns or no tcpkit family (%s)\n",
		       strerror(errno));
		return 4;	/* KSFT_SKIP */
	}
	setsockopt(mnl_socket_get_fd(t.nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	if (aimd_read(&t, aimd_saved))
		printf("# reading the global aimd parameters: %s\n", t.msg);
	if (world_setup(&t)) {
		printf("Bail out! setting up sockets: %s\n", strerror(errno));
		return 1;
	}

	t0 = fz_now();
	r = run_phase(mnl_socket_get_fd(t.nl), t.family, count, batch, true, &st);
	t1 = fz_now();
	printf("# sent %lu messages, %lu rejected, %lu without message\n",
	       st.sent, st.rejected, st.nomsg);
	printf("# %lu rejections name a missing attribute (NLMSGERR_ATTR_MISS_TYPE) instead of a text%s\n",
	       st.miss, strict_text ? "" : " (listed only: -l)");
	for (i = 0; i < nmiss_diags; i++)
		printf("# missing-attribute report without text: cmd %u (%s) errno %d: %lu times\n",
		       miss_diags[i].cmd,
		       miss_diags[i].cmd <= TCPKIT_CMD_MAX ? cmd_name[miss_diags[i].cmd] : "?",
		       -miss_diags[i].err, miss_diags[i].count);
	printf("# %.1f s, %.0f messages/s, %lu bytes; valid %lu benign %lu invalid %lu core %lu; accepted %lu\n",
	       t1 - t0, st.sent / (t1 - t0 > 0 ? t1 - t0 : 1), st.bytes,
	       st.by_mut[M_NONE], st.by_mut[M_BENIGN], st.by_mut[M_REJECT],
	       st.by_mut[M_CORE], st.ok);
	printf("# rejected: valid %lu benign %lu invalid %lu core %lu; core rejections without message (EOPNOTSUPP/EINVAL of genl): %lu\n",
	       st.rej_by_mut[M_NONE], st.rej_by_mut[M_BENIGN],
	       st.rej_by_mut[M_REJECT], st.rej_by_mut[M_CORE], st.core_nomsg);
	ktap_result(!r && st.sent == count && !st.accepted_invalid,
		    "privileged: every request answered, invalid ones refused");
	for (i = 0; i < ndiags; i++)
		printf("# no extack: cmd %u (%s) errno %d (%s) after '%s': %lu times\n",
		       diags[i].cmd,
		       diags[i].cmd <= TCPKIT_CMD_MAX ? cmd_name[diags[i].cmd] : "?",
		       -diags[i].err, strerror(-diags[i].err), diags[i].what,
		       diags[i].count);
	ktap_result(!ndiags, "handler-level rejections carry an extack message (%lu without)",
		    st.nomsg - st.core_nomsg);

	t0 = fz_now();
	r = unpriv_phase(t.family, unpriv_count, batch, &ust);
	t1 = fz_now();
	printf("# unprivileged: sent %lu messages, %lu rejected, in %.1f s\n",
	       ust.sent, ust.rejected, t1 - t0);
	ktap_result(!r && ust.sent == unpriv_count && ust.rejected == ust.sent,
		    "uid 65534: everything refused with EPERM");

	/* Leave things as found. */
	thaw_all(&t);
	r = aimd_global(&t, true, aimd_saved);
	ok = !r && !aimd_read(&t, aimd_now) &&
	     !memcmp(aimd_now, aimd_saved, sizeof(aimd_now));
	if (!ok)
		printf("# restore global aimd: %d %s\n", r, t.msg);
	ktap_result(ok, "global aimd parameters restored (%u %u %u)",
		    aimd_saved[0], aimd_saved[1], aimd_saved[2]);

	ktap_result(!round_trip(&t, AF_INET) && !round_trip(&t, AF_INET6),
		    "valid checkpoint/restore round trip after the fuzzing");

	for (i = 0; i < FD_NR; i++)
		if (i != FD_NETLINK && i != FD_CLOSED)
			close_tcp(fds[i]);
	close_tcp(peer6);
	close_tcp(peer_aimd);
	img_free(&tmpl4);
	img_free(&tmpl6);
	tk_close(&t);
	if (setns(initns, CLONE_NEWNET))
		printf("# setns back: %s\n", strerror(errno));
	close(initns);

	r = dmesg_splats();
	ktap_result(r == 0, "no WARNING/BUG/Call Trace in dmesg (%d lines)", r);
	check_unload();
	printf("# Totals: pass:%u fail:%u\n", ktap_n - ktap_fails, ktap_fails);
	return ktap_fails ? 1 : 0;
}
