// SPDX-License-Identifier: GPL-2.0
/*
 * Guest page tables without KVM: build them in a plain buffer standing in for the system
 * memslot and check every translation and leaf size with the software walker.
 */
#include <stdlib.h>
#include <string.h>

#include "ktap.h"
#include "x86/processor.h"

struct fake {
	struct kvm_vm vm;
	void *mem;
};

static void fake_vm(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->mem = calloc(1, KMAT_PT_POOL_END);
	KMAT_ASSERT(f->mem, "calloc");
	f->vm.slots[0] = (struct memslot){ .used = true, .size = KMAT_PT_POOL_END, .hva = f->mem,
					   .gmem_fd = -1 };
	x86_pt_init(&f->vm);
}

static void expect(struct kvm_vm *vm, uint64_t gva, uint64_t gpa, uint64_t page)
{
	uint64_t got = 0, size = vm_translate(vm, gva, &got);

	KMAT_ASSERT(size == page && (!page || got == gpa),
		    "gva 0x%llx: page 0x%llx -> 0x%llx, want page 0x%llx -> 0x%llx",
		    (unsigned long long)gva, (unsigned long long)size, (unsigned long long)got,
		    (unsigned long long)page, (unsigned long long)gpa);
}

static void case_identity_edges(const void *arg)
{
	struct fake f;
	uint64_t base = 4ULL << 30;

	fake_vm(&f);
	/* 4K head up to the first 2M boundary, 2M body, 4K tail. */
	vm_map_identity(&f.vm, base - 3 * 4096, 3 * 4096 + 2 * SZ_2M + 5 * 4096);
	expect(&f.vm, base - 3 * 4096, base - 3 * 4096, 4096);
	expect(&f.vm, base - 4096 + 123, base - 4096 + 123, 4096);
	expect(&f.vm, base, base, SZ_2M);
	expect(&f.vm, base + SZ_2M + 77, base + SZ_2M + 77, SZ_2M);
	expect(&f.vm, base + 2 * SZ_2M + 4 * 4096, base + 2 * SZ_2M + 4 * 4096, 4096);
	expect(&f.vm, base + 2 * SZ_2M + 5 * 4096, 0, 0);
	expect(&f.vm, base - 4 * 4096, 0, 0);
	free(f.mem);
}

static void case_fill_under_large(const void *arg)
{
	struct fake f;
	uint64_t base = 1ULL << 30;

	fake_vm(&f);
	vm_map_identity(&f.vm, base + 4096, 4096);
	/* A 2M request over an existing 4K table completes that table. */
	vm_map_identity(&f.vm, base, SZ_2M);
	for (uint64_t off = 0; off < SZ_2M; off += 4096)
		expect(&f.vm, base + off, base + off, 4096);
	/* Mapping again is a no-op. */
	vm_map_identity(&f.vm, base, SZ_2M);
	expect(&f.vm, base + SZ_2M - 1, base + SZ_2M - 1, 4096);
	free(f.mem);
}

static void case_chosen(const void *arg)
{
	struct fake f;

	fake_vm(&f);
	vm_map(&f.vm, 1ULL << 39, 2ULL << 30, SZ_1G + SZ_2M, SZ_1G);
	expect(&f.vm, 1ULL << 39, 2ULL << 30, SZ_1G);
	expect(&f.vm, (1ULL << 39) + SZ_1G - 8, (2ULL << 30) + SZ_1G - 8, SZ_1G);
	expect(&f.vm, (1ULL << 39) + SZ_1G, (3ULL << 30), SZ_2M);
	/* gva and gpa misaligned to each other: 4K pages only. */
	vm_map(&f.vm, 8ULL << 30, (8ULL << 30) + 4096, SZ_2M, SZ_2M);
	expect(&f.vm, 8ULL << 30, (8ULL << 30) + 4096, 4096);
	expect(&f.vm, (8ULL << 30) + SZ_2M - 4096, (8ULL << 30) + SZ_2M, 4096);
	free(f.mem);
}

int main(int argc, char **argv)
{
	ktap_add("unit.pagetable.identity_edges", case_identity_edges, NULL);
	ktap_add("unit.pagetable.fill_under_large", case_fill_under_large, NULL);
	ktap_add("unit.pagetable.chosen", case_chosen, NULL);
	ktap_parse_args(argc, argv, NULL);
	return ktap_run();
}
