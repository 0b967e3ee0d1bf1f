// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtcpkit: the image file format (see libtcpkit.h): a fixed 32-byte
 * little-endian header with CRC32C, then the attribute payload.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define HDR_MAGIC	0
#define HDR_VERSION	8
#define HDR_HDRLEN	10
#define HDR_FLAGS	12
#define HDR_PLEN	16
#define HDR_CRC		20
#define HDR_FAMVER	24
#define HDR_RSVD16	26
#define HDR_RSVD32	28

static const unsigned char tk_magic[8] = TCPKIT_IMAGE_MAGIC;

static void put_le16(unsigned char *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint16_t get_le16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t get_le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void tk_encode_header(const struct tcpkit_image *img,
			     unsigned char *hdr)
{
	uint32_t crc;

	memset(hdr, 0, TCPKIT_IMAGE_HDR_LEN);
	memcpy(hdr + HDR_MAGIC, tk_magic, sizeof(tk_magic));
	put_le16(hdr + HDR_VERSION, TCPKIT_IMAGE_VERSION);
	put_le16(hdr + HDR_HDRLEN, TCPKIT_IMAGE_HDR_LEN);
	put_le32(hdr + HDR_FLAGS, img->flags);
	put_le32(hdr + HDR_PLEN, (uint32_t)img->len);
	put_le16(hdr + HDR_FAMVER, (uint16_t)img->family_version);
	crc = tk_crc32c(0, hdr, TCPKIT_IMAGE_HDR_LEN);
	crc = tk_crc32c(crc, img->data, img->len);
	put_le32(hdr + HDR_CRC, crc);
}

/*
 * Everything the header alone can tell, for a file of format version 1
 * or 2 (@set: the caller reads both); *plen is the payload length.
 */
static int tk_check_header_any(const unsigned char *hdr, bool set,
			       uint32_t *plen)
{
	unsigned int version = get_le16(hdr + HDR_VERSION);
	uint32_t flags, max = TCPKIT_IMAGE_PAYLOAD_MAX;

	if (memcmp(hdr + HDR_MAGIC, tk_magic, sizeof(tk_magic)))
		return tk_err(NULL, EINVAL,
			      "image: bad magic, not a tcpkit image");
	if (version == TCPKIT_IMAGE_VERSION_SET && !set)
		return tk_err(NULL, EOPNOTSUPP,
			      "image: format version 2 holds several connections: read it as a set (tcpkit_image_set_read_file())");
	if (version != TCPKIT_IMAGE_VERSION &&
	    version != TCPKIT_IMAGE_VERSION_SET)
		return tk_err(NULL, EOPNOTSUPP,
			      "image: format version %u not supported (this library reads %u and %u)",
			      version, TCPKIT_IMAGE_VERSION,
			      TCPKIT_IMAGE_VERSION_SET);
	if (get_le16(hdr + HDR_HDRLEN) != TCPKIT_IMAGE_HDR_LEN)
		return tk_err(NULL, EINVAL, "image: header length %u, expected %u",
			      get_le16(hdr + HDR_HDRLEN), TCPKIT_IMAGE_HDR_LEN);
	flags = get_le32(hdr + HDR_FLAGS);
	if (flags & ~TCPKIT_IMAGE_F_KNOWN)
		return tk_err(NULL, EOPNOTSUPP, "image: unknown header flags 0x%x",
			      flags & ~TCPKIT_IMAGE_F_KNOWN);
	/* a set's connections carry their own clock flag */
	if (version == TCPKIT_IMAGE_VERSION_SET &&
	    (flags & ~TCPKIT_IMAGE_F_BIG_ENDIAN))
		return tk_err(NULL, EINVAL,
			      "image: header flags 0x%x: a version 2 header has the byte order bit only",
			      flags);
	if (get_le16(hdr + HDR_RSVD16) || get_le32(hdr + HDR_RSVD32))
		return tk_err(NULL, EINVAL, "image: reserved header fields not zero");
	*plen = get_le32(hdr + HDR_PLEN);
	if (version == TCPKIT_IMAGE_VERSION_SET)
		max = TCPKIT_IMAGE_SET_PAYLOAD_MAX;
	if (*plen > max)
		return tk_err(NULL, EFBIG,
			      "image: payload length %u exceeds the limit of %u bytes",
			      *plen, max);
	if (!*plen)
		return tk_err(NULL, EINVAL, "image: empty payload");
	return 0;
}

static int tk_check_header(const unsigned char *hdr, uint32_t *plen)
{
	return tk_check_header_any(hdr, false, plen);
}

/* The payload's byte order is this host's (@flags: TCPKIT_IMAGE_F_*). */
static bool tk_host_order(uint32_t flags)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return flags & TCPKIT_IMAGE_F_BIG_ENDIAN;
#else
	return !(flags & TCPKIT_IMAGE_F_BIG_ENDIAN);
#endif
}

/* CRC, byte order, then the payload; takes ownership of @payload. */
static struct tcpkit_image *tk_decode(const unsigned char *hdr,
				      void *payload, uint32_t plen)
{
	unsigned char h[TCPKIT_IMAGE_HDR_LEN];
	struct tcpkit_image *img;
	uint32_t flags, crc, want;

	memcpy(h, hdr, sizeof(h));
	want = get_le32(h + HDR_CRC);
	put_le32(h + HDR_CRC, 0);
	crc = tk_crc32c(0, h, sizeof(h));
	crc = tk_crc32c(crc, payload, plen);
	if (crc != want) {
		free(payload);
		tk_err(NULL, EBADMSG,
		       "image: CRC32C mismatch (header 0x%08x, computed 0x%08x): file damaged",
		       want, crc);
		return NULL;
	}
	flags = get_le32(h + HDR_FLAGS);
	if (!tk_host_order(flags)) {
		free(payload);
		tk_err(NULL, EOPNOTSUPP,
		       "image: payload byte order differs from this host's");
		return NULL;
	}
	img = tk_image_new(NULL, payload, plen, 0);
	if (!img)
		return NULL;
	if (img->flags != flags) {
		tk_err(NULL, EINVAL,
		       "image: header flags 0x%x disagree with the payload (0x%x)",
		       flags, img->flags);
		tcpkit_image_free(img);
		errno = EINVAL;
		return NULL;
	}
	img->format_version = get_le16(h + HDR_VERSION);
	img->family_version = get_le16(h + HDR_FAMVER);
	return img;
}

uint32_t tcpkit_image_crc32c(const struct tcpkit_image *img)
{
	unsigned char hdr[TCPKIT_IMAGE_HDR_LEN];

	tk_encode_header(img, hdr);
	return get_le32(hdr + HDR_CRC);
}

int tcpkit_image_encode(const struct tcpkit_image *img, void **buf,
			size_t *len)
{
	unsigned char *p;

	p = malloc(TCPKIT_IMAGE_HDR_LEN + img->len);
	if (!p)
		return tk_errno(NULL, ENOMEM, NULL);
	tk_encode_header(img, p);
	memcpy(p + TCPKIT_IMAGE_HDR_LEN, img->data, img->len);
	*buf = p;
	*len = TCPKIT_IMAGE_HDR_LEN + img->len;
	return 0;
}

struct tcpkit_image *tcpkit_image_decode(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t plen;
	void *payload;

	if (len < TCPKIT_IMAGE_HDR_LEN) {
		tk_err(NULL, EINVAL,
		       "image: truncated: %zu bytes, the header alone is %u",
		       len, TCPKIT_IMAGE_HDR_LEN);
		return NULL;
	}
	if (tk_check_header(p, &plen))
		return NULL;
	if (len - TCPKIT_IMAGE_HDR_LEN < plen) {
		tk_err(NULL, EINVAL,
		       "image: truncated: header announces %u payload bytes, %zu present",
		       plen, len - TCPKIT_IMAGE_HDR_LEN);
		return NULL;
	}
	if (len - TCPKIT_IMAGE_HDR_LEN > plen) {
		tk_err(NULL, EINVAL,
		       "image: %zu bytes of trailing garbage after the payload",
		       len - TCPKIT_IMAGE_HDR_LEN - plen);
		return NULL;
	}
	payload = malloc(plen);
	if (!payload) {
		tk_errno(NULL, ENOMEM, NULL);
		return NULL;
	}
	memcpy(payload, p + TCPKIT_IMAGE_HDR_LEN, plen);
	return tk_decode(p, payload, plen);
}

/* Read up to @len bytes; returns the count (short only at end of file). */
static ssize_t tk_read_full(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			break;
		done += n;
	}
	return done;
}

/*
 * Read the @plen payload bytes a header announced, and one more to catch
 * trailing garbage. The buffer grows only as bytes arrive: a header
 * announcing 256 MiB costs no more memory than the file holds. Returns
 * the bytes read (short: truncated), -EMSGSIZE for trailing garbage or
 * a negative errno.
 */
static ssize_t tk_read_payload(int fd, uint32_t plen, unsigned char **out)
{
	unsigned char chunk[16384], *buf = NULL, *nb;
	size_t have = 0, want;
	ssize_t n;

	for (;;) {
		want = plen - have + 1;
		if (want > sizeof(chunk))
			want = sizeof(chunk);
		n = tk_read_full(fd, chunk, want);
		if (n > 0 && have + n > plen)
			n = -EMSGSIZE;
		if (n <= 0)
			break;
		nb = realloc(buf, have + n);
		if (!nb) {
			n = -ENOMEM;
			break;
		}
		buf = nb;
		memcpy(buf + have, chunk, n);
		have += n;
		if ((size_t)n < want)
			break;
	}
	if (n < 0) {
		free(buf);
		return n;
	}
	*out = buf;
	return have;
}

/* The file header, whole: 0, or -1 with the error set. */
static int tk_read_header(int fd, unsigned char hdr[TCPKIT_IMAGE_HDR_LEN])
{
	ssize_t n = tk_read_full(fd, hdr, TCPKIT_IMAGE_HDR_LEN);

	if (n < 0) {
		tk_errno(NULL, (int)-n, "image: read");
		return -1;
	}
	if (n < TCPKIT_IMAGE_HDR_LEN) {
		tk_err(NULL, EINVAL,
		       "image: truncated: %zd bytes, the header alone is %u",
		       n, TCPKIT_IMAGE_HDR_LEN);
		return -1;
	}
	return 0;
}

/* The payload of a version-1 file whose header @hdr was read: an image. */
static struct tcpkit_image *tk_read_v1(int fd, const unsigned char *hdr,
				       uint32_t plen)
{
	unsigned char *payload = NULL;
	ssize_t n;

	n = tk_read_payload(fd, plen, &payload);
	if (n < 0 || (size_t)n != plen) {
		free(payload);
		if (n == -EMSGSIZE)
			tk_err(NULL, EINVAL,
			       "image: trailing garbage after the %u-byte payload",
			       plen);
		else if (n < 0)
			tk_errno(NULL, (int)-n, "image: read");
		else
			tk_err(NULL, EINVAL,
			       "image: truncated: header announces %u payload bytes, %zd present",
			       plen, n);
		return NULL;
	}
	return tk_decode(hdr, payload, plen);
}

struct tcpkit_image *tcpkit_image_read_fd(int fd)
{
	unsigned char hdr[TCPKIT_IMAGE_HDR_LEN];
	uint32_t plen;

	if (tk_read_header(fd, hdr))
		return NULL;
	if (tk_check_header(hdr, &plen))
		return NULL;
	return tk_read_v1(fd, hdr, plen);
}

struct tcpkit_image *tcpkit_image_read_file(const char *path)
{
	struct tcpkit_image *img;
	char what[64];
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(what, sizeof(what), "image: open %.40s", path);
		tk_errno(NULL, errno, what);
		return NULL;
	}
	img = tcpkit_image_read_fd(fd);
	close(fd);
	return img;
}

static int tk_write_full(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Writes a whole file's contents (one image or a set) to an fd. */
typedef int (*tk_writer)(const void *obj, int fd);

int tcpkit_image_write_fd(const struct tcpkit_image *img, int fd)
{
	unsigned char hdr[TCPKIT_IMAGE_HDR_LEN];
	int ret;

	tk_encode_header(img, hdr);
	ret = tk_write_full(fd, hdr, sizeof(hdr));
	if (!ret)
		ret = tk_write_full(fd, img->data, img->len);
	if (ret)
		return tk_errno(NULL, -ret, "image: write");
	return 0;
}

/* In place: a device, a FIFO, or whatever a symlink points at. */
static int tk_write_in_place(tk_writer write_fd, const void *obj,
			     const char *path)
{
	struct stat st;
	int fd, ret;

	/* not O_TRUNC, never through a symlink: a device or FIFO only */
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return tk_errno(NULL, errno, "image: open");
	if (fstat(fd, &st) || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		close(fd);
		return tk_err(NULL, EAGAIN, "image: %.200s changed while opened",
			      path);
	}
	ret = write_fd(obj, fd);
	if (close(fd) && !ret)
		ret = tk_errno(NULL, errno, "image: close");
	return ret;
}

/*
 * Make a rename in the directory of @path durable. Filesystems that
 * cannot sync a directory (EINVAL) have nothing more to offer.
 */
static int tk_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	int fd, ret = 0;
	char *dir;

	if (!slash)
		dir = strdup(".");
	else
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir)
		return tk_errno(NULL, ENOMEM, NULL);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		ret = tk_errno(NULL, errno, "image: open directory");
	else if (fsync(fd) && errno != EINVAL)
		ret = tk_errno(NULL, errno, "image: fsync directory");
	if (fd >= 0)
		close(fd);
	free(dir);
	return ret;
}

static int tk_write_path(tk_writer write_fd, const void *obj,
			 const char *path)
{
	struct stat st;
	char *tmp;
	int fd, ret;

	/*
	 * Devices and FIFOs are written to; a file, a symlink or nothing is
	 * replaced: a symlink is never followed, a file never truncated.
	 */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return tk_write_in_place(write_fd, obj, path);

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return tk_errno(NULL, ENOMEM, NULL);
	fd = mkostemp(tmp, O_CLOEXEC);	/* 0600: images hold connection data */
	if (fd < 0) {
		ret = tk_errno(NULL, errno, "image: create");
		free(tmp);
		return ret;
	}
	ret = write_fd(obj, fd);
	if (!ret && fsync(fd))
		ret = tk_errno(NULL, errno, "image: fsync");
	if (close(fd) && !ret)
		ret = tk_errno(NULL, errno, "image: close");
	if (!ret && rename(tmp, path))
		ret = tk_errno(NULL, errno, "image: rename");
	if (ret) {
		unlink(tmp);
	} else {
		ret = tk_sync_dir(path);
		/* in place but maybe not after a crash: no half promise */
		if (ret)
			unlink(path);
	}
	free(tmp);
	return ret;
}

static int tk_image_writer(const void *obj, int fd)
{
	return tcpkit_image_write_fd(obj, fd);
}

int tcpkit_image_write_file(const struct tcpkit_image *img, const char *path)
{
	return tk_write_path(tk_image_writer, img, path);
}

/* ---------------------------------------------------------------------- */
/* Sets: a file of one (version 1) or several (version 2) connections     */

#define SET_HDR_LEN	8	/* u32 count, u32 reserved */
#define ENT_HDR_LEN	16	/* u32 len, u32 flags, u16 famver, u16, u32 */
#define ENT_LEN		0
#define ENT_FLAGS	4
#define ENT_FAMVER	8
#define ENT_RSVD16	10
#define ENT_RSVD32	12

struct tcpkit_image_set *tcpkit_image_set_new(void)
{
	struct tcpkit_image_set *set = calloc(1, sizeof(*set));

	if (!set)
		tk_errno(NULL, ENOMEM, NULL);
	return set;
}

void tcpkit_image_set_free(struct tcpkit_image_set *set)
{
	int saved = errno;
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		tcpkit_image_free(set->imgs[i]);
	free(set->imgs);
	free(set);
	errno = saved;
}

int tcpkit_image_set_add(struct tcpkit_image_set *set,
			 struct tcpkit_image *img)
{
	struct tcpkit_image **nv;
	size_t cap;

	if (!set || !img)
		return tk_err(NULL, EINVAL, "image set: no set or no image");
	if (set->n == set->cap) {
		cap = set->cap ? 2 * set->cap : 8;
		nv = reallocarray(set->imgs, cap, sizeof(*nv));
		if (!nv)
			return tk_errno(NULL, ENOMEM, NULL);
		set->imgs = nv;
		set->cap = cap;
	}
	set->imgs[set->n++] = img;
	return 0;
}

size_t tcpkit_image_set_count(const struct tcpkit_image_set *set)
{
	return set ? set->n : 0;
}

struct tcpkit_image *tcpkit_image_set_get(const struct tcpkit_image_set *set,
					  size_t i)
{
	if (!set || i >= set->n) {
		tk_err(NULL, EINVAL, "image set: no image %zu", i);
		return NULL;
	}
	return set->imgs[i];
}

const struct tcpkit_image *const *
tcpkit_image_set_images(const struct tcpkit_image_set *set)
{
	return set ? (const struct tcpkit_image *const *)set->imgs : NULL;
}

unsigned int tcpkit_image_set_version(const struct tcpkit_image_set *set)
{
	if (set->format_version)
		return set->format_version;
	return set->n == 1 ? TCPKIT_IMAGE_VERSION : TCPKIT_IMAGE_VERSION_SET;
}

/* Header and payload length of a version-2 file of @set. */
static int tk_set_header(const struct tcpkit_image_set *set,
			 unsigned char *hdr, unsigned char *shdr)
{
	uint64_t plen = SET_HDR_LEN;
	uint32_t crc;
	size_t i;

	for (i = 0; i < set->n; i++)
		plen += ENT_HDR_LEN + set->imgs[i]->len;
	if (plen > TCPKIT_IMAGE_SET_PAYLOAD_MAX)
		return tk_err(NULL, EFBIG,
			      "image: %zu connections take %llu bytes, more than the limit of %u",
			      set->n, (unsigned long long)plen,
			      TCPKIT_IMAGE_SET_PAYLOAD_MAX);
	memset(hdr, 0, TCPKIT_IMAGE_HDR_LEN);
	memcpy(hdr + HDR_MAGIC, tk_magic, sizeof(tk_magic));
	put_le16(hdr + HDR_VERSION, TCPKIT_IMAGE_VERSION_SET);
	put_le16(hdr + HDR_HDRLEN, TCPKIT_IMAGE_HDR_LEN);
	put_le32(hdr + HDR_FLAGS, tk_host_order(TCPKIT_IMAGE_F_BIG_ENDIAN) ?
		 TCPKIT_IMAGE_F_BIG_ENDIAN : 0);
	put_le32(hdr + HDR_PLEN, (uint32_t)plen);
	put_le16(hdr + HDR_FAMVER, (uint16_t)set->imgs[0]->family_version);
	memset(shdr, 0, SET_HDR_LEN);
	put_le32(shdr, (uint32_t)set->n);

	crc = tk_crc32c(0, hdr, TCPKIT_IMAGE_HDR_LEN);
	crc = tk_crc32c(crc, shdr, SET_HDR_LEN);
	for (i = 0; i < set->n; i++) {
		unsigned char ent[ENT_HDR_LEN];
		const struct tcpkit_image *img = set->imgs[i];

		memset(ent, 0, sizeof(ent));
		put_le32(ent + ENT_LEN, (uint32_t)img->len);
		put_le32(ent + ENT_FLAGS, img->flags);
		put_le16(ent + ENT_FAMVER, (uint16_t)img->family_version);
		crc = tk_crc32c(crc, ent, sizeof(ent));
		crc = tk_crc32c(crc, img->data, img->len);
	}
	put_le32(hdr + HDR_CRC, crc);
	return 0;
}

int tcpkit_image_set_write_fd(const struct tcpkit_image_set *set, int fd)
{
	unsigned char hdr[TCPKIT_IMAGE_HDR_LEN], shdr[SET_HDR_LEN];
	unsigned char ent[ENT_HDR_LEN];
	const struct tcpkit_image *img;
	size_t i;
	int ret;

	if (!set || !set->n)
		return tk_err(NULL, EINVAL, "image: an empty set cannot be written");
	if (set->n == 1)
		return tcpkit_image_write_fd(set->imgs[0], fd);
	ret = tk_set_header(set, hdr, shdr);
	if (ret)
		return ret;
	ret = tk_write_full(fd, hdr, sizeof(hdr));
	if (!ret)
		ret = tk_write_full(fd, shdr, sizeof(shdr));
	for (i = 0; i < set->n && !ret; i++) {
		img = set->imgs[i];
		memset(ent, 0, sizeof(ent));
		put_le32(ent + ENT_LEN, (uint32_t)img->len);
		put_le32(ent + ENT_FLAGS, img->flags);
		put_le16(ent + ENT_FAMVER, (uint16_t)img->family_version);
		ret = tk_write_full(fd, ent, sizeof(ent));
		if (!ret)
			ret = tk_write_full(fd, img->data, img->len);
	}
	if (ret)
		return tk_errno(NULL, -ret, "image: write");
	return 0;
}

static int tk_set_writer(const void *obj, int fd)
{
	return tcpkit_image_set_write_fd(obj, fd);
}

int tcpkit_image_set_write_file(const struct tcpkit_image_set *set,
				const char *path)
{
	if (!set || !set->n)
		return tk_err(NULL, EINVAL, "image: an empty set cannot be written");
	return tk_write_path(tk_set_writer, set, path);
}

/* A version-2 file being read: where it stands, what it holds so far. */
struct tk_set_reader {
	int fd;
	uint32_t left;		/* payload bytes the header still announces */
	uint32_t crc;
	struct tcpkit_image_set *set;
	unsigned char **raw;	/* entries read, not yet validated */
	unsigned char ent[ENT_HDR_LEN];
	size_t nraw;
	size_t capraw;
};

/* Exactly @len bytes of the payload into @buf, counted and checksummed. */
static int tk_set_read(struct tk_set_reader *r, void *buf, size_t len,
		       const char *what)
{
	ssize_t n;

	if (len > r->left)
		return tk_err(NULL, EINVAL,
			      "image: %s of %zu bytes overruns the payload (%u bytes left)",
			      what, len, r->left);
	n = tk_read_full(r->fd, buf, len);
	if (n < 0)
		return tk_errno(NULL, (int)-n, "image: read");
	if ((size_t)n < len)
		return tk_err(NULL, EINVAL,
			      "image: truncated in the %s: %zd of %zu bytes present",
			      what, n, len);
	r->left -= len;
	r->crc = tk_crc32c(r->crc, buf, len);
	return 0;
}

/*
 * One entry's payload of @len bytes, read a chunk at a time and the buffer
 * grown by what arrived: a length the file does not back costs nothing.
 */
static int tk_set_read_entry(struct tk_set_reader *r, size_t idx,
			     uint32_t len, unsigned char **out)
{
	unsigned char chunk[16384], *buf = NULL, *nb;
	size_t have = 0, want;
	ssize_t n;

	if (len > r->left)
		return tk_err(NULL, EINVAL,
			      "image: connection %zu: length %u overruns the payload (%u bytes left)",
			      idx, len, r->left);
	while (have < len) {
		want = len - have;
		if (want > sizeof(chunk))
			want = sizeof(chunk);
		n = tk_read_full(r->fd, chunk, want);
		if (n < 0 || (size_t)n < want) {
			free(buf);
			if (n < 0)
				return tk_errno(NULL, (int)-n, "image: read");
			return tk_err(NULL, EINVAL,
				      "image: truncated in the payload of connection %zu: %zu of %u bytes present",
				      idx, have + n, len);
		}
		r->left -= want;
		r->crc = tk_crc32c(r->crc, chunk, want);
		nb = realloc(buf, have + want);
		if (!nb) {
			free(buf);
			return tk_errno(NULL, ENOMEM, NULL);
		}
		buf = nb;
		memcpy(buf + have, chunk, want);
		have += want;
	}
	*out = buf;
	return 0;
}

/* Entry header @idx: lengths and reserved fields; *@len its payload. */
static int tk_set_check_entry(const unsigned char *ent, size_t idx,
			      uint32_t hflags, uint32_t *len)
{
	uint32_t flags = get_le32(ent + ENT_FLAGS);

	*len = get_le32(ent + ENT_LEN);
	if (*len < NLA_HDRLEN || *len % NLA_ALIGNTO ||
	    *len > TCPKIT_IMAGE_PAYLOAD_MAX)
		return tk_err(NULL, EINVAL,
			      "image: connection %zu: bad length %u (a multiple of 4, 4 to %u)",
			      idx, *len, TCPKIT_IMAGE_PAYLOAD_MAX);
	if (flags & ~TCPKIT_IMAGE_F_KNOWN)
		return tk_err(NULL, EOPNOTSUPP,
			      "image: connection %zu: unknown flags 0x%x",
			      idx, flags & ~TCPKIT_IMAGE_F_KNOWN);
	if ((flags ^ hflags) & TCPKIT_IMAGE_F_BIG_ENDIAN)
		return tk_err(NULL, EINVAL,
			      "image: connection %zu: byte order differs from the file's",
			      idx);
	if (get_le16(ent + ENT_RSVD16) || get_le32(ent + ENT_RSVD32))
		return tk_err(NULL, EINVAL,
			      "image: connection %zu: reserved fields not zero",
			      idx);
	return 0;
}

static int tk_set_keep_raw(struct tk_set_reader *r, unsigned char *buf)
{
	unsigned char **nv;
	size_t cap;

	if (r->nraw == r->capraw) {
		cap = r->capraw ? 2 * r->capraw : 8;
		nv = reallocarray(r->raw, cap, sizeof(*nv));
		if (!nv)
			return tk_errno(NULL, ENOMEM, NULL);
		r->raw = nv;
		r->capraw = cap;
	}
	r->raw[r->nraw++] = buf;
	return 0;
}

/* Validate entry @i (CRC already good) into the set, which takes it. */
static int tk_set_adopt(struct tk_set_reader *r, size_t i,
			const unsigned char *ent)
{
	uint32_t flags = get_le32(ent + ENT_FLAGS);
	uint32_t len = get_le32(ent + ENT_LEN);
	struct tcpkit_image *img;
	char why[TK_ERRLEN];
	int err;

	img = tk_image_new(NULL, r->raw[i], len, 0);
	r->raw[i] = NULL;
	if (!img) {
		err = errno;
		snprintf(why, sizeof(why), "%s", tcpkit_strerror());
		return tk_err(NULL, err, "image: connection %zu: %.400s", i, why);
	}
	if (img->flags != flags) {
		err = tk_err(NULL, EINVAL,
			     "image: connection %zu: flags 0x%x disagree with its payload (0x%x)",
			     i, flags, img->flags);
		tcpkit_image_free(img);
		return err;
	}
	img->format_version = TCPKIT_IMAGE_VERSION_SET;
	img->family_version = get_le16(ent + ENT_FAMVER);
	if (tcpkit_image_set_add(r->set, img)) {
		tcpkit_image_free(img);
		return -ENOMEM;
	}
	return 0;
}

/*
 * The payload of a version-2 file after its header @hdr: entries read
 * one by one, then the CRC, then each entry validated.
 */
static int tk_set_read_v2(struct tk_set_reader *r, const unsigned char *hdr,
			  uint32_t plen)
{
	unsigned char h[TCPKIT_IMAGE_HDR_LEN], shdr[SET_HDR_LEN], extra;
	unsigned char *buf = NULL;
	uint32_t count, want, len, hflags = get_le32(hdr + HDR_FLAGS);
	unsigned char *ents = NULL;
	size_t i;
	ssize_t n;
	int ret;

	if (!tk_host_order(hflags))
		return tk_err(NULL, EOPNOTSUPP,
			      "image: payload byte order differs from this host's");
	memcpy(h, hdr, sizeof(h));
	want = get_le32(h + HDR_CRC);
	put_le32(h + HDR_CRC, 0);
	r->crc = tk_crc32c(0, h, sizeof(h));
	r->left = plen;
	ret = tk_set_read(r, shdr, sizeof(shdr), "set header");
	if (ret)
		return ret;
	count = get_le32(shdr);
	if (get_le32(shdr + 4))
		return tk_err(NULL, EINVAL, "image: reserved set header field not zero");
	/* every entry takes its header and at least one attribute */
	if (!count || count > (plen - SET_HDR_LEN) / (ENT_HDR_LEN + NLA_HDRLEN))
		return tk_err(NULL, EINVAL,
			      "image: connection count %u impossible in a payload of %u bytes",
			      count, plen);
	for (i = 0; i < count; i++) {
		unsigned char *ne;

		ret = tk_set_read(r, r->ent, ENT_HDR_LEN, "connection header");
		if (!ret)
			ret = tk_set_check_entry(r->ent, i, hflags, &len);
		if (!ret) {
			/* entry headers, kept for after the CRC: 16 bytes each */
			ne = realloc(ents, (i + 1) * ENT_HDR_LEN);
			ret = ne ? 0 : tk_errno(NULL, ENOMEM, NULL);
			if (ne) {
				ents = ne;
				memcpy(ents + i * ENT_HDR_LEN, r->ent,
				       ENT_HDR_LEN);
			}
		}
		if (!ret)
			ret = tk_set_read_entry(r, i, len, &buf);
		if (!ret) {
			ret = tk_set_keep_raw(r, buf);
			if (ret)
				free(buf);
		}
		if (ret)
			goto out;
	}
	if (r->left) {
		ret = tk_err(NULL, EINVAL,
			     "image: %u bytes after the last of %u connections",
			     r->left, count);
		goto out;
	}
	n = tk_read_full(r->fd, &extra, 1);
	if (n != 0) {
		ret = n < 0 ? tk_errno(NULL, (int)-n, "image: read") :
			tk_err(NULL, EINVAL,
			       "image: trailing garbage after the %u-byte payload",
			       plen);
		goto out;
	}
	if (r->crc != want) {
		ret = tk_err(NULL, EBADMSG,
			     "image: CRC32C mismatch (header 0x%08x, computed 0x%08x): file damaged",
			     want, r->crc);
		goto out;
	}
	for (i = 0; i < count && !ret; i++)
		ret = tk_set_adopt(r, i, ents + i * ENT_HDR_LEN);
out:
	free(ents);
	return ret;
}

struct tcpkit_image_set *tcpkit_image_set_read_fd(int fd)
{
	unsigned char hdr[TCPKIT_IMAGE_HDR_LEN];
	struct tk_set_reader r = { .fd = fd };
	struct tcpkit_image *img;
	uint32_t plen;
	size_t i;
	int ret;

	if (tk_read_header(fd, hdr))
		return NULL;
	if (tk_check_header_any(hdr, true, &plen))
		return NULL;
	r.set = tcpkit_image_set_new();
	if (!r.set)
		return NULL;
	r.set->format_version = get_le16(hdr + HDR_VERSION);
	if (r.set->format_version == TCPKIT_IMAGE_VERSION_SET) {
		ret = tk_set_read_v2(&r, hdr, plen);
		for (i = 0; i < r.nraw; i++)
			free(r.raw[i]);
		free(r.raw);
		if (ret) {
			tcpkit_image_set_free(r.set);
			errno = -ret;
			return NULL;
		}
		return r.set;
	}

	/* version 1: one connection, read as tcpkit_image_read_fd() does */
	img = tk_read_v1(fd, hdr, plen);
	if (!img || tcpkit_image_set_add(r.set, img)) {
		tcpkit_image_free(img);
		tcpkit_image_set_free(r.set);
		return NULL;
	}
	return r.set;
}

struct tcpkit_image_set *tcpkit_image_set_read_file(const char *path)
{
	struct tcpkit_image_set *set;
	char why[TK_ERRLEN];
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		tk_err(NULL, err, "%.200s: %s", path, strerror(err));
		return NULL;
	}
	set = tcpkit_image_set_read_fd(fd);
	err = errno;
	close(fd);
	if (!set) {
		snprintf(why, sizeof(why), "%s", tcpkit_strerror());
		tk_err(NULL, err, "%.200s: %.300s", path, why);
	}
	return set;
}
