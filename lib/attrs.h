/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_SET_MEMORY_ATTRIBUTES, raw and asserting, and the reference model of per-page state
 * that suites compare the kernel against (KVM has no "get" ioctl).
 */
#ifndef KMAT_ATTRS_H
#define KMAT_ATTRS_H

#include <stddef.h>
#include <stdint.h>

#include "vm.h"

/* Any fd, any attributes, any flags: rc with errno untouched. Negative tests use this. */
int __kvm_set_memory_attributes(int fd, uint64_t gpa, uint64_t size, uint64_t attrs,
				uint64_t flags);
/* The ioctl with an arbitrary argument pointer (NULL, unmapped...). */
int __kvm_set_memory_attributes_ptr(int fd, void *arg);
void vm_set_memory_attributes(struct kvm_vm *vm, uint64_t gpa, uint64_t size, uint64_t attrs);
#define vm_mem_set_private(vm, gpa, size) \
	vm_set_memory_attributes(vm, gpa, size, KVM_MEMORY_ATTRIBUTE_PRIVATE)
#define vm_mem_set_shared(vm, gpa, size) vm_set_memory_attributes(vm, gpa, size, 0)

/*
 * The model: an ordered list of runs [start, end) -> attributes over the whole 64-bit GPA
 * space (page granular); pages not in a run have attributes 0.
 */
struct attr_run {
	uint64_t start, end; /* gfns, end exclusive */
	uint64_t attrs;
};

struct attr_model {
	struct attr_run *runs;
	size_t nr, cap;
};

void attr_model_init(struct attr_model *m);
void attr_model_free(struct attr_model *m);
/* Mirrors a successful KVM_SET_MEMORY_ATTRIBUTES (byte gpa/size, page aligned). */
void attr_model_set(struct attr_model *m, uint64_t gpa, uint64_t size, uint64_t attrs);
uint64_t attr_model_get(const struct attr_model *m, uint64_t gpa);
/* True when every page of [gpa, gpa + size) has exactly @attrs. */
int attr_model_range_is(const struct attr_model *m, uint64_t gpa, uint64_t size,
			uint64_t attrs);
/* Pages with @attrs in [gpa, gpa + size). */
uint64_t attr_model_count(const struct attr_model *m, uint64_t gpa, uint64_t size,
			  uint64_t attrs);
/*
 * Compare with an observed per-page bitmap over [gpa, +npages): bit set = PRIVATE observed.
 * Returns the index of the first differing page, or npages when equal.
 */
uint64_t attr_model_diff_private(const struct attr_model *m, uint64_t gpa, uint64_t npages,
				 const uint64_t *observed);

#endif
