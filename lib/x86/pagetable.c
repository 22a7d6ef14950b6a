// SPDX-License-Identifier: GPL-2.0
/* 4-level identity page tables; large pages where the range allows, 4K at the edges. */
#include <string.h>

#include "x86/processor.h"

static uint64_t pt_alloc(struct kvm_vm *vm)
{
	uint64_t gpa = vm->pt_next;

	KMAT_ASSERT(gpa < vm->pt_end, "guest page-table pool exhausted (%llu pages)",
		    (unsigned long long)((vm->pt_end - KMAT_PT_POOL_GPA) / KMAT_PAGE_SIZE));
	vm->pt_next += KMAT_PAGE_SIZE;
	memset(gpa_to_hva(vm, gpa), 0, KMAT_PAGE_SIZE);
	return gpa;
}

void x86_pt_init(struct kvm_vm *vm)
{
	vm->pt_next = KMAT_PT_POOL_GPA;
	vm->pt_end = KMAT_PT_POOL_END;
	vm->pml4 = pt_alloc(vm);
}

/* The next-level table under entry @idx of @table, created on demand. */
static uint64_t *pt_next_level(struct kvm_vm *vm, uint64_t *table, int idx)
{
	if (!(table[idx] & PTE_PRESENT))
		table[idx] = pt_alloc(vm) | PTE_PRESENT | PTE_WRITE;
	KMAT_ASSERT(!(table[idx] & PTE_LARGE), "guest mapping already large at index %d", idx);
	return gpa_to_hva(vm, table[idx] & PTE_ADDR_MASK);
}

static void map_one(struct kvm_vm *vm, uint64_t gpa, bool large)
{
	uint64_t *pml4 = gpa_to_hva(vm, vm->pml4);
	uint64_t *pdpt = pt_next_level(vm, pml4, (gpa >> 39) & 511);
	uint64_t *pd = pt_next_level(vm, pdpt, (gpa >> 30) & 511);
	int pde = (gpa >> 21) & 511;
	uint64_t *pt;

	if (large) {
		if (!(pd[pde] & PTE_PRESENT)) {
			pd[pde] = gpa | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
			return;
		}
		if (pd[pde] & PTE_LARGE)
			return;
		/* A 4K table is already there for part of it: fill the whole table. */
		pt = gpa_to_hva(vm, pd[pde] & PTE_ADDR_MASK);
		for (int i = 0; i < 512; i++)
			pt[i] = (gpa + i * KMAT_PAGE_SIZE) | PTE_PRESENT | PTE_WRITE;
		return;
	}
	if ((pd[pde] & (PTE_PRESENT | PTE_LARGE)) == (PTE_PRESENT | PTE_LARGE))
		return; /* a 2M entry covers it already */
	pt = pt_next_level(vm, pd, pde);
	pt[(gpa >> 12) & 511] = gpa | PTE_PRESENT | PTE_WRITE;
}

void vm_map_identity(struct kvm_vm *vm, uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size;

	KMAT_ASSERT(!(gpa % KMAT_PAGE_SIZE) && !(size % KMAT_PAGE_SIZE) && end > gpa &&
			    end <= (1ULL << 47),
		    "identity map of [0x%llx, +0x%llx)", (unsigned long long)gpa,
		    (unsigned long long)size);
	while (gpa < end) {
		bool large = !(gpa % SZ_2M) && end - gpa >= SZ_2M;

		map_one(vm, gpa, large);
		gpa += large ? SZ_2M : KMAT_PAGE_SIZE;
	}
}
