/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KMAT_ABI_H
#define KMAT_ABI_H

#include <stdint.h>

#include "vm.h"

/* Attribute ops need no memslot; this GPA is far from anything a bare VM has. */
#define ABI_GPA (4ULL << 30)

/* One case's inputs: a VM type and a value (a bit, a size...), plus a name for tables. */
struct abi_arg {
	unsigned long type;
	uint64_t value;
	const void *row;
};

const struct abi_arg *abi_arg(unsigned long type, uint64_t value, const void *row);

/* The VM types every attribute case runs on; names stay stable whatever the host offers. */
extern const unsigned long abi_vm_types[];
extern const int abi_nr_vm_types;

/* A bare VM of @type for an attribute case: skips unless the type and the ioctl exist. */
struct kvm_vm *abi_attr_vm(unsigned long type);
/* The attribute value a successful call on this VM type can use (PRIVATE or 0). */
uint64_t abi_valid_attrs(unsigned long type);
/* After a rejection the ioctl must still work: set a page to a valid value and back. */
void abi_check_usable(struct kvm_vm *vm);

void abi_register_attrs(void);
void abi_register_caps(void);
void abi_register_gmem(void);

#endif
