// SPDX-License-Identifier: GPL-2.0
/* KTAP parser tests: real-world stream shapes, each checked field by field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "ktap_parse.h"

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond))                                                               \
			ktap_fail("%s:%d: check failed: %s", __FILE__, __LINE__, #cond);   \
	} while (0)

#define CHECK_STR(got, want)                                                               \
	do {                                                                               \
		const char *__g = (got), *__w = (want);                                    \
		if ((!__g != !__w) || (__g && strcmp(__g, __w)))                           \
			ktap_fail("%s:%d: %s is \"%s\", want \"%s\"", __FILE__, __LINE__,  \
				  #got, __g ? __g : "(null)", __w ? __w : "(null)");       \
	} while (0)

static struct ktap_log parse(const char *text)
{
	struct ktap_log log;

	CHECK(ktap_log_parse_str(text, &log) == 0);
	return log;
}

static const struct ktap_result *res(const struct ktap_log *log, size_t i)
{
	if (i >= log->nres)
		ktap_fail("no result %zu (have %zu)", i, log->nres);
	return &log->res[i];
}

static bool has_warn(const struct ktap_log *log, const char *needle)
{
	for (size_t i = 0; i < log->nwarn; i++)
		if (strstr(log->warn[i], needle))
			return true;
	return false;
}

static void t_kmat_stream(const void *arg)
{
	struct ktap_log log = parse("TAP version 13\n"
				    "# caps: vm_types=0x3\n"
				    "# env: kernel=6.8.0\n"
				    "# seed: 1234\n"
				    "# some banner note\n"
				    "1..5\n"
				    "# time abi.a 0.250\n"
				    "ok 1 abi.a\n"
				    "# step one\n"
				    "# boom\n"
				    "not ok 2 abi.b\n"
				    "ok 3 abi.c # SKIP no guest_memfd: SNP\n"
				    "# timed out after 1s\n"
				    "not ok 4 abi.d # TIMEOUT\n"
				    "# caps: late banner from a second binary\n"
				    "ok 5 hp.e # skip lower-case directive\n"
				    "# Totals: pass:1 fail:2 xfail:0 xpass:0 skip:2 error:0\n");

	CHECK(log.version == 13 && log.plan == 5 && log.nres == 5 && !log.nwarn && !log.bail);
	CHECK(log.has_seed && log.seed == 1234);
	CHECK(log.nbanner == 5);
	CHECK_STR(log.banner[0], "caps: vm_types=0x3");
	CHECK_STR(log.banner[3], "some banner note");
	CHECK_STR(log.banner[4], "caps: late banner from a second binary");
	CHECK_STR(ktap_log_env(&log, "kernel"), "6.8.0");
	CHECK(!ktap_log_env(&log, "kern"));
	CHECK_STR(log.totals, "Totals: pass:1 fail:2 xfail:0 xpass:0 skip:2 error:0");
	CHECK_STR(res(&log, 0)->name, "abi.a");
	CHECK(res(&log, 0)->status == KTAP_ST_PASS && res(&log, 0)->duration_s == 0.25);
	CHECK(res(&log, 0)->ndiag == 0);
	CHECK(res(&log, 1)->status == KTAP_ST_FAIL && res(&log, 1)->ndiag == 2);
	CHECK(res(&log, 1)->duration_s < 0 && !res(&log, 1)->reason);
	CHECK_STR(res(&log, 1)->diag[0], "step one");
	CHECK_STR(res(&log, 1)->diag[1], "boom");
	CHECK(res(&log, 2)->status == KTAP_ST_SKIP);
	CHECK_STR(res(&log, 2)->reason, "no guest_memfd: SNP");
	CHECK(res(&log, 3)->status == KTAP_ST_TIMEOUT && res(&log, 3)->num == 4);
	CHECK_STR(res(&log, 3)->diag[0], "timed out after 1s");
	CHECK(res(&log, 4)->status == KTAP_ST_SKIP && res(&log, 4)->ndiag == 0);
	CHECK(ktap_log_exit_code(&log) == 1);
	ktap_log_free(&log);
}

static void t_junk_and_prefixes(const void *arg)
{
	struct ktap_log log = parse("SeaBIOS (version 1.16)\r\nBooting from ROM..\nok 9 fake\n"
				    "[    1.000000] TAP version 13\r\n"
				    "[    1.000100] 1..2\r\n"
				    "[    1.000200] ok 1 a\r\n"
				    "[    1.000300] # why\n"
				    "[    1.000400] not ok 2 b\n");

	CHECK(log.version == 13 && log.plan == 2 && log.nres == 2 && !log.nwarn);
	CHECK_STR(res(&log, 0)->name, "a");
	CHECK_STR(res(&log, 1)->name, "b");
	CHECK_STR(res(&log, 1)->diag[0], "why");
	ktap_log_free(&log);

	log = parse("noise\nguest| KTAP version 1\nguest| 1..1\nguest| ok 1 x # SKIP y\n");
	CHECK(log.version == 1 && log.nres == 1 && res(&log, 0)->status == KTAP_ST_SKIP);
	CHECK_STR(res(&log, 0)->name, "x");
	CHECK_STR(res(&log, 0)->reason, "y");
	ktap_log_free(&log);
}

static void t_nested(const void *arg)
{
	struct ktap_log log = parse("KTAP version 1\n1..1\n"
				    "    KTAP version 1\n    1..2\n    ok 1 sub1\n"
				    "    not ok 2 sub2\n"
				    "not ok 1 parent\n");

	CHECK(log.version == 1 && log.nres == 1 && log.plan == 1);
	CHECK_STR(res(&log, 0)->name, "parent");
	CHECK(res(&log, 0)->ndiag == 4);
	CHECK_STR(res(&log, 0)->diag[3], "not ok 2 sub2");
	ktap_log_free(&log);

	/* run_kselftest.sh wraps each binary's output in "# " lines. */
	log = parse("TAP version 13\n1..2\n# timeout set to 120\n# selftests: kvm: abi\n"
		    "# TAP version 13\n# 1..2\n# ok 1 x\n# not ok 2 y\n# # Totals: pass:1\n"
		    "not ok 1 selftests: kvm: abi # exit=1\n"
		    "# selftests: kvm: hp\n"
		    "not ok 2 selftests: kvm: hp # TIMEOUT 120 seconds\n");
	CHECK(log.nres == 2 && !log.nwarn);
	CHECK_STR(res(&log, 0)->name, "selftests: kvm: abi");
	CHECK_STR(res(&log, 0)->reason, "exit=1");
	CHECK(res(&log, 0)->status == KTAP_ST_FAIL && res(&log, 0)->ndiag == 7);
	CHECK_STR(res(&log, 0)->diag[4], "ok 1 x");
	CHECK(res(&log, 1)->status == KTAP_ST_TIMEOUT);
	CHECK_STR(res(&log, 1)->reason, "120 seconds");
	ktap_log_free(&log);
}

static void t_line_classify(const void *arg)
{
	static const struct {
		const char *line;
		enum ktap_line_kind kind;
		enum ktap_status st;
		const char *name, *text;
		unsigned long num;
	} tab[] = {
		{ "ok 1 a.b", KTAP_LINE_RESULT, KTAP_ST_PASS, "a.b", "", 1 },
		{ "ok 12 - dash name # comment here", KTAP_LINE_RESULT, KTAP_ST_PASS,
		  "dash name", "comment here", 12 },
		{ "not ok 3 x # TODO later", KTAP_LINE_RESULT, KTAP_ST_XFAIL, "x", "later", 3 },
		{ "ok 3 x # TODO", KTAP_LINE_RESULT, KTAP_ST_XPASS, "x", "", 3 },
		{ "ok 4 # XFAIL known", KTAP_LINE_RESULT, KTAP_ST_XFAIL, "", "known", 4 },
		{ "not ok 5 e # error", KTAP_LINE_RESULT, KTAP_ST_ERROR, "e", "", 5 },
		{ "not ok 6 s # SKIP", KTAP_LINE_RESULT, KTAP_ST_SKIP, "s", "", 6 },
		{ "ok 7 s # SKIPPY stuff", KTAP_LINE_RESULT, KTAP_ST_PASS, "s", "SKIPPY stuff", 7 },
		{ "ok 8 a\\#b # SKIP r", KTAP_LINE_RESULT, KTAP_ST_SKIP, "a\\#b", "r", 8 },
		{ "ok 9 a#b", KTAP_LINE_RESULT, KTAP_ST_PASS, "a#b", "", 9 },
		{ "not ok", KTAP_LINE_RESULT, KTAP_ST_FAIL, "", "", 0 },
		{ "ok name only", KTAP_LINE_RESULT, KTAP_ST_PASS, "name only", "", 0 },
		{ "okay 1 x", KTAP_LINE_OTHER, 0, "", "okay 1 x", 0 },
		{ "# diag  ", KTAP_LINE_DIAG, 0, "", "diag", 0 },
		{ "#", KTAP_LINE_DIAG, 0, "", "", 0 },
		{ "1..0 # SKIP no kvm", KTAP_LINE_PLAN, 0, "", "no kvm", 0 },
		{ "1..7", KTAP_LINE_PLAN, 0, "", "", 0 },
		{ "1..x", KTAP_LINE_OTHER, 0, "", "1..x", 0 },
		{ "Bail out! gone", KTAP_LINE_BAIL, 0, "", "gone", 0 },
		{ "TAP version 13", KTAP_LINE_VERSION, 0, "", "TAP version 13", 0 },
		{ "TAP version x", KTAP_LINE_OTHER, 0, "", "TAP version x", 0 },
		{ "  ok 1 nested", KTAP_LINE_INDENTED, 0, "", "ok 1 nested", 0 },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct ktap_line l;
		char name[64], text[64];

		ktap_line_classify(tab[i].line, &l);
		snprintf(name, sizeof(name), "%.*s", (int)l.name.len, l.name.p ? l.name.p : "");
		snprintf(text, sizeof(text), "%.*s", (int)l.text.len, l.text.p ? l.text.p : "");
		if (l.kind != tab[i].kind || strcmp(name, tab[i].name) || strcmp(text, tab[i].text) ||
		    (l.kind == KTAP_LINE_RESULT && (l.status != tab[i].st || l.num != tab[i].num)))
			ktap_fail("\"%s\": kind %d status %d num %lu name \"%s\" text \"%s\"",
				  tab[i].line, l.kind, l.status, l.num, name, text);
	}
	struct ktap_line l;

	ktap_line_classify("not ok 17 abc # SKIP x", &l);
	CHECK_STR(l.after_num, " abc # SKIP x");
	ktap_line_classify("1..42", &l);
	CHECK(l.plan == 42);
}

static void t_bail(const void *arg)
{
	struct ktap_log log = parse("TAP version 13\n1..3\nok 1 a\n# about to go\n"
				    "Bail out! no /dev/kvm\nok 2 b\n");

	CHECK_STR(log.bail, "no /dev/kvm");
	CHECK(log.nres == 3 && ktap_log_exit_code(&log) == 1);
	CHECK(res(&log, 1)->synthetic && res(&log, 1)->status == KTAP_ST_ERROR);
	CHECK_STR(res(&log, 1)->name, "missing.2");
	CHECK_STR(res(&log, 1)->diag[0], "about to go");
	CHECK_STR(res(&log, 2)->name, "missing.3");
	ktap_log_free(&log);

	/* Bailing out after the last result still fails the run. */
	log = parse("TAP version 13\n1..1\nok 1 a\nBail out! teardown broke\n");
	CHECK(log.nres == 1 && ktap_log_exit_code(&log) == 1);
	ktap_log_free(&log);
}

static void t_truncated(const void *arg)
{
	struct ktap_log log = parse("TAP version 13\n1..4\nok 1 a\nok 2 b\n# step 3 of c\n"
				    "# kernel panic maybe\n");
	const char *names[] = { "a", "b", "c", "d" };

	CHECK(log.nres == 4 && has_warn(&log, "results missing from 3 of plan 1..4"));
	CHECK(res(&log, 2)->ndiag == 2 && res(&log, 3)->ndiag == 0);
	CHECK(ktap_log_exit_code(&log) == 1);
	CHECK(ktap_log_expect(&log, (char *const *)names, 4) == 0);
	CHECK(log.nres == 4);
	CHECK_STR(res(&log, 2)->name, "c");
	CHECK_STR(res(&log, 2)->reason, "no result line");
	CHECK_STR(res(&log, 2)->diag[1], "kernel panic maybe");
	CHECK_STR(res(&log, 3)->name, "d");
	CHECK(res(&log, 3)->status == KTAP_ST_ERROR && res(&log, 3)->ndiag == 0);
	/* Nothing missing: no change. */
	CHECK(ktap_log_expect(&log, (char *const *)names, 2) == 0 && log.nres == 4);
	ktap_log_free(&log);

	/* No plan: missing cases are only known from the expected list. */
	log = parse("TAP version 13\nok 1 a\n# dying\n");
	CHECK(log.plan == -1 && has_warn(&log, "no plan line") && log.nres == 1);
	CHECK(ktap_log_expect(&log, (char *const *)names, 3) == 0 && log.nres == 3);
	CHECK_STR(res(&log, 1)->name, "b");
	CHECK(res(&log, 1)->ndiag == 0);
	CHECK(log.nbanner == 1);
	CHECK_STR(log.banner[0], "dying");
	ktap_log_free(&log);
}

static void t_counts_warnings(const void *arg)
{
	struct ktap_log log = parse("TAP version 13\n1..2\nok 1 a\nok 2 b\nok 2 c\n1..3\n");
	unsigned c[KTAP_ST_NR];

	CHECK(has_warn(&log, "duplicate result number 2"));
	CHECK(has_warn(&log, "3 results but the plan is 1..2"));
	CHECK(has_warn(&log, "second plan 1..3 ignored"));
	CHECK(!has_warn(&log, "missing"));
	ktap_log_counts(&log, c);
	CHECK(c[KTAP_ST_PASS] == 3 && ktap_log_exit_code(&log) == 0);
	ktap_log_free(&log);

	log = parse("TAP version 13\n1..0 # SKIP no /dev/kvm: ENOENT\n");
	CHECK(log.plan == 0 && !log.nres && !log.nwarn);
	CHECK_STR(log.plan_skip, "no /dev/kvm: ENOENT");
	CHECK(ktap_log_exit_code(&log) == 4);
	ktap_log_free(&log);

	log = parse("");
	CHECK(has_warn(&log, "no TAP/KTAP version line") && has_warn(&log, "no plan and no results"));
	CHECK(ktap_log_exit_code(&log) == 1);
	ktap_log_free(&log);

	log = parse("TAP version 13\n1..3\nok 1 a # SKIP x\nnot ok 2 b # TODO\nok 3 c # XPASS\n");
	CHECK(ktap_log_exit_code(&log) == 0);
	ktap_log_free(&log);
	log = parse("TAP version 13\n1..1\nok 1 a # SKIP x\n");
	CHECK(ktap_log_exit_code(&log) == 4);
	ktap_log_free(&log);
	CHECK_STR(ktap_status_name(KTAP_ST_TIMEOUT), "timeout");
}

static void t_file(const void *arg)
{
	static const char text[] = "TAP version 13\n1..2\n# a\0b\nok 1 x\n# time x 1.5\nok 2 y\n";
	FILE *f = tmpfile();
	struct ktap_log log;

	fwrite(text, 1, sizeof(text) - 1, f);
	rewind(f);
	CHECK(ktap_log_parse_file(f, &log) == 0);
	fclose(f);
	CHECK(log.nres == 2 && log.plan == 2);
	CHECK_STR(res(&log, 0)->diag[0], "a b");
	/* A time line after the result still finds it by name. */
	CHECK(res(&log, 0)->duration_s == 1.5);
	ktap_log_free(&log);
}

int main(int argc, char **argv)
{
	ktap_add("ktap_parse.stream.kmat", t_kmat_stream, NULL);
	ktap_add("ktap_parse.stream.junk_prefix", t_junk_and_prefixes, NULL);
	ktap_add("ktap_parse.stream.nested", t_nested, NULL);
	ktap_add("ktap_parse.line.classify", t_line_classify, NULL);
	ktap_add("ktap_parse.stream.bail", t_bail, NULL);
	ktap_add("ktap_parse.stream.truncated", t_truncated, NULL);
	ktap_add("ktap_parse.stream.counts_warnings", t_counts_warnings, NULL);
	ktap_add("ktap_parse.file.nul_bytes", t_file, NULL);
	ktap_parse_args(argc, argv, NULL);
	return ktap_run();
}
