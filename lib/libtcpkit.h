/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtcpkit: userspace side of the tcpkit generic netlink family.
 *
 * Checkpoint an established TCP connection into an image, write and read
 * image files, restore an image into a fresh socket, freeze/thaw and the
 * aimd congestion control knobs.
 *
 * Conventions:
 *  - Functions returning int return 0 on success and a negative errno on
 *    failure (errno is set to the same positive value).  Functions returning
 *    a pointer return NULL and set errno on failure.
 *  - After a failure, tcpkit_strerror() gives a one-line description for
 *    the calling thread: the kernel's extack text when the kernel sent one,
 *    otherwise a library message, otherwise strerror(errno).
 *    tcpkit_last_error() gives the same text stored in a handle.
 *  - A handle is not thread safe: use one per thread.
 *  - Ports are in host byte order, addresses in network byte order.
 *  - Structs the caller allocates (tcpkit_sockref, tcpkit_aimd,
 *    tcpkit_field, tcpkit_conn_filter) begin with @size: set it to
 *    sizeof(the struct), or leave it 0 (zero-initialised), which means
 *    the first layout. A struct only
 *    ever grows at its end; the library reads and writes no more than
 *    @size bytes, takes fields beyond a smaller @size as absent, writes
 *    back into @size how many bytes it filled, and fails with EINVAL on a
 *    @size below the first layout. tcpkit_frozen_list() is told the
 *    caller's element size. struct tcpkit_tuple is a complete address, as
 *    sockaddr_in6 is: it never grows, nor does struct tcpkit_prefix. The
 *    library's handle, images and image sets are opaque.
 */
#ifndef _LIBTCPKIT_H
#define _LIBTCPKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/tcpkit.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* Library, handle and errors                                              */

/* Version of the library, e.g. "0.1.0". */
const char *tcpkit_version(void);

struct tcpkit;

/*
 * Open a generic netlink socket and resolve the "tcpkit" family (the kernel
 * autoloads the module through its family alias when it can).  Fails with
 * ENOENT when the family does not exist and EPROTO when the kernel speaks
 * a TCPKIT_FAMILY_VERSION older than 1 (the version grows with additions
 * only, so a newer kernel serves this library; what later versions added
 * is used only where the kernel has it).
 *
 * A handle acts in the network namespace the calling thread was in when
 * it was opened: tuples are looked up there, and sockets named by fd must
 * belong to it.  To work in another namespace, setns(2) first, then open.
 */
struct tcpkit *tcpkit_open(void);
void tcpkit_close(struct tcpkit *tk);

/* Text of the last failure of this handle, "" if none. */
const char *tcpkit_last_error(const struct tcpkit *tk);

/* Text of the last failure of any libtcpkit call in this thread. */
const char *tcpkit_strerror(void);

/* ---------------------------------------------------------------------- */
/* Naming a socket                                                         */

/**
 * struct tcpkit_tuple - an established connection seen from its local end;
 * complete, it never grows (new ways to name a socket go in tcpkit_sockref)
 * @family: AF_INET or AF_INET6
 * @saddr: local address (4 or 16 bytes used, network order)
 * @daddr: remote address
 * @sport: local port, host order
 * @dport: remote port, host order
 * @ifindex: IPv6 scope id (link-local addresses), 0 otherwise
 */
struct tcpkit_tuple {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} saddr, daddr;
	uint16_t sport;
	uint16_t dport;
	uint32_t ifindex;
};

/**
 * struct tcpkit_sockref - which socket a command acts on
 * @size: sizeof(struct tcpkit_sockref) or 0 (see the top of this file)
 * @fd: a TCP socket of the calling process, or -1 to use @tuple
 * @tuple: 4-tuple looked up in the caller's network namespace
 */
struct tcpkit_sockref {
	uint32_t size;
	int fd;
	struct tcpkit_tuple tuple;
};

/* ---------------------------------------------------------------------- */
/* Images                                                                  */

/*
 * An image is the netlink attribute payload of a checkpoint dump
 * (TCPKIT_A_CONN_* attributes: the header message's attributes followed by
 * the TCPKIT_A_CONN_SND_DATA / _RCV_DATA chunks) plus image-only metadata
 * attributes added by the library.  Every image the library hands out has
 * been validated.
 *
 * Attribute type scheme inside an image (nla_type & NLA_TYPE_MASK):
 *   0x0001-0x0fff  kernel attributes (enum TCPKIT_A_CONN_*)
 *   0x1000-0x1fff  image metadata (enum TCPKIT_IMG_A_*), never sent to the
 *                  kernel
 *   bit 0x2000     TCPKIT_IMG_ATTR_OPTIONAL: a reader that does not know the
 *                  type skips the attribute (and restore does not send it);
 *                  an unknown attribute without this bit makes the image
 *                  invalid.  The bit is stripped before an attribute is sent
 *                  to the kernel.
 */
#define TCPKIT_IMG_ATTR_OPTIONAL	0x2000
#define TCPKIT_IMG_ATTR_META_BASE	0x1000

/* Image metadata, all written with TCPKIT_IMG_ATTR_OPTIONAL set. */
enum {
	TCPKIT_IMG_A_CREATED = TCPKIT_IMG_ATTR_META_BASE + 1,
					/* u64: unix time of the checkpoint */
	TCPKIT_IMG_A_HOST,		/* string: nodename (uname -n) */
	TCPKIT_IMG_A_KERNEL,		/* string: kernel release (uname -r) */
	TCPKIT_IMG_A_TOOL,		/* string: "libtcpkit <version>" */

	__TCPKIT_IMG_A_MAX,
	TCPKIT_IMG_A_MAX = (__TCPKIT_IMG_A_MAX - 1)
};

/*
 * Image file: a 32-byte header, all fields little-endian, then the payload.
 *
 *   0  magic[8]         "TCPKIMG\0"
 *   8  u16 version      TCPKIT_IMAGE_VERSION
 *  10  u16 hdr_len      32
 *  12  u32 flags        TCPKIT_IMAGE_F_*; unknown bits make the file invalid
 *  16  u32 payload_len  bytes of payload after the header
 *  20  u32 crc32c       CRC32C (Castagnoli) of the header with this field
 *                       zeroed, followed by the payload
 *  24  u16 family_version  TCPKIT_FAMILY_VERSION of the checkpointing kernel
 *  26  u16 reserved     0
 *  28  u32 reserved     0
 *
 * The payload keeps netlink's host byte order; TCPKIT_IMAGE_F_BIG_ENDIAN
 * records it and a reader refuses a payload of the other byte order.
 */
#define TCPKIT_IMAGE_MAGIC		"TCPKIMG"	/* plus the NUL: 8 bytes */
#define TCPKIT_IMAGE_VERSION		1
#define TCPKIT_IMAGE_VERSION_SET	2	/* several connections */
#define TCPKIT_IMAGE_HDR_LEN		32
#define TCPKIT_IMAGE_PAYLOAD_MAX	(256U << 20)

#define TCPKIT_IMAGE_F_TS_USEC		0x1	/* TS_CLOCK is microseconds */
#define TCPKIT_IMAGE_F_BIG_ENDIAN	0x2	/* payload is big-endian */
#define TCPKIT_IMAGE_F_KNOWN		0x3

struct tcpkit_image;

void tcpkit_image_free(struct tcpkit_image *img);

/*
 * Build an image from a raw attribute payload (copied).  Validates it:
 * every attribute well formed, no unknown non-optional attribute, required
 * attributes present, data chunks 1..TCPKIT_CHUNK_MAX bytes summing to the
 * declared queue lengths.
 */
struct tcpkit_image *tcpkit_image_from_payload(const void *attrs, size_t len);

/* Encode to the file format (header + payload) in a malloc'ed buffer. */
int tcpkit_image_encode(const struct tcpkit_image *img, void **buf,
			size_t *len);

/* Decode and validate the file format (header, CRC, then the payload). */
struct tcpkit_image *tcpkit_image_decode(const void *buf, size_t len);

/*
 * Write an image file, mode 0600, durably.  A regular file, a symlink or
 * nothing at @path is replaced atomically through a temporary file in the
 * same directory: written, fsync'ed, renamed over @path, then the
 * directory fsync'ed; on failure no new image is left at @path.  A
 * symlink is never followed (the link itself is replaced) and no file is
 * truncated in place.  A device or FIFO is written to, not truncated.
 * The write_fd variant only writes.
 */
int tcpkit_image_write_file(const struct tcpkit_image *img, const char *path);
int tcpkit_image_write_fd(const struct tcpkit_image *img, int fd);

/*
 * Read, check and validate an image file; nothing else is touched.  No
 * more memory is taken than the file holds, whatever its header claims.
 * A file of several connections (format version 2) is refused with
 * EOPNOTSUPP: read it with tcpkit_image_set_read_file().
 */
struct tcpkit_image *tcpkit_image_read_file(const char *path);
struct tcpkit_image *tcpkit_image_read_fd(int fd);

/* The raw attribute payload. */
const void *tcpkit_image_payload(const struct tcpkit_image *img, size_t *len);

/* TCPKIT_IMAGE_F_* flags the image would be / was written with. */
uint32_t tcpkit_image_flags(const struct tcpkit_image *img);

/* The CRC32C field the image's file header carries (or would carry). */
uint32_t tcpkit_image_crc32c(const struct tcpkit_image *img);

/* TCPKIT_FAMILY_VERSION recorded in the file (or of this library). */
unsigned int tcpkit_image_family_version(const struct tcpkit_image *img);

/* The file's format version (TCPKIT_IMAGE_VERSION for an image not read
 * from a file). Since LIBTCPKIT_1.2.
 */
unsigned int tcpkit_image_version(const struct tcpkit_image *img);

/* True for an image of TCPKIT_CMD_CONN_GET: state only, no queue data. */
bool tcpkit_image_header_only(const struct tcpkit_image *img);

/* The connection's tuple (family, addresses, ports, ifindex). */
int tcpkit_image_tuple(const struct tcpkit_image *img,
		       struct tcpkit_tuple *tuple);

/*
 * Scalar attributes by type: TCPKIT_A_CONN_* for the connection,
 * TCPKIT_IMG_A_* for metadata.  Unsigned values of any width come back as
 * u64.  Return -ENOENT when absent, -EINVAL for a type of another kind.
 */
int tcpkit_image_get_uint(const struct tcpkit_image *img, int type,
			  uint64_t *val);
const char *tcpkit_image_get_str(const struct tcpkit_image *img, int type);
/* Value inside the TCPKIT_A_CONN_AIMD nest: type is TCPKIT_A_AIMD_*. */
int tcpkit_image_get_aimd(const struct tcpkit_image *img, int type,
			  uint32_t *val);

/* Queue data: total bytes and number of chunks of one queue. */
enum tcpkit_queue {
	TCPKIT_QUEUE_SEND,
	TCPKIT_QUEUE_RECV,
};

int tcpkit_image_queue(const struct tcpkit_image *img, enum tcpkit_queue q,
		       uint64_t *bytes, unsigned int *chunks);
/* Copy a queue's bytes out (buf of at least the size queue() reports). */
int tcpkit_image_queue_copy(const struct tcpkit_image *img,
			    enum tcpkit_queue q, void *buf, size_t len);

/* How a field is rendered. */
enum tcpkit_field_kind {
	TCPKIT_FIELD_UINT,	/* @value */
	TCPKIT_FIELD_BOOL,	/* @value is 0 or 1 */
	TCPKIT_FIELD_STRING,	/* @str */
	TCPKIT_FIELD_ADDR,	/* @str: printable address */
	TCPKIT_FIELD_ENUM,	/* @str: symbolic name; @value: raw number */
	TCPKIT_FIELD_MILLI,	/* @value in thousandths (aimd parameters) */
	TCPKIT_FIELD_DATA,	/* one queue chunk: @value bytes */
	TCPKIT_FIELD_UNKNOWN,	/* optional attribute unknown here: @value len */
};

/**
 * struct tcpkit_field - one attribute of an image, ready to print
 * @size: sizeof(struct tcpkit_field) or 0 (see the top of this file)
 * @name: stable key ("snd_seq", "alpha", "created", ...), also the JSON
 *        key; NULL for TCPKIT_FIELD_UNKNOWN
 * @type: attribute type without flag bits
 * @nest: enclosing attribute type (TCPKIT_A_CONN_AIMD) or 0
 * @kind: how to render it
 * @value: numeric value (see @kind)
 * @str: NUL-terminated text, valid while both @field and the image live
 * @buf: storage for @str
 */
struct tcpkit_field {
	uint32_t size;
	const char *name;
	int type;
	int nest;
	enum tcpkit_field_kind kind;
	uint64_t value;
	const char *str;
	char buf[64];
};

/*
 * Iterate over the image's attributes in payload order, nested values
 * flattened.  Start with *cursor = 0; returns 1 with @field filled, 0 at
 * the end, -EINVAL for a @field->size below the first layout.
 */
int tcpkit_image_next_field(const struct tcpkit_image *img, size_t *cursor,
			    struct tcpkit_field *field);

/* Name of a TCP state ("ESTABLISHED") or NULL. */
const char *tcpkit_tcp_state_name(unsigned int state);

/*
 * Sets of images (since LIBTCPKIT_1.4): the connections of one file.
 *
 * A file of format version 2 holds N >= 1 connections: after the 32-byte
 * header (version 2, flags: TCPKIT_IMAGE_F_BIG_ENDIAN or 0, the CRC32C
 * over the header and the whole payload as in version 1) the payload is
 *
 *   0  u32 count        connections that follow, >= 1
 *   4  u32 reserved     0
 *   8  count entries, one after the other, each:
 *      0  u32 len       bytes of the connection's attribute payload,
 *                       a multiple of 4, 4 to TCPKIT_IMAGE_PAYLOAD_MAX
 *      4  u32 flags     TCPKIT_IMAGE_F_* of this connection
 *      8  u16 family_version  of the kernel that checkpointed it
 *     10  u16 reserved  0
 *     12  u32 reserved  0
 *     16  len bytes     the payload, as in a version-1 file
 *
 * All little-endian; the payload ends with the last entry. The total is
 * at most TCPKIT_IMAGE_SET_PAYLOAD_MAX bytes.
 */
#define TCPKIT_IMAGE_SET_PAYLOAD_MAX	(1U << 30)

struct tcpkit_image_set;

/* An empty set. */
struct tcpkit_image_set *tcpkit_image_set_new(void);

/*
 * Free the set and its images. Holds are not ended: commit or abort them
 * first, or close the handle that made them (which gives them back).
 */
void tcpkit_image_set_free(struct tcpkit_image_set *set);

/* Append @img, which the set then owns (not on failure). */
int tcpkit_image_set_add(struct tcpkit_image_set *set,
			 struct tcpkit_image *img);

/* Number of images in the set. */
size_t tcpkit_image_set_count(const struct tcpkit_image_set *set);

/* Image @i (< count), owned by the set; NULL with EINVAL past the end. */
struct tcpkit_image *tcpkit_image_set_get(const struct tcpkit_image_set *set,
					  size_t i);

/* All the images, in order, as tcpkit_restore_set() takes them. */
const struct tcpkit_image *const *
tcpkit_image_set_images(const struct tcpkit_image_set *set);

/*
 * Format version of the file the set was read from (1 or 2), or of the
 * file a write would make: a set of one connection is written as a
 * version-1 file, which every libtcpkit reads; more as version 2.
 */
unsigned int tcpkit_image_set_version(const struct tcpkit_image_set *set);

/*
 * Write a set (at least one image) as tcpkit_image_write_file() and
 * tcpkit_image_write_fd() write one image: mode 0600, durably, through a
 * temporary file renamed over @path.
 */
int tcpkit_image_set_write_file(const struct tcpkit_image_set *set,
				const char *path);
int tcpkit_image_set_write_fd(const struct tcpkit_image_set *set, int fd);

/*
 * Read, check and validate a file of format version 1 (a set of one) or
 * 2. Every entry and the CRC are checked before anything is returned;
 * memory grows only as bytes arrive, never past what the file holds.
 * The errors of read_file name @path.
 */
struct tcpkit_image_set *tcpkit_image_set_read_file(const char *path);
struct tcpkit_image_set *tcpkit_image_set_read_fd(int fd);

/* ---------------------------------------------------------------------- */
/* Connections                                                             */

/* TCPKIT_A_CONN_STOP: hold the original (two-phase stop). */
#define TCPKIT_CHECKPOINT_STOP	0x1

/*
 * Checkpoint the socket into a new image (a TCPKIT_CMD_CONN_CHECKPOINT
 * dump).  Without flags the original goes on and the image is a copy.
 *
 * With TCPKIT_CHECKPOINT_STOP the original is held: silent, its tuple
 * frozen, its queues intact, I/O of its owner refused.  The hold belongs to
 * @tk's netlink socket and lasts until tcpkit_commit() (the original is
 * destroyed; its tuple stays frozen until a restore or tcpkit_thaw()),
 * tcpkit_abort() or tcpkit_close() (the original resumes unchanged), or the
 * freeze's lifetime lapses (module parameter freeze_ms: given back too).
 * Commit only once the image is saved durably.  A process that forks
 * while it holds keeps the hold alive in the child's copy of the socket.
 *
 * If a checkpoint with stop fails after the kernel may have made its hold,
 * the library closes and reopens @tk's netlink socket so the kernel gives
 * the connection back; that gives back every other hold of @tk as well.
 * A module without two-phase stop (no TCPKIT_CMD_CONN_COMMIT) is refused
 * with EOPNOTSUPP before anything is sent.
 */
int tcpkit_checkpoint(struct tcpkit *tk, const struct tcpkit_sockref *ref,
		      unsigned int flags, struct tcpkit_image **imgp);

/* True while @img names a hold of a checkpoint with stop. */
bool tcpkit_image_held(const struct tcpkit_image *img);

/*
 * End the hold of @img (TCPKIT_CMD_CONN_COMMIT): the original is destroyed
 * without a word to its peer.  Must be sent on the handle that made the
 * hold.  Clears the hold on success.  EINVAL when @img holds nothing.
 */
int tcpkit_commit(struct tcpkit *tk, struct tcpkit_image *img);

/*
 * Give the held original back unchanged (TCPKIT_CMD_CONN_ABORT): its
 * freeze is lifted and it resumes where it was held; @img is then only a
 * copy.  Same rules as tcpkit_commit().
 */
int tcpkit_abort(struct tcpkit *tk, struct tcpkit_image *img);

/* State of a connection without queue data (TCPKIT_CMD_CONN_GET). */
int tcpkit_conn_get(struct tcpkit *tk, const struct tcpkit_sockref *ref,
		    struct tcpkit_image **imgp);

/* A fresh TCP socket (SOCK_CLOEXEC) of the image's address family. */
int tcpkit_image_socket(const struct tcpkit_image *img);

/*
 * Restore an image into @fd, a fresh unconnected TCP socket of the calling
 * process, in one TCPKIT_CMD_CONN_RESTORE request.  Optional attributes and
 * metadata are not sent.  On failure the kernel leaves @fd closed (unusable).
 * A reply lost on the way back (ENOBUFS) is resolved from @fd's state: a
 * socket out of TCP_CLOSE was restored, and the call returns 0.
 */
int tcpkit_restore(struct tcpkit *tk, const struct tcpkit_image *img, int fd);

/* Flags of tcpkit_restore_flags(). */
#define TCPKIT_RESTORE_CONSERVATIVE	0x1	/* slow start from the initial
						 * window, not the image's cwnd
						 */

/*
 * tcpkit_restore() with @flags (TCPKIT_RESTORE_*); unknown flags fail with
 * EINVAL before anything is sent.
 */
int tcpkit_restore_flags(struct tcpkit *tk, const struct tcpkit_image *img,
			 int fd, unsigned int flags);

/*
 * Restore a set: imgs[i] into the fresh socket fds[i], for i < @n, with
 * @flags as tcpkit_restore_flags(). The requests go several to a
 * sendmsg() (up to 32, or 1 MiB) and their acknowledgments come back
 * several to a receive call: a few system calls per 32 connections where
 * tcpkit_restore() makes two per connection. Each connection is restored
 * all-or-nothing on its own, as by tcpkit_restore_flags(); errs[i] says
 * how: 0, or the negative errno of its failure.
 *
 * Returns the number of connections not restored (0: all were), the first
 * failure's text in tcpkit_strerror(); or a negative errno, with nothing
 * sent, for bad arguments (NULL arrays with @n > 0, unknown flags).
 */
int tcpkit_restore_set(struct tcpkit *tk,
		       const struct tcpkit_image *const *imgs, const int *fds,
		       size_t n, unsigned int flags, int *errs);

/*
 * Checkpoint @n sockets into a new set (since LIBTCPKIT_1.4), in order:
 * refs[i] becomes image i, as tcpkit_checkpoint() would make it. The
 * kernel checkpoints up to TCPKIT_CHECKPOINT_SOCKS_MAX (1024) of them in
 * one dump (family version 2; a version-1 module gets one dump each), so
 * N idle connections cost one request and a few receive calls, not two or
 * three system calls each. Each connection's snapshot is atomic on its
 * own, not across the set. With TCPKIT_CHECKPOINT_STOP every connection
 * is held, each as tcpkit_checkpoint() holds one; save the set durably,
 * then tcpkit_commit_set(). If any checkpoint fails, every hold made so
 * far is given back before the call returns (the connections go on
 * unchanged; as after a failed tcpkit_checkpoint() with stop, the
 * handle's netlink socket may be reopened, which gives back its other
 * holds too) and no set is returned; the error names the failing
 * connection ("connection I of N: ..."). All holds must be committed
 * before the first lapses (module parameter freeze_ms), which bounds the
 * size of a set with stop.
 */
int tcpkit_checkpoint_set(struct tcpkit *tk,
			  const struct tcpkit_sockref *const *refs, size_t n,
			  unsigned int flags, struct tcpkit_image_set **setp);

/*
 * tcpkit_commit() or tcpkit_abort() on every held image of @set, the
 * requests 128 to a sendmsg() and their acknowledgments several to a
 * receive call. All are tried; returns the number that failed (0: none;
 * the first one's text in tcpkit_strerror()) or a negative errno for bad
 * arguments. After a failed commit the library aborts that hold, so that
 * the connection is given back rather than left held.
 */
int tcpkit_commit_set(struct tcpkit *tk, struct tcpkit_image_set *set);
int tcpkit_abort_set(struct tcpkit *tk, struct tcpkit_image_set *set);

/* Fields of struct tcpkit_conn_filter that are set. */
#define TCPKIT_FILTER_SPORT	0x01
#define TCPKIT_FILTER_DPORT	0x02
#define TCPKIT_FILTER_SADDR	0x04
#define TCPKIT_FILTER_DADDR	0x08
#define TCPKIT_FILTER_PID	0x10

/**
 * struct tcpkit_prefix - an address prefix (CIDR)
 * @family: AF_INET or AF_INET6
 * @addr: the address, network order; bits past @len are ignored
 * @len: prefix length, 0..32 or 0..128
 */
struct tcpkit_prefix {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	unsigned int len;
};

/**
 * struct tcpkit_conn_filter - which connections tcpkit_conn_list() returns
 * @size: sizeof(struct tcpkit_conn_filter) or 0 (see the top of this file)
 * @has: TCPKIT_FILTER_* bits of the fields that apply (0: every connection)
 * @sport: local port, host order
 * @dport: remote port, host order
 * @saddr: local address within this prefix
 * @daddr: remote address within this prefix
 * @pid: a descriptor of process @pid refers to the socket
 */
struct tcpkit_conn_filter {
	uint32_t size;
	unsigned int has;
	uint16_t sport;
	uint16_t dport;
	struct tcpkit_prefix saddr;
	struct tcpkit_prefix daddr;
	int pid;
};

/*
 * List the TCP connections of the calling thread's network namespace
 * that a checkpoint accepts (ESTABLISHED, CLOSE_WAIT, FIN_WAIT1,
 * FIN_WAIT2, CLOSING, LAST_ACK; IPv4 and IPv6) and that match every
 * filter of @filter (NULL: all), through sock_diag (NETLINK_SOCK_DIAG).
 * Sockets no process holds any more (orphans finishing their close) are
 * left out. An IPv4 connection of an IPv6 socket (::ffff:a.b.c.d) comes
 * back as an AF_INET tuple, which names it as well. *@tuples is
 * malloc'ed (NULL when *@count is 0); free it with free(). Since
 * LIBTCPKIT_1.4; @tk only records the errors.
 */
int tcpkit_conn_list(struct tcpkit *tk, const struct tcpkit_conn_filter *filter,
		     struct tcpkit_tuple **tuples, size_t *count);

/* Drop the freeze of a tuple in the caller's network namespace. */
int tcpkit_thaw(struct tcpkit *tk, const struct tcpkit_tuple *tuple);

/**
 * struct tcpkit_frozen - one frozen tuple
 * @tuple: the frozen connection (ifindex unused)
 * @expires_ms: time left before the freeze lapses
 * @dropped: segments of the tuple dropped so far
 * @parked: the peer's segments the freeze keeps now for the restore (0
 *	from a module that drops them all); not in the first layout
 */
struct tcpkit_frozen {
	struct tcpkit_tuple tuple;
	uint32_t expires_ms;
	uint64_t dropped;
	uint32_t parked;
};

/*
 * List the frozen tuples of the caller's netns; free *list with free().
 * @size is the caller's sizeof(struct tcpkit_frozen): the elements of
 * *list are laid out with it.
 */
int tcpkit_frozen_list(struct tcpkit *tk, struct tcpkit_frozen **list,
		       size_t *count, size_t size);

/* ---------------------------------------------------------------------- */
/* aimd congestion control                                                 */

#define TCPKIT_AIMD_HAS_ALPHA		0x01
#define TCPKIT_AIMD_HAS_BETA		0x02
#define TCPKIT_AIMD_HAS_BETA_ECN	0x04
#define TCPKIT_AIMD_HAS_CWND		0x08
#define TCPKIT_AIMD_HAS_SSTHRESH	0x10
#define TCPKIT_AIMD_HAS_LOSS_CUTS	0x20
#define TCPKIT_AIMD_HAS_ECN_CUTS	0x40

/**
 * struct tcpkit_aimd - aimd parameters and per-connection state
 * @size: sizeof(struct tcpkit_aimd) or 0 (see the top of this file)
 * @has: TCPKIT_AIMD_HAS_* bits of the fields that are meaningful
 * @alpha: segments per RTT, thousandths
 * @beta: fraction of cwnd kept after a loss, thousandths
 * @beta_ecn: fraction kept after an ECN echo, thousandths, 0 = @beta
 * @cwnd: congestion window, segments (per connection)
 * @ssthresh: slow start threshold, segments (per connection)
 * @loss_cuts: reductions caused by loss (per connection)
 * @ecn_cuts: reductions caused by ECN (per connection)
 * @override: parameters were set on the connection itself
 */
struct tcpkit_aimd {
	uint32_t size;
	unsigned int has;
	uint32_t alpha;
	uint32_t beta;
	uint32_t beta_ecn;
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t loss_cuts;
	uint32_t ecn_cuts;
	bool override;
};

/* Global parameters (@ref NULL) or one aimd connection's state. */
int tcpkit_aimd_get(struct tcpkit *tk, const struct tcpkit_sockref *ref,
		    struct tcpkit_aimd *aimd);

/*
 * Set the parameters flagged in @aimd->has (ALPHA, BETA, BETA_ECN),
 * globally (@ref NULL) or on one connection, in one request: the kernel
 * keeps the others at their current value and applies the result at once
 * or not at all, so concurrent updates of different fields do not undo
 * each other. Range checks are the kernel's.
 */
int tcpkit_aimd_set(struct tcpkit *tk, const struct tcpkit_sockref *ref,
		    const struct tcpkit_aimd *aimd);

#ifdef __cplusplus
}
#endif

#endif /* _LIBTCPKIT_H */
