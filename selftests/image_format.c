// SPDX-License-Identifier: GPL-2.0
/*
 * image_format: libtcpkit's image file format and validator, no kernel
 * needed. Builds images attribute by attribute, round-trips them through
 * memory and files, and checks that every kind of damage is refused with
 * an errno and a message. KTAP output.
 *
 *   image_format                   run the tests
 *   image_format --sample KIND OUT write a sample file for the CLI tests:
 *                                  good, badcrc, unknown, zerochunk, usec,
 *                                  hostile (terminal controls in the host)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "ktap_result.h"
#include "libtcpkit.h"
#include "img_forge.h"

#define SND_LEN		40000	/* two chunks: 32768 + 7232 */
#define RCV_LEN		100
#define PLAN		48

/* ---- payload builder ------------------------------------------------ */

static unsigned char pattern(size_t i, int q)
{
	return (unsigned char)(i * 7 + 3 + q * 101);
}

enum mutation {
	M_NONE,
	M_UNKNOWN,		/* attribute 200, not optional */
	M_UNKNOWN_OPT,		/* attribute 200 | optional */
	M_ZERO_CHUNK,
	M_SUM,			/* snd_qlen one more than the chunks */
	M_NO_MSS,
	M_DUP,			/* sport twice */
	M_MSS_LEN,		/* mss as u16 */
	M_ADDR_LEN,		/* inet family, 16-byte saddr */
	M_BOOL,			/* sack_ok = 2 */
	M_NEST_FLAG,		/* aimd nest without NLA_F_NESTED */
	M_CC_NONUL,
	M_BIG_CHUNK,		/* one chunk of TCPKIT_CHUNK_MAX + 1 */
	M_TS_US,		/* microsecond clock (valid) */
	M_OVERRUN,		/* last attribute's length runs past the end */
	M_AIMD_UNKNOWN,		/* unknown attribute inside the aimd nest */
	M_RCV_DATA_HDRONLY,	/* (used with from_payload as a plain image) */
	M_HOLD,			/* a hold id: never part of an image */
	M_HOLD_OPT,		/* the same, marked optional */
	M_RCV_DATA_OPT,		/* the receive queue's chunk marked optional */
	M_HOSTILE_HOST,		/* host name with terminal controls, bad UTF-8 */
};

/* An OSC title sequence, BEL, a lone byte, a C1 CSI, then plain text. */
static const char hostile_host[] = "\x1b]0;pwned\x07\xff\xc2\x9b" "2Jend";

static struct pb build(enum mutation m)
{
	struct pb b = { .p = calloc(1, 1 << 18) };
	struct in_addr sa, da;
	size_t nest, i, off, n;
	unsigned char *data;
	struct nlattr *na;
	uint32_t snd = SND_LEN;

	inet_pton(AF_INET, "10.0.0.1", &sa);
	inet_pton(AF_INET, "10.0.0.2", &da);
	put_u16(&b, TCPKIT_A_CONN_FAMILY, AF_INET);
	if (m == M_ADDR_LEN) {
		unsigned char v6[16] = { 0 };

		put(&b, TCPKIT_A_CONN_SADDR, v6, 16);
	} else {
		put(&b, TCPKIT_A_CONN_SADDR, &sa, 4);
	}
	put(&b, TCPKIT_A_CONN_DADDR, &da, 4);
	put_u16(&b, TCPKIT_A_CONN_SPORT, 5000);
	if (m == M_DUP)
		put_u16(&b, TCPKIT_A_CONN_SPORT, 5001);
	put_u16(&b, TCPKIT_A_CONN_DPORT, 40000);
	put_u8(&b, TCPKIT_A_CONN_STATE, TCP_ESTABLISHED);
	put_u32(&b, TCPKIT_A_CONN_SND_SEQ, 1000000);
	put_u32(&b, TCPKIT_A_CONN_RCV_SEQ, 2000000);
	put_u32(&b, TCPKIT_A_CONN_SND_QLEN, m == M_SUM ? snd + 1 : snd);
	put_u32(&b, TCPKIT_A_CONN_UNSENT_LEN, 7232);
	put_u32(&b, TCPKIT_A_CONN_RCV_QLEN, RCV_LEN);
	if (m == M_MSS_LEN)
		put_u16(&b, TCPKIT_A_CONN_MSS, 1448);
	else if (m != M_NO_MSS)
		put_u32(&b, TCPKIT_A_CONN_MSS, 1448);
	put_u8(&b, TCPKIT_A_CONN_SND_WSCALE, 7);
	put_u8(&b, TCPKIT_A_CONN_RCV_WSCALE, 7);
	put_u8(&b, TCPKIT_A_CONN_SACK_OK, m == M_BOOL ? 2 : 1);
	put_u8(&b, TCPKIT_A_CONN_TSTAMP_OK, 1);
	put_u32(&b, TCPKIT_A_CONN_TS_VAL, 123456);
	put_u8(&b, TCPKIT_A_CONN_TS_CLOCK,
	       m == M_TS_US ? TCPKIT_TS_CLOCK_US : TCPKIT_TS_CLOCK_MS);
	put_u32(&b, TCPKIT_A_CONN_SND_WND, 65535);
	put_u8(&b, TCPKIT_A_CONN_NODELAY, 1);
	if (m == M_CC_NONUL)
		put(&b, TCPKIT_A_CONN_CC, "aimd", 4);
	else
		put(&b, TCPKIT_A_CONN_CC, "aimd", 5);

	nest = b.len;
	put(&b, TCPKIT_A_CONN_AIMD | (m == M_NEST_FLAG ? 0 : NLA_F_NESTED),
	    NULL, 0);
	put_u32(&b, TCPKIT_A_AIMD_ALPHA, 529);
	put_u32(&b, TCPKIT_A_AIMD_BETA, 700);
	if (m == M_AIMD_UNKNOWN)
		put_u32(&b, 77, 1);
	na = (struct nlattr *)(b.p + nest);
	na->nla_len = b.len - nest;

	if (m == M_UNKNOWN)
		put_u32(&b, 200, 1);
	if (m == M_UNKNOWN_OPT)
		put_u32(&b, 200 | TCPKIT_IMG_ATTR_OPTIONAL, 1);
	if (m == M_HOLD)
		put_u32(&b, TCPKIT_A_CONN_HOLD, 7);
	if (m == M_HOLD_OPT)
		put_u32(&b, TCPKIT_A_CONN_HOLD | TCPKIT_IMG_ATTR_OPTIONAL, 7);

	data = malloc(SND_LEN + TCPKIT_CHUNK_MAX + 1);
	for (i = 0; i < SND_LEN + TCPKIT_CHUNK_MAX + 1; i++)
		data[i] = pattern(i, 0);
	if (m == M_BIG_CHUNK) {
		put(&b, TCPKIT_A_CONN_SND_DATA, data, TCPKIT_CHUNK_MAX + 1);
		put(&b, TCPKIT_A_CONN_SND_DATA, data, snd - TCPKIT_CHUNK_MAX - 1);
	} else {
		for (off = 0; off < snd; off += n) {
			n = snd - off < TCPKIT_CHUNK_MAX ? snd - off :
							    TCPKIT_CHUNK_MAX;
			put(&b, TCPKIT_A_CONN_SND_DATA, data + off, n);
			if (m == M_ZERO_CHUNK && !off)
				put(&b, TCPKIT_A_CONN_SND_DATA, NULL, 0);
		}
	}
	for (i = 0; i < RCV_LEN; i++)
		data[i] = pattern(i, 1);
	put(&b, TCPKIT_A_CONN_RCV_DATA |
	    (m == M_RCV_DATA_OPT ? TCPKIT_IMG_ATTR_OPTIONAL : 0), data, RCV_LEN);
	free(data);

	{
		uint64_t now = 1700000000;

		put(&b, TCPKIT_IMG_A_CREATED | TCPKIT_IMG_ATTR_OPTIONAL, &now, 8);
		if (m == M_HOSTILE_HOST)
			put(&b, TCPKIT_IMG_A_HOST | TCPKIT_IMG_ATTR_OPTIONAL,
			    hostile_host, sizeof(hostile_host));
		else
			put(&b, TCPKIT_IMG_A_HOST | TCPKIT_IMG_ATTR_OPTIONAL,
			    "testhost", 9);
	}
	if (m == M_OVERRUN) {
		put_u32(&b, TCPKIT_A_CONN_MARK, 1);
		na = (struct nlattr *)(b.p + b.len - NLA_HDRLEN - 4);
		na->nla_len += 8;
	}
	return b;
}

/* ---- file encoding by hand (valid CRC over any payload) ------------- */

static unsigned char *encode_raw(const struct pb *b, uint32_t flags,
				 uint16_t version, size_t *len)
{
	unsigned char *f = calloc(1, TCPKIT_IMAGE_HDR_LEN + b->len);
	uint32_t crc;

	memcpy(f, TCPKIT_IMAGE_MAGIC, 8);
	put_le16(f + 8, version);
	put_le16(f + 10, TCPKIT_IMAGE_HDR_LEN);
	put_le32(f + 12, flags);
	put_le32(f + 16, (uint32_t)b->len);
	put_le16(f + 24, TCPKIT_FAMILY_VERSION);
	memcpy(f + TCPKIT_IMAGE_HDR_LEN, b->p, b->len);
	crc = tk_crc32c(0, f, TCPKIT_IMAGE_HDR_LEN);
	crc = tk_crc32c(crc, b->p, b->len);
	put_le32(f + 20, crc);
	*len = TCPKIT_IMAGE_HDR_LEN + b->len;
	return f;
}

/* ---- checks ---------------------------------------------------------- */

/* @img came from a refusing call: NULL, errno @err, @word in the message */
static void expect_refused(const char *name, struct tcpkit_image *img,
			   int err, const char *word)
{
	const char *msg = tcpkit_strerror();

	if (img)
		result(false, name, "accepted");
	else
		result(errno == err && strstr(msg, word), name,
		       "errno %d (want %d), message \"%s\" (want \"%s\")",
		       errno, err, msg, word);
	if (!img)
		printf("# %s: %s\n", name, msg);
	tcpkit_image_free(img);
}

/* An image refused by from_payload() with @err and a message with @word. */
static void expect_payload_refused(const char *name, enum mutation m,
				   int err, const char *word)
{
	struct tcpkit_image *img;
	struct pb b = build(m);

	errno = 0;
	img = tcpkit_image_from_payload(b.p, b.len);
	expect_refused(name, img, err, word);
	free(b.p);
}

/* The same damage, through a file with a valid CRC. */
static void expect_file_refused(const char *name, const unsigned char *f,
				size_t len, int err, const char *word)
{
	char path[] = "/tmp/tcpkit-image-XXXXXX";
	struct tcpkit_image *img;
	int fd;

	fd = mkstemp(path);
	if (fd < 0 || write(fd, f, len) != (ssize_t)len) {
		result(false, name, "cannot write %s", path);
		if (fd >= 0)
			close(fd);
		unlink(path);
		return;
	}
	close(fd);
	errno = 0;
	img = tcpkit_image_read_file(path);
	expect_refused(name, img, err, word);
	unlink(path);
}

static void test_crc(void)
{
	uint32_t c = tk_crc32c(0, "123456789", 9);
	uint32_t s = tk_crc32c(tk_crc32c(0, "1234", 4), "56789", 5);
	unsigned char z[32] = { 0 };

	result(c == 0xe3069283, "crc32c_check_value", "got 0x%08x", c);
	result(s == c, "crc32c_chained", "got 0x%08x", s);
	/* RFC 3720 B.4: 32 bytes of zeroes */
	c = tk_crc32c(0, z, sizeof(z));
	result(c == 0x8a9136aa, "crc32c_rfc3720_zeroes", "got 0x%08x", c);
}

static void test_roundtrip(void)
{
	char path[] = "/tmp/tcpkit-image-XXXXXX";
	struct tcpkit_image *img, *back, *file;
	struct pb b = build(M_NONE);
	unsigned char *q = NULL;
	struct tcpkit_tuple t;
	const void *p1, *p2;
	size_t l1, l2, elen;
	unsigned int chunks;
	uint64_t v, bytes;
	void *enc = NULL;
	uint32_t alpha;
	size_t i;
	bool ok;
	int fd;

	img = tcpkit_image_from_payload(b.p, b.len);
	result(img, "good_payload_accepted", "%s", tcpkit_strerror());
	if (!img) {
		test_no += 6;
		failed += 6;
		free(b.p);
		return;
	}

	ok = tcpkit_image_encode(img, &enc, &elen) == 0;
	back = ok ? tcpkit_image_decode(enc, elen) : NULL;
	p1 = tcpkit_image_payload(img, &l1);
	ok = back && (p2 = tcpkit_image_payload(back, &l2)) && l1 == l2 &&
	     !memcmp(p1, p2, l1) && l1 == b.len;
	result(ok, "memory_roundtrip", "%s", tcpkit_strerror());

	fd = mkstemp(path);
	if (fd >= 0)
		close(fd);
	file = NULL;
	if (fd >= 0 && tcpkit_image_write_file(img, path) == 0)
		file = tcpkit_image_read_file(path);
	ok = file && (p2 = tcpkit_image_payload(file, &l2)) && l1 == l2 &&
	     !memcmp(p1, p2, l1) &&
	     tcpkit_image_crc32c(file) == tcpkit_image_crc32c(img);
	result(ok, "file_roundtrip", "%s", tcpkit_strerror());
	unlink(path);

	/* a symlink at the path is replaced, its target left alone */
	{
		/* mkstemp(3) template */
		char target[] = "/tmp/tcpkit-target-XXXXXX", got[8] = "";
		struct stat st;
		int tfd = mkstemp(target);

		ok = tfd >= 0 && write(tfd, "keep", 4) == 4 && !close(tfd) &&
		     !symlink(target, path) &&
		     tcpkit_image_write_file(img, path) == 0 &&
		     !lstat(path, &st) && S_ISREG(st.st_mode) &&
		     (tfd = open(target, O_RDONLY)) >= 0 &&
		     read(tfd, got, sizeof(got)) == 4 && !close(tfd) &&
		     !memcmp(got, "keep", 4);
		result(ok, "file_symlink_replaced", "%s", tcpkit_strerror());
		unlink(path);
		unlink(target);
	}

	tcpkit_image_tuple(img, &t);
	ok = t.family == AF_INET && t.sport == 5000 && t.dport == 40000 &&
	     t.saddr.v4.s_addr == htonl(0x0a000001) &&
	     t.daddr.v4.s_addr == htonl(0x0a000002);
	ok = ok && tcpkit_image_get_uint(img, TCPKIT_A_CONN_MSS, &v) == 0 &&
	     v == 1448;
	ok = ok && tcpkit_image_get_uint(img, TCPKIT_A_CONN_MARK, &v) ==
		   -ENOENT;
	ok = ok && tcpkit_image_get_str(img, TCPKIT_A_CONN_CC) &&
	     !strcmp(tcpkit_image_get_str(img, TCPKIT_A_CONN_CC), "aimd");
	ok = ok && tcpkit_image_get_aimd(img, TCPKIT_A_AIMD_ALPHA, &alpha) == 0 &&
	     alpha == 529;
	ok = ok && tcpkit_image_get_str(img, TCPKIT_IMG_A_HOST) &&
	     !strcmp(tcpkit_image_get_str(img, TCPKIT_IMG_A_HOST), "testhost");
	result(ok, "accessors", NULL);

	ok = tcpkit_image_queue(img, TCPKIT_QUEUE_SEND, &bytes, &chunks) == 0 &&
	     bytes == SND_LEN && chunks == 2;
	q = malloc(SND_LEN);
	ok = ok && tcpkit_image_queue_copy(img, TCPKIT_QUEUE_SEND, q,
					   SND_LEN) == 0;
	for (i = 0; ok && i < SND_LEN; i++)
		ok = q[i] == pattern(i, 0);
	ok = ok && tcpkit_image_queue(img, TCPKIT_QUEUE_RECV, &bytes,
				      &chunks) == 0 &&
	     bytes == RCV_LEN && chunks == 1;
	ok = ok && tcpkit_image_queue_copy(img, TCPKIT_QUEUE_RECV, q,
					   RCV_LEN) == 0;
	for (i = 0; ok && i < RCV_LEN; i++)
		ok = q[i] == pattern(i, 1);
	result(ok, "queue_bytes_exact", NULL);
	free(q);

	{
		struct tcpkit_field f = { .size = sizeof(f) };
		int names = 0, milli = 0, data = 0;
		size_t cur = 0;

		while (tcpkit_image_next_field(img, &cur, &f) == 1) {
			names += f.name != NULL;
			milli += f.kind == TCPKIT_FIELD_MILLI &&
				 f.nest == TCPKIT_A_CONN_AIMD;
			data += f.kind == TCPKIT_FIELD_DATA;
		}
		/* 21 scalars + 2 aimd + 3 chunks + 2 meta */
		result(names == 28 && milli == 2 && data == 3,
		       "field_iteration", "names %d milli %d data %d",
		       names, milli, data);
	}
	{
		/* size 0 is the first layout; below it, nothing is written */
		struct tcpkit_field zero = { 0 }, small = { .size = 4 };
		size_t c0 = 0, c1 = 0;
		int r0 = tcpkit_image_next_field(img, &c0, &zero);
		int r1 = tcpkit_image_next_field(img, &c1, &small);

		result(r0 == 1 && zero.size == sizeof(zero) && r1 == -EINVAL &&
		       c1 == 0 && small.name == NULL, "field_size_rule",
		       "size 0: %d (size %u), size 4: %d", r0, zero.size, r1);
	}
	result(tcpkit_image_flags(img) == 0 &&
	       !tcpkit_image_header_only(img), "flags_ms_clock", NULL);

	tcpkit_image_free(img);
	tcpkit_image_free(back);
	tcpkit_image_free(file);
	free(enc);
	free(b.p);
}

static void test_header_damage(void)
{
	struct pb b = build(M_NONE);
	unsigned char *f;
	size_t len;

	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION, &len);
	f[0] = 'X';
	expect_file_refused("bad_magic", f, len, EINVAL, "magic");
	free(f);

	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION, &len);
	f[TCPKIT_IMAGE_HDR_LEN + 100] ^= 0x01;
	expect_file_refused("bad_crc_payload", f, len, EBADMSG, "CRC32C");
	free(f);

	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION, &len);
	f[24] ^= 0x01;	/* family_version: covered by the CRC too */
	expect_file_refused("bad_crc_header", f, len, EBADMSG, "CRC32C");
	free(f);

	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION, &len);
	expect_file_refused("truncated_payload", f, len - 1, EINVAL,
			    "truncated");
	expect_file_refused("truncated_header", f, 20, EINVAL, "truncated");
	expect_file_refused("empty_file", f, 0, EINVAL, "truncated");
	free(f);

	/*
	 * A header may claim 255 MiB for a short file: reading it must not
	 * take that memory first (run under a 64 MiB address-space limit).
	 */
	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION, &len);
	put_le32(f + 16, 255U << 20);
	fix_crc(f, TCPKIT_IMAGE_HDR_LEN);
	{
		int status = -1, before = failed;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (!pid) {
			struct rlimit rl = { 64 << 20, 64 << 20 };

			if (setrlimit(RLIMIT_AS, &rl))
				_exit(3);
			expect_file_refused("huge_claim_not_allocated", f, len,
					    EINVAL, "truncated");
			fflush(stdout);
			_exit(failed != before);
		}
		if (pid > 0)
			waitpid(pid, &status, 0);
		test_no++;
		if (status != 0)
			failed++;
		if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) > 1)
			printf("not ok %d huge_claim_not_allocated # child status %d\n",
			       test_no, status);
	}
	free(f);

	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION, &len);
	f = realloc(f, len + 3);
	memset(f + len, 0, 3);
	expect_file_refused("trailing_garbage", f, len + 3, EINVAL, "trailing");
	free(f);

	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION, &len);
	put_le32(f + 16, TCPKIT_IMAGE_PAYLOAD_MAX + 1);
	fix_crc(f, TCPKIT_IMAGE_HDR_LEN);
	expect_file_refused("oversized", f, len, EFBIG, "exceeds");
	free(f);

	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION + 1, &len);
	expect_file_refused("unknown_version", f, len, EOPNOTSUPP, "version");
	free(f);

	f = encode_raw(&b, 0x80, TCPKIT_IMAGE_VERSION, &len);
	expect_file_refused("unknown_flags", f, len, EOPNOTSUPP, "flags");
	free(f);

	f = encode_raw(&b, TCPKIT_IMAGE_F_TS_USEC, TCPKIT_IMAGE_VERSION, &len);
	expect_file_refused("flags_disagree", f, len, EINVAL, "disagree");
	free(f);

	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION, &len);
	f[30] = 1;
	fix_crc(f, len);
	expect_file_refused("reserved_nonzero", f, len, EINVAL, "reserved");
	free(f);
	free(b.p);

	/* payload damage behind a valid CRC reaches the validator */
	b = build(M_UNKNOWN);
	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION, &len);
	expect_file_refused("file_unknown_attr", f, len, EOPNOTSUPP,
			    "unknown attribute");
	free(f);
	free(b.p);

	b = build(M_ZERO_CHUNK);
	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION, &len);
	expect_file_refused("file_zero_chunk", f, len, EINVAL, "zero-length");
	free(f);
	free(b.p);

	b = build(M_SUM);
	f = encode_raw(&b, 0, TCPKIT_IMAGE_VERSION, &len);
	expect_file_refused("file_chunk_sum", f, len, EINVAL, "chunks hold");
	free(f);
	free(b.p);

	{
		struct tcpkit_image *img = tcpkit_image_read_file("/nonexistent/x");

		result(!img && errno == ENOENT &&
		       strstr(tcpkit_strerror(), "No such file"),
		       "missing_file", "%s", tcpkit_strerror());
	}
}

static void test_payload_damage(void)
{
	/* test name, damage, errno, a word of the message */
	static const struct {
		const char *name;
		enum mutation m;
		int err;
		const char *word;
	} refused[] = {
		{ "unknown_attr", M_UNKNOWN, EOPNOTSUPP, "not marked optional" },
		{ "unknown_aimd_attr", M_AIMD_UNKNOWN, EOPNOTSUPP, "aimd/77" },
		{ "zero_length_chunk", M_ZERO_CHUNK, EINVAL, "zero-length" },
		{ "chunk_sum_mismatch", M_SUM, EINVAL, "chunks hold" },
		{ "chunk_too_big", M_BIG_CHUNK, EINVAL, "exceeds" },
		{ "required_missing", M_NO_MSS, EINVAL, "required attribute mss" },
		{ "duplicate_attr", M_DUP, EINVAL, "duplicate" },
		{ "bad_attr_length", M_MSS_LEN, EINVAL, "expected 4" },
		{ "addr_family_mismatch", M_ADDR_LEN, EINVAL, "family" },
		{ "bool_out_of_range", M_BOOL, EINVAL, "not 0 or 1" },
		{ "nest_flag_missing", M_NEST_FLAG, EINVAL, "NLA_F_NESTED" },
		{ "string_without_nul", M_CC_NONUL, EINVAL, "NUL-terminated" },
		{ "attr_overruns_payload", M_OVERRUN, EINVAL, "bad length" },
		{ "hold_id_refused", M_HOLD, EINVAL, "hold at offset" },
		{ "optional_hold_id_refused", M_HOLD_OPT, EINVAL,
		  "hold at offset" },
	};
	struct tcpkit_image *img;
	struct pb b;
	size_t i;
	bool ok;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_payload_refused(refused[i].name, refused[i].m,
				       refused[i].err, refused[i].word);

	errno = 0;
	img = tcpkit_image_from_payload("", 0);
	result(!img && errno == EINVAL, "empty_payload", "errno %d",
	       errno);

	b = build(M_UNKNOWN_OPT);
	img = tcpkit_image_from_payload(b.p, b.len);
	ok = img != NULL;
	if (img) {
		struct tcpkit_field f = { .size = sizeof(f) };
		size_t cur = 0;
		int unknown = 0;

		while (tcpkit_image_next_field(img, &cur, &f) == 1)
			unknown += f.kind == TCPKIT_FIELD_UNKNOWN &&
				   f.type == 200 && f.value == 4;
		ok = unknown == 1;
	}
	result(ok, "unknown_optional_accepted", "%s", tcpkit_strerror());
	tcpkit_image_free(img);
	free(b.p);

	/* a known attribute means the same with the optional bit: the
	 * chunk validation counts is the chunk queue_copy copies
	 */
	b = build(M_RCV_DATA_OPT);
	img = tcpkit_image_from_payload(b.p, b.len);
	ok = img != NULL;
	if (img) {
		unsigned char q[RCV_LEN + 1];
		uint64_t bytes = 0;
		unsigned int chunks = 0;

		memset(q, 0xaa, sizeof(q));
		ok = !tcpkit_image_queue(img, TCPKIT_QUEUE_RECV, &bytes, &chunks) &&
		     bytes == RCV_LEN && chunks == 1 &&
		     !tcpkit_image_queue_copy(img, TCPKIT_QUEUE_RECV, q, RCV_LEN);
		for (i = 0; ok && i < RCV_LEN; i++)
			ok = q[i] == pattern(i, 1);
	}
	result(ok, "optional_data_chunk_copied", "%s", tcpkit_strerror());
	tcpkit_image_free(img);
	free(b.p);

	b = build(M_TS_US);
	img = tcpkit_image_from_payload(b.p, b.len);
	result(img && tcpkit_image_flags(img) == TCPKIT_IMAGE_F_TS_USEC,
	       "usec_clock_flag", "%s", tcpkit_strerror());
	tcpkit_image_free(img);
	free(b.p);
}

static int write_sample(const char *kind, const char *out)
{
	enum mutation m = M_NONE;
	unsigned char *f;
	struct pb b;
	size_t len;
	int fd, ret = 0;

	if (!strcmp(kind, "unknown"))
		m = M_UNKNOWN;
	else if (!strcmp(kind, "zerochunk"))
		m = M_ZERO_CHUNK;
	else if (!strcmp(kind, "usec"))
		m = M_TS_US;
	else if (!strcmp(kind, "hostile"))
		m = M_HOSTILE_HOST;
	else if (strcmp(kind, "good") && strcmp(kind, "badcrc"))
		return fprintf(stderr, "unknown sample kind %s\n", kind), 2;
	b = build(m);
	f = encode_raw(&b, m == M_TS_US ? TCPKIT_IMAGE_F_TS_USEC : 0,
		       TCPKIT_IMAGE_VERSION, &len);
	if (!strcmp(kind, "badcrc"))
		f[len - 1] ^= 0xff;
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, f, len) != (ssize_t)len) {
		perror(out);
		ret = 2;
	}
	if (fd >= 0)
		close(fd);
	free(f);
	free(b.p);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--sample"))
		return write_sample(argv[2], argv[3]);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--sample KIND OUT]\n", argv[0]);
		return 2;
	}

	printf("TAP version 13\n1..%d\n", PLAN);
	test_crc();
	test_roundtrip();
	test_header_damage();
	test_payload_damage();
	if (test_no != PLAN)
		printf("# ran %d tests, planned %d\n", test_no, PLAN);
	printf("# %d passed, %d failed\n", test_no - failed, failed);
	return failed || test_no != PLAN ? 1 : 0;
}
