// SPDX-License-Identifier: GPL-2.0
/* libnuma glue: its warnings must stay out of the KTAP stream. */
#include <numa.h>
#include <stdarg.h>
#include <stdio.h>

#include "numa_util.h"

/* libnuma calls these weak hooks; ours turn its messages into diagnostics on stderr. */
void numa_warn(int num, char *fmt, ...)
{
	va_list ap;

	(void)num;
	fprintf(stderr, "kmat: libnuma: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void numa_error(char *where)
{
	fprintf(stderr, "kmat: libnuma: %s failed\n", where);
}

int kmat_numa_nodes(void)
{
	struct bitmask *allowed;
	int n = 0;

	if (numa_available() < 0)
		return 0;
	allowed = numa_get_mems_allowed();
	for (int i = 0; i <= numa_max_node(); i++)
		if (numa_bitmask_isbitset(allowed, i) && numa_node_size64(i, NULL) > 0)
			n++;
	numa_bitmask_free(allowed);
	return n;
}
