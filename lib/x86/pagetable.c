// SPDX-License-Identifier: GPL-2.0
/*
 * 4-level guest page tables: identity maps (the default for all guest memory) and chosen
 * gva -> gpa maps, with 4K, 2M or 1G leaves. Only the guest's view: KVM's own mapping level
 * (what the hugepage suite measures) does not depend on it under TDP.
 */
#include <string.h>

#include "x86/processor.h"

#define LEVEL_SHIFT(l) (12 + 9 * ((l) - 1)) /* level 1: 4K PTE ... level 4: PML4E */

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

static bool is_leaf(uint64_t e, int level)
{
	return (e & PTE_PRESENT) && (level == 1 || (e & PTE_LARGE));
}

static void assert_same(uint64_t e, int level, uint64_t gva, uint64_t gpa)
{
	uint64_t mask = (1ULL << LEVEL_SHIFT(level)) - 1;

	KMAT_ASSERT((e & PTE_ADDR_MASK & ~mask) + (gva & mask) == gpa,
		    "gva 0x%llx is already mapped to 0x%llx, not 0x%llx",
		    (unsigned long long)gva,
		    (unsigned long long)((e & PTE_ADDR_MASK & ~mask) + (gva & mask)),
		    (unsigned long long)gpa);
}

/* Map one page of level @level (1: 4K, 2: 2M, 3: 1G); existing identical mappings are kept. */
static void map_page(struct kvm_vm *vm, uint64_t gva, uint64_t gpa, int level)
{
	uint64_t *table = gpa_to_hva(vm, vm->pml4);
	uint64_t *e;

	for (int l = 4; l > level; l--) {
		e = &table[(gva >> LEVEL_SHIFT(l)) & 511];
		if (is_leaf(*e, l)) {
			assert_same(*e, l, gva, gpa); /* a larger page covers it already */
			return;
		}
		if (!(*e & PTE_PRESENT))
			*e = pt_alloc(vm) | PTE_PRESENT | PTE_WRITE;
		table = gpa_to_hva(vm, *e & PTE_ADDR_MASK);
	}
	e = &table[(gva >> LEVEL_SHIFT(level)) & 511];
	if (is_leaf(*e, level)) {
		assert_same(*e, level, gva, gpa);
		return;
	}
	if (*e & PTE_PRESENT) {
		/* Smaller pages already map part of it: complete the table beneath instead. */
		uint64_t sub = 1ULL << LEVEL_SHIFT(level - 1);

		for (int i = 0; i < 512; i++)
			map_page(vm, gva + i * sub, gpa + i * sub, level - 1);
		return;
	}
	*e = gpa | PTE_PRESENT | PTE_WRITE | (level > 1 ? PTE_LARGE : 0);
}

bool cpu_has_1g_pages(void)
{
	const struct kvm_cpuid2 *c = kvm_supported_cpuid();

	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x80000001)
			return c->entries[i].edx & (1u << 26);
	return false;
}

void vm_map(struct kvm_vm *vm, uint64_t gva, uint64_t gpa, uint64_t size, uint64_t max_page)
{
	uint64_t end = gva + size;

	KMAT_ASSERT(!(gva % KMAT_PAGE_SIZE) && !(gpa % KMAT_PAGE_SIZE) &&
			    !(size % KMAT_PAGE_SIZE) && end > gva && end <= (1ULL << 47),
		    "map [0x%llx, +0x%llx) -> 0x%llx", (unsigned long long)gva,
		    (unsigned long long)size, (unsigned long long)gpa);
	KMAT_ASSERT(max_page == KMAT_PAGE_SIZE || max_page == SZ_2M || max_page == SZ_1G,
		    "page size 0x%llx", (unsigned long long)max_page);
	while (gva < end) {
		int level = max_page == SZ_1G ? 3 : max_page == SZ_2M ? 2 : 1;

		/* The largest page both addresses are aligned to and the rest can fill. */
		while (level > 1 && (((gva | gpa) & ((1ULL << LEVEL_SHIFT(level)) - 1)) ||
				     end - gva < (1ULL << LEVEL_SHIFT(level))))
			level--;
		map_page(vm, gva, gpa, level);
		gva += 1ULL << LEVEL_SHIFT(level);
		gpa += 1ULL << LEVEL_SHIFT(level);
	}
}

void vm_map_identity(struct kvm_vm *vm, uint64_t gpa, uint64_t size)
{
	vm_map(vm, gpa, gpa, size, SZ_2M);
}

uint64_t vm_translate(struct kvm_vm *vm, uint64_t gva, uint64_t *gpa)
{
	uint64_t *table = gpa_to_hva(vm, vm->pml4);

	for (int l = 4; l >= 1; l--) {
		uint64_t e = table[(gva >> LEVEL_SHIFT(l)) & 511];
		uint64_t mask = (1ULL << LEVEL_SHIFT(l)) - 1;

		if (!(e & PTE_PRESENT))
			return 0;
		if (is_leaf(e, l)) {
			*gpa = (e & PTE_ADDR_MASK & ~mask) + (gva & mask);
			return mask + 1;
		}
		table = gpa_to_hva(vm, e & PTE_ADDR_MASK);
	}
	return 0;
}
