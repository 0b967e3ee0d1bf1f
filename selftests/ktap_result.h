/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktap_result.h: KTAP result lines for the plain C selftests
 * (image_format, lib_api): one "ok N NAME" or "not ok N NAME # WHY" a
 * call, counted in test_no and failed.
 */
#ifndef KTAP_RESULT_H
#define KTAP_RESULT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int test_no, failed;

static void __attribute__((format(printf, 3, 4)))
result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	test_no++;
	printf("%sok %d %s", ok ? "" : "not ", test_no, name);
	if (!ok && fmt) {
		fputs(" # ", stdout);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	failed += !ok;
	fflush(stdout);
}

/* The plan, every test of it skipped for @why; 4, kselftest's skip. */
static inline int ktap_skip_all(const char *name, int plan, const char *why)
{
	int i;

	printf("TAP version 13\n1..%d\n", plan);
	for (i = 0; i < plan; i++)
		printf("ok %d %s # SKIP %s\n", i + 1, name, why);
	return 4;
}

#endif /* KTAP_RESULT_H */
