/* SPDX-License-Identifier: GPL-2.0 */
/* vCPUs: creation in long mode, running, exits, ucalls, and stepping past faulting probes. */
#ifndef KMAT_VCPU_H
#define KMAT_VCPU_H

#include <stdint.h>

#include "ucall.h"
#include "vm.h"

struct kvm_vcpu {
	struct kvm_vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	uint64_t stack_top;
};

/* A vCPU that starts in @guest_fn(args...) in long mode; returning from it reports DONE. */
struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, void *guest_fn);
void vcpu_free(struct kvm_vcpu *vcpu);
/* Up to 6 integer arguments for the guest function (SysV order). */
void vcpu_args_set(struct kvm_vcpu *vcpu, int n, ...);

#define vcpu_ioctl(vcpu, cmd, arg) kvm_ioctl((vcpu)->fd, cmd, arg)
void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_regs_set(struct kvm_vcpu *vcpu, const struct kvm_regs *regs);

/* KVM_RUN once: raw rc with errno untouched. */
int __vcpu_run(struct kvm_vcpu *vcpu);
/*
 * KVM_RUN, retrying EINTR. A KVM_EXIT_MEMORY_FAULT (rc -1/EFAULT) is an ordinary exit here;
 * any other failure asserts. Returns run->exit_reason.
 */
uint32_t vcpu_run(struct kvm_vcpu *vcpu);

/* The ucall behind the current exit (UCALL_NONE if the exit is not one). */
uint64_t vcpu_get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);
/*
 * Run until the guest sends SYNC or DONE: PRINTF is echoed as a diagnostic and resumed; ABORT,
 * an exception report or any non-ucall exit fails the case with the details.
 */
uint64_t vcpu_run_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);
/* vcpu_run_ucall() that must return SYNC with sub-command @sub (args in uc). */
void vcpu_expect_sync(struct kvm_vcpu *vcpu, uint64_t sub, struct ucall *uc);
void vcpu_expect_done(struct kvm_vcpu *vcpu);
/* Fail the case describing the current exit. */
_Noreturn void vcpu_unexpected_exit(struct kvm_vcpu *vcpu, const char *file, int line);

const struct kmat_memory_fault_exit *vcpu_memory_fault(struct kvm_vcpu *vcpu);
/* How far the guest got through its current access pattern (read from guest memory). */
void vcpu_progress(struct kvm_vcpu *vcpu, uint64_t *done, uint64_t *total);
void vcpu_diag_progress(struct kvm_vcpu *vcpu);
/*
 * If the vCPU stopped on a kmat_probe_*() access, move it past the access so the probe
 * returns KMAT_PROBE_FAULTED; returns 1. Returns 0 (and changes nothing) otherwise.
 */
int vcpu_skip_probe(struct kvm_vcpu *vcpu);
/* The same on registers already at hand (e.g. KVM_CAP_SYNC_REGS); the caller writes them back. */
bool vcpu_regs_skip_probe(struct kvm_vcpu *vcpu, struct kvm_regs *regs);

#endif
