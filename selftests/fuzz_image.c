// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_image: field-aware mutator of checkpoint images, against libtcpkit's
 * validator and the kernel's restore path.
 *
 *   fuzz_image [-s SEED] [-n COUNT] [-v]
 *
 * Real images come first: loopback connections (IPv4 and IPv6) with data
 * queued both ways, checkpointed with stop through libtcpkit, plus a
 * header-only image. Each round takes one, applies 1-3 mutations aimed at
 * its attributes in turn (boundary values, off by one, random, zero length,
 * truncation, growth, duplication, removal, reorder, unknown types with and
 * without the optional bit, NLA_F_NESTED toggled, chunk splits, the file
 * header's fields), fixes payload_len and the CRC32C so that the mutation
 * reaches the validator, then: tcpkit_image_decode(); for images it accepts,
 * every field is walked and tcpkit_restore() runs into a fresh socket.
 * Every refusal must be an errno with a message; a refusal of the kernel
 * must carry its own extack text (not the library's strerror fallback); an
 * accepted restore must give a socket that is usable or cleanly closed.
 * A watchdog fails the run when one round takes more than 30 s.
 */
#include <getopt.h>
#include <linux/tcp.h>

#include "libtcpkit.h"
#include "img_forge.h"
#include "fuzz_lib.h"

#define HDR	TCPKIT_IMAGE_HDR_LEN
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BUFMAX	(1 << 20)

struct src {
	const char *name;
	unsigned char *buf;
	size_t len;
};

static struct src srcs[3];
static unsigned int nsrcs;
static unsigned long round_no;
static bool verbose;

static void watchdog(int sig)
{
	(void)sig;
	printf("not ok 1 round %lu did not finish within 30 s (hang)\n", round_no);
	fflush(stdout);
	_exit(1);
}

/* Offsets of the top-level attributes of the payload. */
static unsigned int attrs_of(const unsigned char *b, size_t len,
			     size_t *off, unsigned int max)
{
	size_t o = HDR;
	unsigned int n = 0;

	while (o + NLA_HDRLEN <= len && n < max) {
		const struct nlattr *a = (const void *)(b + o);

		if (a->nla_len < NLA_HDRLEN || o + a->nla_len > len)
			break;
		off[n++] = o;
		o += NLA_ALIGN(a->nla_len);
	}
	return n;
}

/* Insert @n bytes at @at (the buffer has room: BUFMAX). */
static bool make_room(unsigned char *b, size_t *len, size_t at, size_t n)
{
	if (*len + n > BUFMAX)
		return false;
	memmove(b + at + n, b + at, *len - at);
	*len += n;
	return true;
}

static void cut(unsigned char *b, size_t *len, size_t at, size_t n)
{
	memmove(b + at, b + at + n, *len - at - n);
	*len -= n;
}

static uint64_t boundary(unsigned int width)
{
	uint64_t max = width >= 8 ? UINT64_MAX : (1ULL << (8 * width)) - 1;
	static const uint64_t small[] = { 0, 1, 2, 3, 4, 7, 8, 9, 10, 14, 15,
					  16, 87, 88, 89, 99, 100, 101, 127, 128,
					  989, 990, 991, 1000, 32767, 32768,
					  32769, 65535, 65536, 100000, 100001,
					  0x7fffffff, 0x80000000 };

	switch (fz_below(4)) {
	case 0:
		return max;
	case 1:
		return max - fz_below(3);
	default:
		return small[fz_below(ARRAY_SIZE(small))] & max;
	}
}

static void set_uint(unsigned char *p, unsigned int width, uint64_t v)
{
	memcpy(p, &v, width > 8 ? 8 : width);	/* host order, little endian */
}

static uint64_t get_uint(const unsigned char *p, unsigned int width)
{
	uint64_t v = 0;

	memcpy(&v, p, width > 8 ? 8 : width);
	return v;
}

/*
 * One mutation. @target picks the attribute (so that a run visits every
 * attribute of the image in turn). Returns its name for diagnostics.
 */
static const char *mutate(unsigned char *b, size_t *len, unsigned int target)
{
	size_t off[512], o, al, pl;
	unsigned int n, i, j;
	struct nlattr *a;
	unsigned char *p;

	n = attrs_of(b, *len, off, 512);
	if (!n)
		return "nothing";
	i = target % n;
	o = off[i];
	a = (void *)(b + o);
	p = (unsigned char *)(a + 1);
	pl = a->nla_len - NLA_HDRLEN;
	al = NLA_ALIGN(a->nla_len);

	/* Inside the aimd nest now and then. */
	if ((a->nla_type & NLA_TYPE_MASK) == TCPKIT_A_CONN_AIMD && pl >= 8 &&
	    fz_pct(60)) {
		struct nlattr *in = (void *)p;
		size_t io = 0;

		while (io + 8 <= pl && fz_pct(50) &&
		       in->nla_len >= NLA_HDRLEN && io + NLA_ALIGN(in->nla_len) + 8 <= pl) {
			io += NLA_ALIGN(in->nla_len);
			in = (void *)(p + io);
		}
		switch (fz_below(4)) {
		case 0:
			if (in->nla_len >= 8)
				set_uint((unsigned char *)(in + 1), 4, boundary(4));
			return "aimd nest: boundary value";
		case 1:
			in->nla_type = fz_below(12);
			return "aimd nest: type";
		case 2:
			in->nla_len = fz_below(12);
			return "aimd nest: length";
		default:
			a->nla_type ^= NLA_F_NESTED;
			return "aimd: NLA_F_NESTED toggled";
		}
	}

	switch (fz_below(16)) {
	case 0:
	case 1:
	case 2:	/* boundary value */
		if (pl >= 1 && pl <= 8 && !(pl & (pl - 1))) {
			set_uint(p, pl, boundary(pl));
			return "boundary value";
		}
		if (pl) {
			p[fz_below(pl)] ^= 1 << fz_below(8);
			return "bit flip";
		}
		return "nothing";
	case 3:	/* off by one */
		if (pl >= 1 && pl <= 8 && !(pl & (pl - 1))) {
			set_uint(p, pl, get_uint(p, pl) + (fz_pct(50) ? 1 : -1));
			return "off by one";
		}
		return "nothing";
	case 4:	/* random value */
		fz_bytes(p, pl);
		return "random value";
	case 5:	/* zero length */
		a->nla_len = NLA_HDRLEN;
		cut(b, len, o + NLA_HDRLEN, al - NLA_HDRLEN);
		return "zero length";
	case 6:	/* attribute shorter than its value */
		if (pl) {
			size_t nl = fz_below(pl);

			a->nla_len = NLA_HDRLEN + nl;
			cut(b, len, o + NLA_ALIGN(NLA_HDRLEN + nl),
			    al - NLA_ALIGN(NLA_HDRLEN + nl));
		}
		return "short value";
	case 7:	/* longer value */
		{
			size_t extra = 1 + fz_below(fz_pct(90) ? 8 : 40000);

			if (a->nla_len + extra > 0xffff ||
			    !make_room(b, len, o + al, NLA_ALIGN(pl + extra) -
				       NLA_ALIGN(pl)))
				return "nothing";
			fz_bytes(b + o + NLA_HDRLEN + pl, extra);
			a->nla_len += extra;
		}
		return "long value";
	case 8:	/* nla_len past the end: the image is truncated */
		a = (void *)(b + off[n - 1]);
		a->nla_len += 1 + fz_below(100);
		return "attribute past the end";
	case 9:	/* whole payload truncated */
		*len = HDR + fz_below(*len - HDR);
		return "payload truncated";
	case 10:	/* duplicate */
		if (!make_room(b, len, o + al, al))
			return "nothing";
		memcpy(b + o + al, b + o, al);
		return "duplicate";
	case 11:	/* remove */
		cut(b, len, o, al);
		return "remove";
	case 12:	/* reorder: move to the end or swap with the first */
		{
			static unsigned char tmp[BUFMAX];

			memcpy(tmp, b + o, al);
			cut(b, len, o, al);
			j = fz_pct(50);
			if (j) {
				make_room(b, len, HDR, al);
				memcpy(b + HDR, tmp, al);
			} else {
				memcpy(b + *len, tmp, al);
				*len += al;
			}
		}
		return "reorder";
	case 13:	/* unknown type, optional or not */
		{
			static const uint16_t types[] = {
				0, TCPKIT_A_CONN_MAX + 1, 0x0fff, 0x1000,
				TCPKIT_IMG_A_MAX + 1, 0x1fff,
				TCPKIT_IMG_ATTR_OPTIONAL | (TCPKIT_A_CONN_MAX + 1),
				TCPKIT_IMG_ATTR_OPTIONAL | 0x1fff,
				TCPKIT_IMG_ATTR_OPTIONAL | 0x0fff,
				TCPKIT_IMG_ATTR_OPTIONAL | TCPKIT_A_CONN_SND_SEQ,
			};
			unsigned char v[12];
			size_t vl = fz_below(13);
			struct nlattr *na;

			if (!make_room(b, len, o, NLA_ALIGN(NLA_HDRLEN + vl)))
				return "nothing";
			na = (void *)(b + o);
			na->nla_type = fz_pct(80) ? types[fz_below(10)] :
				       fz_below(0x4000);
			na->nla_len = NLA_HDRLEN + vl;
			fz_bytes(v, sizeof(v));
			memcpy(na + 1, v, vl);
		}
		return "unknown type";
	case 14:	/* type changed into another known one, or flag bits */
		if (fz_pct(50))
			a->nla_type ^= NLA_F_NESTED;
		else if (fz_pct(50))
			a->nla_type ^= NLA_F_NET_BYTEORDER;
		else
			a->nla_type = (a->nla_type & ~NLA_TYPE_MASK) |
				      (1 + fz_below(TCPKIT_A_CONN_MAX));
		return "type or flag bits";
	default:	/* the file header itself */
		{
			static const unsigned int at[] = { 0, 7, 8, 10, 12, 13, 24, 26, 28 };

			b[at[fz_below(9)] + fz_below(2)] ^= 1 << fz_below(8);
		}
		return "file header";
	}
}

/* A restored socket: usable, or closed cleanly; then it goes away. */
static int check_restored(int fd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);
	int soerr = 0, one = 1;
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	ssize_t n;
	char c = 'x';

	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &l)) {
		printf("# restored socket: TCP_INFO: %s\n", strerror(errno));
		return -1;
	}
	l = sizeof(soerr);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l);
	if (poll(&p, 1, 0) < 0) {
		printf("# restored socket: poll: %s\n", strerror(errno));
		return -1;
	}
	n = send(fd, &c, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EPIPE && errno != ECONNRESET &&
	    errno != ENOTCONN && errno != ETIMEDOUT) {
		printf("# restored socket (state %u): send: %s\n", ti.tcpi_state,
		       strerror(errno));
		return -1;
	}
	/* Half of them silently, half with FIN/RST: both must be fine. */
	if (fz_pct(50))
		setsockopt(fd, SOL_TCP, TCP_REPAIR, &one, sizeof(one));
	return close(fd) ? -1 : 0;
}

struct counts {
	unsigned long images, lib_rejected, lib_nomsg, restores, restored,
		      kern_rejected, kern_nomsg, bad_sock, bad_errno;
	unsigned long direct, direct_rejected, direct_nomsg, direct_restored;
};

/*
 * An image the library refused goes to the kernel anyway, now and then,
 * as a raw restore request (conn_lib.h): the kernel must not rely on the
 * library's validation. Image-only attributes (metadata, optional bit) are
 * left out, as tcpkit_restore() would.
 */
static void restore_direct(struct tk *t, const unsigned char *b, size_t len,
			   int family, struct counts *ct, const char *const *what,
			   const char *lib_why)
{
	struct img im = {};
	size_t o = HDR;
	int fd, err;

	while (o + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const void *)(b + o);

		if (a->nla_len < NLA_HDRLEN || o + a->nla_len > len) {
			/* malformed from here: send the rest as it is */
			unsigned char *p = realloc(im.buf, im.len + len - o);

			if (p) {
				memcpy(p + im.len, b + o, len - o);
				im.buf = p;
				im.len += len - o;
				im.cap = im.len;
			}
			break;
		}
		if ((a->nla_type & NLA_TYPE_MASK) < TCPKIT_IMG_ATTR_META_BASE &&
		    img_add(&im, a))
			break;
		o += NLA_ALIGN(a->nla_len);
	}
	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0 || !im.len) {
		if (fd >= 0)
			close(fd);
		img_free(&im);
		return;
	}
	ct->direct++;
	err = tk_restore(t, fd, &im);
	img_free(&im);
	if (!err) {
		/* The library is stricter (header, metadata, sums): shown */
		if (ct->direct_restored++ < 12 || verbose)
			printf("# raw restore of a refused image accepted (%s; %s, %s, %s)\n",
			       lib_why, what[0], what[1], what[2]);
		if (check_restored(fd))
			ct->bad_sock++;
		return;
	}
	close(fd);
	ct->direct_rejected++;
	if (!t->msg[0]) {
		ct->direct_nomsg++;
		if (ct->direct_nomsg < 20)
			printf("# raw restore refused without extack: errno %d (%s): %s, %s, %s\n",
			       -err, strerror(-err), what[0], what[1], what[2]);
	}
}

static struct tcpkit_image *make_source(struct tcpkit *tk, int family,
					bool header_only, int *keep)
{
	struct tcpkit_sockref ref = { .fd = -1 };
	struct tcpkit_image *img = NULL;
	char data[5000];
	int s, c, err;

	if (tcp_pair(family, &s, &c))
		return NULL;
	memset(data, 0x3c, sizeof(data));
	send(c, data, 3000, 0);
	send(s, data, 4500, 0);
	usleep(20000);
	ref.fd = c;
	err = header_only ? tcpkit_conn_get(tk, &ref, &img) :
			    tcpkit_checkpoint(tk, &ref, TCPKIT_CHECKPOINT_STOP, &img);
	/* the image stays in memory: nothing to wait for */
	if (!err && !header_only)
		err = tcpkit_commit(tk, img);
	if (err) {
		printf("# source checkpoint: %s\n", tcpkit_last_error(tk));
		tcpkit_image_free(img);
		return NULL;
	}
	if (header_only)
		close(c);
	else
		kill_silently(c);
	*keep = s;
	return img;
}

int main(int argc, char **argv)
{
	static unsigned char b[BUFMAX];
	unsigned long count = 12000, i;
	int keep[3] = { -1, -1, -1 };
	struct counts ct = {};
	struct tcpkit *tk;
	uint64_t seed = 1;
	struct tk raw;
	int initns, opt, r;
	double t0, t1;
	bool ok;

	while ((opt = getopt(argc, argv, "s:n:v")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-n COUNT] [-v]\n", argv[0]);
			return 2;
		}
	}
	fz_seed(seed);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, watchdog);
	signal(SIGPIPE, SIG_IGN);
	printf("TAP version 13\n1..8\n");
	printf("# fuzz_image seed %llu count %lu\n", (unsigned long long)seed, count);
	dmesg_start();

	initns = open("/proc/self/ns/net", O_RDONLY);
	if (initns < 0 || netns_private()) {
		printf("Bail out! no private netns: %s\n", strerror(errno));
		return 4;
	}
	tk = tcpkit_open();
	if (!tk || tk_open(&raw)) {
		printf("Bail out! tcpkit_open: %s\n", tcpkit_strerror());
		return 4;
	}
	{
		static const struct { int family; bool hdr; const char *name; } s[] = {
			{ AF_INET, false, "inet checkpoint" },
			{ AF_INET6, false, "inet6 checkpoint" },
			{ AF_INET, true, "inet header-only" },
		};
		unsigned int k;

		for (k = 0; k < 3; k++) {
			struct tcpkit_image *img = make_source(tk, s[k].family,
							       s[k].hdr, &keep[k]);
			void *enc;
			size_t el;

			if (!img || tcpkit_image_encode(img, &enc, &el)) {
				printf("Bail out! source image %s\n", s[k].name);
				return 1;
			}
			srcs[nsrcs++] = (struct src){ s[k].name, enc, el };
			printf("# source %s: %zu bytes\n", s[k].name, el);
			tcpkit_image_free(img);
		}
	}

	t0 = fz_now();
	for (i = 0; i < count; i++) {
		unsigned int si = fz_below(nsrcs);
		const struct src *s = &srcs[si];
		const char *what[3] = { "", "", "" };
		struct tcpkit_image *img;
		unsigned int k, m = 1 + fz_below(3);
		size_t len = s->len;
		int fd, err;

		round_no = i;
		alarm(30);
		memcpy(b, s->buf, len);
		for (k = 0; k < m; k++)
			what[k] = mutate(b, &len, i * 7 + k);
		if (len < HDR)
			len = HDR;
		fix_header(b, len);
		ct.images++;

		errno = 0;
		img = tcpkit_image_decode(b, len);
		if (!img) {
			ct.lib_rejected++;
			if (!errno) {
				ct.bad_errno++;
				printf("# decode refused without errno (round %lu: %s, %s, %s)\n",
				       i, what[0], what[1], what[2]);
			} else if (!*tcpkit_strerror()) {
				ct.lib_nomsg++;
			}
			if (verbose)
				printf("# %lu lib: %s (%s/%s/%s)\n", i,
				       tcpkit_strerror(), what[0], what[1], what[2]);
			if (fz_pct(30))
				restore_direct(&raw, b, len, si == 1 ? AF_INET6 : AF_INET,
					       &ct, what, tcpkit_strerror());
			continue;
		}
		{
			struct tcpkit_field f = { .size = sizeof(f) };
			size_t cur = 0;
			unsigned int fields = 0;

			while (tcpkit_image_next_field(img, &cur, &f) == 1 &&
			       fields++ < 100000)
				;
		}
		fd = tcpkit_image_socket(img);
		if (fd < 0) {
			printf("# tcpkit_image_socket: %s\n", tcpkit_strerror());
			ct.bad_sock++;
			tcpkit_image_free(img);
			continue;
		}
		ct.restores++;
		err = tcpkit_restore(tk, img, fd);
		tcpkit_image_free(img);
		if (!err) {
			ct.restored++;
			if (check_restored(fd))
				ct.bad_sock++;
			continue;
		}
		close(fd);
		ct.kern_rejected++;
		if (err >= 0 || err < -4095) {
			ct.bad_errno++;
			printf("# restore returned %d\n", err);
		} else if (!*tcpkit_last_error(tk) ||
			   !strcmp(tcpkit_last_error(tk), strerror(-err))) {
			ct.kern_nomsg++;
			if (ct.kern_nomsg < 20)
				printf("# restore refused without message: errno %d (%s), round %lu: %s, %s, %s\n",
				       -err, strerror(-err), i, what[0], what[1], what[2]);
		}
		if (verbose)
			printf("# %lu kernel: %s (%s/%s/%s)\n", i,
			       tcpkit_last_error(tk), what[0], what[1], what[2]);
	}
	alarm(0);
	t1 = fz_now();
	printf("# fed %lu mutated images: library refused %lu, restore tried %lu, kernel refused %lu, restored %lu; without message: %lu library, %lu kernel\n",
	       ct.images, ct.lib_rejected, ct.restores, ct.kern_rejected,
	       ct.restored, ct.lib_nomsg, ct.kern_nomsg);
	printf("# raw restores of images the library refused: %lu, kernel refused %lu (%lu without extack), restored %lu\n",
	       ct.direct, ct.direct_rejected, ct.direct_nomsg, ct.direct_restored);
	printf("# %.1f s, %.0f images/s\n", t1 - t0, ct.images / (t1 - t0 > 0 ? t1 - t0 : 1));
	ktap_result(ct.images == count && !ct.bad_errno,
		    "every mutated image decoded or refused with an errno");
	ktap_result(!ct.lib_nomsg && !ct.kern_nomsg && !ct.direct_nomsg,
		    "every refusal carries a message (library %lu, kernel %lu, raw %lu without)",
		    ct.lib_nomsg, ct.kern_nomsg, ct.direct_nomsg);
	ktap_result(!ct.bad_sock, "restored sockets usable or cleanly closed (%lu restored, %lu bad)",
		    ct.restored, ct.bad_sock);

	{
		struct tk t;

		ok = !tk_open(&t) && !round_trip(&t, AF_INET) &&
		     !round_trip(&t, AF_INET6);
		tk_close(&t);
		ktap_result(ok, "valid checkpoint/restore round trip after the fuzzing");
	}

	for (i = 0; i < 3; i++) {
		if (keep[i] >= 0 && kill_silently(keep[i]))
			close(keep[i]);
		free(srcs[i].buf);
	}
	tcpkit_close(tk);
	tk_close(&raw);
	if (setns(initns, CLONE_NEWNET))
		printf("# setns back: %s\n", strerror(errno));
	close(initns);
	r = dmesg_splats();
	ktap_result(r == 0, "no WARNING/BUG/Call Trace in dmesg (%d lines)", r);
	check_unload();
	printf("# Totals: pass:%u fail:%u\n", ktap_n - ktap_fails, ktap_fails);
	return ktap_fails ? 1 : 0;
}
