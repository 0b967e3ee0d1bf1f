/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtcpkit: private declarations shared by the library's files.
 */
#ifndef _TCPKIT_INTERNAL_H
#define _TCPKIT_INTERNAL_H

#include <stdarg.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <linux/netlink.h>

#include "libtcpkit.h"
#include "crc32c.h"

#define TK_ERRLEN	512

/*
 * Family versions: the oldest module this library works with, and the
 * first whose conn-checkpoint takes several sock nests (one dump for a
 * set; older modules get one dump per connection).
 */
#define TK_FAMILY_VERSION_MIN	1
#define TK_FAMILY_VERSION_SETS	2

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TK_PRINTF(a, b)	__attribute__((format(printf, a, b)))

struct mnl_socket;
struct mmsghdr;
struct nlmsghdr;
struct sockaddr_nl;

struct tcpkit {
	struct mnl_socket *nl;
	unsigned int portid;
	uint16_t family_id;
	uint32_t family_version;
	uint32_t seq;
	unsigned char *rbuf;		/* TK_RECV_BATCH slots of rslot bytes */
	size_t rslot;
	struct mmsghdr *rmsg;		/* one receive call's datagrams */
	struct iovec *riov;
	struct sockaddr_nl *raddr;
	unsigned int rcount;		/* datagrams in rbuf */
	unsigned int rnext;		/* the next one to process */
	size_t sndbuf;			/* netlink SO_SNDBUF last read, 0: unknown */
	uint64_t ops;			/* bit n: the family has command n */
	uint16_t reply_end;		/* NLMSG_ERROR/_DONE that ended the
					 * last request, 0: none */
	struct utsname uts;		/* host and kernel named in images, */
	int uts_state;			/* read once: 0 not yet, 1 read, -1 failed */
	char errmsg[TK_ERRLEN];
};

/*
 * Bytes of a caller's struct the library may use, from its @size (see
 * libtcpkit.h): 0 means the first layout, @first bytes; less than that is
 * refused (0 returned); more than ours is capped.
 */
static inline size_t tk_struct_len(uint32_t size, size_t first, size_t ours)
{
	if (!size)
		return first;
	if (size < first)
		return 0;
	return size < ours ? size : ours;
}

#define tk_offsetofend(t, m)	(offsetof(t, m) + sizeof(((t *)0)->m))
/* The first layouts: up to the last field soname 1 shipped with. */
#define TK_SOCKREF_SIZE1	tk_offsetofend(struct tcpkit_sockref, tuple)
#define TK_AIMD_SIZE1		tk_offsetofend(struct tcpkit_aimd, override)
#define TK_FIELD_SIZE1		tk_offsetofend(struct tcpkit_field, buf)
#define TK_FROZEN_SIZE1		tk_offsetofend(struct tcpkit_frozen, dropped)

/* error.c: record a failure in @tk (may be NULL) and in the thread. */
int tk_err(struct tcpkit *tk, int err, const char *fmt, ...) TK_PRINTF(3, 4);
int tk_errno(struct tcpkit *tk, int err, const char *what);
void tk_clear_err(struct tcpkit *tk);

/*
 * Called for each message of the reply whose type is the request's (the
 * family's); a return < 0 skips the rest, which is still read to its end
 * (NLMSG_DONE or the ACK), and becomes tk_request()'s result. A positive
 * return counts as 0.
 */
typedef int (*tk_msg_cb)(struct tcpkit *tk, const struct nlmsghdr *nlh,
			 void *arg);

/* nl.c */
struct nlmsghdr *tk_msg_start(struct tcpkit *tk, void *buf, uint8_t cmd,
			      uint16_t flags);
int tk_request(struct tcpkit *tk, struct nlmsghdr *nlh, tk_msg_cb cb,
	       void *arg);
int tk_request_iov(struct tcpkit *tk, struct nlmsghdr *req,
		   struct iovec *iov, unsigned int niov, tk_msg_cb cb,
		   void *arg);
int tk_put_sockref(struct tcpkit *tk, struct nlmsghdr *nlh, size_t buflen,
		   uint16_t type, const struct tcpkit_sockref *ref);
int tk_put_tuple(struct tcpkit *tk, struct nlmsghdr *nlh, size_t buflen,
		 const struct tcpkit_tuple *t);
int tk_ensure_sndbuf(struct tcpkit *tk, size_t len);
int tk_send_iov(struct tcpkit *tk, struct iovec *iov, unsigned int niov,
		size_t len);
int tk_recv(struct tcpkit *tk, const unsigned char **dgram, ssize_t *len);
/* The error an NLMSG_ERROR for @req carries: 0 or a negative errno, set. */
int tk_ack_error(struct tcpkit *tk, const struct nlmsghdr *nlh,
		 const struct nlmsghdr *req);
bool tk_has_cmd(const struct tcpkit *tk, uint8_t cmd);
int tk_reopen(struct tcpkit *tk);

/* image.c */
#define TK_IMG_HEADER_ONLY	0x1	/* CONN_GET reply: no data allowed */
#define TK_IMG_ALLOW_UNKNOWN	0x2	/* fresh from the kernel */

struct tcpkit_image {
	unsigned char *data;
	size_t len;
	uint32_t flags;			/* TCPKIT_IMAGE_F_* */
	unsigned int format_version;	/* the file's, or TCPKIT_IMAGE_VERSION */
	unsigned int family_version;
	bool header_only;
	bool lenient;			/* TK_IMG_ALLOW_UNKNOWN */
	const struct nlattr *tb[TCPKIT_A_CONN_MAX + 1];
	const struct nlattr *aimd[TCPKIT_A_AIMD_MAX + 1];
	const struct nlattr *meta[TCPKIT_IMG_A_MAX - TCPKIT_IMG_ATTR_META_BASE
				  + 1];
	uint64_t qbytes[2];
	unsigned int qchunks[2];
	uint32_t hold;			/* TCPKIT_A_CONN_HOLD, 0: none */
	uint32_t hold_portid;		/* netlink socket that owns @hold */
};

struct tcpkit_image_set {
	struct tcpkit_image **imgs;
	size_t n;
	size_t cap;
	unsigned int format_version;	/* the file's, 0: not read */
};

/* Takes ownership of @data (malloc'ed) even on failure. */
struct tcpkit_image *tk_image_new(struct tcpkit *tk, void *data, size_t len,
				  unsigned int vflags);
/* Stable name of a TCPKIT_A_CONN_* attribute, NULL if unknown. */
const char *tk_conn_attr_name(unsigned int type);
/* Nonzero when the attribute must not be sent to the kernel on restore. */
bool tk_attr_image_only(const struct nlattr *nla);

/* Attribute helpers without libmnl's 16-bit assumptions. */
static inline uint16_t tk_nla_type(const struct nlattr *nla)
{
	return nla->nla_type & NLA_TYPE_MASK;
}

static inline const void *tk_nla_data(const struct nlattr *nla)
{
	return (const unsigned char *)nla + NLA_HDRLEN;
}

static inline size_t tk_nla_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

#endif /* _TCPKIT_INTERNAL_H */
