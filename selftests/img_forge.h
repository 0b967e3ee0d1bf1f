/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forging images in the image tests (image_format, image_set, fuzz_image):
 * netlink attributes appended to a payload, the little-endian fields of
 * the file header, and a mutated file's header made to agree with it
 * again (payload length, CRC32C), so that the reader gets past them.
 */
#ifndef TCPKIT_IMG_FORGE_H
#define TCPKIT_IMG_FORGE_H

#include <stdint.h>
#include <string.h>
#include <linux/netlink.h>

#include "libtcpkit.h"
#include "../lib/crc32c.h"

/* A payload being built in the caller's buffer, big enough for it. */
struct pb {
	unsigned char *p;
	size_t len;
};

/* Append one attribute, its padding zeroed. */
static inline void put(struct pb *b, uint16_t type, const void *d, size_t len)
{
	struct nlattr nla = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	memcpy(b->p + b->len, &nla, sizeof(nla));
	if (len)
		memcpy(b->p + b->len + NLA_HDRLEN, d, len);
	memset(b->p + b->len + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	b->len += NLA_HDRLEN + NLA_ALIGN(len);
}

static inline void put_u8(struct pb *b, uint16_t type, uint8_t v)
{
	put(b, type, &v, 1);
}

static inline void put_u16(struct pb *b, uint16_t type, uint16_t v)
{
	put(b, type, &v, 2);
}

static inline void put_u32(struct pb *b, uint16_t type, uint32_t v)
{
	put(b, type, &v, 4);
}

static inline void put_le16(unsigned char *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static inline uint32_t get_le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The CRC32C of the first @len bytes of file @f, its CRC field zeroed. */
static inline void fix_crc(unsigned char *f, size_t len)
{
	put_le32(f + 20, 0);
	put_le32(f + 20, tk_crc32c(0, f, len));
}

/* Payload length and CRC32C made to agree with a file of @len bytes. */
static inline void fix_header(unsigned char *f, size_t len)
{
	put_le32(f + 16, (uint32_t)(len - TCPKIT_IMAGE_HDR_LEN));
	fix_crc(f, len);
}

#endif
