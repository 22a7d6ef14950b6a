// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <linux/falloc.h>

#include "gmem.h"

int __vm_create_guest_memfd(struct kvm_vm *vm, uint64_t size, uint64_t flags)
{
	struct kvm_create_guest_memfd args = { .size = size, .flags = flags };

	return ioctl(vm->fd, KVM_CREATE_GUEST_MEMFD, &args);
}

int vm_create_guest_memfd(struct kvm_vm *vm, uint64_t size, uint64_t flags)
{
	int fd = __vm_create_guest_memfd(vm, size, flags);

	KMAT_ASSERT(fd >= 0, "KVM_CREATE_GUEST_MEMFD size 0x%llx flags 0x%llx",
		    (unsigned long long)size, (unsigned long long)flags);
	return fd;
}

int __gmem_punch_hole(int gmem_fd, uint64_t offset, uint64_t len)
{
	return fallocate(gmem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
}

void gmem_punch_hole(int gmem_fd, uint64_t offset, uint64_t len)
{
	KMAT_ASSERT(__gmem_punch_hole(gmem_fd, offset, len) == 0,
		    "PUNCH_HOLE offset 0x%llx len 0x%llx", (unsigned long long)offset,
		    (unsigned long long)len);
}

int __gmem_allocate(int gmem_fd, uint64_t offset, uint64_t len)
{
	return fallocate(gmem_fd, 0, offset, len);
}
