/* SPDX-License-Identifier: GPL-2.0 */
/* x86 long mode for kmat guests: CPUID, descriptor tables, page tables, the ELF loader. */
#ifndef KMAT_X86_PROCESSOR_H
#define KMAT_X86_PROCESSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "vm.h"

#define X86_CR0_PE (1UL << 0)
#define X86_CR0_MP (1UL << 1)
#define X86_CR0_ET (1UL << 4)
#define X86_CR0_NE (1UL << 5)
#define X86_CR0_WP (1UL << 16)
#define X86_CR0_AM (1UL << 18)
#define X86_CR0_PG (1UL << 31)
#define X86_CR4_PAE (1UL << 5)
#define X86_CR4_OSFXSR (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_LMA (1UL << 10)

#define PTE_PRESENT (1ULL << 0)
#define PTE_WRITE (1ULL << 1)
#define PTE_LARGE (1ULL << 7)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

/* Fixed guest-physical homes of the system structures (see lib/vm.h). */
#define KMAT_GDT_GPA 0x1000ULL
#define KMAT_IDT_GPA 0x2000ULL
#define KMAT_TSS_GPA 0x3000ULL
#define KMAT_PT_POOL_GPA 0x10000ULL
#define KMAT_PT_POOL_END 0x400000ULL
#define KMAT_ELF_MIN_GPA 0x400000ULL
#define KMAT_STACK_SIZE (256ULL << 10)

#define KMAT_SEL_CODE 0x08
#define KMAT_SEL_DATA 0x10
#define KMAT_SEL_TSS 0x18

/* KVM_GET_SUPPORTED_CPUID, fetched once. */
const struct kvm_cpuid2 *kvm_supported_cpuid(void);
bool host_cpu_is_amd(void);
/* KVM offers the guest 1G pages (CPUID 0x80000001 EDX.pdpe1gb). */
bool cpu_has_1g_pages(void);

/* Build GDT, IDT and TSS in guest memory (system slot must exist). */
void x86_setup_descriptor_tables(struct kvm_vm *vm);
/* CPUID, then long-mode SREGS, for a fresh vCPU; GS base -> its struct kmat_percpu. */
void x86_vcpu_setup(struct kvm_vm *vm, int vcpu_fd, uint64_t gs_base);
void x86_pt_init(struct kvm_vm *vm);

/* The ELF loader: lay this binary's PT_LOAD segments out in guest memory at their link
 * addresses. elf_image_end() reports the highest address they need. */
uint64_t elf_image_end(const char *path);
void elf_load(struct kvm_vm *vm, const char *path);

#endif
