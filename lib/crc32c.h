/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CRC32C of image files: crc = 0 to start. Internal to libtcpkit (not
 * exported); the selftests compile crc32c.c themselves to forge images.
 */
#ifndef _TCPKIT_CRC32C_H
#define _TCPKIT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t tk_crc32c(uint32_t crc, const void *buf, size_t len);

#endif /* _TCPKIT_CRC32C_H */
