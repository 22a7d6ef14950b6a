// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end tests of build/kmat against fake suites. The fakes are this very binary, symlinked
 * under suite names into a temporary KMAT_SUITES_DIR; argv[0] picks the behaviour: pass/fail/
 * skip, die mid-way, skip everything, hang past SIGTERM, fail to list, report surprises.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktap.h"
#include "subproc.h"

/* ---- the fake suites -------------------------------------------------------------------- */

static const char *fake;
static const char *flavor;

static void c_pass(const void *arg) { }
static void c_fail(const void *arg) { ktap_fail("%s broke", fake); }
static void c_skip(const void *arg) { ktap_skip(KTAP_SKIP_NO_THP, NULL); }
static void c_kill_harness(const void *arg) { kill(getppid(), SIGKILL); pause(); }
static void c_slow(const void *arg)
{
	ktap_diag("%s started", fake);
	sleep(30);
}
static void c_show(const void *arg)
{
	ktap_diag("%s timeout=%u seed=%llu", fake, ktap_case_timeout(),
		  (unsigned long long)ktap_seed());
}
static void set_flavor(const char *v) { flavor = v; }

static int fake_harness(int argc, char **argv)
{
	static const struct ktap_opt extra[] = {
		{ "flavor", required_argument, "adds <suite>.flavored", set_flavor },
		{ NULL },
	};
	char name[64];

	ktap_parse_args(argc, argv, extra);
#define ADD(n, fn) (snprintf(name, sizeof(name), "%s." n, fake), ktap_add(name, fn, NULL))
	if (!strcmp(fake, "alpha")) {
		ADD("pass", c_pass);
		ADD("fail", c_fail);
		ADD("skip", c_skip);
	} else if (!strcmp(fake, "beta")) {
		ADD("one", c_pass);
		ADD("die", c_kill_harness);
		ADD("three", c_pass);
	} else if (!strcmp(fake, "gamma")) {
		ADD("a", c_pass);
		ADD("b", c_pass);
		ktap_main_skip(KTAP_SKIP_NO_KVM, "fake");
	} else if (!strcmp(fake, "omega")) {
		ADD("slow", c_slow);
		ADD("after", c_pass);
	} else {
		ADD("one", c_show);
	}
	if (flavor)
		ADD("flavored", c_pass);
	ktap_header();
	ktap_diag("caps: shared line");
	ktap_diag("caps: %s line", fake);
	return ktap_run();
}

static bool has_arg(int argc, char **argv, const char *a)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], a))
			return true;
	return false;
}

/* Fakes that are not harness users: they misbehave in ways the harness never would. */
static int fake_raw(int argc, char **argv)
{
	bool list = has_arg(argc, argv, "--list");

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(fake, "delta")) { /* ignores SIGTERM and hangs */
		if (list) {
			printf("delta.x\ndelta.y\n");
			return 0;
		}
		signal(SIGTERM, SIG_IGN);
		printf("TAP version 13\n1..2\nok 1 delta.x\n");
		for (;;)
			pause();
	}
	if (!strcmp(fake, "epsilon")) { /* cannot even list */
		fprintf(stderr, "epsilon: no\n");
		return 3;
	}
	if (!strcmp(fake, "eta")) { /* reports a case it never listed */
		printf(list ? "eta.a\n" : "TAP version 13\n1..1\nok 1 eta.a\nok 2 eta.surprise\n");
		return 0;
	}
	if (!strcmp(fake, "theta")) { /* crashes after reporting everything */
		printf(list ? "theta.a\n" : "TAP version 13\n1..1\nok 1 theta.a\n");
		if (!list)
			kill(getpid(), SIGUSR1);
		return 0;
	}
	if (!strcmp(fake, "dupe")) { /* claims a name alpha owns */
		printf(list ? "alpha.pass\n" : "TAP version 13\n1..1\nok 1 alpha.pass\n");
		return 0;
	}
	return 99;
}

static const char *const harness_fakes[] = { "alpha", "beta", "gamma", "omega", "psi" };
static const char *const raw_fakes[] = { "delta", "epsilon", "eta", "theta", "dupe" };

/* ---- the checks ------------------------------------------------------------------------- */

static char tmpdir[64], kmat[PATH_MAX];

struct proc {
	int code; /* exit code, or 128 + signal */
	char *out, *err;
};

static char *slurp_path(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return strdup("");
	getdelim(&buf, &len, 0, f);
	fclose(f);
	return buf ? buf : strdup("");
}

/* Runs @prog with @args; SIGTERM once stdout shows @term_after. Bounded by 60s. */
static struct proc run(const char *prog, const char *const *args, const char *const *env,
		       const char *term_after)
{
	char *argv[40] = { (char *)prog }, dir[160];
	const char *envv[40] = {
		dir,
		"KMAT_KVM_DEV=/dev/null", /* hosts without KVM can test the runner */
		"KMAT_TERM_GRACE=1",
		"KMAT_LANE",
	};
	struct subproc sp;
	size_t n = 1, e = 4;

	snprintf(dir, sizeof(dir), "KMAT_SUITES_DIR=%s/suites", tmpdir);
	for (; args && *args && n < 39; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	for (; env && *env && e < 39; env++)
		envv[e++] = *env;
	envv[e] = NULL;
	subproc_run(prog, argv, envv, term_after, SIGTERM, 60, prog, &sp);
	return (struct proc){ .code = sp.sig ? 128 + sp.sig : sp.code, .out = sp.out,
			      .err = sp.err };
}

/* Drops the host-specific "# env:" lines and masks durations, for exact comparisons. */
static char *normalize(const char *text)
{
	char *res = calloc(1, strlen(text) + 1), *o = res;

	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l + 1) : strlen(l);

		if (!strncmp(l, "# env: ", 7)) {
		} else if (!strncmp(l, "# time ", 7)) {
			const char *sp = memrchr(l, ' ', len);

			memcpy(o, l, sp - l);
			o += sp - l;
			o += sprintf(o, " T\n");
		} else {
			memcpy(o, l, len);
			o += len;
		}
		l += len;
	}
	return res;
}

static void expect(const struct proc *p, const char *want, int code)
{
	char *got = normalize(p->out);

	if (strcmp(got, want) || p->code != code) {
		ktap_diag("want:\n%s", want);
		ktap_diag("got:\n%s", got);
		ktap_diag("stderr:\n%s", p->err);
		ktap_fail("exit code %d, want %d", p->code, code);
	}
	free(got);
}

static void expect_has(const char *text, const char *needle, const char *what)
{
	if (!strstr(text, needle)) {
		ktap_diag("%s:\n%s", what, text);
		ktap_fail("%s lacks \"%s\"", what, needle);
	}
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void t_merge(const void *arg)
{
	struct proc p = run(kmat, ARGS("run", "-s", "alpha", "-s", "beta", "--seed", "5"), NULL,
			    NULL);

	expect(&p,
	       "TAP version 13\n"
	       "# seed: 5\n"
	       "1..6\n"
	       "# caps: shared line\n"
	       "# caps: alpha line\n"
	       "# time alpha.pass T\n"
	       "ok 1 alpha.pass\n"
	       "# alpha broke\n"
	       "# time alpha.fail T\n"
	       "not ok 2 alpha.fail\n"
	       "# time alpha.skip T\n"
	       "ok 3 alpha.skip # SKIP THP unavailable\n"
	       "# caps: beta line\n"
	       "# time beta.one T\n"
	       "ok 4 beta.one\n"
	       "# lost: beta killed by signal 9 (SIGKILL)\n"
	       "not ok 5 beta.die\n"
	       "# lost: beta killed by signal 9 (SIGKILL)\n"
	       "not ok 6 beta.three\n"
	       "# Totals: pass:2 fail:3 xfail:0 xpass:0 skip:1 error:0\n",
	       1);
	expect_has(p.out, "# env: kernel=", "stdout");
	expect_has(p.out, "# env: source=host\n", "stdout");
}

static void t_skip_all(const void *arg)
{
	struct proc p = run(kmat, ARGS("run", "-s", "gamma", "--seed", "1"), NULL, NULL);

	expect(&p, "TAP version 13\n# seed: 1\n1..2\n"
		   "ok 1 gamma.a # SKIP no /dev/kvm: fake\n"
		   "ok 2 gamma.b # SKIP no /dev/kvm: fake\n"
		   "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:2 error:0\n", 4);
	p = run(kmat, ARGS("run", "-s", "alpha", "-t", "nomatch", "--seed", "1"), NULL, NULL);
	expect(&p, "TAP version 13\n# seed: 1\n1..0 # SKIP no case matches the filter\n"
		   "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 error:0\n", 4);
	p = run(kmat, ARGS("run", "--seed", "1"), ARGS("KMAT_KVM_DEV=/nonexistent/kvm"), NULL);
	expect(&p, "TAP version 13\n1..0 # SKIP no /dev/kvm: No such file or directory\n", 4);
}

static void t_hang(const void *arg)
{
	double t0 = ktap_now();
	struct proc p = run(kmat, ARGS("run", "-s", "delta", "--seed", "1", "--timeout", "1"),
			    NULL, NULL);

	expect(&p, "TAP version 13\n# seed: 1\n1..2\n"
		   "ok 1 delta.x\n"
		   "# lost: delta timed out after 3s, killed by signal 9 (SIGKILL)\n"
		   "not ok 2 delta.y\n"
		   "# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:0 error:0\n", 1);
	if (ktap_now() - t0 > 10)
		ktap_fail("took %.1fs; budget 3s + grace 1s", ktap_now() - t0);
}

static void t_broken_binaries(const void *arg)
{
	struct proc p = run(kmat, ARGS("run", "-s", "epsilon", "-s", "eta", "-s", "theta",
				       "--seed", "1"), NULL, NULL);

	expect(&p, "TAP version 13\n# seed: 1\n1..3\n"
		   "# lost: epsilon --list exited with code 3\n"
		   "not ok 1 epsilon\n"
		   "ok 2 eta.a\n"
		   "# eta: unlisted result: ok 2 eta.surprise\n"
		   "ok 3 theta.a\n"
		   "# theta: killed by signal 10 (SIGUSR1)\n"
		   "# Totals: pass:2 fail:1 xfail:0 xpass:0 skip:0 error:0\n", 1);
	p = run(kmat, ARGS("run", "-s", "eta", "--seed", "1"), NULL, NULL);
	if (p.code != 1)
		ktap_fail("an unlisted result must fail the run (exit %d)", p.code);
	p = run(kmat, ARGS("run", "-s", "alpha", "-s", "dupe", "-t", "*.pass", "--seed", "1"),
		NULL, NULL);
	expect_has(p.out, "# duplicate case name alpha.pass in alpha and dupe\n", "stdout");
	if (p.code != 1)
		ktap_fail("duplicate names must fail the run (exit %d)", p.code);
}

static void t_filter_passthrough(const void *arg)
{
	struct proc p = run(kmat, ARGS("run", "-s", "alpha", "-t", "alpha.p*", "-t", "*.skip",
				       "--seed", "77", "--timeout", "9", "--", "--flavor=x"),
			    NULL, NULL);

	expect(&p, "TAP version 13\n# seed: 77\n1..2\n# caps: shared line\n# caps: alpha line\n"
		   "# time alpha.pass T\nok 1 alpha.pass\n"
		   "# time alpha.skip T\nok 2 alpha.skip # SKIP THP unavailable\n"
		   "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:1 error:0\n", 0);
	p = run(kmat, ARGS("run", "-s", "psi", "--seed", "3", "--timeout", "11", "--", "--flavor",
			   "y"), NULL, NULL);
	expect_has(p.out, "1..2\n", "stdout");
	expect_has(p.out, "# psi timeout=11 seed=3\n", "stdout");
	expect_has(p.out, "ok 2 psi.flavored\n", "stdout");
}

static void t_sigterm(const void *arg)
{
	struct proc p = run(kmat, ARGS("run", "-s", "omega", "-s", "psi", "--seed", "1"), NULL,
			    "# omega started");

	expect(&p, "TAP version 13\n# seed: 1\n1..3\n# caps: shared line\n# caps: omega line\n"
		   "# omega started\n"
		   "# terminated by SIGTERM during the case\n"
		   "# time omega.slow T\n"
		   "not ok 1 omega.slow # TIMEOUT\n"
		   "ok 2 omega.after # SKIP not run: terminated\n"
		   "ok 3 psi.one # SKIP not run: terminated\n"
		   "# kmat: terminated by SIGTERM\n"
		   "# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:2 error:0\n", 1);
}

static void t_output(const void *arg)
{
	char dir[128], path[400], *log, *json, *junit;
	struct proc p;

	snprintf(dir, sizeof(dir), "%s/out/run1", tmpdir);
	p = run(kmat, ARGS("run", "-s", "alpha", "--seed", "2", "--output", dir,
			   "--env", "lab=ci"), NULL, NULL);
	if (p.code != 1)
		ktap_fail("exit %d", p.code);
	snprintf(path, sizeof(path), "%s/ktap.log", dir);
	log = slurp_path(path);
	if (strcmp(log, p.out))
		ktap_fail("ktap.log differs from stdout:\n%s", log);
	snprintf(path, sizeof(path), "%s/record.json", dir);
	json = slurp_path(path);
	expect_has(json, "\"kmat_record\": 1", "record.json");
	expect_has(json, "\"lab\": \"ci\"", "record.json");
	expect_has(json, "\"kernel\": \"", "record.json");
	expect_has(json, "\"seed\": 2,", "record.json");
	expect_has(json, "\"caps\": [\"shared line\", \"alpha line\"]", "record.json");
	expect_has(json, "\"exit_code\": 1,", "record.json");
	expect_has(json, "{\"name\": \"alpha.fail\", \"status\": \"fail\", \"reason\": null, "
			 "\"duration_s\": 0.", "record.json");
	expect_has(json, "\"diag\": [\"alpha broke\"]}", "record.json");
	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	junit = slurp_path(path);
	expect_has(junit, "<testsuite name=\"alpha\" tests=\"3\" failures=\"1\" errors=\"0\" "
			  "skipped=\"1\"", "junit.xml");
	free(log);
	free(json);
	free(junit);

	/* The QEMU lane: records rebuilt from a log that came home, plus what it expected. */
	char names[160], dir2[160];

	snprintf(path, sizeof(path), "%s/guest.log", tmpdir);
	FILE *f = fopen(path, "w");
	fputs("boot noise\nTAP version 13\n# env: kernel=7.2.0-kmat\n1..3\nok 1 abi.a\n"
	      "# panic coming\n", f);
	fclose(f);
	snprintf(names, sizeof(names), "%s/names", tmpdir);
	f = fopen(names, "w");
	fputs("abi.a\nabi.b\nabi.c\n", f);
	fclose(f);
	snprintf(dir2, sizeof(dir2), "%s/out/run2", tmpdir);
	p = run(kmat, ARGS("record", path, "--output", dir2, "--env", "source=qemu",
			   "--expect", names, "--exit-code", "1"), NULL, NULL);
	if (p.code)
		ktap_fail("kmat record exit %d: %s", p.code, p.err);
	snprintf(path, sizeof(path), "%s/record.json", dir2);
	json = slurp_path(path);
	expect_has(json, "\"kernel\": \"7.2.0-kmat\",\n    \"source\": \"qemu\"", "record.json");
	expect_has(json, "{\"name\": \"abi.b\", \"status\": \"error\", \"reason\": \"no result "
			 "line\", \"duration_s\": null, \"diag\": [\"panic coming\"]}", "record.json");
	expect_has(json, "\"name\": \"abi.c\", \"status\": \"error\"", "record.json");
	expect_has(json, "\"exit_code\": 1,", "record.json");
	free(json);
	snprintf(path, sizeof(path), "%s/ktap.log", dir2);
	log = slurp_path(path);
	expect_has(log, "boot noise\nTAP version 13\n", "copied ktap.log");
	free(log);
	p = run(kmat, ARGS("record", "/nonexistent/log"), NULL, NULL);
	if (p.code != 1)
		ktap_fail("record of a missing log: exit %d", p.code);
}

static void t_list(const void *arg)
{
	struct proc p = run(kmat, ARGS("list", "-s", "alpha", "-s", "beta"), NULL, NULL);

	expect(&p, "alpha.pass\nalpha.fail\nalpha.skip\nbeta.one\nbeta.die\nbeta.three\n", 0);
	p = run(kmat, ARGS("list", "-t", "*.one", "-s", "[bp]*"), NULL, NULL);
	expect(&p, "beta.one\npsi.one\n", 0);
	p = run(kmat, ARGS("list", "-s", "gamma"), NULL, NULL);
	expect(&p, "gamma.a\ngamma.b\n", 0);
	p = run(kmat, ARGS("list", "-s", "epsilon"), NULL, NULL);
	expect(&p, "", 1);
	expect_has(p.err, "kmat list: epsilon --list exited with code 3", "stderr");
}

static void t_args(const void *arg)
{
	static const struct {
		const char *a[4];
		int code;
		const char *err;
	} tab[] = {
		{ { "run", "--bogus" }, 2, "kmat run: unknown option '--bogus'\nusage: kmat run" },
		{ { "run", "-x" }, 2, "kmat run: unknown option '-x'\n" },
		{ { "run", "stray" }, 2, "kmat run: unexpected argument 'stray'" },
		{ { "run", "--timeout", "0" }, 2, "--timeout: expected seconds" },
		{ { "run", "--seed" }, 2, "option '--seed' needs an argument" },
		{ { "run", "--env", "novalue" }, 2, "--env: expected KEY=VALUE" },
		{ { "run", "-s", "nosuch" }, 2, "kmat: no suite matches 'nosuch'" },
		{ { "list", "--bogus" }, 2, "kmat list: unknown option '--bogus'" },
		{ { "record" }, 2, "kmat record: expected one KTAP_LOG" },
		{ { "record", "a", "b" }, 2, "kmat record: expected exactly one KTAP_LOG" },
		{ { "frobnicate" }, 2, "kmat: unknown command 'frobnicate'\nusage: kmat" },
		{ { "../x" }, 2, "kmat: unknown command '../x'" },
		{ { "--bogus" }, 2, "kmat: unknown option '--bogus'" },
		{ { NULL }, 2, "usage: kmat" },
		{ { "--help" }, 0, "" },
		{ { "run", "--help" }, 0, "" },
		{ { "record", "--help" }, 0, "" },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct proc p = run(kmat, tab[i].a, NULL, NULL);

		if (p.code != tab[i].code || !strstr(p.err, tab[i].err) ||
		    (tab[i].code == 2 && *p.out) || (!tab[i].code && !strstr(p.out, "usage: kmat")))
			ktap_fail("kmat %s %s: exit %d, stdout \"%s\", stderr \"%s\"",
				  tab[i].a[0] ?: "", tab[i].a[1] ?: "", p.code, p.out, p.err);
	}
}

static void t_subcommands(const void *arg)
{
	char bin[128], copy[160], script[160], cmd[2 * PATH_MAX + 16];
	struct proc p;
	FILE *f;

	/* A private copy of kmat, so kmat-<sub> beside it is under the test's control. */
	snprintf(bin, sizeof(bin), "%s/bin", tmpdir);
	mkdir(bin, 0755);
	snprintf(copy, sizeof(copy), "%s/kmat", bin);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", kmat, copy);
	if (system(cmd))
		ktap_fail("%s failed", cmd);
	snprintf(script, sizeof(script), "%s/kmat-bisect", bin);
	f = fopen(script, "w");
	fputs("#!/bin/sh\necho \"args:$*\"\necho \"kmat:$KMAT\"\nexit 7\n", f);
	fclose(f);
	chmod(script, 0755);
	p = run(copy, ARGS("bisect", "a", "b c"), NULL, NULL);
	snprintf(cmd, sizeof(cmd), "args:a b c\nkmat:%s\n", copy);
	if (p.code != 7 || strcmp(p.out, cmd))
		ktap_fail("kmat bisect: exit %d, stdout \"%s\"", p.code, p.out);
	p = run(copy, ARGS("qemu", "--help"), NULL, NULL);
	expect_has(p.err, "kmat: 'kmat qemu' needs ", "stderr");
	expect_has(p.err, "/bin/kmat-qemu, which is missing", "stderr");
	if (p.code != 2)
		ktap_fail("missing kmat-qemu: exit %d", p.code);
}

static void setup(void)
{
	char self[PATH_MAX], link[PATH_MAX], suites[128];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0 || !mkdtemp(strcpy(tmpdir, "/tmp/kmat_test.XXXXXX"))) {
		printf("Bail out! setup: %s\n", strerror(errno));
		exit(1);
	}
	self[n] = 0;
	snprintf(kmat, sizeof(kmat), "%s/../kmat", dirname(strcpy(link, self)));
	snprintf(suites, sizeof(suites), "%s/suites", tmpdir);
	mkdir(suites, 0755);
	for (size_t i = 0; i < 5; i++) {
		snprintf(link, sizeof(link), "%s/%s", suites, harness_fakes[i]);
		symlink(self, link);
		snprintf(link, sizeof(link), "%s/%s", suites, raw_fakes[i]);
		symlink(self, link);
	}
	/* Non-executables in the suites directory are not suites. */
	snprintf(link, sizeof(link), "%s/settings", suites);
	fclose(fopen(link, "w"));
}

int main(int argc, char **argv)
{
	char cmd[128];
	int rc;

	fake = basename(argv[0]);
	for (size_t i = 0; i < 5; i++) {
		if (!strcmp(fake, harness_fakes[i]))
			return fake_harness(argc, argv);
		if (!strcmp(fake, raw_fakes[i]))
			return fake_raw(argc, argv);
	}
	setup();
	ktap_add("kmat.run.merge_and_lost", t_merge, NULL);
	ktap_add("kmat.run.skip_all", t_skip_all, NULL);
	ktap_add("kmat.run.hung_binary", t_hang, NULL);
	ktap_add("kmat.run.broken_binaries", t_broken_binaries, NULL);
	ktap_add("kmat.run.filter_passthrough", t_filter_passthrough, NULL);
	ktap_add("kmat.run.sigterm", t_sigterm, NULL);
	ktap_add("kmat.run.output_and_record", t_output, NULL);
	ktap_add("kmat.list", t_list, NULL);
	ktap_add("kmat.args", t_args, NULL);
	ktap_add("kmat.subcommands", t_subcommands, NULL);
	ktap_parse_args(argc, argv, NULL);
	if (access(kmat, X_OK)) {
		printf("TAP version 13\nBail out! %s missing: build kmat first\n", kmat);
		return 1;
	}
	rc = ktap_run();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) && !rc)
		rc = 1;
	return rc;
}
