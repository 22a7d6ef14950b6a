// SPDX-License-Identifier: GPL-2.0
/*
 * memset/memcpy/memmove/memcmp for the whole binary. The compiler may emit calls to these from
 * guest code (struct copies, zeroing), and libc's versions are not loaded in the guest, so this
 * binary carries its own: plain, position-independent of libc, and safe in both worlds.
 */
#include "guest.h"

GUEST_CODE void *memset(void *d, int c, size_t n)
{
	void *ret = d;

	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return ret;
}

GUEST_CODE void *memcpy(void *d, const void *s, size_t n)
{
	void *ret = d;

	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return ret;
}

GUEST_CODE void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	/* Overlapping with dest above src: copy backwards. */
	while (n--)
		dp[n] = sp[n];
	return d;
}

GUEST_CODE int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

GUEST_CODE size_t guest_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
