// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtcpkit: error text, per handle and per thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static __thread char tk_thread_err[TK_ERRLEN];

const char *tcpkit_version(void)
{
	return TCPKIT_LIB_VERSION;
}

int tk_err(struct tcpkit *tk, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tk_thread_err, sizeof(tk_thread_err), fmt, ap);
	va_end(ap);
	if (tk)
		memcpy(tk->errmsg, tk_thread_err, sizeof(tk->errmsg));
	errno = err;
	return -err;
}

/* "what: strerror(err)", or plain strerror when @what is NULL. */
int tk_errno(struct tcpkit *tk, int err, const char *what)
{
	if (what)
		return tk_err(tk, err, "%s: %s", what, strerror(err));
	return tk_err(tk, err, "%s", strerror(err));
}

void tk_clear_err(struct tcpkit *tk)
{
	if (tk)
		tk->errmsg[0] = '\0';
}

const char *tcpkit_last_error(const struct tcpkit *tk)
{
	return tk ? tk->errmsg : "";
}

const char *tcpkit_strerror(void)
{
	return tk_thread_err;
}
