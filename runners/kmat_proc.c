// SPDX-License-Identifier: GPL-2.0
/*
 * Child processes for the kmat CLI: stdout through a pipe, line by line, under a budget that
 * ends in SIGTERM, a grace period and SIGKILL to the process group. Every wait has a deadline:
 * a child stuck in the kernel must cost its results, never the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kmat.h"
#include "ktap.h"

#define LINE_MAX_LEN 65536
#define POLL_MS 100
#define REAP_WAIT_S 5.0
#define PIPE_AFTER_EXIT_S 2.0

volatile sig_atomic_t kmat_term_sig;
static sigset_t orig_mask;

static void on_term(int sig)
{
	kmat_term_sig = sig;
}

void kmat_signals_init(void)
{
	struct sigaction sa = { .sa_handler = on_term };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Blocked except inside ppoll(), so a signal can't land between check and sleep. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig_mask);
	/* A reader that went away must not kill kmat before it reports. */
	signal(SIGPIPE, SIG_IGN);
}

void strv_add(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));

	if (!nv) {
		fprintf(stderr, "kmat: out of memory\n");
		exit(1);
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
}

static pid_t spawn(const struct proc_spec *ps, int *out_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(p[1], 1);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (char **e = ps->env_add; e && *e; e++)
			putenv(*e);
		execv(ps->argv[0], ps->argv);
		fprintf(stderr, "kmat: exec %s: %s\n", ps->argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*out_fd = p[0];
	return pid;
}

struct linebuf {
	char *p;
	size_t len, cap;
};

static void feed(const struct proc_spec *ps, struct linebuf *lb, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (lb->len + 1 >= lb->cap) {
			char *np = realloc(lb->p, lb->cap = lb->cap ? 2 * lb->cap : 4096);

			if (!np) {
				fprintf(stderr, "kmat: out of memory\n");
				exit(1);
			}
			lb->p = np;
		}
		if (data[i] != '\n' && lb->len < LINE_MAX_LEN) {
			lb->p[lb->len++] = data[i];
			continue;
		}
		lb->p[lb->len] = 0;
		ps->on_line(ps->ctx, lb->p);
		lb->len = 0;
		if (data[i] != '\n')
			lb->p[lb->len++] = data[i]; /* an overlong line continues as a new one */
	}
}

void proc_run(const struct proc_spec *ps, struct proc_end *pe)
{
	double t0 = ktap_now(), deadline = t0 + ps->budget_s, kill_at = 0, give_up = 0;
	double reaped_at = 0;
	struct linebuf lb = { 0 };
	bool eof = false, term_sent = false;
	sigset_t waitmask;
	pid_t pid;
	int fd = -1;

	memset(pe, 0, sizeof(*pe));
	pid = spawn(ps, &fd);
	if (pid < 0) {
		fprintf(stderr, "kmat: cannot start %s: %s\n", ps->argv[0], strerror(errno));
		return;
	}
	pe->started = true;
	sigemptyset(&waitmask);
	for (;;) {
		double now = ktap_now();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct timespec ts = { 0, POLL_MS * 1000000L };
		char buf[4096];

		if (!term_sent && (kmat_term_sig || now >= deadline)) {
			if (kmat_term_sig)
				pe->terminated = true;
			else
				pe->timed_out = true;
			/* The suite's harness reports its running case on SIGTERM, so ask first. */
			kill(pid, SIGTERM);
			term_sent = true;
			kill_at = now + ps->grace_s;
		}
		if (term_sent && !pe->killed && now >= kill_at) {
			kill(-pid, SIGKILL);
			pe->killed = true;
			give_up = now + REAP_WAIT_S;
		}
		if (!pe->reaped && waitpid(pid, &pe->ws, WNOHANG) == pid) {
			pe->reaped = true;
			reaped_at = now;
		}
		if (pe->reaped && (eof || now >= reaped_at + PIPE_AFTER_EXIT_S))
			break; /* a leftover grandchild may hold the pipe: don't wait on it */
		if (pe->killed && now >= give_up)
			break;
		if (eof) {
			ppoll(NULL, 0, &ts, &waitmask);
			continue;
		}
		if (ppoll(&pfd, 1, &ts, &waitmask) <= 0)
			continue;
		for (;;) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n > 0) {
				feed(ps, &lb, buf, n);
				continue;
			}
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				eof = true;
			break;
		}
	}
	if (lb.len) {
		lb.p[lb.len] = 0;
		ps->on_line(ps->ctx, lb.p);
	}
	/* Unreaped means stuck in the kernel even after SIGKILL: leave it rather than block. */
	free(lb.p);
	close(fd);
	pe->secs = ktap_now() - t0;
}

int proc_exit_code(const struct proc_end *pe)
{
	return pe->reaped && WIFEXITED(pe->ws) ? WEXITSTATUS(pe->ws) : -1;
}

void proc_describe(const struct proc_end *pe, const struct proc_spec *ps, char *buf, size_t len)
{
	char how[96] = "";

	if (!pe->started)
		snprintf(how, sizeof(how), "could not be started");
	else if (!pe->reaped)
		snprintf(how, sizeof(how), "did not exit after SIGKILL");
	else if (WIFSIGNALED(pe->ws))
		snprintf(how, sizeof(how), "killed by signal %d (SIG%s)", WTERMSIG(pe->ws),
			 sigabbrev_np(WTERMSIG(pe->ws)) ?: "?");
	else
		snprintf(how, sizeof(how), "exited with code %d", WEXITSTATUS(pe->ws));
	if (pe->timed_out)
		snprintf(buf, len, "timed out after %.0fs, %s", ps->budget_s, how);
	else if (pe->terminated)
		snprintf(buf, len, "terminated, %s", how);
	else
		snprintf(buf, len, "%s", how);
}
