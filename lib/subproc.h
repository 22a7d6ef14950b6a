/* SPDX-License-Identifier: GPL-2.0 */
/* Run a program to completion with its output captured and a hard deadline (for tests). */
#ifndef KMAT_SUBPROC_H
#define KMAT_SUBPROC_H

struct subproc {
	int code;      /* exit code, or -1 when killed by a signal */
	int sig;       /* the signal, or 0 */
	char *out, *err;
};

/*
 * Runs @path with @argv (argv[0] is only the name the program sees). @env: "K=V" to set and
 * "K" to unset in the child, may be NULL. Once stdout contains @signal_after (unless NULL),
 * @sig is sent once. After @limit_s the child is killed with SIGKILL and a diagnostic names
 * @what.
 */
void subproc_run(const char *path, char *const argv[], const char *const *env,
		 const char *signal_after, int sig, double limit_s, const char *what,
		 struct subproc *p);
void subproc_free(struct subproc *p);

#endif
