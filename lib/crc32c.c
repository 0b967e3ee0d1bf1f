// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtcpkit: CRC32C (Castagnoli, reflected polynomial 0x82f63b78), the
 * checksum of image files. x86 CPUs with SSE4.2 have an instruction for
 * it (8 bytes a step), chosen at run time; elsewhere slicing-by-8 tables
 * built once, lazily. Check value: tk_crc32c(0, "123456789", 9) ==
 * 0xe3069283.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "crc32c.h"

#define CRC32C_POLY	0x82f63b78U

static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_init(void)
{
	uint32_t crc;
	int i, j, k;

	for (i = 0; i < 256; i++) {
		crc = i;
		for (j = 0; j < 8; j++)
			crc = (crc >> 1) ^ (crc & 1 ? CRC32C_POLY : 0);
		crc32c_table[0][i] = crc;
	}
	for (i = 0; i < 256; i++) {
		crc = crc32c_table[0][i];
		for (k = 1; k < 8; k++) {
			crc = crc32c_table[0][crc & 0xff] ^ (crc >> 8);
			crc32c_table[k][i] = crc;
		}
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
static bool crc32c_hw;

__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const unsigned char *p, size_t len)
{
	uint64_t c = ~crc, w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		c = __builtin_ia32_crc32di(c, w);
	}
	for (; len; p++, len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p);
	return ~(uint32_t)c;
}
#endif

static void crc32c_setup(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	crc32c_hw = __builtin_cpu_supports("sse4.2");
	if (crc32c_hw)
		return;
#endif
	crc32c_init();
}

uint32_t tk_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t lo, hi;

	pthread_once(&crc32c_once, crc32c_setup);
#if defined(__x86_64__) && defined(__GNUC__)
	if (crc32c_hw)
		return crc32c_sse42(crc, p, len);
#endif
	crc = ~crc;
	while (len >= 8) {
		/* byte order independent: assemble the words by hand */
		lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
			    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
		     (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
		crc = crc32c_table[7][lo & 0xff] ^
		      crc32c_table[6][(lo >> 8) & 0xff] ^
		      crc32c_table[5][(lo >> 16) & 0xff] ^
		      crc32c_table[4][lo >> 24] ^
		      crc32c_table[3][hi & 0xff] ^
		      crc32c_table[2][(hi >> 8) & 0xff] ^
		      crc32c_table[1][(hi >> 16) & 0xff] ^
		      crc32c_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = crc32c_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
