/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMAT_NUMA_UTIL_H
#define KMAT_NUMA_UTIL_H

/* Nodes with memory this process may use; 0 when libnuma says NUMA is unavailable. */
int kmat_numa_nodes(void);

#endif
