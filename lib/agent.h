/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest agent: a guest loop that runs one command at a time for the host (probe pages,
 * write or check patterns, touch, ask for a conversion by hypercall) and reports READY between
 * commands. The host side runs a command to completion, handing memory-fault and hypercall
 * exits to hooks, and checks every probe exit's gpa, size and flags.
 */
#ifndef KMAT_AGENT_H
#define KMAT_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "guest.h"

enum agent_op {
	AGENT_NOP,
	AGENT_PROBE,         /* arg0: enum guest_access; per-page probe, faulted pages -> bitmap */
	AGENT_WRITE_PATTERN, /* arg0: seed, arg1: who */
	AGENT_CHECK_PATTERN, /* arg0: seed, arg1: who; result[0] first bad page, result[1] value */
	AGENT_CHECK_ZERO,    /* result[0] first page with a nonzero pattern word, result[1] value */
	AGENT_TOUCH,         /* arg0: enum guest_access */
	AGENT_MAP_GPA,       /* arg0: attributes for KVM_HC_MAP_GPA_RANGE; result[0] = return */
	AGENT_EXIT,
};

#define AGENT_SYNC_READY 0x4a47 /* GUEST_SYNC sub-command between commands */
#define AGENT_BITMAP_PAGES (1u << 16)

struct agent_cmd {
	uint64_t op;
	uint64_t gpa, npages;
	uint64_t arg0, arg1;
	uint64_t result[4];
	uint64_t offset;     /* AGENT_PROBE: byte offset of the access inside each page */
};

/* Guest side (one slot per vCPU index). */
extern struct agent_cmd kmat_agent_cmd[];
extern uint64_t kmat_agent_bitmap[][AGENT_BITMAP_PAGES / 64];
void guest_agent(uint64_t vcpu_index);

#ifndef KMAT_GUEST_ONLY
#include "vcpu.h"

struct agent_hooks {
	/* A KVM_EXIT_MEMORY_FAULT outside a probe: return true to resume the vCPU. */
	bool (*memory_fault)(struct kvm_vcpu *vcpu, const struct kmat_memory_fault_exit *mf,
			     void *ctx);
	/* A KVM_EXIT_HYPERCALL: set run->hypercall.ret and return true to resume. */
	bool (*hypercall)(struct kvm_vcpu *vcpu, void *ctx);
	void *ctx;
};

struct agent_stats {
	uint64_t faults, hypercalls, exits;
};

/* A vCPU running guest_agent(), stopped at its first READY. */
struct kvm_vcpu *agent_vcpu_add(struct kvm_vm *vm);
/* Run @cmd; results are copied back into @cmd. @hooks may be NULL. */
void agent_call(struct kvm_vcpu *vcpu, struct agent_cmd *cmd, const struct agent_hooks *hooks,
		struct agent_stats *st);
/*
 * The kernel's per-page PRIVATE map of [gpa, +npages) as the guest sees it: each page is
 * accessed once; a KVM_EXIT_MEMORY_FAULT must name exactly that page (gpa, 4K, PRIVATE flag),
 * and marks it private. Needs memslots without guest_memfd (where private pages cannot be
 * mapped at all). The guest's own record must match the host's. @bitmap: npages bits.
 */
void agent_probe(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, enum guest_access how,
		 uint64_t *bitmap);
/*
 * agent_probe() accessing byte @offset of each page instead of its start (exec probes call
 * that address, so a shared page must hold a RET there). Exits must still name the page.
 */
void agent_probe_at(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, enum guest_access how,
		    uint64_t offset, uint64_t *bitmap);
/* Convenience wrappers: no hooks, so any memory fault fails the case. */
void agent_write_pattern(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, uint64_t seed,
			 uint64_t who);
/* Returns the first mismatching page index (npages when all match); *got its value. */
uint64_t agent_check_pattern(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages,
			     uint64_t seed, uint64_t who, uint64_t *got);
/* The same for zeros (a fresh or punched guest_memfd page); *got the first nonzero word. */
uint64_t agent_check_zero(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, uint64_t *got);
void agent_exit(struct kvm_vcpu *vcpu);
#endif

#endif
