/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run records: the machine-readable result of one run, built from its KTAP log. record.json
 * is what compare/report/bisect read; junit.xml is for CI front-ends.
 *
 * record.json: {"kmat_record":1, "env":{...,"seed":N,"caps":[...]}, "totals":{...},
 *   "exit_code":N, "plan":N|null, "bail_out":S|null, "warnings":[...],
 *   "cases":[{"name","status","reason","duration_s","diag":[...]}]}
 * env comes from "# env: key=value" banner lines, then the caller's pairs (which win).
 */
#ifndef KMAT_RECORD_H
#define KMAT_RECORD_H

#include <stdio.h>

#include "ktap_parse.h"

#define KMAT_RECORD_VERSION 1

struct record_kv {
	const char *key, *value;
};

struct record_opts {
	const struct record_kv *env;
	size_t nenv;
	int exit_code;       /* < 0: derive it from the log (kselftest rule) */
	const char *name;    /* JUnit <testsuites name>; default "kmat" */
};

int record_write_json(FILE *f, const struct ktap_log *log, const struct record_opts *o);
int record_write_junit(FILE *f, const struct ktap_log *log, const struct record_opts *o);
/* Creates @dir (and parents) and writes record.json and junit.xml into it. -1 + errno on error. */
int record_write_dir(const char *dir, const struct ktap_log *log, const struct record_opts *o);
/* mkdir -p. */
int record_mkdirs(const char *dir);

/* Escaped string bodies: invalid UTF-8 becomes U+FFFD, so the output always parses. */
void record_json_str(FILE *f, const char *s);
void record_xml_str(FILE *f, const char *s);

#endif
