// SPDX-License-Identifier: GPL-2.0
/*
 * The runner half of the harness: plan, one forked child per case, deadlines, result lines,
 * totals. SIGCHLD/SIGTERM/SIGINT stay blocked in the parent and are taken with sigtimedwait(),
 * so a termination request can never slip in between two checks and be lost.
 */
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kmsg.h"
#include "ktap.h"
#include "ktap_priv.h"

#define kt ktap_g
#define REAP_GRACE_S 10

enum outcome { OUT_PASS, OUT_FAIL, OUT_SKIP, OUT_TIMEOUT };

struct verdict {
	enum outcome out;
	int term_sig; /* SIGTERM/SIGINT that ended the run during this case, else 0 */
	double secs;
};

double ktap_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool selected(const char *name)
{
	if (!kt.nfilters)
		return true;
	for (size_t i = 0; i < kt.nfilters; i++)
		if (!fnmatch(kt.filters[i], name, 0))
			return true;
	return false;
}

static struct timespec ts_of(double s)
{
	if (s < 0)
		s = 0;
	return (struct timespec){ .tv_sec = (time_t)s,
				  .tv_nsec = (long)((s - (time_t)s) * 1e9) };
}

/* True if a SIGTERM/SIGINT was pending (it is consumed). */
static bool take_term(void)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	return sigtimedwait(&set, NULL, &zero) > 0;
}

/*
 * Waits for @pid until @deadline (monotonic seconds). Returns 1 if reaped (*ws set), 0 on
 * deadline. A SIGTERM/SIGINT seen on the way is stored in *term and, if @stop_on_term, ends
 * the wait early.
 */
static int wait_child(pid_t pid, int *ws, double deadline, int *term, bool stop_on_term)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	for (;;) {
		struct timespec ts;
		siginfo_t si;
		int sig;

		if (waitpid(pid, ws, WNOHANG) == pid)
			return 1;
		ts = ts_of(deadline - ktap_now());
		if (!ts.tv_sec && !ts.tv_nsec)
			return 0;
		sig = sigtimedwait(&set, &si, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			*term = sig;
			if (stop_on_term)
				return 0;
		}
	}
}

static void run_forked(const struct ktap_case *c, struct verdict *v, const sigset_t *orig)
{
	pid_t parent = getpid(), pid;
	double t0 = ktap_now();
	int ws = 0, reaped;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ktap_diag("fork: %s", strerror(errno));
		v->out = OUT_FAIL;
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		/* A case must not outlive a runner that was SIGKILLed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(KSFT_FAIL);
		sigprocmask(SIG_SETMASK, orig, NULL);
		kt.current = c->name;
		c->fn(c->arg);
		kt.res->status = KTAP_RES_PASS;
		fflush(stdout);
		fflush(stderr);
		_exit(KSFT_PASS);
	}
	setpgid(pid, pid); /* also in the parent, so the group exists before any kill */

	reaped = wait_child(pid, &ws, t0 + kt.timeout, &v->term_sig, true);
	v->secs = ktap_now() - t0;
	/* The whole group: threads die with the process, but helpers it forked would not. */
	kill(-pid, SIGKILL);
	if (!reaped) {
		bool by_term = v->term_sig;
		int late_term = 0;

		/* A SIGTERM during this grace still ends the run after this case. */
		reaped = wait_child(pid, &ws, ktap_now() + REAP_GRACE_S, &late_term, false);
		if (!v->term_sig)
			v->term_sig = late_term;
		if (by_term)
			ktap_diag("terminated by SIG%s during the case", sigabbrev_np(v->term_sig));
		else
			ktap_diag("timed out after %us", kt.timeout);
		if (!reaped)
			ktap_diag("case pid %d did not die within %ds of SIGKILL", pid,
				  REAP_GRACE_S);
		v->out = OUT_TIMEOUT;
		return;
	}
	if (WIFSIGNALED(ws)) {
		ktap_diag("case killed by signal %d (SIG%s)", WTERMSIG(ws),
			  sigabbrev_np(WTERMSIG(ws)) ?: "?");
		v->out = OUT_FAIL;
		return;
	}
	switch (kt.res->status) {
	case KTAP_RES_PASS:
		v->out = OUT_PASS;
		break;
	case KTAP_RES_SKIP:
		v->out = OUT_SKIP;
		break;
	case KTAP_RES_FAIL:
		v->out = OUT_FAIL;
		break;
	default:
		ktap_diag("case exited with code %d without a result (exit() in a case?)",
			  WEXITSTATUS(ws));
		v->out = OUT_FAIL;
	}
}

static void run_inline(const struct ktap_case *c, struct verdict *v)
{
	double t0 = ktap_now();

	kt.current = c->name;
	if (!sigsetjmp(kt.nofork_jmp, 1)) {
		c->fn(c->arg);
		kt.res->status = KTAP_RES_PASS;
	}
	kt.current = NULL;
	v->secs = ktap_now() - t0;
	v->out = kt.res->status == KTAP_RES_PASS ? OUT_PASS :
		 kt.res->status == KTAP_RES_SKIP ? OUT_SKIP : OUT_FAIL;
}

static void run_one(const struct ktap_case *c, struct verdict *v, const sigset_t *orig)
{
	char report[2048];

	memset(kt.res, 0, sizeof(*kt.res));
	memset(v, 0, sizeof(*v));
	kmsg_case_begin();
	if (kt.no_fork)
		run_inline(c, v);
	else
		run_forked(c, v, orig);
	if (kmsg_case_end(report, sizeof(report))) {
		ktap_diag("kernel reported a problem during the case:");
		for (char *save = NULL, *l = strtok_r(report, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save))
			ktap_diag("kmsg: %s", l);
		if (v->out == OUT_PASS || v->out == OUT_SKIP)
			v->out = OUT_FAIL;
	}
}

static void print_result(unsigned num, const char *name, const struct verdict *v, bool times)
{
	if (times)
		printf("# time %s %.3f\n", name, v->secs);
	switch (v->out) {
	case OUT_PASS:
		printf("ok %u %s\n", num, name);
		break;
	case OUT_SKIP:
		printf("ok %u %s # SKIP %s\n", num, name, kt.res->reason);
		break;
	case OUT_FAIL:
		printf("not ok %u %s\n", num, name);
		break;
	case OUT_TIMEOUT:
		printf("not ok %u %s # TIMEOUT\n", num, name);
		break;
	}
	fflush(stdout);
}

static void totals(unsigned pass, unsigned fail, unsigned skip)
{
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n", pass, fail, skip);
	fflush(stdout);
}

int ktap_run(void)
{
	size_t *sel, nsel = 0, i;
	unsigned pass = 0, fail = 0, skip = 0;
	bool terminated = false;
	bool times = getenv("KMAT_TIMES") && !strcmp(getenv("KMAT_TIMES"), "1");
	sigset_t block, orig;

	ktap_init_stdout();
	sel = calloc(kt.ncases + 1, sizeof(*sel));
	if (!sel)
		ktap_fail("out of memory");
	for (i = 0; i < kt.ncases; i++)
		if (selected(kt.cases[i].name))
			sel[nsel++] = i;
	if (kt.list) {
		for (i = 0; i < nsel; i++)
			printf("%s\n", kt.cases[sel[i]].name);
		fflush(stdout);
		exit(0);
	}

	ktap_header();
	printf("# seed: %llu\n", (unsigned long long)kt.seed);
	printf("1..%zu\n", nsel);
	kt.res = mmap(NULL, sizeof(*kt.res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (kt.res == MAP_FAILED) {
		printf("Bail out! mmap of the result page failed: %s\n", strerror(errno));
		exit(KSFT_FAIL);
	}
	kt.runner_tid = gettid();
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	signal(SIGCHLD, SIG_DFL); /* SIG_IGN would auto-reap and hide the exit status */
	if (kt.no_fork)
		sigemptyset(&block); /* the debugger owns the signals */
	sigprocmask(SIG_BLOCK, &block, &orig);

	for (i = 0; i < nsel; i++) {
		const struct ktap_case *c = &kt.cases[sel[i]];
		struct verdict v;

		if (!kt.no_fork && take_term()) {
			terminated = true;
			break;
		}
		run_one(c, &v, &orig);
		print_result(i + 1, c->name, &v, times);
		pass += v.out == OUT_PASS;
		skip += v.out == OUT_SKIP;
		fail += v.out == OUT_FAIL || v.out == OUT_TIMEOUT;
		if (v.term_sig) {
			terminated = true;
			i++;
			break;
		}
	}
	if (terminated) {
		/* The runner's timeout: account for every case, then leave. */
		for (; i < nsel; i++, skip++)
			printf("ok %zu %s # SKIP not run: terminated\n", i + 1, kt.cases[sel[i]].name);
		totals(pass, fail, skip);
		exit(KSFT_FAIL);
	}
	totals(pass, fail, skip);
	free(sel);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return fail ? KSFT_FAIL : pass ? KSFT_PASS : KSFT_SKIP;
}
