// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "prefault.h"

int __vcpu_pre_fault(struct kvm_vcpu *vcpu, struct kvm_pre_fault_memory *r)
{
	return ioctl(vcpu->fd, KVM_PRE_FAULT_MEMORY, r);
}

void vcpu_pre_fault(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t size)
{
	struct kvm_pre_fault_memory r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.gpa = gpa;
	r.size = size;
	while (r.size) {
		uint64_t left = r.size;

		rc = __vcpu_pre_fault(vcpu, &r);
		if (rc && (errno == EINTR || errno == EAGAIN))
			continue;
		KMAT_ASSERT(rc == 0 && r.size < left,
			    "KVM_PRE_FAULT_MEMORY [0x%llx, +0x%llx) stopped at 0x%llx",
			    (unsigned long long)gpa, (unsigned long long)size,
			    (unsigned long long)r.gpa);
	}
}
