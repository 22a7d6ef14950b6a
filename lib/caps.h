/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every capability kmat depends on, probed once per process, plus the banner and the skip
 * helpers that turn a missing capability into a named SKIP. Trust the VM fd: /dev/kvm reports
 * every attribute the kernel knows, only the VM says what its type accepts.
 */
#ifndef KMAT_CAPS_H
#define KMAT_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "kvm.h"

struct kmat_vm_type_caps {
	bool offered;       /* listed in KVM_CAP_VM_TYPES (type 0 when the cap is absent) */
	bool created;       /* KVM_CREATE_VM succeeded */
	int create_errno;
	uint64_t attrs;     /* VM-scope KVM_CAP_MEMORY_ATTRIBUTES */
	bool gmem;
	uint64_t gmem_flags;
	bool prefault;
};

struct kmat_caps {
	bool kvm;
	int kvm_errno;
	char release[65];
	bool amd;
	int api_version;
	uint32_t vm_types;
	uint64_t sys_attrs;
	struct kmat_vm_type_caps vm[KMAT_NR_VM_TYPES];
	bool user_memory2, memory_fault_info, binary_stats, gmem, prefault;
	uint64_t gmem_flags;
	uint64_t exit_hypercall;
	uint32_t sync_regs;  /* KVM_CAP_SYNC_REGS: register sets kvm_run can carry */
	bool tdp;
	char thp[16];
	long hugetlb_2m_free, hugetlb_1g_free;
	int numa_nodes;     /* nodes with memory we may use; 0 when libnuma is unavailable */
};

const struct kmat_caps *kmat_caps(void);
/* "# caps: ..." lines on stdout. */
void kmat_caps_banner(void);

/* In a running case: return if present, else SKIP with a reason from the fixed vocabulary. */
void require_vm_type(unsigned long type);
void require_attr_ioctl(void);
void require_private(unsigned long type);
void require_gmem(unsigned long type);
void require_exit_hypercall(void);
void require_prefault(unsigned long type);
void require_tdp(void);
void require_numa_nodes(int n);

#endif
