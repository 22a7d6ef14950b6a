// SPDX-License-Identifier: GPL-2.0
/*
 * Harness tests. The binary re-executes itself as a "subject" suite (KTAP_TEST_SUBJECT=mode)
 * whose cases pass, fail, skip, crash, hang, leave children behind or get SIGTERM, and checks
 * the subject's exact output lines and exit code. The checks themselves run under the harness.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktap.h"
#include "subproc.h"

/* ---- subject side ----------------------------------------------------------------------- */

static void c_pass(const void *arg) { }
static void c_fail(const void *arg) { ktap_fail("boom %d", 42); }
static void c_skip(const void *arg) { ktap_skip(KTAP_SKIP_NO_GMEM, NULL); }
static void c_skip_detail(const void *arg) { ktap_skip(KTAP_SKIP_NO_VM_TYPE, "%s", "SNP"); }
static void c_crash(const void *arg) { raise(SIGUSR1); }
static void c_exit(const void *arg) { _exit(3); }
static void c_hang(const void *arg) { for (;;) pause(); }

static void *thread_fail(void *arg)
{
	ktap_fail("thread says no");
}

static void c_thread_fail(const void *arg)
{
	pthread_t t;

	pthread_create(&t, NULL, thread_fail, NULL);
	pthread_join(t, NULL);
}

/* Forks a sleeper and names it; @arg non-NULL: then hang so the timeout must kill both. */
static void c_grandchild(const void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	ktap_diag("grandchild %d", pid);
	if (arg)
		c_hang(NULL);
}

/* The runner dies under the case (kmat's budget SIGKILL): the case must not live on. */
static void c_kill_runner(const void *arg)
{
	ktap_diag("orphan %d", getpid());
	kill(getppid(), SIGKILL);
	c_hang(NULL);
}

static void c_started_then_hang(const void *arg)
{
	ktap_diag("started");
	c_hang(NULL);
}

static void append_file(const char *env, const char *text)
{
	FILE *f = fopen(getenv(env), "a");

	fputs(text, f);
	fclose(f);
}

static void c_kmsg_warn(const void *arg)
{
	append_file("KMAT_KMSG_PATH", "4,100,5000,-;WARNING: CPU: 0 PID: 1 at arch/x86/kvm/x.c:1\n"
				      " SUBSYSTEM=kvm\n6,101,5001,-;Modules linked in: kvm\n");
}

static void c_kmsg_taint(const void *arg)
{
	FILE *f = fopen(getenv("KMAT_TAINT_PATH"), "w");

	fputs("512\n", f);
	fclose(f);
}

static void c_kmsg_benign(const void *arg)
{
	append_file("KMAT_KMSG_PATH", "6,102,5002,-;kvm: some ordinary message\n");
}

static void c_kmsg_warn_then_skip(const void *arg)
{
	append_file("KMAT_KMSG_PATH", "4,103,5003,c;BUG: unable to handle page fault\n");
	ktap_skip(KTAP_SKIP_NO_GMEM, NULL);
}

static int opt_vcpus = 1, opt_verbose;
static void set_vcpus(const char *v) { opt_vcpus = atoi(v); }
static void set_verbose(const char *v) { opt_verbose = 1; }

static void c_show_opts(const void *arg)
{
	ktap_diag("vcpus=%d verbose=%d timeout=%u seed=%llu", opt_vcpus, opt_verbose,
		  ktap_case_timeout(), (unsigned long long)ktap_seed());
}

static int subject_main(const char *mode, int argc, char **argv)
{
	static const struct ktap_opt extra[] = {
		{ "vcpus", required_argument, "number of vCPUs", set_vcpus },
		{ "verbose", no_argument, "say more", set_verbose },
		{ NULL },
	};

	if (!strcmp(mode, "mixed")) {
		ktap_add("t.pass", c_pass, NULL);
		ktap_add("t.fail", c_fail, NULL);
		ktap_add("t.skip", c_skip, NULL);
		ktap_add("t.skip_detail", c_skip_detail, NULL);
		ktap_add("t.crash", c_crash, NULL);
		ktap_add("t.exit", c_exit, NULL);
		ktap_add("t.hang", c_hang, NULL);
		ktap_add("t.thread_fail", c_thread_fail, NULL);
		ktap_addf(c_pass, NULL, "t.after.%s", "x86");
	} else if (!strcmp(mode, "allpass")) {
		ktap_add("a.one", c_pass, NULL);
		ktap_add("a.two", c_pass, NULL);
	} else if (!strcmp(mode, "allskip")) {
		ktap_add("s.one", c_skip, NULL);
		ktap_add("s.two", c_skip_detail, NULL);
	} else if (!strcmp(mode, "grandchild")) {
		ktap_add("g.leave", c_grandchild, NULL);
		ktap_add("g.hang", c_grandchild, "hang");
	} else if (!strcmp(mode, "orphan")) {
		ktap_add("o.kill_runner", c_kill_runner, NULL);
	} else if (!strcmp(mode, "term")) {
		ktap_add("k.one", c_pass, NULL);
		ktap_add("k.two", c_started_then_hang, NULL);
		ktap_add("k.three", c_pass, NULL);
		ktap_add("k.four", c_pass, NULL);
	} else if (!strcmp(mode, "kmsg")) {
		ktap_add("m.benign", c_kmsg_benign, NULL);
		ktap_add("m.warn", c_kmsg_warn, NULL);
		ktap_add("m.clean", c_pass, NULL);
		ktap_add("m.taint", c_kmsg_taint, NULL);
		ktap_add("m.skip_warn", c_kmsg_warn_then_skip, NULL);
	} else if (!strcmp(mode, "opts")) {
		ktap_add("o.show", c_show_opts, NULL);
	} else if (!strcmp(mode, "dup")) {
		ktap_add("d.same", c_pass, NULL);
		ktap_add("d.same", c_pass, NULL);
	} else if (!strcmp(mode, "badname")) {
		ktap_add("d.bad name", c_pass, NULL);
	} else if (!strcmp(mode, "mainskip")) {
		ktap_add("ms.one", c_pass, NULL);
		ktap_parse_args(argc, argv, NULL);
		ktap_main_skip(KTAP_SKIP_NO_KVM, "ENOENT");
	} else if (!strcmp(mode, "setupfail")) {
		ktap_parse_args(argc, argv, NULL);
		ktap_header();
		ktap_fail("setup broke");
	}
	ktap_parse_args(argc, argv, extra);
	ktap_header();
	ktap_diag("caps: fake banner");
	return ktap_run();
}

/* ---- checking side ---------------------------------------------------------------------- */

static char tmpdir[64];

/*
 * Runs the subject in @mode with @args (NULL-terminated). If @term_after is set, sends
 * @term_sig once stdout contains it. @env: extra "K=V" strings, NULL-terminated, may be NULL.
 */
static struct subproc run_subject(const char *mode, const char *const *args,
				  const char *const *env, const char *term_after, int term_sig)
{
	char *argv[32] = { "ktap_test" };
	const char *envv[40];
	char kmsg[128], taint[128], subject[64], kmsg_env[160], taint_env[160];
	struct subproc p;
	size_t n = 1, e = 0;
	FILE *t;

	snprintf(kmsg, sizeof(kmsg), "%s/kmsg", tmpdir);
	snprintf(taint, sizeof(taint), "%s/taint", tmpdir);
	fclose(fopen(kmsg, "w"));
	t = fopen(taint, "w");
	fputs("0\n", t);
	fclose(t);
	for (; args && *args && n < 31; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	/* Deterministic kernel log: private files unless the mode overrides them. */
	snprintf(subject, sizeof(subject), "KTAP_TEST_SUBJECT=%s", mode);
	snprintf(kmsg_env, sizeof(kmsg_env), "KMAT_KMSG_PATH=%s", kmsg);
	snprintf(taint_env, sizeof(taint_env), "KMAT_TAINT_PATH=%s", taint);
	envv[e++] = subject;
	envv[e++] = kmsg_env;
	envv[e++] = taint_env;
	envv[e++] = "KMAT_TIMES";
	for (; env && *env && e < 39; env++)
		envv[e++] = *env;
	envv[e] = NULL;
	subproc_run("/proc/self/exe", argv, envv, term_after, term_sig, 60, mode, &p);
	return p;
}

static void show(const char *what, const char *text)
{
	ktap_diag("%s:", what);
	ktap_diag("%s", text);
}

static void expect_out(const struct subproc *p, const char *want, int code)
{
	if (strcmp(p->out, want) || p->code != code) {
		show("expected stdout", want);
		show("got stdout", p->out);
		show("got stderr", p->err);
		ktap_fail("exit code %d (signal %d), want %d", p->code, p->sig, code);
	}
}

static void expect_has(const struct subproc *p, const char *s, const char *where)
{
	if (!strstr(strcmp(where, "err") ? p->out : p->err, s)) {
		show("got stdout", p->out);
		show("got stderr", p->err);
		ktap_fail("%s lacks \"%s\"", where, s);
	}
}

static void expect_code(const struct subproc *p, int code)
{
	if (p->code != code) {
		show("got stdout", p->out);
		show("got stderr", p->err);
		ktap_fail("exit code %d (signal %d), want %d", p->code, p->sig, code);
	}
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void t_mixed(const void *arg)
{
	struct subproc p = run_subject("mixed", ARGS("--timeout", "1", "--seed", "7"), NULL, NULL, 0);

	expect_out(&p,
		   "TAP version 13\n"
		   "# caps: fake banner\n"
		   "# seed: 7\n"
		   "1..9\n"
		   "ok 1 t.pass\n"
		   "# boom 42\n"
		   "not ok 2 t.fail\n"
		   "ok 3 t.skip # SKIP no guest_memfd\n"
		   "ok 4 t.skip_detail # SKIP VM type not offered: SNP\n"
		   "# case killed by signal 10 (SIGUSR1)\n"
		   "not ok 5 t.crash\n"
		   "# case exited with code 3 without a result (exit() in a case?)\n"
		   "not ok 6 t.exit\n"
		   "# timed out after 1s\n"
		   "not ok 7 t.hang # TIMEOUT\n"
		   "# thread says no\n"
		   "not ok 8 t.thread_fail\n"
		   "ok 9 t.after.x86\n"
		   "# Totals: pass:2 fail:5 xfail:0 xpass:0 skip:2 error:0\n",
		   1);
}

static void t_exit_codes(const void *arg)
{
	struct subproc p = run_subject("allpass", ARGS("--seed", "1"), NULL, NULL, 0);

	expect_code(&p, 0);
	expect_has(&p, "ok 2 a.two\n# Totals: pass:2 fail:0", "out");
	p = run_subject("allskip", ARGS("--seed", "1"), NULL, NULL, 0);
	expect_code(&p, 4);
	p = run_subject("allpass", ARGS("--seed", "1", "-t", "nomatch*"), NULL, NULL, 0);
	expect_out(&p, "TAP version 13\n# caps: fake banner\n# seed: 1\n1..0\n"
		       "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 error:0\n", 4);
	p = run_subject("none", ARGS("--seed", "1"), NULL, NULL, 0);
	expect_code(&p, 4);
}

static void t_list_filter(const void *arg)
{
	struct subproc p = run_subject("mixed", ARGS("--list", "-t", "t.*skip*", "--filter=t.pass"),
				    NULL, NULL, 0);

	expect_out(&p, "t.pass\nt.skip\nt.skip_detail\n", 0);
	p = run_subject("mixed", ARGS("-l"), NULL, NULL, 0);
	expect_out(&p, "t.pass\nt.fail\nt.skip\nt.skip_detail\nt.crash\nt.exit\nt.hang\n"
		       "t.thread_fail\nt.after.x86\n", 0);
	p = run_subject("mixed", ARGS("-t", "t.skip*", "-t", "t.after*", "--seed", "3"), NULL,
			NULL, 0);
	expect_out(&p, "TAP version 13\n# caps: fake banner\n# seed: 3\n1..3\n"
		       "ok 1 t.skip # SKIP no guest_memfd\n"
		       "ok 2 t.skip_detail # SKIP VM type not offered: SNP\n"
		       "ok 3 t.after.x86\n"
		       "# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:2 error:0\n", 0);
}

static void t_seed(const void *arg)
{
	struct subproc p = run_subject("allpass", NULL, NULL, NULL, 0);
	unsigned long long s;

	expect_code(&p, 0);
	if (sscanf(strstr(p.out, "# seed: ") ?: "", "# seed: %llu", &s) != 1)
		ktap_fail("no seed line in: %s", p.out);
	p = run_subject("opts", ARGS("--seed", "0x10", "--timeout", "9"), NULL, NULL, 0);
	expect_has(&p, "# seed: 16\n", "out");
	expect_has(&p, "timeout=9 seed=16\n", "out");
}

/* Gone or a zombie nobody reaped yet. */
static bool proc_gone(int pid)
{
	char path[64], st[256] = "";
	FILE *f;
	bool gone;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	gone = !fgets(st, sizeof(st), f) || strstr(st, ") Z ");
	fclose(f);
	return gone;
}

static void t_grandchildren(const void *arg)
{
	struct subproc p = run_subject("grandchild", ARGS("--timeout", "1"), NULL, NULL, 0);
	const char *s = p.out;
	int seen = 0, pid;

	expect_code(&p, 1);
	expect_has(&p, "ok 1 g.leave\n", "out");
	expect_has(&p, "not ok 2 g.hang # TIMEOUT\n", "out");
	usleep(200000);
	while ((s = strstr(s, "# grandchild "))) {
		pid = atoi(s + 13);
		s++;
		seen++;
		if (!proc_gone(pid))
			ktap_fail("grandchild %d survived its case", pid);
	}
	if (seen != 2)
		ktap_fail("saw %d grandchildren, want 2", seen);

	p = run_subject("orphan", NULL, NULL, NULL, 0);
	if (p.sig != SIGKILL || !(s = strstr(p.out, "# orphan ")))
		ktap_fail("runner not killed as planned: signal %d, output:\n%s", p.sig, p.out);
	pid = atoi(s + 9);
	for (int i = 0; i < 100 && !proc_gone(pid); i++)
		usleep(20000);
	if (!proc_gone(pid))
		ktap_fail("case %d outlived its runner", pid);
}

static void t_sigterm(const void *arg)
{
	static const int sigs[] = { SIGTERM, SIGINT };

	for (int i = 0; i < 2; i++) {
		struct subproc p = run_subject("term", ARGS("--seed", "5"), NULL, "# started\n",
					    sigs[i]);
		char want[1024];

		snprintf(want, sizeof(want),
			 "TAP version 13\n# caps: fake banner\n# seed: 5\n1..4\n"
			 "ok 1 k.one\n"
			 "# started\n"
			 "# terminated by SIG%s during the case\n"
			 "not ok 2 k.two # TIMEOUT\n"
			 "ok 3 k.three # SKIP not run: terminated\n"
			 "ok 4 k.four # SKIP not run: terminated\n"
			 "# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:2 error:0\n",
			 sigabbrev_np(sigs[i]));
		expect_out(&p, want, 1);
	}
}

static void t_kmsg(const void *arg)
{
	struct subproc p;
	char path[128];
	FILE *f;

	/* A warning already in the log before the case must not count. */
	p = run_subject("kmsg", ARGS("--seed", "2", "-t", "m.clean"),
			ARGS("KMAT_KMSG_PATH=/nonexistent/kmsg"), NULL, 0);
	expect_has(&p, "# kmsg: /nonexistent/kmsg unreadable (ENOENT): kernel warnings not "
		       "checked\nok 1 m.clean\n", "out");
	snprintf(path, sizeof(path), "%s/kmsg-old", tmpdir);
	f = fopen(path, "w");
	fputs("4,1,1,-;WARNING: CPU: 1 PID: 9 at old.c:1\n", f);
	fclose(f);
	char env[160];
	snprintf(env, sizeof(env), "KMAT_KMSG_PATH=%s", path);
	p = run_subject("kmsg", ARGS("--seed", "2"), ARGS(env), NULL, 0);
	expect_out(&p,
		   "TAP version 13\n# caps: fake banner\n# seed: 2\n1..5\n"
		   "ok 1 m.benign\n"
		   "# kernel reported a problem during the case:\n"
		   "# kmsg: WARNING: CPU: 0 PID: 1 at arch/x86/kvm/x.c:1\n"
		   "# kmsg: Modules linked in: kvm\n"
		   "not ok 2 m.warn\n"
		   "ok 3 m.clean\n"
		   "# kernel reported a problem during the case:\n"
		   "# kmsg: taint changed 0x0 (-) -> 0x200 (W)\n"
		   "not ok 4 m.taint\n"
		   "# kernel reported a problem during the case:\n"
		   "# kmsg: BUG: unable to handle page fault\n"
		   "not ok 5 m.skip_warn\n"
		   "# Totals: pass:2 fail:3 xfail:0 xpass:0 skip:0 error:0\n",
		   1);
}

static void t_times(const void *arg)
{
	struct subproc p = run_subject("allpass", ARGS("--seed", "1"), ARGS("KMAT_TIMES=1"), NULL, 0);
	double a, b;
	const char *s1 = strstr(p.out, "# time a.one "), *s2 = strstr(p.out, "# time a.two ");

	expect_code(&p, 0);
	if (!s1 || !s2 || sscanf(s1, "# time a.one %lf\nok 1 a.one\n", &a) != 1 ||
	    sscanf(s2, "# time a.two %lf", &b) != 1 || a < 0 || a > 5 ||
	    !strstr(p.out, "\nok 1 a.one\n# time a.two"))
		ktap_fail("bad time lines in:\n%s", p.out);
	p = run_subject("allpass", ARGS("--seed", "1"), NULL, NULL, 0);
	if (strstr(p.out, "# time"))
		ktap_fail("time lines without KMAT_TIMES=1");
}

static void t_nofork(const void *arg)
{
	struct subproc p = run_subject("mixed", ARGS("--no-fork", "--seed", "4", "-t", "t.pass",
						  "-t", "t.fail", "-t", "t.skip*", "-t", "t.after*"),
				    NULL, NULL, 0);

	expect_out(&p,
		   "TAP version 13\n# caps: fake banner\n# seed: 4\n1..5\n"
		   "ok 1 t.pass\n# boom 42\nnot ok 2 t.fail\n"
		   "ok 3 t.skip # SKIP no guest_memfd\n"
		   "ok 4 t.skip_detail # SKIP VM type not offered: SNP\n"
		   "ok 5 t.after.x86\n"
		   "# Totals: pass:2 fail:1 xfail:0 xpass:0 skip:2 error:0\n",
		   1);
}

static void t_args(const void *arg)
{
	struct subproc p = run_subject("opts", ARGS("--vcpus", "3", "--verbose", "--seed", "1"), NULL,
				    NULL, 0);

	expect_has(&p, "# vcpus=3 verbose=1 timeout=120 seed=1\nok 1 o.show\n", "out");
	p = run_subject("opts", ARGS("--help"), NULL, NULL, 0);
	expect_code(&p, 0);
	expect_has(&p, "--vcpus ARG", "out");
	expect_has(&p, "number of vCPUs", "out");
	expect_has(&p, "--no-fork", "out");

	static const char *const bad[][3] = {
		{ "--bogus", NULL, "ktap_test: unknown option '--bogus'\nusage: ktap_test" },
		{ "-x", NULL, "ktap_test: unknown option '-x'\n" },
		{ "--timeout", "0", "--timeout: expected seconds" },
		{ "--timeout", "-5", "--timeout: expected seconds" },
		{ "--seed", "abc", "--seed: expected an unsigned 64-bit number, got 'abc'" },
		{ "--vcpus", NULL, "option '--vcpus' needs an argument" },
		{ "-t", NULL, "option '-t' needs an argument" },
		{ "stray", NULL, "unexpected argument 'stray'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = run_subject("opts", ARGS(bad[i][0], bad[i][1]), NULL, NULL, 0);
		expect_code(&p, 2);
		expect_has(&p, bad[i][2], "err");
		if (*p.out)
			ktap_fail("stdout not empty for bad args: %s", p.out);
	}
}

static void t_registry(const void *arg)
{
	struct subproc p = run_subject("dup", NULL, NULL, NULL, 0);

	expect_code(&p, 1);
	expect_has(&p, "ktap: duplicate case name 'd.same'\n", "err");
	p = run_subject("badname", NULL, NULL, NULL, 0);
	expect_code(&p, 1);
	expect_has(&p, "invalid case name", "err");
	if (!ktap_name_valid("abi.flags.bit37") || ktap_name_valid("a/b") || ktap_name_valid(""))
		ktap_fail("ktap_name_valid");
}

static void t_main_skip(const void *arg)
{
	struct subproc p = run_subject("mainskip", NULL, NULL, NULL, 0);

	expect_out(&p, "TAP version 13\n1..0 # SKIP no /dev/kvm: ENOENT\n", 4);
	p = run_subject("mainskip", ARGS("--list"), NULL, NULL, 0);
	expect_out(&p, "ms.one\n", 0);
	p = run_subject("setupfail", NULL, NULL, NULL, 0);
	expect_out(&p, "TAP version 13\n# setup broke\nBail out! setup broke\n", 1);
	for (int r = 0; r < KTAP_SKIP_NR_REASONS; r++)
		if (!ktap_skip_text(r) || !*ktap_skip_text(r))
			ktap_fail("no text for skip reason %d", r);
}

int main(int argc, char **argv)
{
	const char *mode = getenv("KTAP_TEST_SUBJECT");

	if (mode)
		return subject_main(mode, argc, argv);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ktap_test.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	ktap_add("ktap.run.mixed_outcomes", t_mixed, NULL);
	ktap_add("ktap.run.exit_codes", t_exit_codes, NULL);
	ktap_add("ktap.args.list_filter", t_list_filter, NULL);
	ktap_add("ktap.args.seed", t_seed, NULL);
	ktap_add("ktap.run.grandchildren_killed", t_grandchildren, NULL);
	ktap_add("ktap.run.sigterm", t_sigterm, NULL);
	ktap_add("ktap.run.kmsg", t_kmsg, NULL);
	ktap_add("ktap.run.times", t_times, NULL);
	ktap_add("ktap.run.no_fork", t_nofork, NULL);
	ktap_add("ktap.args.errors", t_args, NULL);
	ktap_add("ktap.registry.names", t_registry, NULL);
	ktap_add("ktap.main_skip", t_main_skip, NULL);
	ktap_parse_args(argc, argv, NULL);
	int rc = ktap_run();
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		rc = rc ? rc : 1;
	return rc;
}
