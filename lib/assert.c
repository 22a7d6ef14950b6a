// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "ktap.h"

const char *kmat_errno_name(int e)
{
	static const struct { int e; const char *name; } names[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
		{ EIO, "EIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { ENOTTY, "ENOTTY" },
		{ ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENXIO, "ENXIO" }, { EHWPOISON, "EHWPOISON" }, { ESPIPE, "ESPIPE" },
	};
	static __thread char buf[16];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

void kmat_assert_fail(const char *file, int line, const char *expr, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ktap_diag("%s:%d: assertion failed: %s", file, line, expr);
	if (msg[0])
		ktap_diag("  %s", msg);
	if (err)
		ktap_diag("  errno %d (%s: %s)", err, kmat_errno_name(err), strerror(err));
	ktap_fail("%s:%d", file, line);
}

void kmat_errno_fail(const char *file, int line, const char *expr, long rc, int err,
		     int expected, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ktap_diag("%s:%d: %s: expected -1/%s, got rc=%ld%s%s", file, line, expr,
		  kmat_errno_name(expected), rc, rc == -1 ? " errno=" : "",
		  rc == -1 ? kmat_errno_name(err) : "");
	if (msg[0])
		ktap_diag("  %s", msg);
	ktap_fail("%s:%d", file, line);
}
