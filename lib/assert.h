/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side assertions. Each failure prints file:line, the expression, errno and strerror as
 * KTAP diagnostics, then ends the running case as "not ok" (see lib/ktap.h).
 */
#ifndef KMAT_ASSERT_H
#define KMAT_ASSERT_H

#include <errno.h>
#include <stdint.h>

_Noreturn void kmat_assert_fail(const char *file, int line, const char *expr, int err,
				const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* errno is read right after @cond is evaluated, before anything else can clobber it. */
#define KMAT_ASSERT(cond, fmt, ...)                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			int __kmat_err = errno;                                            \
			kmat_assert_fail(__FILE__, __LINE__, #cond, __kmat_err, fmt,       \
					 ##__VA_ARGS__);                                   \
		}                                                                          \
	} while (0)

#define KMAT_ASSERT_EQ(a, b)                                                               \
	do {                                                                               \
		uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);                         \
		KMAT_ASSERT(__a == __b, "%s = 0x%llx, %s = 0x%llx", #a,                    \
			    (unsigned long long)__a, #b, (unsigned long long)__b);         \
	} while (0)

/* For negative tests: @rc must be -1 with exactly errno @e. @fmt describes the inputs. */
#define KMAT_ASSERT_ERRNO_MSG(rc, e, fmt, ...)                                             \
	do {                                                                               \
		long __rc = (long)(rc);                                                    \
		int __kmat_e = errno;                                                      \
		if (__rc != -1 || __kmat_e != (e))                                         \
			kmat_errno_fail(__FILE__, __LINE__, #rc, __rc, __kmat_e, (e), fmt, \
					##__VA_ARGS__);                                    \
	} while (0)
#define KMAT_ASSERT_ERRNO(rc, e) KMAT_ASSERT_ERRNO_MSG(rc, e, "%s", "")

_Noreturn void kmat_errno_fail(const char *file, int line, const char *expr, long rc, int err,
			       int expected, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* "EINVAL" for EINVAL; a number for anything unusual. Thread-unsafe static buffer. */
const char *kmat_errno_name(int e);

#endif
