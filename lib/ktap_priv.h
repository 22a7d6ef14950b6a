/* SPDX-License-Identifier: GPL-2.0 */
/* State shared by lib/ktap.c (registry, options, in-case calls) and lib/ktap_run.c (runner). */
#ifndef KMAT_KTAP_PRIV_H
#define KMAT_KTAP_PRIV_H

#include <setjmp.h>
#include <sys/types.h>

#include "ktap.h"

struct ktap_case {
	char *name;
	ktap_fn fn;
	const void *arg;
};

enum { KTAP_RES_NONE, KTAP_RES_PASS, KTAP_RES_FAIL, KTAP_RES_SKIP };

/* Written by the case (child), read by the runner (parent): a MAP_SHARED page. */
struct ktap_shared {
	volatile int status;
	char reason[480];
};

struct ktap_state {
	struct ktap_case *cases;
	size_t ncases, cap;

	const char *prog;
	char **filters;
	size_t nfilters;
	bool list, no_fork, stdout_set, header_done;
	unsigned timeout;
	uint64_t seed;

	struct ktap_shared *res;
	const char *current; /* set only while (and where) a case runs */
	pid_t runner_tid;
	sigjmp_buf nofork_jmp;
};

extern struct ktap_state ktap_g;

void ktap_init_stdout(void);
void ktap_diag_text(const char *text);

#endif
