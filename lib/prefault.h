/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_PRE_FAULT_MEMORY: map guest memory from the host, through the same fault path (and the
 * same huge-page decisions) as a guest access, without running the guest.
 */
#ifndef KMAT_PREFAULT_H
#define KMAT_PREFAULT_H

#include <stdint.h>

#include "vcpu.h"

/*
 * One ioctl on @vcpu: rc with errno untouched. The kernel advances r->gpa and shrinks r->size
 * by what it mapped, so a partial run (rc 0 with r->size left, or EINTR/EAGAIN) can resume.
 */
int __vcpu_pre_fault(struct kvm_vcpu *vcpu, struct kvm_pre_fault_memory *r);
/* Map all of [gpa, gpa + size), retrying interrupted or partial runs; asserts success. */
void vcpu_pre_fault(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t size);

#endif
