/* SPDX-License-Identifier: GPL-2.0 */
/* suites/transitions: shared fixtures, pattern helpers and case registration. */
#ifndef KMAT_TRANSITIONS_H
#define KMAT_TRANSITIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "attrs.h"
#include "vcpu.h"

/* Test memory lives at 4 GiB, clear of the guest image. */
#define TRANS_GPA (4ULL << 30)
#define TRANS_SLOT 1
#define PAGE KMAT_PAGE_SIZE
#define PRIVATE KVM_MEMORY_ATTRIBUTE_PRIVATE

/* Who wrote a page's pattern (the `who` of kmat_pattern()). */
enum writer { WHO_HOST = 1, WHO_GUEST_SHARED = 2, WHO_GUEST_PRIVATE = 3 };

/* A SW-protected VM with one agent vCPU; skips unless PRIVATE is supported. */
struct tfix {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

/* One plain (no guest_memfd) anonymous memslot of @size at @gpa. */
void tfix_plain(struct tfix *f, uint64_t gpa, uint64_t size);
/* The VM and vCPU only (after the skips); the case adds its own memslots. */
void tfix_empty(struct tfix *f);
/* One guest_memfd memslot: shared pages from anonymous memory, private from a new gmem. */
void tfix_gmem(struct tfix *f, uint64_t gpa, uint64_t size);
/* BACKING_THP, or 4K (with a note) where THP is disabled: THP is a bonus, not a need. */
enum backing_type trans_thp_backing(void);
/* Enable the MAP_GPA_RANGE user exit (skips when the kernel lacks it). */
void tfix_enable_map_gpa_exit(struct tfix *f);
void tfix_free(struct tfix *f);

/* Seeded xorshift: every random choice in the suite comes from --seed. */
uint64_t trans_rand(void);
uint64_t trans_rand_below(uint64_t n);
void trans_rand_seed(uint64_t seed);

/* Host side of the guest runtime's page pattern (guest-code/runtime.c: words at 0, 2048, 4088). */
void host_write_pattern(struct kvm_vm *vm, uint64_t gpa, uint64_t npages, uint64_t seed,
			uint64_t who);
/* First page whose words differ (npages when all match); *got its first differing word. */
uint64_t host_check_pattern(struct kvm_vm *vm, uint64_t gpa, uint64_t npages, uint64_t seed,
			    uint64_t who, uint64_t *got);

/* The guest reads [gpa, +npages): @who's pattern of @seed (who 0: zeros), else the case fails. */
void trans_expect_data(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, uint64_t seed,
		       uint64_t who, const char *what);

/* Model vs oracle over [gpa, +npages) of plain memslots; fails the case with details. */
void trans_expect_map(struct kvm_vcpu *vcpu, const struct attr_model *m, uint64_t gpa,
		      uint64_t npages, const char *when);

/* A guest KVM_HC_MAP_GPA_RANGE request and what the host does with its exit (hypercall.c). */
struct map_gpa_req {
	uint64_t gpa, npages, attrs; /* the guest's arguments; the exit must carry exactly these */
	uint64_t ret;                /* handed back to the guest */
	bool convert;                /* apply the conversion before returning */
	struct attr_model *model;    /* updated with the conversion; may be NULL */
	unsigned exits;              /* out: KVM_EXIT_HYPERCALLs seen */
};
/* Run the request in the guest; returns what the guest got back. */
uint64_t trans_map_gpa(struct kvm_vcpu *vcpu, struct map_gpa_req *req);

/* --steps / --duration (model case only). */
extern uint64_t trans_opt_steps;
extern double trans_opt_duration;
extern bool trans_opt_steps_set;

void trans_register_oracle(void);
void trans_register_model(void);
void trans_register_switch(void);
void trans_register_implicit(void);
void trans_register_hypercall(void);
void trans_register_punch(void);
void trans_register_exit(void);
void trans_register_memslot(void);

#endif
