/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/kvm and the ioctl pairs: __x() returns the raw rc with errno untouched, x() asserts
 * success with file:line, the ioctl name, errno and strerror.
 */
#ifndef KMAT_KVM_H
#define KMAT_KVM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "assert.h"
#include "compat.h"

#define KMAT_PAGE_SIZE 4096ULL
#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Opens /dev/kvm once per process; -1 with errno set when it cannot be opened. */
int __kvm_fd(void);
int kvm_fd(void);

static inline int __kvm_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg);
}

#define kvm_ioctl(fd, cmd, arg)                                                            \
	({                                                                                 \
		int __r = __kvm_ioctl(fd, cmd, (void *)(arg));                             \
		KMAT_ASSERT(__r >= 0, "ioctl %s on fd %d failed", #cmd, (int)(fd));        \
		__r;                                                                       \
	})

/* KVM_CHECK_EXTENSION on /dev/kvm (system scope); 0 when the cap is unknown. */
int kvm_check_cap(long cap);

/* KVM_CREATE_VM of @type: new fd, or -1 with errno. */
int __kvm_create_vm(unsigned long type);

const char *kvm_vm_type_name(unsigned long type);
#define KMAT_NR_VM_TYPES 6 /* the x86 types Linux 7.2 defines, 0..5 */

const char *kvm_exit_reason_name(uint32_t reason);

#endif
