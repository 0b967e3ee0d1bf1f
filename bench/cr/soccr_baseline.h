/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace TCP_REPAIR checkpoint/restore, the libsoccr sequence. */
#ifndef SOCCR_BASELINE_H
#define SOCCR_BASELINE_H

#include <stdint.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

struct soccr_img {
	struct sockaddr_storage src, dst;
	socklen_t alen;
	uint32_t state, inq, outq, unsent;
	uint32_t rcv_seq, snd_seq;	/* TCP_QUEUE_SEQ: rcv_nxt, write_seq */
	uint32_t mss, timestamp;
	uint8_t snd_wscale, rcv_wscale, sack, tstamp;
	struct tcp_repair_window win;
	char *rcv_data, *snd_data;
};

int soccr_dump(int fd, struct soccr_img *im);
int soccr_restore(const struct soccr_img *im);	/* new fd or -errno */
void soccr_img_free(struct soccr_img *im);

#endif
