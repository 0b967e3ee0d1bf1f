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

/* Everything the header alone can tell; *plen is the payload length. */
static int tk_check_header(const unsigned char *hdr, uint32_t *plen)
{
	uint32_t flags;

	if (memcmp(hdr + HDR_MAGIC, tk_magic, sizeof(tk_magic)))
		return tk_err(NULL, EINVAL,
			      "image: bad magic, not a tcpkit image");
	if (get_le16(hdr + HDR_VERSION) != TCPKIT_IMAGE_VERSION)
		return tk_err(NULL, EOPNOTSUPP,
			      "image: format version %u not supported (this library reads %u)",
			      get_le16(hdr + HDR_VERSION), TCPKIT_IMAGE_VERSION);
	if (get_le16(hdr + HDR_HDRLEN) != TCPKIT_IMAGE_HDR_LEN)
		return tk_err(NULL, EINVAL, "image: header length %u, expected %u",
			      get_le16(hdr + HDR_HDRLEN), TCPKIT_IMAGE_HDR_LEN);
	flags = get_le32(hdr + HDR_FLAGS);
	if (flags & ~TCPKIT_IMAGE_F_KNOWN)
		return tk_err(NULL, EOPNOTSUPP, "image: unknown header flags 0x%x",
			      flags & ~TCPKIT_IMAGE_F_KNOWN);
	if (get_le16(hdr + HDR_RSVD16) || get_le32(hdr + HDR_RSVD32))
		return tk_err(NULL, EINVAL, "image: reserved header fields not zero");
	*plen = get_le32(hdr + HDR_PLEN);
	if (*plen > TCPKIT_IMAGE_PAYLOAD_MAX)
		return tk_err(NULL, EFBIG,
			      "image: payload length %u exceeds the limit of %u bytes",
			      *plen, TCPKIT_IMAGE_PAYLOAD_MAX);
	if (!*plen)
		return tk_err(NULL, EINVAL, "image: empty payload");
	return 0;
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
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	if (!(flags & TCPKIT_IMAGE_F_BIG_ENDIAN)) {
#else
	if (flags & TCPKIT_IMAGE_F_BIG_ENDIAN) {
#endif
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

struct tcpkit_image *tcpkit_image_read_fd(int fd)
{
	unsigned char hdr[TCPKIT_IMAGE_HDR_LEN];
	unsigned char *payload = NULL;
	uint32_t plen;
	ssize_t n;

	n = tk_read_full(fd, hdr, sizeof(hdr));
	if (n < 0) {
		tk_errno(NULL, (int)-n, "image: read");
		return NULL;
	}
	if ((size_t)n < sizeof(hdr)) {
		tk_err(NULL, EINVAL,
		       "image: truncated: %zd bytes, the header alone is %u",
		       n, TCPKIT_IMAGE_HDR_LEN);
		return NULL;
	}
	if (tk_check_header(hdr, &plen))
		return NULL;
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
static int tk_write_in_place(const struct tcpkit_image *img, const char *path)
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
	ret = tcpkit_image_write_fd(img, fd);
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

int tcpkit_image_write_file(const struct tcpkit_image *img, const char *path)
{
	struct stat st;
	char *tmp;
	int fd, ret;

	/*
	 * Devices and FIFOs are written to; a file, a symlink or nothing is
	 * replaced: a symlink is never followed, a file never truncated.
	 */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return tk_write_in_place(img, path);

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return tk_errno(NULL, ENOMEM, NULL);
	fd = mkostemp(tmp, O_CLOEXEC);	/* 0600: images hold connection data */
	if (fd < 0) {
		ret = tk_errno(NULL, errno, "image: create");
		free(tmp);
		return ret;
	}
	ret = tcpkit_image_write_fd(img, fd);
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
