/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM: its fd, memslots, and the long-mode address space the guest runtime runs in.
 *
 * Guest physical layout (identity mapped, GVA == GPA):
 *   0x0000              unmapped, so a NULL dereference in the guest faults
 *   0x1000..0x4000      GDT, IDT, TSS
 *   0x10000..0x400000   page-table pool
 *   ELF PT_LOADs        this binary, at its own link addresses (>= 0x400000)
 *   after the ELF       vCPU stacks
 * Test memory goes in further memslots at addresses the test picks (>= KMAT_TEST_GPA_MIN).
 */
#ifndef KMAT_VM_H
#define KMAT_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "backing.h"
#include "kvm.h"
#include "ucall.h"

#define KMAT_MAX_SLOTS 64
#define KMAT_SYSTEM_SLOT 0
#define KMAT_TEST_GPA_MIN (1ULL << 30)

struct memslot {
	bool used;
	uint32_t id;
	uint32_t flags;
	uint64_t gpa;
	uint64_t size;
	void *hva;
	struct backing backing;
	int gmem_fd;          /* -1 when not KVM_MEM_GUEST_MEMFD */
	uint64_t gmem_offset;
	bool gmem_owned;      /* close gmem_fd with the slot */
};

struct kvm_vcpu;
struct stats_reader;

struct kvm_vm {
	int fd;
	unsigned long type;
	struct memslot slots[KMAT_MAX_SLOTS];
	struct kvm_vcpu *vcpus[KMAT_MAX_VCPUS];
	int nr_vcpus;
	bool has_guest;       /* system slot, page tables and ELF are set up */
	uint64_t pml4;
	uint64_t pt_next, pt_end;
	uint64_t stacks;      /* gpa of the first vCPU stack */
	struct stats_reader *stats; /* lib/stats.c, opened on first use */
};

/* A bare VM: the fd and nothing else (for ABI tests that never run a guest). */
int __vm_create_bare(unsigned long type, struct kvm_vm **out);
struct kvm_vm *vm_create_bare(unsigned long type);
/* A VM ready to run guest code from this binary. */
struct kvm_vm *vm_create(unsigned long type);
void vm_free(struct kvm_vm *vm);

#define vm_ioctl(vm, cmd, arg) kvm_ioctl((vm)->fd, cmd, arg)
int vm_check_cap(struct kvm_vm *vm, long cap);
int __vm_enable_cap(struct kvm_vm *vm, uint32_t cap, uint64_t arg0);
void vm_enable_cap(struct kvm_vm *vm, uint32_t cap, uint64_t arg0);

/* Memslots. The x() forms also identity-map the range in the guest's page tables. */
int __vm_set_user_memory_region2(struct kvm_vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
				 uint64_t size, void *hva, int gmem_fd, uint64_t gmem_offset);
struct memslot *vm_memslot_add(struct kvm_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
			       enum backing_type backing);
/* Like vm_memslot_add() but KVM_MEM_GUEST_MEMFD: gmem_fd < 0 creates a guest_memfd of @size. */
struct memslot *vm_memslot_add_gmem(struct kvm_vm *vm, uint32_t slot, uint64_t gpa,
				    uint64_t size, enum backing_type backing, int gmem_fd,
				    uint64_t gmem_offset);
/* Register an already-prepared struct memslot (backing and gmem filled in by the caller). */
struct memslot *vm_memslot_register(struct kvm_vm *vm, const struct memslot *tmpl);
void vm_memslot_delete(struct kvm_vm *vm, uint32_t slot);
void vm_memslot_move(struct kvm_vm *vm, uint32_t slot, uint64_t new_gpa);
struct memslot *vm_memslot(struct kvm_vm *vm, uint32_t slot);
struct memslot *vm_memslot_by_gpa(struct kvm_vm *vm, uint64_t gpa);

/* Host address of guest physical @gpa (asserts it is in a memslot). */
void *gpa_to_hva(struct kvm_vm *vm, uint64_t gpa);

/* Identity-map [gpa, gpa + size) in the guest page tables (2M where aligned, else 4K). */
void vm_map_identity(struct kvm_vm *vm, uint64_t gpa, uint64_t size);
/* Map gva -> gpa with pages up to @max_page (4K, 2M or 1G; 1G needs cpu_has_1g_pages()). */
void vm_map(struct kvm_vm *vm, uint64_t gva, uint64_t gpa, uint64_t size, uint64_t max_page);
/* Walk the guest tables: the leaf's page size (0 if unmapped), *gpa the translation. */
uint64_t vm_translate(struct kvm_vm *vm, uint64_t gva, uint64_t *gpa);

/* The guest has its own copy of every global; these copy one on purpose. */
void vm_copy_to_guest(struct kvm_vm *vm, const void *host_addr_of_global, size_t size);
void vm_copy_from_guest(struct kvm_vm *vm, void *host_addr_of_global, size_t size);
#define sync_global_to_guest(vm, g) vm_copy_to_guest(vm, &(g), sizeof(g))
#define sync_global_from_guest(vm, g) vm_copy_from_guest(vm, &(g), sizeof(g))

#endif
