// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtcpkit: images in memory. Validation of the attribute payload (the
 * only way an image comes into being) and accessors to render it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"
#include "names-gen.h"

enum tk_kind {
	K_NONE,		/* not allowed in an image */
	K_U8,
	K_BOOL,		/* u8, 0 or 1 */
	K_U16,
	K_U32,
	K_U64,
	K_STR,		/* NUL-terminated, at most maxlen bytes with the NUL */
	K_ADDR,		/* 4 or 16 bytes, by TCPKIT_A_CONN_FAMILY */
	K_FAMILY,	/* u16 AF_INET/AF_INET6 */
	K_STATE,	/* u8 TCP state */
	K_TSCLOCK,	/* u8 enum tcpkit_ts_clock */
	K_NEST,		/* TCPKIT_A_CONN_AIMD */
	K_MILLI,	/* u32 thousandths, inside the aimd nest */
	K_DATA,		/* queue chunk, 1..TCPKIT_CHUNK_MAX bytes, repeated */
};

#define D_REQ	0x1	/* must be present */

/* The names of conn and aimd attributes come from names-gen.h (the spec). */
struct tk_attr_desc {
	unsigned char kind;
	unsigned char flags;
	unsigned short maxlen;
	const char *name;	/* set by tk_desc() and tk_aimd_desc() */
};

static const struct tk_attr_desc conn_desc[TCPKIT_A_CONN_MAX + 1] = {
	[TCPKIT_A_CONN_SOCK]		= { K_NONE },
	[TCPKIT_A_CONN_STOP]		= { K_NONE },
	[TCPKIT_A_CONN_FAMILY]		= { K_FAMILY, D_REQ },
	[TCPKIT_A_CONN_SADDR]		= { K_ADDR, D_REQ },
	[TCPKIT_A_CONN_DADDR]		= { K_ADDR, D_REQ },
	[TCPKIT_A_CONN_SPORT]		= { K_U16, D_REQ },
	[TCPKIT_A_CONN_DPORT]		= { K_U16, D_REQ },
	[TCPKIT_A_CONN_IFINDEX]		= { K_U32 },
	[TCPKIT_A_CONN_V6ONLY]		= { K_BOOL },
	[TCPKIT_A_CONN_STATE]		= { K_STATE, D_REQ },
	[TCPKIT_A_CONN_SND_SEQ]		= { K_U32, D_REQ },
	[TCPKIT_A_CONN_RCV_SEQ]		= { K_U32, D_REQ },
	[TCPKIT_A_CONN_SND_QLEN]	= { K_U32, D_REQ },
	[TCPKIT_A_CONN_UNSENT_LEN]	= { K_U32, D_REQ },
	[TCPKIT_A_CONN_RCV_QLEN]	= { K_U32, D_REQ },
	[TCPKIT_A_CONN_MSS]		= { K_U32, D_REQ },
	[TCPKIT_A_CONN_SND_WSCALE]	= { K_U8 },
	[TCPKIT_A_CONN_RCV_WSCALE]	= { K_U8 },
	[TCPKIT_A_CONN_SACK_OK]		= { K_BOOL },
	[TCPKIT_A_CONN_TSTAMP_OK]	= { K_BOOL },
	[TCPKIT_A_CONN_TS_VAL]		= { K_U32 },
	[TCPKIT_A_CONN_TS_CLOCK]	= { K_TSCLOCK },
	[TCPKIT_A_CONN_SND_WL1]		= { K_U32 },
	[TCPKIT_A_CONN_SND_WND]		= { K_U32 },
	[TCPKIT_A_CONN_MAX_WINDOW]	= { K_U32 },
	[TCPKIT_A_CONN_RCV_WND]		= { K_U32 },
	[TCPKIT_A_CONN_RCV_WUP]		= { K_U32 },
	[TCPKIT_A_CONN_NODELAY]		= { K_BOOL },
	[TCPKIT_A_CONN_CORK]		= { K_BOOL },
	[TCPKIT_A_CONN_KEEPALIVE]	= { K_BOOL },
	[TCPKIT_A_CONN_KEEPIDLE]	= { K_U32 },
	[TCPKIT_A_CONN_KEEPINTVL]	= { K_U32 },
	[TCPKIT_A_CONN_KEEPCNT]		= { K_U32 },
	[TCPKIT_A_CONN_USER_TIMEOUT]	= { K_U32 },
	[TCPKIT_A_CONN_SNDBUF]		= { K_U32 },
	[TCPKIT_A_CONN_RCVBUF]		= { K_U32 },
	[TCPKIT_A_CONN_SNDBUF_LOCK]	= { K_BOOL },
	[TCPKIT_A_CONN_RCVBUF_LOCK]	= { K_BOOL },
	[TCPKIT_A_CONN_MARK]		= { K_U32 },
	[TCPKIT_A_CONN_PRIORITY]	= { K_U32 },
	[TCPKIT_A_CONN_TOS]		= { K_U8 },
	[TCPKIT_A_CONN_REUSEADDR]	= { K_BOOL },
	[TCPKIT_A_CONN_CC]		= { K_STR, 0, 16 },
	[TCPKIT_A_CONN_AIMD]		= { K_NEST },
	[TCPKIT_A_CONN_SND_DATA]	= { K_DATA },
	[TCPKIT_A_CONN_RCV_DATA]	= { K_DATA },
	/*
	 * Names a hold on one netlink socket, meaningless anywhere else:
	 * known here so that an image carrying it, optional bit or not, is
	 * refused like sock and stop rather than skipped as unknown.
	 */
	[TCPKIT_A_CONN_HOLD]		= { K_NONE },
	[TCPKIT_A_CONN_SRTT_US]		= { K_U32 },
	[TCPKIT_A_CONN_RTTVAR_US]	= { K_U32 },
	[TCPKIT_A_CONN_RTO_US]		= { K_U32 },
	[TCPKIT_A_CONN_MIN_RTT_US]	= { K_U32 },
	[TCPKIT_A_CONN_CWND]		= { K_U32 },
	[TCPKIT_A_CONN_SSTHRESH]	= { K_U32 },
	/* A restore request's option, never part of an image. */
	[TCPKIT_A_CONN_CONSERVATIVE]	= { K_NONE },
	[TCPKIT_A_CONN_TS_RECENT]	= { K_U32 },
};

/* What a checkpoint carries in TCPKIT_A_CONN_AIMD. */
static const struct tk_attr_desc aimd_desc[TCPKIT_A_AIMD_MAX + 1] = {
	[TCPKIT_A_AIMD_ALPHA]		= { K_MILLI },
	[TCPKIT_A_AIMD_BETA]		= { K_MILLI },
	[TCPKIT_A_AIMD_BETA_ECN]	= { K_MILLI },
};

#define META_IDX(t)	((t) - TCPKIT_IMG_ATTR_META_BASE)

static const struct tk_attr_desc meta_desc[META_IDX(TCPKIT_IMG_A_MAX) + 1] = {
	[META_IDX(TCPKIT_IMG_A_CREATED)] = { K_U64, 0, 0, "created" },
	[META_IDX(TCPKIT_IMG_A_HOST)]	 = { K_STR, 0, 65, "host" },
	[META_IDX(TCPKIT_IMG_A_KERNEL)]	 = { K_STR, 0, 65, "kernel" },
	[META_IDX(TCPKIT_IMG_A_TOOL)]	 = { K_STR, 0, 64, "tool" },
};

static const char * const tcp_state_names[] = {
	[TCP_ESTABLISHED]	= "ESTABLISHED",
	[TCP_SYN_SENT]		= "SYN_SENT",
	[TCP_SYN_RECV]		= "SYN_RECV",
	[TCP_FIN_WAIT1]		= "FIN_WAIT1",
	[TCP_FIN_WAIT2]		= "FIN_WAIT2",
	[TCP_TIME_WAIT]		= "TIME_WAIT",
	[TCP_CLOSE]		= "CLOSE",
	[TCP_CLOSE_WAIT]	= "CLOSE_WAIT",
	[TCP_LAST_ACK]		= "LAST_ACK",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_CLOSING]		= "CLOSING",
};

const char *tcpkit_tcp_state_name(unsigned int state)
{
	if (state < ARRAY_SIZE(tcp_state_names))
		return tcp_state_names[state];
	return NULL;
}

/*
 * Descriptor of a type (flag bits removed) in the conn/meta space, copied
 * into @buf with its name; NULL for an unknown type.
 */
static const struct tk_attr_desc *tk_desc(unsigned int type,
					  struct tk_attr_desc *buf)
{
	if (type >= 1 && type <= TCPKIT_A_CONN_MAX) {
		if (!tk_conn_attr_names[type])
			return NULL;
		*buf = conn_desc[type];
		buf->name = tk_conn_attr_names[type];
		return buf;
	}
	if (type > TCPKIT_IMG_ATTR_META_BASE && type <= TCPKIT_IMG_A_MAX)
		return &meta_desc[META_IDX(type)];
	return NULL;
}

static const struct tk_attr_desc *tk_aimd_desc(unsigned int type,
					       struct tk_attr_desc *buf)
{
	if (type < 1 || type > TCPKIT_A_AIMD_MAX || !aimd_desc[type].kind)
		return NULL;
	*buf = aimd_desc[type];
	buf->name = tk_aimd_attr_names[type];
	return buf;
}

const char *tk_conn_attr_name(unsigned int type)
{
	return type <= TCPKIT_A_CONN_MAX ? tk_conn_attr_names[type] : NULL;
}

bool tk_attr_image_only(const struct nlattr *nla)
{
	unsigned int type = tk_nla_type(nla) & ~TCPKIT_IMG_ATTR_OPTIONAL;

	return !tk_conn_attr_name(type);
}

static uint64_t tk_get_uint(const struct nlattr *a)
{
	const void *d = tk_nla_data(a);
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (tk_nla_len(a)) {
	case 1:
		return *(const uint8_t *)d;
	case 2:
		memcpy(&v16, d, 2);
		return v16;
	case 4:
		memcpy(&v32, d, 4);
		return v32;
	case 8:
		memcpy(&v64, d, 8);
		return v64;
	}
	return 0;
}

static size_t tk_kind_len(unsigned char kind)
{
	switch (kind) {
	case K_U8:
	case K_BOOL:
	case K_STATE:
	case K_TSCLOCK:
		return 1;
	case K_U16:
	case K_FAMILY:
		return 2;
	case K_U32:
	case K_MILLI:
		return 4;
	case K_U64:
		return 8;
	}
	return 0;
}

/* Shape of one known attribute: length, flags, value domain. */
static int tk_check_attr(struct tcpkit *tk, const struct tk_attr_desc *d,
			 const struct nlattr *a, size_t off)
{
	size_t len = tk_nla_len(a), want = tk_kind_len(d->kind);
	bool nested = a->nla_type & NLA_F_NESTED;
	const char *s = tk_nla_data(a);
	uint64_t v;

	if (d->kind == K_NONE)
		return tk_err(tk, EINVAL,
			      "image: attribute %s at offset %zu is not allowed in an image",
			      d->name, off);
	if (nested != (d->kind == K_NEST))
		return tk_err(tk, EINVAL,
			      "image: attribute %s at offset %zu: NLA_F_NESTED %s",
			      d->name, off, nested ? "set" : "missing");
	if (want && len != want)
		return tk_err(tk, EINVAL,
			      "image: attribute %s at offset %zu: length %zu, expected %zu",
			      d->name, off, len, want);
	v = want ? tk_get_uint(a) : 0;

	switch (d->kind) {
	case K_BOOL:
		if (v > 1)
			return tk_err(tk, EINVAL,
				      "image: attribute %s: value %llu is not 0 or 1",
				      d->name, (unsigned long long)v);
		break;
	case K_FAMILY:
		if (v != AF_INET && v != AF_INET6)
			return tk_err(tk, EAFNOSUPPORT,
				      "image: family %llu is not AF_INET or AF_INET6",
				      (unsigned long long)v);
		break;
	case K_TSCLOCK:
		if (v != TCPKIT_TS_CLOCK_MS && v != TCPKIT_TS_CLOCK_US)
			return tk_err(tk, EINVAL,
				      "image: unknown timestamp clock %llu",
				      (unsigned long long)v);
		break;
	case K_STR:
		if (!len || len > d->maxlen || s[len - 1] != '\0' ||
		    strlen(s) != len - 1)
			return tk_err(tk, EINVAL,
				      "image: attribute %s at offset %zu: not a NUL-terminated string of at most %u bytes",
				      d->name, off, d->maxlen - 1);
		break;
	case K_ADDR:
		if (len != 4 && len != 16)
			return tk_err(tk, EINVAL,
				      "image: attribute %s: address of %zu bytes",
				      d->name, len);
		break;
	case K_DATA:
		if (!len)
			return tk_err(tk, EINVAL,
				      "image: zero-length %s chunk at offset %zu",
				      d->name, off);
		if (len > TCPKIT_CHUNK_MAX)
			return tk_err(tk, EINVAL,
				      "image: %s chunk of %zu bytes at offset %zu exceeds %u",
				      d->name, len, off, TCPKIT_CHUNK_MAX);
		break;
	}
	return 0;
}

/*
 * Walk the attributes in [@start, @end): every header well formed and
 * inside the buffer.  Calls @fn for each.
 */
static int tk_walk(struct tcpkit *tk, const unsigned char *base, size_t start,
		   size_t end, const char *where,
		   int (*fn)(struct tcpkit *tk, struct tcpkit_image *img,
			     const struct nlattr *a, size_t off),
		   struct tcpkit_image *img)
{
	const struct nlattr *a;
	size_t off = start;
	int ret;

	while (off < end) {
		if (end - off < NLA_HDRLEN)
			return tk_err(tk, EINVAL,
				      "image: truncated attribute header at offset %zu%s",
				      off, where);
		a = (const struct nlattr *)(base + off);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > end - off)
			return tk_err(tk, EINVAL,
				      "image: attribute at offset %zu%s has bad length %u",
				      off, where, a->nla_len);
		if (a->nla_type & NLA_F_NET_BYTEORDER)
			return tk_err(tk, EINVAL,
				      "image: attribute at offset %zu%s has NLA_F_NET_BYTEORDER",
				      off, where);
		ret = fn(tk, img, a, off);
		if (ret)
			return ret;
		/* the padding of the last attribute must be there too */
		if ((size_t)NLA_ALIGN(a->nla_len) > end - off)
			return tk_err(tk, EINVAL,
				      "image: attribute at offset %zu%s: padding runs past the end",
				      off, where);
		off += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

static int tk_index_aimd(struct tcpkit *tk, struct tcpkit_image *img,
			 const struct nlattr *a, size_t off)
{
	unsigned int type = tk_nla_type(a) & ~TCPKIT_IMG_ATTR_OPTIONAL;
	struct tk_attr_desc buf;
	const struct tk_attr_desc *d = tk_aimd_desc(type, &buf);
	int ret;

	if (!d) {
		if ((tk_nla_type(a) & TCPKIT_IMG_ATTR_OPTIONAL) || img->lenient)
			return 0;
		return tk_err(tk, EOPNOTSUPP,
			      "image: unknown attribute aimd/%u at offset %zu (not marked optional)",
			      type, off);
	}
	ret = tk_check_attr(tk, d, a, off);
	if (ret)
		return ret;
	if (img->aimd[type])
		return tk_err(tk, EINVAL, "image: duplicate attribute aimd/%s",
			      d->name);
	img->aimd[type] = a;
	return 0;
}

static int tk_index_attr(struct tcpkit *tk, struct tcpkit_image *img,
			 const struct nlattr *a, size_t off)
{
	unsigned int type = tk_nla_type(a) & ~TCPKIT_IMG_ATTR_OPTIONAL;
	struct tk_attr_desc buf;
	const struct tk_attr_desc *d = tk_desc(type, &buf);
	const struct nlattr **slot;
	int ret, q;

	if (!d) {
		/*
		 * Kept from a newer kernel's dump so that a newer library
		 * can restore the file; refused when read back here.
		 */
		if ((tk_nla_type(a) & TCPKIT_IMG_ATTR_OPTIONAL) ||
		    (img->lenient && type < TCPKIT_IMG_ATTR_META_BASE))
			return 0;
		return tk_err(tk, EOPNOTSUPP,
			      "image: unknown attribute %u at offset %zu (not marked optional): it needs a newer libtcpkit",
			      type, off);
	}
	ret = tk_check_attr(tk, d, a, off);
	if (ret)
		return ret;

	if (d->kind == K_DATA) {
		if (img->header_only)
			return tk_err(tk, EINVAL,
				      "image: queue data in a state-only image");
		q = type == TCPKIT_A_CONN_SND_DATA ? TCPKIT_QUEUE_SEND :
						     TCPKIT_QUEUE_RECV;
		img->qbytes[q] += tk_nla_len(a);
		img->qchunks[q]++;
		if (!img->tb[type])
			img->tb[type] = a;
		return 0;
	}
	if (type > TCPKIT_IMG_ATTR_META_BASE)
		slot = &img->meta[META_IDX(type)];
	else
		slot = &img->tb[type];
	if (*slot)
		return tk_err(tk, EINVAL,
			      "image: duplicate attribute %s at offset %zu",
			      d->name, off);
	*slot = a;
	if (d->kind == K_NEST)
		return tk_walk(tk, img->data,
			       off + NLA_HDRLEN, off + a->nla_len,
			       " in aimd", tk_index_aimd, img);
	return 0;
}

static int tk_image_validate(struct tcpkit *tk, struct tcpkit_image *img)
{
	const struct nlattr *fam, *qlen;
	unsigned int type, i;
	size_t alen;
	int ret;

	if (!img->len)
		return tk_err(tk, EINVAL, "image: empty payload");
	if (img->len > TCPKIT_IMAGE_PAYLOAD_MAX)
		return tk_err(tk, EFBIG,
			      "image: payload of %zu bytes exceeds %u",
			      img->len, TCPKIT_IMAGE_PAYLOAD_MAX);
	ret = tk_walk(tk, img->data, 0, img->len, "", tk_index_attr, img);
	if (ret)
		return ret;

	for (type = 1; type <= TCPKIT_A_CONN_MAX; type++) {
		if ((conn_desc[type].flags & D_REQ) && !img->tb[type])
			return tk_err(tk, EINVAL,
				      "image: required attribute %s missing",
				      tk_conn_attr_names[type]);
	}

	fam = img->tb[TCPKIT_A_CONN_FAMILY];
	alen = tk_get_uint(fam) == AF_INET ? 4 : 16;
	if (tk_nla_len(img->tb[TCPKIT_A_CONN_SADDR]) != alen ||
	    tk_nla_len(img->tb[TCPKIT_A_CONN_DADDR]) != alen)
		return tk_err(tk, EINVAL,
			      "image: address length does not match family %s",
			      alen == 4 ? "inet" : "inet6");

	if (img->header_only)
		goto flags;
	for (i = 0; i < 2; i++) {
		qlen = img->tb[i == TCPKIT_QUEUE_SEND ? TCPKIT_A_CONN_SND_QLEN :
							TCPKIT_A_CONN_RCV_QLEN];
		if (img->qbytes[i] != tk_get_uint(qlen))
			return tk_err(tk, EINVAL,
				      "image: %s queue chunks hold %llu bytes, %s says %llu",
				      i == TCPKIT_QUEUE_SEND ? "send" : "receive",
				      (unsigned long long)img->qbytes[i],
				      i == TCPKIT_QUEUE_SEND ? "snd_qlen" : "rcv_qlen",
				      (unsigned long long)tk_get_uint(qlen));
	}
flags:
	img->flags = 0;
	if (img->tb[TCPKIT_A_CONN_TS_CLOCK] &&
	    tk_get_uint(img->tb[TCPKIT_A_CONN_TS_CLOCK]) == TCPKIT_TS_CLOCK_US)
		img->flags |= TCPKIT_IMAGE_F_TS_USEC;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	img->flags |= TCPKIT_IMAGE_F_BIG_ENDIAN;
#endif
	return 0;
}

struct tcpkit_image *tk_image_new(struct tcpkit *tk, void *data, size_t len,
				  unsigned int vflags)
{
	struct tcpkit_image *img;
	int ret;

	img = calloc(1, sizeof(*img));
	if (!img) {
		free(data);
		tk_errno(tk, ENOMEM, NULL);
		return NULL;
	}
	img->data = data;
	img->len = len;
	img->format_version = TCPKIT_IMAGE_VERSION;
	img->family_version = TCPKIT_FAMILY_VERSION;
	img->header_only = vflags & TK_IMG_HEADER_ONLY;
	img->lenient = vflags & TK_IMG_ALLOW_UNKNOWN;
	ret = tk_image_validate(tk, img);
	if (ret) {
		tcpkit_image_free(img);
		errno = -ret;
		return NULL;
	}
	return img;
}

struct tcpkit_image *tcpkit_image_from_payload(const void *attrs, size_t len)
{
	void *copy;

	if (len > TCPKIT_IMAGE_PAYLOAD_MAX) {
		tk_err(NULL, EFBIG, "image: payload of %zu bytes exceeds %u",
		       len, TCPKIT_IMAGE_PAYLOAD_MAX);
		return NULL;
	}
	copy = malloc(len ? len : 1);
	if (!copy) {
		tk_errno(NULL, ENOMEM, NULL);
		return NULL;
	}
	if (len)
		memcpy(copy, attrs, len);
	return tk_image_new(NULL, copy, len, 0);
}

void tcpkit_image_free(struct tcpkit_image *img)
{
	int saved = errno;

	if (!img)
		return;
	free(img->data);
	free(img);
	errno = saved;
}

const void *tcpkit_image_payload(const struct tcpkit_image *img, size_t *len)
{
	*len = img->len;
	return img->data;
}

uint32_t tcpkit_image_flags(const struct tcpkit_image *img)
{
	return img->flags;
}

unsigned int tcpkit_image_family_version(const struct tcpkit_image *img)
{
	return img->family_version;
}

unsigned int tcpkit_image_version(const struct tcpkit_image *img)
{
	return img->format_version;
}

bool tcpkit_image_header_only(const struct tcpkit_image *img)
{
	return img->header_only;
}

bool tcpkit_image_held(const struct tcpkit_image *img)
{
	return img && img->hold;
}

int tcpkit_image_tuple(const struct tcpkit_image *img,
		       struct tcpkit_tuple *t)
{
	const struct nlattr *a;

	memset(t, 0, sizeof(*t));
	t->family = (int)tk_get_uint(img->tb[TCPKIT_A_CONN_FAMILY]);
	a = img->tb[TCPKIT_A_CONN_SADDR];
	memcpy(&t->saddr, tk_nla_data(a), tk_nla_len(a));
	a = img->tb[TCPKIT_A_CONN_DADDR];
	memcpy(&t->daddr, tk_nla_data(a), tk_nla_len(a));
	t->sport = (uint16_t)tk_get_uint(img->tb[TCPKIT_A_CONN_SPORT]);
	t->dport = (uint16_t)tk_get_uint(img->tb[TCPKIT_A_CONN_DPORT]);
	a = img->tb[TCPKIT_A_CONN_IFINDEX];
	t->ifindex = a ? (uint32_t)tk_get_uint(a) : 0;
	return 0;
}

static const struct nlattr *tk_lookup(const struct tcpkit_image *img,
				      int type,
				      const struct tk_attr_desc **d,
				      struct tk_attr_desc *buf)
{
	*d = tk_desc(type, buf);
	if (!*d)
		return NULL;
	if (type > TCPKIT_IMG_ATTR_META_BASE)
		return img->meta[META_IDX(type)];
	return img->tb[type];
}

int tcpkit_image_get_uint(const struct tcpkit_image *img, int type,
			  uint64_t *val)
{
	const struct tk_attr_desc *d;
	struct tk_attr_desc buf;
	const struct nlattr *a;

	a = tk_lookup(img, type, &d, &buf);
	if (!d || !tk_kind_len(d->kind)) {
		errno = EINVAL;
		return -EINVAL;
	}
	if (!a) {
		errno = ENOENT;
		return -ENOENT;
	}
	*val = tk_get_uint(a);
	return 0;
}

const char *tcpkit_image_get_str(const struct tcpkit_image *img, int type)
{
	const struct tk_attr_desc *d;
	struct tk_attr_desc buf;
	const struct nlattr *a;

	a = tk_lookup(img, type, &d, &buf);
	if (!d || d->kind != K_STR) {
		errno = EINVAL;
		return NULL;
	}
	if (!a) {
		errno = ENOENT;
		return NULL;
	}
	return tk_nla_data(a);
}

int tcpkit_image_get_aimd(const struct tcpkit_image *img, int type,
			  uint32_t *val)
{
	struct tk_attr_desc buf;

	if (!tk_aimd_desc(type, &buf)) {
		errno = EINVAL;
		return -EINVAL;
	}
	if (!img->aimd[type]) {
		errno = ENOENT;
		return -ENOENT;
	}
	*val = (uint32_t)tk_get_uint(img->aimd[type]);
	return 0;
}

int tcpkit_image_queue(const struct tcpkit_image *img, enum tcpkit_queue q,
		       uint64_t *bytes, unsigned int *chunks)
{
	if (q != TCPKIT_QUEUE_SEND && q != TCPKIT_QUEUE_RECV) {
		errno = EINVAL;
		return -EINVAL;
	}
	if (bytes)
		*bytes = img->qbytes[q];
	if (chunks)
		*chunks = img->qchunks[q];
	return 0;
}

int tcpkit_image_queue_copy(const struct tcpkit_image *img,
			    enum tcpkit_queue q, void *buf, size_t len)
{
	unsigned int want = q == TCPKIT_QUEUE_SEND ? TCPKIT_A_CONN_SND_DATA :
						     TCPKIT_A_CONN_RCV_DATA;
	const struct nlattr *a;
	unsigned char *p = buf;
	size_t off = 0;

	if ((q != TCPKIT_QUEUE_SEND && q != TCPKIT_QUEUE_RECV) ||
	    len < img->qbytes[q]) {
		errno = EINVAL;
		return -EINVAL;
	}
	/* the optional bit changes nothing for a known type: validation
	 * counted these chunks and restore sends them
	 */
	while (off < img->len) {
		a = (const struct nlattr *)(img->data + off);
		if ((tk_nla_type(a) & ~TCPKIT_IMG_ATTR_OPTIONAL) == want) {
			memcpy(p, tk_nla_data(a), tk_nla_len(a));
			p += tk_nla_len(a);
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

static const char *tk_enum_name(unsigned char kind, uint64_t v)
{
	const char *s;

	switch (kind) {
	case K_FAMILY:
		return v == AF_INET ? "inet" : "inet6";
	case K_STATE:
		s = tcpkit_tcp_state_name((unsigned int)v);
		return s ? s : "unknown";
	case K_TSCLOCK:
		return v == TCPKIT_TS_CLOCK_US ? "us" : "ms";
	}
	return "";
}

int tcpkit_image_next_field(const struct tcpkit_image *img, size_t *cursor,
			    struct tcpkit_field *f)
{
	size_t len = tk_struct_len(f->size, TK_FIELD_SIZE1, sizeof(*f));
	const struct nlattr *nest = img->tb[TCPKIT_A_CONN_AIMD];
	struct tk_attr_desc buf;
	const struct tk_attr_desc *d;
	const struct nlattr *a;
	unsigned int type;
	size_t off;
	bool inner;

	if (!len)
		return tk_err(NULL, EINVAL, "struct tcpkit_field of %u bytes: too small",
			      f->size);
	for (;;) {
		off = *cursor;
		if (off >= img->len)
			return 0;
		a = (const struct nlattr *)(img->data + off);
		type = tk_nla_type(a) & ~TCPKIT_IMG_ATTR_OPTIONAL;
		inner = nest && off > (size_t)((const unsigned char *)nest -
					       img->data) &&
			off < (size_t)((const unsigned char *)nest -
				       img->data) + nest->nla_len;
		d = inner ? tk_aimd_desc(type, &buf) : tk_desc(type, &buf);
		/* step into the nest, over everything else */
		if (d && d->kind == K_NEST) {
			*cursor = off + NLA_HDRLEN;
			continue;
		}
		*cursor = off + NLA_ALIGN(a->nla_len);
		break;
	}

	memset(f, 0, len);
	f->size = len;
	f->type = type;
	f->nest = inner ? TCPKIT_A_CONN_AIMD : 0;
	if (!d) {
		f->kind = TCPKIT_FIELD_UNKNOWN;
		f->value = tk_nla_len(a);
		return 1;
	}
	f->name = d->name;
	if (tk_kind_len(d->kind))
		f->value = tk_get_uint(a);
	switch (d->kind) {
	case K_BOOL:
		f->kind = TCPKIT_FIELD_BOOL;
		break;
	case K_STR:
		f->kind = TCPKIT_FIELD_STRING;
		f->str = tk_nla_data(a);
		break;
	case K_ADDR:
		f->kind = TCPKIT_FIELD_ADDR;
		inet_ntop(tk_nla_len(a) == 4 ? AF_INET : AF_INET6,
			  tk_nla_data(a), f->buf, sizeof(f->buf));
		f->str = f->buf;
		break;
	case K_FAMILY:
	case K_STATE:
	case K_TSCLOCK:
		f->kind = TCPKIT_FIELD_ENUM;
		f->str = tk_enum_name(d->kind, f->value);
		break;
	case K_MILLI:
		f->kind = TCPKIT_FIELD_MILLI;
		break;
	case K_DATA:
		f->kind = TCPKIT_FIELD_DATA;
		f->value = tk_nla_len(a);
		break;
	default:
		f->kind = TCPKIT_FIELD_UINT;
		break;
	}
	return 1;
}
