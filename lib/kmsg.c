// SPDX-License-Identifier: GPL-2.0
/*
 * Per-case kernel log and taint diff. /dev/kmsg hands out one record per read(), formatted
 * "prio,seq,usec,flags;message" plus " KEY=value" continuation lines; a regular file with the
 * same lines (KMAT_KMSG_PATH, for tests) parses the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"
#include "ktap.h"

#define REPORT_MAX_LINES 10

static struct {
	bool inited;
	int fd;
	const char *taint_path;
	bool taint_ok;
	unsigned long taint0;
} km = { .fd = -1 };

static const char *path_or(const char *env, const char *def)
{
	const char *p = getenv(env);

	return p && *p ? p : def;
}

static int read_taint(unsigned long *val)
{
	char buf[64];
	ssize_t n;
	int fd = open(km.taint_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		errno = n < 0 ? errno : EINVAL;
		return -1;
	}
	buf[n] = 0;
	*val = strtoul(buf, NULL, 10);
	return 0;
}

static void init_once(void)
{
	const char *kpath = path_or("KMAT_KMSG_PATH", "/dev/kmsg");
	unsigned long t;

	km.inited = true;
	km.taint_path = path_or("KMAT_TAINT_PATH", "/proc/sys/kernel/tainted");
	km.fd = open(kpath, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (km.fd < 0)
		ktap_diag("kmsg: %s unreadable (%s): kernel warnings not checked", kpath,
			  strerrorname_np(errno) ?: "?");
	km.taint_ok = read_taint(&t) == 0;
	if (!km.taint_ok)
		ktap_diag("kmsg: %s unreadable (%s): taint not checked", km.taint_path,
			  strerrorname_np(errno) ?: "?");
}

void kmsg_case_begin(void)
{
	if (!km.inited)
		init_once();
	/* Only what the case provokes counts: skip everything logged so far. */
	if (km.fd >= 0)
		lseek(km.fd, 0, SEEK_END);
	if (km.taint_ok && read_taint(&km.taint0))
		km.taint_ok = false;
}

bool kmsg_line_is_bad(const char *msg)
{
	static const char *const anywhere[] = {
		"BUG:", "kernel BUG", "Oops", "general protection", "Call Trace",
		"KASAN:", "UBSAN:", "Kernel panic", "[ cut here ]", "blocked for more than",
		"detected stall",
	};

	if (!strncmp(msg, "WARNING:", 8))
		return true;
	for (size_t i = 0; i < sizeof(anywhere) / sizeof(anywhere[0]); i++)
		if (strstr(msg, anywhere[i]))
			return true;
	return false;
}

void kmsg_taint_letters(unsigned long taint, char *buf, size_t len)
{
	/* Bit order of Documentation/admin-guide/tainted-kernels.rst. */
	static const char letters[] = "PFSRMBUDAWCIOELKXTNJ";
	size_t o = 0;

	if (!len)
		return;
	for (unsigned b = 0; b < 8 * sizeof(taint) && o + 1 < len; b++)
		if (taint & (1UL << b))
			buf[o++] = b < sizeof(letters) - 1 ? letters[b] : '?';
	buf[o] = 0;
}

struct report {
	char *buf;
	size_t len, used;
	int lines;
};

static void report_add(struct report *r, const char *fmt, const char *s)
{
	int n;

	if (r->lines >= REPORT_MAX_LINES || !r->len)
		return;
	n = snprintf(r->buf + r->used, r->len - r->used, fmt, r->used ? "\n" : "", s);
	if (n > 0)
		r->used += (size_t)n < r->len - r->used ? (size_t)n : r->len - r->used - 1;
	r->lines++;
}

/* The message text of one log line, or NULL for a continuation line. */
static const char *message_of(const char *line)
{
	const char *semi = strchr(line, ';');

	if (*line == ' ')
		return NULL;
	/* A record header is "prio,seq,usec,flags[,caller=..];": digits first, ';' ends it. */
	if (*line >= '0' && *line <= '9' && semi)
		return semi + 1;
	return line;
}

static void scan_chunk(char *chunk, struct report *r, bool *bad, int *ctx)
{
	char *save = NULL;

	for (char *line = strtok_r(chunk, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *msg = message_of(line);

		if (!msg || !*msg)
			continue;
		if (kmsg_line_is_bad(msg)) {
			*bad = true;
			*ctx = 4; /* a few lines after the marker usually name the culprit */
			report_add(r, "%s%s", msg);
		} else if (*ctx > 0) {
			(*ctx)--;
			report_add(r, "%s%s", msg);
		}
	}
}

int kmsg_case_end(char *report, size_t len)
{
	struct report r = { .buf = report, .len = len };
	bool bad = false;
	int ctx = 0;
	char chunk[8192];
	unsigned long t;

	if (len)
		report[0] = 0;
	if (!km.inited)
		return 0;
	/* Keep the last line for the taint note. */
	r.lines = 1;
	while (km.fd >= 0) {
		ssize_t n = read(km.fd, chunk, sizeof(chunk) - 1);

		if (n < 0 && errno == EPIPE)
			continue; /* records overwritten while we read: resume with the next one */
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		chunk[n] = 0;
		scan_chunk(chunk, &r, &bad, &ctx);
	}
	r.lines--;
	if (km.taint_ok && read_taint(&t) == 0 && t != km.taint0) {
		char was[40], now[40], line[128];

		kmsg_taint_letters(km.taint0, was, sizeof(was));
		kmsg_taint_letters(t, now, sizeof(now));
		snprintf(line, sizeof(line), "taint changed 0x%lx (%s) -> 0x%lx (%s)", km.taint0,
			 *was ? was : "-", t, now);
		report_add(&r, "%s%s", line);
		bad = true;
	}
	return bad;
}
