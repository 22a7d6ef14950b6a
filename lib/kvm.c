// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "kvm.h"

int __kvm_fd(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	return fd;
}

int kvm_fd(void)
{
	int fd = __kvm_fd();

	KMAT_ASSERT(fd >= 0, "open /dev/kvm");
	return fd;
}

int kvm_check_cap(long cap)
{
	int r = ioctl(kvm_fd(), KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

int __kvm_create_vm(unsigned long type)
{
	int fd;

	/* KVM_CREATE_VM can fail with EINTR while the mm is being set up; retry that. */
	do
		fd = ioctl(kvm_fd(), KVM_CREATE_VM, type);
	while (fd < 0 && errno == EINTR);
	return fd;
}

const char *kvm_vm_type_name(unsigned long type)
{
	static const char *const names[KMAT_NR_VM_TYPES] = {
		"default", "sw_protected", "sev", "sev_es", "snp", "tdx",
	};

	return type < KMAT_NR_VM_TYPES ? names[type] : "unknown";
}

const char *kvm_exit_reason_name(uint32_t reason)
{
	static const struct { uint32_t r; const char *name; } names[] = {
		{ KVM_EXIT_UNKNOWN, "UNKNOWN" }, { KVM_EXIT_EXCEPTION, "EXCEPTION" },
		{ KVM_EXIT_IO, "IO" }, { KVM_EXIT_HYPERCALL, "HYPERCALL" },
		{ KVM_EXIT_DEBUG, "DEBUG" }, { KVM_EXIT_HLT, "HLT" }, { KVM_EXIT_MMIO, "MMIO" },
		{ KVM_EXIT_SHUTDOWN, "SHUTDOWN" }, { KVM_EXIT_FAIL_ENTRY, "FAIL_ENTRY" },
		{ KVM_EXIT_INTR, "INTR" }, { KVM_EXIT_INTERNAL_ERROR, "INTERNAL_ERROR" },
		{ KVM_EXIT_SYSTEM_EVENT, "SYSTEM_EVENT" }, { KVM_EXIT_X86_RDMSR, "X86_RDMSR" },
		{ KVM_EXIT_X86_WRMSR, "X86_WRMSR" }, { KVM_EXIT_MEMORY_FAULT, "MEMORY_FAULT" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].r == reason)
			return names[i].name;
	return "?";
}
