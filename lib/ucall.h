/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest -> host messages. The guest fills a struct ucall on its stack and hands its address
 * over with one port read on UCALL_PORT (RDI = address); memory is identity mapped, so the host
 * reads the struct straight out of guest memory. Tests carry sub-commands in args[0] of SYNC.
 */
#ifndef KMAT_UCALL_H
#define KMAT_UCALL_H

#include <stdint.h>

#define UCALL_PORT 0xe0
#define KMAT_MAX_VCPUS 16

/*
 * Per-vCPU guest block, reached through the GS base the host sets: the guest's own vCPU index
 * and its progress through the current access pattern, which the host reads (no exit needed)
 * when it reports a failure or timeout.
 */
struct kmat_percpu {
	struct kmat_percpu *self; /* first: %gs:0 yields the block's address */
	uint64_t id;
	uint64_t done, total;
};
extern struct kmat_percpu kmat_percpu[KMAT_MAX_VCPUS];
#define UCALL_MAX_ARGS 6
#define UCALL_BUF_SIZE 256

enum ucall_cmd {
	UCALL_NONE,
	UCALL_SYNC,      /* args[0]: test sub-command */
	UCALL_DONE,
	UCALL_ABORT,     /* buf: "file:line: expr: message" */
	UCALL_PRINTF,    /* buf: text */
	UCALL_EXCEPTION, /* args: vector, error code, rip, cr2, rsp */
};

struct ucall {
	uint64_t cmd;
	uint64_t args[UCALL_MAX_ARGS];
	char buf[UCALL_BUF_SIZE];
};

#endif
