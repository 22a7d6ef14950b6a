// SPDX-License-Identifier: GPL-2.0
/* A small vsnprintf for guest messages: %d %i %u %x %X %p %s %c %%, with l/ll/z and widths. */
#include "guest.h"

GUEST_CODE static void put(char *buf, size_t n, size_t *pos, char c)
{
	if (*pos + 1 < n)
		buf[*pos] = c;
	(*pos)++;
}

GUEST_CODE static void put_num(char *buf, size_t n, size_t *pos, uint64_t v, int base, int neg,
			       int width, char pad, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int len = 0;

	do {
		tmp[len++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[len++] = '-';
	for (int i = len; i < width; i++)
		put(buf, n, pos, pad);
	while (len)
		put(buf, n, pos, tmp[--len]);
}

GUEST_CODE int guest_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	size_t pos = 0;

	for (; *fmt; fmt++) {
		int longs = 0, width = 0;
		char pad = ' ';

		if (*fmt != '%') {
			put(buf, n, &pos, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);

			put_num(buf, n, &pos, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width,
				pad, 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);

			put_num(buf, n, &pos, v, *fmt == 'u' ? 10 : 16, 0, width, pad, *fmt == 'X');
			break;
		}
		case 'p':
			put(buf, n, &pos, '0');
			put(buf, n, &pos, 'x');
			put_num(buf, n, &pos, (uint64_t)va_arg(ap, void *), 16, 0, 0, ' ', 0);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			for (s = s ? s : "(null)"; *s; s++)
				put(buf, n, &pos, *s);
			break;
		}
		case 'c':
			put(buf, n, &pos, (char)va_arg(ap, int));
			break;
		case '%':
			put(buf, n, &pos, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(buf, n, &pos, '%');
			put(buf, n, &pos, *fmt);
		}
	}
	if (n)
		buf[pos < n ? pos : n - 1] = '\0';
	return (int)pos;
}

GUEST_CODE int guest_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = guest_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
