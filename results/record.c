// SPDX-License-Identifier: GPL-2.0
/*
 * JSON and JUnit writers for run records. Diagnostics can carry anything a kernel or a dying
 * console prints, so both escapers validate UTF-8 and drop what XML cannot hold.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "record.h"

/* Length of the valid UTF-8 sequence at @p, 0 if it is not one. */
static int utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* Second-byte ranges exclude overlongs, surrogates and code points past U+10FFFF. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void record_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', f);
	while (*p) {
		int n = utf8_len(p);

		if (!n) {
			fputs("\\ufffd", f);
			p++;
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fwrite(p, 1, n, f);
		}
		p += n;
	}
	fputc('"', f);
}

void record_xml_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		int n = utf8_len(p);

		if (!n) {
			fputs("\xef\xbf\xbd", f);
			p++;
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '\n': fputs("&#10;", f); break;
		case '\t': fputs("&#9;", f); break;
		case '\r': break;
		default:
			/* XML 1.0 has no way to carry other control characters at all. */
			if (*p < 0x20)
				fputc('?', f);
			else
				fwrite(p, 1, n, f);
		}
		p += n;
	}
}

static void json_str_or_null(FILE *f, const char *s)
{
	if (s)
		record_json_str(f, s);
	else
		fputs("null", f);
}

static void json_strv(FILE *f, char *const *v, size_t n, size_t skip_prefix)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		record_json_str(f, v[i] + skip_prefix);
	}
	fputc(']', f);
}

static bool all_digits(const char *s)
{
	if (!*s || strlen(s) > 20)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Env pairs in first-seen order; a later value for the same key replaces the earlier one. */
struct envv {
	struct record_kv kv[64];
	char *own[64];
	size_t n;
};

static void env_set(struct envv *e, const char *key, const char *value, char *own)
{
	for (size_t i = 0; i < e->n; i++)
		if (!strcmp(e->kv[i].key, key)) {
			e->kv[i].value = value;
			return;
		}
	if (e->n < sizeof(e->kv) / sizeof(e->kv[0])) {
		e->kv[e->n] = (struct record_kv){ key, value };
		e->own[e->n++] = own;
	} else {
		free(own);
	}
}

static void env_collect(struct envv *e, const struct ktap_log *log, const struct record_opts *o)
{
	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < log->nbanner; i++) {
		const char *b = log->banner[i], *eq;
		char *key;

		if (strncmp(b, "env:", 4))
			continue;
		b += 4;
		while (*b == ' ')
			b++;
		eq = strchr(b, '=');
		if (!eq || eq == b || !(key = strndup(b, eq - b)))
			continue;
		env_set(e, key, eq + 1, key);
	}
	for (size_t i = 0; o && i < o->nenv; i++)
		env_set(e, o->env[i].key, o->env[i].value, NULL);
}

static void env_free(struct envv *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->own[i]);
}

static int exit_code_of(const struct ktap_log *log, const struct record_opts *o)
{
	return o && o->exit_code >= 0 ? o->exit_code : ktap_log_exit_code(log);
}

int record_write_json(FILE *f, const struct ktap_log *log, const struct record_opts *o)
{
	unsigned c[KTAP_ST_NR];
	struct envv e;
	bool seed_done = false;
	size_t ncaps = 0;

	ktap_log_counts(log, c);
	env_collect(&e, log, o);
	fprintf(f, "{\n  \"kmat_record\": %d,\n  \"env\": {", KMAT_RECORD_VERSION);
	for (size_t i = 0; i < e.n; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		record_json_str(f, e.kv[i].key);
		fputs(": ", f);
		if (!strcmp(e.kv[i].key, "seed") && all_digits(e.kv[i].value)) {
			fputs(e.kv[i].value, f);
			seed_done = true;
		} else {
			record_json_str(f, e.kv[i].value);
		}
	}
	if (!seed_done && log->has_seed)
		fprintf(f, "%s\"seed\": %llu", e.n ? ",\n    " : "\n    ", log->seed);
	fprintf(f, "%s\"caps\": [", e.n || (!seed_done && log->has_seed) ? ",\n    " : "\n    ");
	for (size_t i = 0; i < log->nbanner; i++) {
		const char *b = log->banner[i];

		if (strncmp(b, "caps:", 5))
			continue;
		b += 5;
		while (*b == ' ')
			b++;
		fputs(ncaps++ ? ", " : "", f);
		record_json_str(f, b);
	}
	fputs("]\n  },\n", f);
	env_free(&e);

	fprintf(f, "  \"totals\": {\"total\": %zu", log->nres);
	for (int s = 0; s < KTAP_ST_NR; s++)
		fprintf(f, ", \"%s\": %u", ktap_status_name(s), c[s]);
	fprintf(f, "},\n  \"exit_code\": %d,\n  \"plan\": ", exit_code_of(log, o));
	if (log->plan >= 0)
		fprintf(f, "%ld", log->plan);
	else
		fputs("null", f);
	fputs(",\n  \"bail_out\": ", f);
	json_str_or_null(f, log->bail);
	fputs(",\n  \"warnings\": ", f);
	json_strv(f, log->warn, log->nwarn, 0);
	fputs(",\n  \"cases\": [", f);
	for (size_t i = 0; i < log->nres; i++) {
		const struct ktap_result *r = &log->res[i];

		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
		record_json_str(f, r->name);
		fprintf(f, ", \"status\": \"%s\", \"reason\": ", ktap_status_name(r->status));
		json_str_or_null(f, r->reason);
		if (r->duration_s >= 0 && isfinite(r->duration_s))
			fprintf(f, ", \"duration_s\": %.3f", r->duration_s);
		else
			fputs(", \"duration_s\": null", f);
		fputs(", \"diag\": ", f);
		json_strv(f, r->diag, r->ndiag, 0);
		fputc('}', f);
	}
	fputs(log->nres ? "\n  ]\n}\n" : "]\n}\n", f);
	return ferror(f) ? -1 : 0;
}

/* ---- JUnit ------------------------------------------------------------------------------ */

static size_t prefix_len(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot ? (size_t)(dot - name) : strlen(name);
}

static void xml_prefix(FILE *f, const char *name)
{
	char *p = strndup(name, prefix_len(name));

	record_xml_str(f, p ? p : "");
	free(p);
}

static bool same_suite(const char *a, const char *b)
{
	size_t n = prefix_len(a);

	return n == prefix_len(b) && !strncmp(a, b, n);
}

struct jcount {
	unsigned tests, failures, errors, skipped;
	double time;
};

static void count_case(struct jcount *j, const struct ktap_result *r)
{
	j->tests++;
	j->failures += r->status == KTAP_ST_FAIL || r->status == KTAP_ST_TIMEOUT;
	j->errors += r->status == KTAP_ST_ERROR;
	j->skipped += r->status == KTAP_ST_SKIP || r->status == KTAP_ST_XFAIL;
	if (r->duration_s > 0 && isfinite(r->duration_s))
		j->time += r->duration_s;
}

static void diag_body(FILE *f, const struct ktap_result *r)
{
	for (size_t i = 0; i < r->ndiag; i++) {
		record_xml_str(f, r->diag[i]);
		fputs("&#10;", f);
	}
}

static void write_case(FILE *f, const struct ktap_result *r)
{
	const char *msg = r->reason;
	const char *tag = NULL;

	fputs("    <testcase name=\"", f);
	record_xml_str(f, r->name);
	fputs("\" classname=\"", f);
	xml_prefix(f, r->name);
	fputc('"', f);
	if (r->duration_s >= 0 && isfinite(r->duration_s))
		fprintf(f, " time=\"%.3f\"", r->duration_s);
	fputs(">\n", f);
	if (!msg && r->ndiag)
		msg = r->diag[r->ndiag - 1];
	switch (r->status) {
	case KTAP_ST_SKIP:
	case KTAP_ST_XFAIL:
		fprintf(f, "      <skipped message=\"%s", r->status == KTAP_ST_XFAIL ? "XFAIL: " : "");
		record_xml_str(f, r->reason ? r->reason : "");
		fputs("\"/>\n", f);
		break;
	case KTAP_ST_FAIL:
	case KTAP_ST_TIMEOUT:
		tag = "failure";
		break;
	case KTAP_ST_ERROR:
		tag = "error";
		break;
	default:
		break;
	}
	if (tag) {
		fprintf(f, "      <%s type=\"%s\" message=\"", tag, ktap_status_name(r->status));
		if (r->status == KTAP_ST_TIMEOUT)
			fputs(r->reason ? "TIMEOUT: " : "TIMEOUT", f);
		else if (!msg)
			msg = "not ok";
		record_xml_str(f, r->status == KTAP_ST_TIMEOUT ? r->reason : msg);
		fputs("\">", f);
		diag_body(f, r);
		fprintf(f, "</%s>\n", tag);
	} else if (r->ndiag) {
		fputs("      <system-out>", f);
		diag_body(f, r);
		fputs("</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);
}

static void write_props(FILE *f, const struct ktap_log *log, const struct record_opts *o)
{
	struct envv e;

	env_collect(&e, log, o);
	if (!e.n && !log->has_seed) {
		env_free(&e);
		return;
	}
	fputs("    <properties>\n", f);
	if (log->has_seed)
		fprintf(f, "      <property name=\"seed\" value=\"%llu\"/>\n", log->seed);
	for (size_t i = 0; i < e.n; i++) {
		if (log->has_seed && !strcmp(e.kv[i].key, "seed"))
			continue;
		fputs("      <property name=\"", f);
		record_xml_str(f, e.kv[i].key);
		fputs("\" value=\"", f);
		record_xml_str(f, e.kv[i].value);
		fputs("\"/>\n", f);
	}
	fputs("    </properties>\n", f);
	env_free(&e);
}

int record_write_junit(FILE *f, const struct ktap_log *log, const struct record_opts *o)
{
	struct jcount all = { 0 };
	bool *done = calloc(log->nres + 1, sizeof(bool));

	if (!done)
		return -1;
	for (size_t i = 0; i < log->nres; i++)
		count_case(&all, &log->res[i]);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", f);
	record_xml_str(f, o && o->name ? o->name : "kmat");
	fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%.3f\">\n",
		all.tests, all.failures, all.errors, all.skipped, all.time);
	/* One testsuite per name prefix (the suite binary), in order of first appearance. */
	for (size_t i = 0; i < log->nres; i++) {
		struct jcount j = { 0 };
		const char *name = log->res[i].name;

		if (done[i])
			continue;
		for (size_t k = i; k < log->nres; k++)
			if (same_suite(name, log->res[k].name))
				count_case(&j, &log->res[k]);
		fputs("  <testsuite name=\"", f);
		xml_prefix(f, name);
		fprintf(f, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" "
			   "time=\"%.3f\">\n", j.tests, j.failures, j.errors, j.skipped, j.time);
		write_props(f, log, o);
		for (size_t k = i; k < log->nres; k++)
			if (!done[k] && same_suite(name, log->res[k].name)) {
				write_case(f, &log->res[k]);
				done[k] = true;
			}
		fputs("  </testsuite>\n", f);
	}
	if (log->bail) {
		/* A bail-out with nothing after it must still show up as an error. */
		fputs("  <testsuite name=\"bail_out\" tests=\"1\" failures=\"0\" errors=\"1\" "
		      "skipped=\"0\">\n    <testcase name=\"bail_out\" classname=\"bail_out\">\n"
		      "      <error type=\"bail_out\" message=\"", f);
		record_xml_str(f, log->bail);
		fputs("\"/>\n    </testcase>\n  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	free(done);
	return ferror(f) ? -1 : 0;
}

int record_mkdirs(const char *dir)
{
	char *p = strdup(dir);

	if (!p)
		return -1;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST) {
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

static int write_file(const char *dir, const char *file, const struct ktap_log *log,
		      const struct record_opts *o,
		      int (*fn)(FILE *, const struct ktap_log *, const struct record_opts *))
{
	char *path;
	FILE *f;
	int rc;

	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return -1;
	f = fopen(path, "w");
	free(path);
	if (!f)
		return -1;
	rc = fn(f, log, o);
	if (fclose(f))
		rc = -1;
	return rc;
}

int record_write_dir(const char *dir, const struct ktap_log *log, const struct record_opts *o)
{
	if (record_mkdirs(dir))
		return -1;
	if (write_file(dir, "record.json", log, o, record_write_json))
		return -1;
	return write_file(dir, "junit.xml", log, o, record_write_junit);
}
