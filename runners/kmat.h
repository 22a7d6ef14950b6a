/* SPDX-License-Identifier: GPL-2.0 */
/* Internals of the kmat CLI (runners/kmat*.c). */
#ifndef KMAT_RUNNER_H
#define KMAT_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* ---- child processes (kmat_proc.c) ---- */

/* SIGTERM/SIGINT received by kmat; 0 if none. Set by the handler kmat_signals_init() installs. */
extern volatile sig_atomic_t kmat_term_sig;
/* Installs the handlers and keeps the signals blocked except while waiting for children. */
void kmat_signals_init(void);

struct proc_spec {
	char **argv;         /* argv[0] is the path */
	char **env_add;      /* "KEY=VALUE" to add, NULL-terminated, may be NULL */
	double budget_s;     /* then SIGTERM, grace_s, SIGKILL to the process group; kmat's own
				SIGTERM/SIGINT is passed on the same way */
	double grace_s;
	void (*on_line)(void *ctx, char *line); /* each stdout line, without the newline */
	void *ctx;
};

struct proc_end {
	bool started, reaped, timed_out, terminated, killed;
	int ws;       /* wait status when reaped */
	double secs;
};

void proc_run(const struct proc_spec *ps, struct proc_end *pe);
/* "exited with code 1", "killed by signal 11 (SIGSEGV)", "timed out after 30s", ... */
void proc_describe(const struct proc_end *pe, const struct proc_spec *ps, char *buf, size_t len);
/* Exit code if it exited normally, else -1. */
int proc_exit_code(const struct proc_end *pe);

/* ---- suites (kmat_suites.c) ---- */

struct suite {
	char *name;   /* binary basename */
	char *path;
	char **cases; /* selected case names, in run order */
	size_t ncases;
	char *skip;   /* whole binary skips: "1..0 # SKIP <skip>" from --list */
	char *broken; /* --list failed: why */
};

struct selection {
	char **suites;    /* -s globs */
	size_t nsuites;
	char **filters;   /* -t globs */
	size_t nfilters;
	char **extra;     /* args after "--" */
	size_t nextra;
};

/* Directory holding kmat itself (for suites/ and kmat-<sub>); NULL if unknown. */
char *kmat_self_dir(const char *argv0);
/* $KMAT_SUITES_DIR, else <self dir>/suites. */
char *kmat_suites_dir(const char *argv0);
/*
 * Executable files in @dir matching the -s globs, sorted by name. With a message on stderr,
 * returns -1 if @dir is unreadable, -2 if a -s glob matches nothing.
 */
int kmat_find_suites(const char *dir, const struct selection *sel, struct suite **out,
		     size_t *n);
/* Fills s->cases (or s->skip / s->broken) by running the binary with --list. */
void kmat_list_suite(struct suite *s, const struct selection *sel);
void kmat_free_suites(struct suite *v, size_t n);
/* "timeout=N" from <dir>/settings, 0 if none. */
unsigned kmat_settings_timeout(const char *dir);

/* ---- commands ---- */

int kmat_cmd_run(const char *argv0, int argc, char **argv);
int kmat_cmd_caps(int argc, char **argv);

/* Pushes @s onto a NULL-terminated, growable string vector. */
void strv_add(char ***v, size_t *n, char *s);

#endif
