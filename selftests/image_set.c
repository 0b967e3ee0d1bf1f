// SPDX-License-Identifier: GPL-2.0
/*
 * image_set: files of several connections (image format version 2) and
 * the set API, no kernel needed. A set of three round-trips through a
 * file; a set of one is still written as version 1; a version-1 file
 * reads as a set of one; then every kind of damage to a version-2 file
 * (counts, lengths, overlapping or overrunning entries, truncation,
 * trailing bytes, CRC, reserved fields, flags, a bad connection inside)
 * is refused with a message naming the file, the CRC forged where it
 * would otherwise hide the damage. A header that announces a gigabyte is
 * refused without taking more memory than the file holds. KTAP output.
 *
 *   image_set                  run the tests
 *   image_set --sample N OUT   write a valid file of N connections
 *   image_set --merge OUT IN...  write the connections of the files IN,
 *                              in order, into one file OUT (for the CLI
 *                              tests: a set where one connection fails)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "ktap_result.h"
#include "libtcpkit.h"
#include "img_forge.h"

#define PLAN		28
#define HDR		TCPKIT_IMAGE_HDR_LEN
#define ENT		16	/* entry header */

static char path[64];

/*
 * The payload of an IPv4 connection 10.0.0.1:@sport -> 10.0.0.2:40000
 * with 10 + 3 queued bytes; @broken: without its MSS (invalid).
 */
static void conn_payload(struct pb *b, uint16_t sport, bool broken)
{
	struct in_addr sa, da;

	inet_pton(AF_INET, "10.0.0.1", &sa);
	inet_pton(AF_INET, "10.0.0.2", &da);
	put_u16(b, TCPKIT_A_CONN_FAMILY, AF_INET);
	put(b, TCPKIT_A_CONN_SADDR, &sa, 4);
	put(b, TCPKIT_A_CONN_DADDR, &da, 4);
	put_u16(b, TCPKIT_A_CONN_SPORT, sport);
	put_u16(b, TCPKIT_A_CONN_DPORT, 40000);
	put_u8(b, TCPKIT_A_CONN_STATE, TCP_ESTABLISHED);
	put_u32(b, TCPKIT_A_CONN_SND_SEQ, 1000000 + sport);
	put_u32(b, TCPKIT_A_CONN_RCV_SEQ, 2000000);
	put_u32(b, TCPKIT_A_CONN_SND_QLEN, 10);
	put_u32(b, TCPKIT_A_CONN_UNSENT_LEN, 0);
	put_u32(b, TCPKIT_A_CONN_RCV_QLEN, 3);
	if (!broken)
		put_u32(b, TCPKIT_A_CONN_MSS, 1448);
	put_u8(b, TCPKIT_A_CONN_SND_WSCALE, 7);
	put_u8(b, TCPKIT_A_CONN_RCV_WSCALE, 7);
	put_u8(b, TCPKIT_A_CONN_SACK_OK, 1);
	put_u8(b, TCPKIT_A_CONN_TSTAMP_OK, 1);
	put_u32(b, TCPKIT_A_CONN_TS_VAL, 123456);
	put_u8(b, TCPKIT_A_CONN_TS_CLOCK, TCPKIT_TS_CLOCK_MS);
	put_u32(b, TCPKIT_A_CONN_SND_WND, 65535);
	put(b, TCPKIT_A_CONN_SND_DATA, "0123456789", 10);
	put(b, TCPKIT_A_CONN_RCV_DATA, "abc", 3);
}

static struct tcpkit_image *conn_image(uint16_t sport)
{
	unsigned char buf[512];
	struct pb b = { .p = buf };

	conn_payload(&b, sport, false);
	return tcpkit_image_from_payload(b.p, b.len);
}

static struct tcpkit_image_set *make_set(unsigned int n);
static size_t good(unsigned char *buf);
static void spill(const unsigned char *buf, size_t len);

/*
 * FUZZ rounds of random damage to a good file (bytes flipped, a count or
 * length set to a boundary, cut short), the CRC forged in most: every
 * read must give a valid set or a refusal naming the file, never crash.
 */
#define FUZZ	3000

static void fuzz(void)
{
	static const uint32_t edge[] = { 0, 1, 3, 4, 16, 20, 0x7fffffff,
					 0xffffffff, 1U << 28, 1U << 30 };
	static unsigned char buf[1 << 16], orig[1 << 16];
	unsigned int r, bad = 0, valid = 0;
	struct tcpkit_image_set *set;
	size_t len, olen, at, i;
	uint32_t v;

	olen = good(orig);
	srandom(17);
	for (r = 0; r < FUZZ; r++) {
		len = olen;
		memcpy(buf, orig, len);
		switch (random() % 3) {
		case 0:
			for (i = 0; i < 1 + (size_t)random() % 3; i++)
				buf[TCPKIT_IMAGE_HDR_LEN + random() %
				    (len - TCPKIT_IMAGE_HDR_LEN)] ^=
					1 << (random() % 8);
			break;
		case 1:
			/* the set header or one of the first entries' */
			at = TCPKIT_IMAGE_HDR_LEN + 4 * (random() % 24);
			v = edge[random() % (sizeof(edge) / sizeof(edge[0]))];
			if (random() % 2)
				v += random() % 64;
			buf[at] = v;
			buf[at + 1] = v >> 8;
			buf[at + 2] = v >> 16;
			buf[at + 3] = v >> 24;
			break;
		default:
			len = TCPKIT_IMAGE_HDR_LEN + random() %
			      (len - TCPKIT_IMAGE_HDR_LEN);
			break;
		}
		if (random() % 8)
			fix_header(buf, len);
		spill(buf, len);
		errno = 0;
		set = tcpkit_image_set_read_file(path);
		if (set) {
			valid += tcpkit_image_set_count(set) > 0;
			bad += !tcpkit_image_set_count(set);
			tcpkit_image_set_free(set);
		} else if (!errno || !strstr(tcpkit_strerror(), path)) {
			if (!bad++)
				printf("# round %u: errno %d, \"%s\"\n", r,
				       errno, tcpkit_strerror());
		}
	}
	result(!bad, "fuzz_refused_or_valid", "%u bad of %d (%u valid)", bad,
	       FUZZ, valid);
}

static struct tcpkit_image_set *make_set(unsigned int n)
{
	struct tcpkit_image_set *set = tcpkit_image_set_new();
	unsigned int i;

	for (i = 0; set && i < n; i++)
		if (tcpkit_image_set_add(set, conn_image(5000 + i)))
			exit(2);
	return set;
}

/* The file's bytes, malloc'ed. */
static unsigned char *slurp(const char *p, size_t *len)
{
	unsigned char *buf = malloc(1 << 20);
	int fd = open(p, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, 1 << 20);

	if (fd >= 0)
		close(fd);
	*len = n > 0 ? (size_t)n : 0;
	return buf;
}

static void spill(const unsigned char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		exit(2);
	close(fd);
}

/*
 * Write @buf, read it as a set: ok when refused with @err and a message
 * that names the file and contains @what.
 */
static void refused(const char *name, const unsigned char *buf, size_t len,
		    int err, const char *what)
{
	struct tcpkit_image_set *set;
	const char *msg;

	spill(buf, len);
	set = tcpkit_image_set_read_file(path);
	msg = tcpkit_strerror();
	result(!set && errno == err && strstr(msg, path) && strstr(msg, what),
	       name, "errno %d (want %d), message \"%s\" (want the file and \"%s\")",
	       set ? 0 : errno, err, msg, what);
	tcpkit_image_set_free(set);
}

static void round_trip(void)
{
	struct tcpkit_image_set *set = make_set(3), *back;
	const struct tcpkit_image *const *imgs;
	struct tcpkit_tuple t;
	const void *a, *b;
	size_t la, lb, i;
	unsigned char *raw;
	bool same = true;

	result(tcpkit_image_set_version(set) == 2, "set_of_three_is_version_2",
	       "version %u", tcpkit_image_set_version(set));
	result(!tcpkit_image_set_write_file(set, path), "set_write_file", "%s",
	       tcpkit_strerror());
	raw = slurp(path, &la);
	result(la > HDR && raw[8] == 2 && get_le32(raw + HDR) == 3,
	       "file_header_version_2_count_3", "%zu bytes, version %u, count %u",
	       la, raw[8], la > HDR + 4 ? get_le32(raw + HDR) : 0);
	free(raw);
	back = tcpkit_image_set_read_file(path);
	result(back && tcpkit_image_set_count(back) == 3 &&
	       tcpkit_image_set_version(back) == 2, "set_read_back_three",
	       "%s", back ? "wrong count or version" : tcpkit_strerror());
	if (!back) {
		result(false, "set_entries_byte_exact", "nothing read");
		tcpkit_image_set_free(set);
		return;
	}
	imgs = tcpkit_image_set_images(back);
	for (i = 0; i < 3; i++) {
		a = tcpkit_image_payload(tcpkit_image_set_get(set, i), &la);
		b = tcpkit_image_payload(imgs[i], &lb);
		tcpkit_image_tuple(imgs[i], &t);
		same &= la == lb && !memcmp(a, b, la) && t.sport == 5000 + i;
	}
	result(same, "set_entries_byte_exact", "an entry differs");
	errno = 0;
	result(!tcpkit_image_read_file(path) && errno == EOPNOTSUPP &&
	       strstr(tcpkit_strerror(), "set"),
	       "single_reader_refuses_version_2", "errno %d: %s", errno,
	       tcpkit_strerror());
	result(!tcpkit_image_set_get(back, 3) && errno == EINVAL,
	       "set_get_past_the_end", "errno %d", errno);
	tcpkit_image_set_free(back);
	tcpkit_image_set_free(set);

	set = make_set(1);
	tcpkit_image_set_write_file(set, path);
	raw = slurp(path, &la);
	result(la > HDR && raw[8] == 1, "set_of_one_written_as_version_1",
	       "version %u", la ? raw[8] : 0);
	free(raw);
	back = tcpkit_image_set_read_file(path);
	result(back && tcpkit_image_set_count(back) == 1 &&
	       tcpkit_image_set_version(back) == 1,
	       "version_1_reads_as_set_of_one", "%s", tcpkit_strerror());
	tcpkit_image_set_free(back);
	tcpkit_image_set_free(set);

	set = tcpkit_image_set_new();
	result(tcpkit_image_set_write_file(set, path) == -EINVAL,
	       "empty_set_not_written", "%s", tcpkit_strerror());
	tcpkit_image_set_free(set);
}

/* A good version-2 file of three connections in @buf; its length. */
static size_t good(unsigned char *buf)
{
	struct tcpkit_image_set *set = make_set(3);
	unsigned char *raw;
	size_t len;

	tcpkit_image_set_write_file(set, path);
	tcpkit_image_set_free(set);
	raw = slurp(path, &len);
	memcpy(buf, raw, len);
	free(raw);
	return len;
}

/* refused() in a child that cannot map 128 MiB: no allocation on trust. */
static void refused_lowmem(const unsigned char *buf, size_t len)
{
	struct rlimit rl = { 128 << 20, 128 << 20 };
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid) {
		struct tcpkit_image_set *set;

		setrlimit(RLIMIT_AS, &rl);
		spill(buf, len);
		set = tcpkit_image_set_read_file(path);
		if (set || errno != EINVAL ||
		    !strstr(tcpkit_strerror(), "truncated")) {
			printf("# %d: %s\n", errno, tcpkit_strerror());
			_exit(1);
		}
		_exit(0);
	}
	result(pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && !WEXITSTATUS(status),
	       "gigabyte_claim_refused_within_128MiB", "child failed");
}

static void damage(void)
{
	static unsigned char buf[1 << 16];
	size_t len, e0 = HDR + 8, l0, e1;
	uint32_t v;

	len = good(buf);
	l0 = get_le32(buf + e0);
	e1 = e0 + ENT + l0;

	put_le32(buf + HDR, 0);
	fix_header(buf, len);
	refused("count_zero_refused", buf, len, EINVAL, "count 0");

	len = good(buf);
	put_le32(buf + HDR, 4);
	fix_header(buf, len);
	refused("count_beyond_entries_refused", buf, len, EINVAL, "overruns");

	len = good(buf);
	put_le32(buf + HDR, 2);
	fix_header(buf, len);
	refused("count_short_of_entries_refused", buf, len, EINVAL,
		"after the last of 2");

	len = good(buf);
	put_le32(buf + HDR, 1000000);
	fix_header(buf, len);
	refused("count_impossible_refused", buf, len, EINVAL, "impossible");

	len = good(buf);
	put_le32(buf + e0, l0 + 2);
	fix_header(buf, len);
	refused("entry_length_unaligned_refused", buf, len, EINVAL,
		"bad length");

	len = good(buf);
	put_le32(buf + e0, 0);
	fix_header(buf, len);
	refused("entry_length_zero_refused", buf, len, EINVAL, "bad length");

	len = good(buf);
	put_le32(buf + e1, (uint32_t)(len - e1));
	fix_header(buf, len);
	refused("entry_overruns_payload_refused", buf, len, EINVAL,
		"overruns");

	/* entry 0 claims part of entry 1: the rest no longer parses */
	len = good(buf);
	put_le32(buf + e0, l0 + ENT + 8);
	fix_header(buf, len);
	refused("entries_overlapping_refused", buf, len, EOPNOTSUPP,
		"connection 1");

	len = good(buf);
	refused("truncated_refused", buf, len - 10, EINVAL, "truncated");

	len = good(buf);
	buf[len] = 0;
	refused("trailing_byte_refused", buf, len + 1, EINVAL, "trailing");

	len = good(buf);
	buf[e1 + ENT + 9] ^= 1;
	refused("bad_crc_refused", buf, len, EBADMSG, "CRC32C");

	len = good(buf);
	buf[e1 + 12] = 1;
	fix_header(buf, len);
	refused("entry_reserved_refused", buf, len, EINVAL, "reserved");

	len = good(buf);
	buf[HDR + 4] = 1;
	fix_header(buf, len);
	refused("set_reserved_refused", buf, len, EINVAL, "reserved");

	len = good(buf);
	put_le32(buf + 12, TCPKIT_IMAGE_F_TS_USEC);
	fix_header(buf, len);
	refused("header_clock_flag_refused", buf, len, EINVAL,
		"byte order bit only");

	len = good(buf);
	put_le32(buf + e1 + 4, TCPKIT_IMAGE_F_TS_USEC);
	fix_header(buf, len);
	refused("entry_flags_disagree_refused", buf, len, EINVAL,
		"disagree");

	/* a connection without its MSS in the middle */
	len = good(buf);
	{
		static unsigned char out[1 << 16];
		size_t tail = len - (e1 + ENT + l0);
		static unsigned char bad_buf[512];
		struct pb bad = { .p = bad_buf };

		conn_payload(&bad, 6000, true);
		memcpy(out, buf, e1);
		put_le32(out + e1, (uint32_t)bad.len);
		memcpy(out + e1 + 4, buf + e1 + 4, ENT - 4);
		memcpy(out + e1 + ENT, bad.p, bad.len);
		memcpy(out + e1 + ENT + bad.len, buf + e1 + ENT + l0, tail);
		fix_header(out, e1 + ENT + bad.len + tail);
		refused("bad_connection_inside_refused", out,
			e1 + ENT + bad.len + tail, EINVAL, "connection 1");
	}

	/* 1 GiB announced, one entry of 256 MiB, 200 bytes present */
	len = good(buf);
	put_le32(buf + HDR, 1);
	put_le32(buf + e0, TCPKIT_IMAGE_PAYLOAD_MAX);
	v = TCPKIT_IMAGE_SET_PAYLOAD_MAX;
	put_le32(buf + 16, v);
	refused_lowmem(buf, 200);
}

static int merge(const char *out, int n, char **in)
{
	struct tcpkit_image_set *set = tcpkit_image_set_new(), *one;
	const void *p;
	size_t i, len;
	int k;

	for (k = 0; set && k < n; k++) {
		one = tcpkit_image_set_read_file(in[k]);
		if (!one)
			goto fail;
		for (i = 0; i < tcpkit_image_set_count(one); i++) {
			p = tcpkit_image_payload(tcpkit_image_set_get(one, i),
						 &len);
			if (tcpkit_image_set_add(set,
						 tcpkit_image_from_payload(p, len)))
				goto fail;
		}
		tcpkit_image_set_free(one);
	}
	if (set && !tcpkit_image_set_write_file(set, out)) {
		tcpkit_image_set_free(set);
		return 0;
	}
fail:
	fprintf(stderr, "image_set: %s\n", tcpkit_strerror());
	return 1;
}

int main(int argc, char **argv)
{
	struct tcpkit_image_set *set;

	if (argc == 4 && !strcmp(argv[1], "--sample")) {
		set = make_set((unsigned int)atoi(argv[2]));
		if (!set || tcpkit_image_set_write_file(set, argv[3])) {
			fprintf(stderr, "image_set: %s\n", tcpkit_strerror());
			return 1;
		}
		tcpkit_image_set_free(set);
		return 0;
	}
	if (argc >= 4 && !strcmp(argv[1], "--merge"))
		return merge(argv[2], argc - 3, argv + 3);
	snprintf(path, sizeof(path), "/tmp/image_set.%d", (int)getpid());
	printf("TAP version 13\n1..%d\n", PLAN);
	round_trip();
	damage();
	fuzz();
	unlink(path);
	if (test_no != PLAN)
		printf("# %d results for a plan of %d\n", test_no, PLAN);
	return failed || test_no != PLAN;
}
