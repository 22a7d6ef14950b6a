/* SPDX-License-Identifier: GPL-2.0 */
/* guest_memfd: creation (raw and asserting) and hole punching. */
#ifndef KMAT_GMEM_H
#define KMAT_GMEM_H

#include <stdint.h>

#include "vm.h"

/* KVM_CREATE_GUEST_MEMFD with any size and flags: fd, or -1 with errno untouched. */
int __vm_create_guest_memfd(struct kvm_vm *vm, uint64_t size, uint64_t flags);
int vm_create_guest_memfd(struct kvm_vm *vm, uint64_t size, uint64_t flags);
/* fallocate(PUNCH_HOLE | KEEP_SIZE): the range reads back as zeros afterwards. */
int __gmem_punch_hole(int gmem_fd, uint64_t offset, uint64_t len);
void gmem_punch_hole(int gmem_fd, uint64_t offset, uint64_t len);
int __gmem_allocate(int gmem_fd, uint64_t offset, uint64_t len);

#endif
