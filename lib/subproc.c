// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktap.h"
#include "subproc.h"

static char *slurp_fd(int fd)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, n + 1);

	if (buf && pread(fd, buf, n, 0) != n)
		buf[0] = 0;
	return buf;
}

void subproc_run(const char *path, char *const argv[], const char *const *env,
		 const char *signal_after, int sig, double limit_s, const char *what,
		 struct subproc *p)
{
	int out = memfd_create("out", 0), err = memfd_create("err", 0), ws = 0;
	double deadline = ktap_now() + limit_s;
	pid_t pid = fork();
	bool reaped;

	if (pid == 0) {
		dup2(out, 1);
		dup2(err, 2);
		for (; env && *env; env++) {
			if (strchr(*env, '='))
				putenv((char *)*env);
			else
				unsetenv(*env);
		}
		execv(path, argv);
		_exit(127);
	}
	while (!(reaped = waitpid(pid, &ws, WNOHANG) == pid) && ktap_now() < deadline) {
		if (signal_after) {
			char *o = slurp_fd(out);

			if (o && strstr(o, signal_after)) {
				kill(pid, sig);
				signal_after = NULL;
			}
			free(o);
		}
		usleep(10000);
	}
	if (!reaped) {
		kill(pid, SIGKILL);
		waitpid(pid, &ws, 0);
		ktap_diag("%s did not finish within %.0fs", what, limit_s);
	}
	p->code = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	p->sig = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
	p->out = slurp_fd(out);
	p->err = slurp_fd(err);
	close(out);
	close(err);
}

void subproc_free(struct subproc *p)
{
	free(p->out);
	free(p->err);
	p->out = p->err = NULL;
}
