/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP / TAP13 reader. Tolerant by design: console junk before the version line, dmesg-style
 * "[  1.23] " prefixes, CRLF, missing plans and truncated streams all parse, and anything odd
 * is reported in ktap_log.warn instead of being dropped.
 */
#ifndef KMAT_KTAP_PARSE_H
#define KMAT_KTAP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum ktap_status {
	KTAP_ST_PASS,
	KTAP_ST_FAIL,
	KTAP_ST_SKIP,
	KTAP_ST_TIMEOUT,
	KTAP_ST_ERROR, /* no result line (lost), or "# error" */
	KTAP_ST_XFAIL,
	KTAP_ST_XPASS,
	KTAP_ST_NR
};
/* "pass", "fail", "skip", "timeout", "error", "xfail", "xpass". */
const char *ktap_status_name(enum ktap_status s);

/* ---- one line ---- */
enum ktap_line_kind {
	KTAP_LINE_OTHER,    /* text that is not KTAP */
	KTAP_LINE_VERSION,  /* "TAP version 13", "KTAP version 1" */
	KTAP_LINE_PLAN,     /* "1..N [# SKIP reason]" */
	KTAP_LINE_RESULT,   /* "[not ]ok [N] [- ]name [# directive]" */
	KTAP_LINE_DIAG,     /* "# text" */
	KTAP_LINE_BAIL,     /* "Bail out! reason" */
	KTAP_LINE_INDENTED, /* nested (subtest) output */
};

/* Spans point into the classified line; they are not NUL-terminated. */
struct ktap_span {
	const char *p;
	size_t len;
};

struct ktap_line {
	enum ktap_line_kind kind;
	int version;
	long plan;
	bool ok, has_num;
	unsigned long num;
	enum ktap_status status;
	struct ktap_span name;
	struct ktap_span text;   /* directive reason, plan SKIP reason, bail reason, diag text */
	const char *after_num;   /* result: the rest of the line after the number */
};

/* Classifies one line without its newline. */
void ktap_line_classify(const char *line, struct ktap_line *out);

/* ---- a whole stream ---- */
struct ktap_result {
	unsigned long num;
	char *name;
	enum ktap_status status;
	char *reason;    /* NULL if none */
	char **diag;     /* "#" lines (prefix removed) preceding the result, plus nested output */
	size_t ndiag;
	double duration_s; /* < 0: unknown; from "# time <name> <seconds>" */
	bool synthetic;  /* made up for a case the stream never reported */
};

struct ktap_log {
	int version;       /* 13, 1, or 0 if no version line was found */
	long plan;         /* -1: no plan */
	char *plan_skip;   /* reason of "1..0 # SKIP reason" */
	struct ktap_result *res;
	size_t nres;
	char **banner;     /* "caps:", "seed:", "env:" lines, and diag lines before the plan */
	size_t nbanner;
	char **warn;       /* parse anomalies, worth showing to a human */
	size_t nwarn;
	char *bail;        /* "Bail out!" reason, NULL if none */
	char *totals;      /* the "Totals: ..." line as printed */
	bool has_seed;
	unsigned long long seed;
};

int ktap_log_parse_file(FILE *f, struct ktap_log *log);
int ktap_log_parse_str(const char *text, struct ktap_log *log);
void ktap_log_free(struct ktap_log *log);

/*
 * Declares the cases the stream should have reported (e.g. from `kmat list`): every missing
 * one becomes a synthetic KTAP_ST_ERROR result named after it, replacing the anonymous
 * "missing.N" results the plan count produced.
 */
int ktap_log_expect(struct ktap_log *log, char *const *names, size_t n);

void ktap_log_counts(const struct ktap_log *log, unsigned counts[KTAP_ST_NR]);
/* kselftest rule: 1 on any fail/timeout/error or a bail-out, else 4 if nothing passed, else 0. */
int ktap_log_exit_code(const struct ktap_log *log);
/* The value of banner line "env: <key>=<value>", NULL if absent. */
const char *ktap_log_env(const struct ktap_log *log, const char *key);

#endif
