// SPDX-License-Identifier: GPL-2.0
/*
 * The baseline: checkpoint/restore of one TCP connection from userspace
 * with TCP_REPAIR, in the order CRIU's libsoccr uses (soccr/soccr.c:
 * libsoccr_save / libsoccr_restore). Written from the notes in
 * /work/shared/notes/tcp-repair.md, not copied from CRIU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>

#include "soccr_baseline.h"

#ifndef TCPOPT_SACK_PERM
#define TCPOPT_SACK_PERM TCPOPT_SACK_PERMITTED
#endif

static int qseq_get(int fd, int q, uint32_t *seq)
{
	socklen_t l = sizeof(*seq);

	if (setsockopt(fd, SOL_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)))
		return -errno;
	return getsockopt(fd, SOL_TCP, TCP_QUEUE_SEQ, seq, &l) ? -errno : 0;
}

/* libsoccr peeks a queue in one recv(MSG_PEEK) of the queue's length. */
static int peek_queue(int fd, int q, uint32_t len, char **buf)
{
	ssize_t n;

	*buf = NULL;
	if (!len)
		return 0;
	if (setsockopt(fd, SOL_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)))
		return -errno;
	*buf = malloc(len);
	if (!*buf)
		return -ENOMEM;
	n = recv(fd, *buf, len, MSG_PEEK | MSG_DONTWAIT);
	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EIO;
	return 0;
}

int soccr_dump(int fd, struct soccr_img *im)
{
	struct tcp_info ti;
	socklen_t l;
	int one = 1, v, err;

	memset(im, 0, sizeof(*im));
	if (setsockopt(fd, SOL_TCP, TCP_REPAIR, &one, sizeof(one)))
		return -errno;
	l = sizeof(ti);
	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &l))
		return -errno;
	im->state = ti.tcpi_state;
	if (ioctl(fd, SIOCOUTQ, &v))
		return -errno;
	im->outq = v;
	if (ioctl(fd, SIOCOUTQNSD, &v))
		return -errno;
	im->unsent = v;
	if (ioctl(fd, SIOCINQ, &v))
		return -errno;
	im->inq = v;
	err = qseq_get(fd, TCP_SEND_QUEUE, &im->snd_seq);
	if (!err)
		err = qseq_get(fd, TCP_RECV_QUEUE, &im->rcv_seq);
	if (err)
		return err;
	im->snd_wscale = ti.tcpi_snd_wscale;
	im->rcv_wscale = ti.tcpi_rcv_wscale;
	im->sack = !!(ti.tcpi_options & TCPI_OPT_SACK);
	im->tstamp = !!(ti.tcpi_options & TCPI_OPT_TIMESTAMPS);
	l = sizeof(im->mss);
	if (getsockopt(fd, SOL_TCP, TCP_MAXSEG, &im->mss, &l))
		return -errno;
	l = sizeof(im->timestamp);
	if (getsockopt(fd, SOL_TCP, TCP_TIMESTAMP, &im->timestamp, &l))
		return -errno;
	l = sizeof(im->win);
	if (getsockopt(fd, SOL_TCP, TCP_REPAIR_WINDOW, &im->win, &l))
		return -errno;
	im->alen = sizeof(im->src);
	if (getsockname(fd, (struct sockaddr *)&im->src, &im->alen))
		return -errno;
	l = sizeof(im->dst);
	if (getpeername(fd, (struct sockaddr *)&im->dst, &l))
		return -errno;
	err = peek_queue(fd, TCP_RECV_QUEUE, im->inq, &im->rcv_data);
	if (!err)
		err = peek_queue(fd, TCP_SEND_QUEUE, im->outq, &im->snd_data);
	return err;
}

/* libsoccr's __send_queue: halve the chunk while the kernel refuses. */
static int send_queue(int fd, int q, const char *buf, uint32_t len)
{
	uint32_t max_chunk = len, off = 0;
	ssize_t n;

	if (!len)
		return 0;
	if (setsockopt(fd, SOL_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)))
		return -errno;
	while (len) {
		n = send(fd, buf + off, len < max_chunk ? len : max_chunk, 0);
		if (n <= 0) {
			if (max_chunk > 1024) {
				max_chunk >>= 1;
				continue;
			}
			return n < 0 ? -errno : -EIO;
		}
		off += n;
		len -= n;
	}
	return 0;
}

int soccr_restore(const struct soccr_img *im)
{
	struct tcp_repair_opt opts[4];
	int one = 1, off = 0, q, fd, n = 0, err;
	int buf = 1 << 30;	/* CRIU forces big buffers to fit the queues */
	uint32_t seq;

	fd = socket(im->src.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_TCP, TCP_REPAIR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) ||
	    bind(fd, (const struct sockaddr *)&im->src, im->alen))
		goto fail;
	q = TCP_RECV_QUEUE;
	seq = im->rcv_seq - im->inq;
	if (setsockopt(fd, SOL_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) ||
	    setsockopt(fd, SOL_TCP, TCP_QUEUE_SEQ, &seq, sizeof(seq)))
		goto fail;
	q = TCP_SEND_QUEUE;
	seq = im->snd_seq - im->outq;
	if (setsockopt(fd, SOL_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) ||
	    setsockopt(fd, SOL_TCP, TCP_QUEUE_SEQ, &seq, sizeof(seq)) ||
	    connect(fd, (const struct sockaddr *)&im->dst, im->alen))
		goto fail;
	opts[n].opt_code = TCPOPT_MAXSEG;
	opts[n++].opt_val = im->mss;
	opts[n].opt_code = TCPOPT_WINDOW;
	opts[n++].opt_val = im->snd_wscale | (im->rcv_wscale << 16);
	if (im->sack) {
		opts[n].opt_code = TCPOPT_SACK_PERM;
		opts[n++].opt_val = 0;
	}
	if (im->tstamp) {
		opts[n].opt_code = TCPOPT_TIMESTAMP;
		opts[n++].opt_val = 0;
	}
	if (setsockopt(fd, SOL_TCP, TCP_REPAIR_OPTIONS, opts,
		       n * sizeof(opts[0])) ||
	    setsockopt(fd, SOL_TCP, TCP_TIMESTAMP, &im->timestamp,
		       sizeof(im->timestamp)))
		goto fail;
	err = send_queue(fd, TCP_RECV_QUEUE, im->rcv_data, im->inq);
	if (!err)
		err = send_queue(fd, TCP_SEND_QUEUE, im->snd_data,
				 im->outq - im->unsent);
	if (err) {
		errno = -err;
		goto fail;
	}
	if (setsockopt(fd, SOL_TCP, TCP_REPAIR_WINDOW, &im->win,
		       sizeof(im->win)) ||
	    setsockopt(fd, SOL_TCP, TCP_REPAIR, &off, sizeof(off)))
		goto fail;
	/* Unsent data goes out through the normal path after repair. */
	if (im->unsent && send(fd, im->snd_data + im->outq - im->unsent,
			       im->unsent, 0) != (ssize_t)im->unsent)
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

void soccr_img_free(struct soccr_img *im)
{
	free(im->rcv_data);
	free(im->snd_data);
	im->rcv_data = im->snd_data = NULL;
}
