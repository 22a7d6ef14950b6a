// SPDX-License-Identifier: GPL-2.0
/* Run record tests: escaping, exact JSON/JUnit output, and JSON validity on hostile input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktap.h"
#include "ktap_parse.h"
#include "record.h"

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond))                                                               \
			ktap_fail("%s:%d: check failed: %s", __FILE__, __LINE__, #cond);   \
	} while (0)

typedef void (*writer)(FILE *f, const void *arg);

/* Output of @fn as a string (caller frees). */
static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

static void expect_text(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want)) {
		ktap_diag("want:\n%s", want);
		ktap_diag("got:\n%s", got);
		ktap_fail("%s differs", what);
	}
}

/* ---- a small strict JSON checker, so escaping bugs show up as invalid documents ---- */

static const char *j_value(const char *p);

static const char *j_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *j_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *j_seq(const char *p, char close, bool object)
{
	p = j_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (object) {
			p = j_string(j_ws(p));
			if (!p || *(p = j_ws(p)) != ':')
				return NULL;
			p++;
		}
		p = j_value(p);
		if (!p)
			return NULL;
		p = j_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *j_value(const char *p)
{
	p = j_ws(p);
	if (*p == '{')
		return j_seq(p, '}', true);
	if (*p == '[')
		return j_seq(p, ']', false);
	if (*p == '"')
		return j_string(p);
	if (!strncmp(p, "null", 4) || !strncmp(p, "true", 4))
		return p + 4;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		p += *p == '-';
		while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == '-')
			p++;
		return p;
	}
	return NULL;
}

static bool json_valid(const char *doc)
{
	const char *end = j_value(doc);

	return end && !*j_ws(end);
}

/* ---- cases ---- */

static void w_json_str(FILE *f, const void *s) { record_json_str(f, s); }
static void w_xml_str(FILE *f, const void *s) { record_xml_str(f, s); }

static void t_escape(const void *arg)
{
	static const char hostile[] = "q\" b\\ n\n t\t c\x01 e\xc3\xa9 4\xf0\x9f\x98\x80"
				      " bad\xff over\xc0\xaf sur\xed\xa0\x80 cut\xe2\x82";
	char *s = capture(w_json_str, hostile);

	expect_text("json", s,
		    "\"q\\\" b\\\\ n\\n t\\t c\\u0001 e\xc3\xa9 4\xf0\x9f\x98\x80 bad\\ufffd "
		    "over\\ufffd\\ufffd sur\\ufffd\\ufffd\\ufffd cut\\ufffd\\ufffd\"");
	CHECK(json_valid(s));
	free(s);
	s = capture(w_xml_str, "<a href='x'>&\"\x02\r\n\xff");
	expect_text("xml", s, "&lt;a href=&apos;x&apos;&gt;&amp;&quot;?&#10;\xef\xbf\xbd");
	free(s);
	s = capture(w_json_str, NULL);
	expect_text("json null", s, "\"\"");
	free(s);
}

static const char sample[] =
	"TAP version 13\n"
	"# env: kernel=6.8.0-kmat\n"
	"# env: host=box\n"
	"# caps: vm_types=0x3\n"
	"# seed: 99\n"
	"1..5\n"
	"# time abi.a 0.100\n"
	"ok 1 abi.a\n"
	"# bad <thing> & \"q\"\n"
	"not ok 2 abi.b\n"
	"ok 3 hp.c # SKIP no 2M hugetlb pages\n"
	"# timed out after 1s\n"
	"not ok 4 abi.d # TIMEOUT\n"
	"# lost: hp exited with code 1\n";

static void w_json(FILE *f, const void *arg)
{
	const struct record_opts *o = arg;
	struct ktap_log log;

	ktap_log_parse_str(sample, &log);
	CHECK(record_write_json(f, &log, o) == 0);
	ktap_log_free(&log);
}

static void w_junit(FILE *f, const void *arg)
{
	struct ktap_log log;

	ktap_log_parse_str(sample, &log);
	CHECK(record_write_junit(f, &log, arg) == 0);
	ktap_log_free(&log);
}

static void t_json(const void *arg)
{
	static const struct record_kv env[] = { { "kernel", "7.2.0" }, { "source", "qemu" } };
	struct record_opts o = { .env = env, .nenv = 2, .exit_code = -1 };
	char *s = capture(w_json, &o);

	expect_text("record.json", s,
		"{\n"
		"  \"kmat_record\": 1,\n"
		"  \"env\": {\n"
		"    \"kernel\": \"7.2.0\",\n"
		"    \"host\": \"box\",\n"
		"    \"source\": \"qemu\",\n"
		"    \"seed\": 99,\n"
		"    \"caps\": [\"vm_types=0x3\"]\n"
		"  },\n"
		"  \"totals\": {\"total\": 5, \"pass\": 1, \"fail\": 1, \"skip\": 1, \"timeout\": 1, "
		"\"error\": 1, \"xfail\": 0, \"xpass\": 0},\n"
		"  \"exit_code\": 1,\n"
		"  \"plan\": 5,\n"
		"  \"bail_out\": null,\n"
		"  \"warnings\": [\"results missing from 5 of plan 1..5\"],\n"
		"  \"cases\": [\n"
		"    {\"name\": \"abi.a\", \"status\": \"pass\", \"reason\": null, \"duration_s\": 0.100, "
		"\"diag\": []},\n"
		"    {\"name\": \"abi.b\", \"status\": \"fail\", \"reason\": null, \"duration_s\": null, "
		"\"diag\": [\"bad <thing> & \\\"q\\\"\"]},\n"
		"    {\"name\": \"hp.c\", \"status\": \"skip\", \"reason\": \"no 2M hugetlb pages\", "
		"\"duration_s\": null, \"diag\": []},\n"
		"    {\"name\": \"abi.d\", \"status\": \"timeout\", \"reason\": null, "
		"\"duration_s\": null, \"diag\": [\"timed out after 1s\"]},\n"
		"    {\"name\": \"missing.5\", \"status\": \"error\", \"reason\": \"no result line\", "
		"\"duration_s\": null, \"diag\": [\"lost: hp exited with code 1\"]}\n"
		"  ]\n"
		"}\n");
	CHECK(json_valid(s));
	free(s);

	/* Caller's exit code and seed win; empty logs still make valid documents. */
	static const struct record_kv env2[] = { { "seed", "7" } };
	o = (struct record_opts){ .env = env2, .nenv = 1, .exit_code = 3 };
	s = capture(w_json, &o);
	CHECK(strstr(s, "\"exit_code\": 3,") && strstr(s, "\"seed\": 7,") && !strstr(s, "99"));
	CHECK(json_valid(s));
	free(s);
}

static void w_json_text(FILE *f, const void *text)
{
	struct ktap_log log;

	ktap_log_parse_str(text, &log);
	CHECK(record_write_json(f, &log, NULL) == 0);
	ktap_log_free(&log);
}

static void t_json_valid_always(const void *arg)
{
	static const char *const inputs[] = {
		"",
		"garbage\x01\xff\n",
		"TAP version 13\n1..0 # SKIP no kvm\n",
		"TAP version 13\n# env: weird\"key=v\\al\n# env: =x\n1..1\nBail out! \"x\"\n",
		"TAP version 13\n1..2\nok 1 \xff\xfe\n# \x1b[31mred\nnot ok 2 \"q\" # TODO \\\n",
	};

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		char *s = capture(w_json_text, inputs[i]);

		if (!json_valid(s))
			ktap_fail("invalid JSON for input %zu:\n%s", i, s);
		free(s);
	}
}

static void t_junit(const void *arg)
{
	struct record_opts o = { .exit_code = -1, .name = "kmat-host" };
	char *s = capture(w_junit, &o);

	expect_text("junit.xml", s,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"kmat-host\" tests=\"5\" failures=\"2\" errors=\"1\" skipped=\"1\" "
		"time=\"0.100\">\n"
		"  <testsuite name=\"abi\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\" "
		"time=\"0.100\">\n"
		"    <properties>\n"
		"      <property name=\"seed\" value=\"99\"/>\n"
		"      <property name=\"kernel\" value=\"6.8.0-kmat\"/>\n"
		"      <property name=\"host\" value=\"box\"/>\n"
		"    </properties>\n"
		"    <testcase name=\"abi.a\" classname=\"abi\" time=\"0.100\">\n"
		"    </testcase>\n"
		"    <testcase name=\"abi.b\" classname=\"abi\">\n"
		"      <failure type=\"fail\" message=\"bad &lt;thing&gt; &amp; &quot;q&quot;\">"
		"bad &lt;thing&gt; &amp; &quot;q&quot;&#10;</failure>\n"
		"    </testcase>\n"
		"    <testcase name=\"abi.d\" classname=\"abi\">\n"
		"      <failure type=\"timeout\" message=\"TIMEOUT\">"
		"timed out after 1s&#10;</failure>\n"
		"    </testcase>\n"
		"  </testsuite>\n"
		"  <testsuite name=\"hp\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\" "
		"time=\"0.000\">\n"
		"    <properties>\n"
		"      <property name=\"seed\" value=\"99\"/>\n"
		"      <property name=\"kernel\" value=\"6.8.0-kmat\"/>\n"
		"      <property name=\"host\" value=\"box\"/>\n"
		"    </properties>\n"
		"    <testcase name=\"hp.c\" classname=\"hp\">\n"
		"      <skipped message=\"no 2M hugetlb pages\"/>\n"
		"    </testcase>\n"
		"  </testsuite>\n"
		"  <testsuite name=\"missing\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" "
		"time=\"0.000\">\n"
		"    <properties>\n"
		"      <property name=\"seed\" value=\"99\"/>\n"
		"      <property name=\"kernel\" value=\"6.8.0-kmat\"/>\n"
		"      <property name=\"host\" value=\"box\"/>\n"
		"    </properties>\n"
		"    <testcase name=\"missing.5\" classname=\"missing\">\n"
		"      <error type=\"error\" message=\"no result line\">"
		"lost: hp exited with code 1&#10;</error>\n"
		"    </testcase>\n"
		"  </testsuite>\n"
		"</testsuites>\n");
	free(s);
}

static void t_dir(const void *arg)
{
	char dir[64] = "/tmp/record_test.XXXXXX", sub[128], path[160];
	struct ktap_log log;
	struct stat st;

	CHECK(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
	ktap_log_parse_str(sample, &log);
	CHECK(record_write_dir(sub, &log, NULL) == 0);
	snprintf(path, sizeof(path), "%s/record.json", sub);
	CHECK(stat(path, &st) == 0 && st.st_size > 100);
	unlink(path);
	snprintf(path, sizeof(path), "%s/junit.xml", sub);
	CHECK(stat(path, &st) == 0 && st.st_size > 100);
	unlink(path);
	/* A file where a directory should be is an error, not a crash. */
	snprintf(path, sizeof(path), "%s/a/b/c/file", dir);
	fclose(fopen(path, "w"));
	snprintf(sub, sizeof(sub), "%s/a/b/c/file/d", dir);
	CHECK(record_write_dir(sub, &log, NULL) == -1);
	unlink(path);
	ktap_log_free(&log);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", dir, i == 0 ? "/a/b/c" : i == 1 ? "/a/b" : "/a");
		CHECK(rmdir(path) == 0);
	}
	CHECK(rmdir(dir) == 0);
}

int main(int argc, char **argv)
{
	ktap_add("record.escape.json_xml", t_escape, NULL);
	ktap_add("record.json.exact", t_json, NULL);
	ktap_add("record.json.valid_on_hostile_input", t_json_valid_always, NULL);
	ktap_add("record.junit.exact", t_junit, NULL);
	ktap_add("record.dir.write", t_dir, NULL);
	ktap_parse_args(argc, argv, NULL);
	return ktap_run();
}
