// SPDX-License-Identifier: GPL-2.0
/*
 * KTAP / TAP13 reader. Diagnostic lines belong to the result that follows them (kselftest
 * prints a failure's reasons before its "not ok"), so they are collected and handed to the
 * next result line; lines after the last result go to the first case the stream lost.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ktap_parse.h"

static const char *const status_names[KTAP_ST_NR] = {
	"pass", "fail", "skip", "timeout", "error", "xfail", "xpass",
};

const char *ktap_status_name(enum ktap_status s)
{
	return (unsigned)s < KTAP_ST_NR ? status_names[s] : "?";
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static struct ktap_span trimmed(const char *p)
{
	size_t n;

	p = skip_ws(p);
	n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	return (struct ktap_span){ p, n };
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Directive keyword at @p (case-insensitive), followed by a separator. */
static bool keyword(const char *p, const char *kw, const char **rest)
{
	size_t n = strlen(kw);

	if (strncasecmp(p, kw, n) || (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != ':'))
		return false;
	p += n;
	if (*p == ':')
		p++;
	*rest = p;
	return true;
}

static void classify_result(const char *line, struct ktap_line *out)
{
	const char *p = line + (out->ok ? 2 : 6), *name, *hash = NULL, *rest;

	out->kind = KTAP_LINE_RESULT;
	out->text = (struct ktap_span){ "", 0 };
	p = skip_ws(p);
	if (isdigit((unsigned char)*p)) {
		out->has_num = true;
		out->num = strtoul(p, (char **)&p, 10);
	}
	out->after_num = p;
	p = skip_ws(p);
	if (p[0] == '-' && (p[1] == ' ' || !p[1]))
		p = skip_ws(p + 1);
	name = p;
	/* The directive starts at the first unescaped '#' that begins a word. */
	for (const char *q = p; *q; q++) {
		if (*q == '\\' && q[1]) {
			q++;
			continue;
		}
		if (*q == '#' && (q == p || q[-1] == ' ' || q[-1] == '\t')) {
			hash = q;
			break;
		}
	}
	out->name.p = name;
	out->name.len = hash ? (size_t)(hash - name) : strlen(name);
	while (out->name.len && isspace((unsigned char)name[out->name.len - 1]))
		out->name.len--;
	out->status = out->ok ? KTAP_ST_PASS : KTAP_ST_FAIL;
	if (!hash)
		return;
	p = skip_ws(hash + 1);
	if (keyword(p, "SKIP", &rest))
		out->status = KTAP_ST_SKIP;
	else if (keyword(p, "TIMEOUT", &rest))
		out->status = KTAP_ST_TIMEOUT;
	else if (keyword(p, "TODO", &rest))
		out->status = out->ok ? KTAP_ST_XPASS : KTAP_ST_XFAIL;
	else if (keyword(p, "XFAIL", &rest))
		out->status = KTAP_ST_XFAIL;
	else if (keyword(p, "XPASS", &rest))
		out->status = KTAP_ST_XPASS;
	else if (keyword(p, "ERROR", &rest))
		out->status = KTAP_ST_ERROR;
	else
		rest = p; /* a plain comment: keep it as the reason */
	out->text = trimmed(rest);
}

void ktap_line_classify(const char *line, struct ktap_line *out)
{
	const char *p;

	memset(out, 0, sizeof(*out));
	out->plan = -1;
	out->text = (struct ktap_span){ line, strlen(line) };
	if (*line == ' ' || *line == '\t') {
		out->kind = KTAP_LINE_INDENTED;
		out->text = trimmed(line);
	} else if (*line == '#') {
		out->kind = KTAP_LINE_DIAG;
		out->text = trimmed(line + 1);
	} else if (starts(line, "TAP version ") || starts(line, "KTAP version ")) {
		p = line + (*line == 'K' ? 13 : 12);
		if (isdigit((unsigned char)*p)) {
			out->kind = KTAP_LINE_VERSION;
			out->version = atoi(p);
		}
	} else if (starts(line, "1..") && isdigit((unsigned char)line[3])) {
		out->kind = KTAP_LINE_PLAN;
		out->plan = strtol(line + 3, (char **)&p, 10);
		p = skip_ws(p);
		out->text = (struct ktap_span){ p, 0 };
		if (*p == '#' && keyword(skip_ws(p + 1), "SKIP", &p))
			out->text = trimmed(p);
	} else if (starts(line, "Bail out!")) {
		out->kind = KTAP_LINE_BAIL;
		out->text = trimmed(line + 9);
	} else if ((starts(line, "ok") && (!line[2] || line[2] == ' ')) ||
		   (starts(line, "not ok") && (!line[6] || line[6] == ' '))) {
		out->ok = *line == 'o';
		classify_result(line, out);
	}
}

/* ---- stream ----------------------------------------------------------------------------- */

struct strv {
	char **v;
	size_t n;
};

static void strv_push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(char *));

	if (!nv) {
		free(s);
		return;
	}
	*v = nv;
	nv[(*n)++] = s;
}

static char *dup_span(struct ktap_span s)
{
	return strndup(s.p, s.len);
}

static char *fmt_dup(const char *fmt, unsigned long long a, unsigned long long b)
{
	char *s;

	return asprintf(&s, fmt, a, b) < 0 ? NULL : s;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Drops a "[   12.345678] " console timestamp. */
static char *strip_stamp(char *l)
{
	char *p = l + 1;

	if (*l != '[')
		return l;
	while (*p == ' ' || *p == '.' || isdigit((unsigned char)*p))
		p++;
	if (*p != ']' || p == l + 1)
		return l;
	p++;
	return *p == ' ' ? p + 1 : p;
}

struct parser {
	struct ktap_log *log;
	struct strv pending;
	struct strv time_names;
	double *time_secs;
	bool saw_result;
};

static struct ktap_result *add_result(struct ktap_log *log)
{
	struct ktap_result *nr = realloc(log->res, (log->nres + 1) * sizeof(*nr));

	if (!nr)
		return NULL;
	log->res = nr;
	nr = &log->res[log->nres++];
	memset(nr, 0, sizeof(*nr));
	nr->duration_s = -1;
	return nr;
}

static void warn(struct ktap_log *log, char *msg)
{
	if (msg)
		strv_push(&log->warn, &log->nwarn, msg);
}

static void take_pending(struct parser *ps, char ***v, size_t *n)
{
	for (size_t i = 0; i < ps->pending.n; i++)
		strv_push(v, n, ps->pending.v[i]);
	free(ps->pending.v);
	ps->pending.v = NULL;
	ps->pending.n = 0;
}

static void on_diag(struct parser *ps, struct ktap_span t)
{
	struct ktap_log *log = ps->log;
	char *s = dup_span(t), name[256];
	double secs;

	if (!s)
		return;
	if (sscanf(s, "time %255s %lf", name, &secs) == 2) {
		double *ns = realloc(ps->time_secs, (ps->time_names.n + 1) * sizeof(double));

		if (ns) {
			ps->time_secs = ns;
			ns[ps->time_names.n] = secs;
			strv_push(&ps->time_names.v, &ps->time_names.n, strdup(name));
		}
		free(s);
	} else if (starts(s, "Totals:")) {
		free(log->totals);
		log->totals = s;
	} else if (starts(s, "caps:") || starts(s, "seed:") || starts(s, "env:")) {
		if (sscanf(s, "seed: %llu", &log->seed) == 1)
			log->has_seed = true;
		strv_push(&log->banner, &log->nbanner, s);
	} else {
		strv_push(&ps->pending.v, &ps->pending.n, s);
	}
}

static void on_line(struct parser *ps, char *line)
{
	struct ktap_log *log = ps->log;
	struct ktap_line l;
	struct ktap_result *r;

	ktap_line_classify(line, &l);
	switch (l.kind) {
	case KTAP_LINE_VERSION:
		break; /* a second stream glued on: read on as one */
	case KTAP_LINE_PLAN:
		if (log->plan >= 0) {
			warn(log, fmt_dup("second plan 1..%llu ignored (first: 1..%llu)",
					  l.plan, log->plan));
			break;
		}
		log->plan = l.plan;
		if (l.text.len)
			log->plan_skip = dup_span(l.text);
		if (!ps->saw_result)
			take_pending(ps, &log->banner, &log->nbanner);
		break;
	case KTAP_LINE_RESULT:
		if (log->bail)
			break;
		r = add_result(log);
		if (!r)
			break;
		ps->saw_result = true;
		r->num = l.has_num ? l.num : log->nres;
		r->name = dup_span(l.name);
		r->status = l.status;
		r->reason = l.text.len ? dup_span(l.text) : NULL;
		take_pending(ps, &r->diag, &r->ndiag);
		break;
	case KTAP_LINE_DIAG:
		on_diag(ps, l.text);
		break;
	case KTAP_LINE_BAIL:
		if (!log->bail)
			log->bail = dup_span(l.text);
		break;
	case KTAP_LINE_INDENTED:
		if (l.text.len)
			strv_push(&ps->pending.v, &ps->pending.n, dup_span(l.text));
		break;
	case KTAP_LINE_OTHER:
		if (*line)
			strv_push(&ps->pending.v, &ps->pending.n, strdup(line));
		break;
	}
}

/* Results the plan promised but the stream never delivered, named by number. */
static void synth_missing(struct parser *ps)
{
	struct ktap_log *log = ps->log;
	unsigned long plan = log->plan > 0 ? (unsigned long)log->plan : 0;
	unsigned char *seen = calloc(plan + 1, 1);
	bool first = true;

	if (!seen)
		return;
	for (size_t i = 0; i < log->nres; i++) {
		unsigned long n = log->res[i].num;

		if (n >= 1 && n <= plan && seen[n])
			warn(log, fmt_dup("duplicate result number %llu", n, 0));
		else if (n >= 1 && n <= plan)
			seen[n] = 1;
	}
	if (plan && log->nres > plan)
		warn(log, fmt_dup("%llu results but the plan is 1..%llu", log->nres, plan));
	for (unsigned long n = 1; n <= plan; n++) {
		struct ktap_result *r;

		if (seen[n] || !(r = add_result(log)))
			continue;
		r->num = n;
		r->name = fmt_dup("missing.%llu", n, 0);
		r->status = KTAP_ST_ERROR;
		r->reason = strdup("no result line");
		r->synthetic = true;
		if (first) {
			/* Whatever the stream said last is the best clue to what went wrong. */
			take_pending(ps, &r->diag, &r->ndiag);
			warn(log, fmt_dup("results missing from %llu of plan 1..%llu", n, plan));
			first = false;
		}
	}
	free(seen);
}

static void finish(struct parser *ps)
{
	struct ktap_log *log = ps->log;

	if (log->plan < 0)
		warn(log, strdup(log->nres ? "no plan line" : "no plan and no results"));
	synth_missing(ps);
	/* Trailing lines with no case to own them: keep them as banner context. */
	take_pending(ps, &log->banner, &log->nbanner);
	for (size_t t = 0; t < ps->time_names.n; t++)
		for (size_t i = log->nres; i-- > 0;)
			if (log->res[i].name && !strcmp(log->res[i].name, ps->time_names.v[t])) {
				log->res[i].duration_s = ps->time_secs[t];
				break;
			}
	strv_free(ps->time_names.v, ps->time_names.n);
	free(ps->time_secs);
}

int ktap_log_parse_str(const char *text, struct ktap_log *log)
{
	struct parser ps = { .log = log };
	char *buf = strdup(text), *prefix = NULL, **lines = NULL;
	size_t nlines = 0, first = 0, plen = 0;
	bool found = false;

	memset(log, 0, sizeof(*log));
	log->plan = -1;
	if (!buf)
		return -1;
	for (char *l = buf, *nl; l; l = nl) {
		nl = strchr(l, '\n');
		if (nl)
			*nl++ = 0;
		if (nl || *l)
			strv_push(&lines, &nlines, l);
	}
	/* Console junk may precede the stream, even on the version line itself. */
	for (first = 0; first < nlines; first++) {
		char *v = strstr(lines[first], "TAP version ");

		if (!v || !isdigit((unsigned char)v[12]))
			continue;
		log->version = atoi(v + 12);
		if (v > lines[first] && v[-1] == 'K')
			v--;
		plen = (size_t)(v - lines[first]);
		prefix = strndup(lines[first], plen);
		first++;
		found = true;
		break;
	}
	if (!found) {
		first = 0;
		warn(log, strdup("no TAP/KTAP version line"));
	}
	for (size_t i = first; i < nlines; i++) {
		char *l = lines[i];
		size_t n = strlen(l);

		if (n && l[n - 1] == '\r')
			l[n - 1] = 0;
		if (plen && prefix && !strncmp(l, prefix, plen))
			l += plen;
		on_line(&ps, strip_stamp(l));
	}
	finish(&ps);
	free(prefix);
	free(lines);
	free(buf);
	return 0;
}

int ktap_log_parse_file(FILE *f, struct ktap_log *log)
{
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	do {
		if (len + 4096 + 1 > cap) {
			char *nt = realloc(text, cap = 2 * cap + 8192);

			if (!nt) {
				free(text);
				return -1;
			}
			text = nt;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
	} while (n);
	if (ferror(f)) {
		free(text);
		return -1;
	}
	text[len] = 0;
	/* NUL bytes from a dying console would cut the text short: blank them. */
	for (size_t i = 0; i < len; i++)
		if (!text[i])
			text[i] = ' ';
	rc = ktap_log_parse_str(text, log);
	free(text);
	return rc;
}

void ktap_log_free(struct ktap_log *log)
{
	for (size_t i = 0; i < log->nres; i++) {
		free(log->res[i].name);
		free(log->res[i].reason);
		strv_free(log->res[i].diag, log->res[i].ndiag);
	}
	free(log->res);
	strv_free(log->banner, log->nbanner);
	strv_free(log->warn, log->nwarn);
	free(log->plan_skip);
	free(log->bail);
	free(log->totals);
	memset(log, 0, sizeof(*log));
	log->plan = -1;
}

int ktap_log_expect(struct ktap_log *log, char *const *names, size_t n)
{
	char **lost_diag = NULL;
	size_t nlost_diag = 0, kept = 0, nmissing = 0;
	bool *missing = calloc(n + 1, sizeof(bool));

	if (!missing)
		return -1;
	for (size_t j = 0; j < n; j++) {
		missing[j] = true;
		for (size_t i = 0; i < log->nres && missing[j]; i++)
			if (!log->res[i].synthetic && !strcmp(log->res[i].name, names[j]))
				missing[j] = false;
		nmissing += missing[j];
	}
	if (!nmissing) {
		free(missing);
		return 0;
	}
	/* Named losses replace the numbered ones; the first keeps their diagnostics. */
	for (size_t i = 0; i < log->nres; i++) {
		struct ktap_result *r = &log->res[i];

		if (!r->synthetic) {
			log->res[kept++] = *r;
			continue;
		}
		if (!lost_diag) {
			lost_diag = r->diag;
			nlost_diag = r->ndiag;
		} else {
			strv_free(r->diag, r->ndiag);
		}
		free(r->name);
		free(r->reason);
	}
	log->nres = kept;
	for (size_t j = 0; j < n; j++) {
		struct ktap_result *r;

		if (!missing[j] || !(r = add_result(log)))
			continue;
		r->num = log->nres;
		r->name = strdup(names[j]);
		r->status = KTAP_ST_ERROR;
		r->reason = strdup("no result line");
		r->synthetic = true;
		r->diag = lost_diag;
		r->ndiag = nlost_diag;
		lost_diag = NULL;
		nlost_diag = 0;
	}
	strv_free(lost_diag, nlost_diag);
	free(missing);
	return 0;
}

void ktap_log_counts(const struct ktap_log *log, unsigned counts[KTAP_ST_NR])
{
	memset(counts, 0, KTAP_ST_NR * sizeof(counts[0]));
	for (size_t i = 0; i < log->nres; i++)
		counts[log->res[i].status]++;
}

int ktap_log_exit_code(const struct ktap_log *log)
{
	unsigned c[KTAP_ST_NR];

	ktap_log_counts(log, c);
	if (log->bail || c[KTAP_ST_FAIL] || c[KTAP_ST_TIMEOUT] || c[KTAP_ST_ERROR])
		return 1;
	/* Neither a plan nor a result: the stream was lost, which is no skip. */
	if (!log->nres && log->plan < 0)
		return 1;
	return c[KTAP_ST_PASS] || c[KTAP_ST_XFAIL] || c[KTAP_ST_XPASS] ? 0 : 4;
}

const char *ktap_log_env(const struct ktap_log *log, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = log->nbanner; i-- > 0;) {
		const char *b = log->banner[i];

		if (starts(b, "env:")) {
			b = skip_ws(b + 4);
			if (!strncmp(b, key, klen) && b[klen] == '=')
				return b + klen + 1;
		}
	}
	return NULL;
}
