// SPDX-License-Identifier: GPL-2.0
/*
 * Attributes belong to guest physical addresses, not to memslots (virt/kvm/kvm_main.c keeps
 * them in kvm->mem_attr_array; memslot changes must neither drop them nor leave mappings that
 * ignore them). Cases: attributes set before any memslot exists, then the slot added; a slot
 * deleted, attributes changed while it is gone, and re-added (both THP-backed: a new slot must
 * start with its 2M regions' mixed state computed, arch/x86/kvm/mmu/mmu.c
 * kvm_mmu_init_memslot_memory_attributes(), or a shared 2M mapping covers private pages); a
 * slot moved to addresses with other attributes and back; a guest_memfd bound at non-zero
 * offsets (virt/kvm/guest_memfd.c: gfn reads file page slot offset + (gfn - base_gfn)).
 */
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "gmem.h"
#include "ktap.h"
#include "transitions.h"

#define MS_PAGES 256
#define MS_GPA_A (TRANS_GPA + SZ_2M - 64 * PAGE)
/* THP slots: a slot born over mixed attributes must still refuse 2M mappings there. */
#define MS_THP_GPA TRANS_GPA
#define MS_THP_PAGES 1024
#define MS_GPA_B (TRANS_GPA + 8 * SZ_2M + 5 * PAGE)
#define MS_SLOT_A 1
#define MS_SLOT_B 2

/* Random runs of 1..32 pages over [gpa, +npages), in the VM and the model. */
static void random_runs(struct kvm_vm *vm, struct attr_model *m, uint64_t gpa, uint64_t npages)
{
	for (uint64_t i = 0; i < npages;) {
		uint64_t n = 1 + trans_rand_below(32), attrs = trans_rand_below(2) ? PRIVATE : 0;

		if (i + n > npages)
			n = npages - i;
		vm_set_memory_attributes(vm, gpa + i * PAGE, n * PAGE, attrs);
		attr_model_set(m, gpa + i * PAGE, n * PAGE, attrs);
		i += n;
	}
}

static void thp_slot_add(struct kvm_vm *vm)
{
	struct memslot *s = vm_memslot_add(vm, TRANS_SLOT, MS_THP_GPA, MS_THP_PAGES * PAGE,
					   trans_thp_backing());

	memset(s->hva, 0, s->size); /* THPs exist before the guest faults */
}

static void case_before_slot(const void *arg)
{
	const uint64_t past = 64; /* pages beyond the slot's end */
	struct attr_model model;
	struct tfix f;

	tfix_empty(&f);
	attr_model_init(&model);
	random_runs(f.vm, &model, MS_THP_GPA, MS_THP_PAGES);
	thp_slot_add(f.vm);
	f.vcpu = agent_vcpu_add(f.vm);
	trans_expect_map(f.vcpu, &model, MS_THP_GPA, MS_THP_PAGES,
			 "slot added after its attributes");
	/* A conversion that runs past the slot's end. */
	vm_mem_set_shared(f.vm, MS_THP_GPA + 700 * PAGE, (MS_THP_PAGES - 700 + past) * PAGE);
	attr_model_set(&model, MS_THP_GPA + 700 * PAGE, (MS_THP_PAGES - 700 + past) * PAGE, 0);
	trans_expect_map(f.vcpu, &model, MS_THP_GPA, MS_THP_PAGES, "range running past the slot");
	attr_model_free(&model);
	tfix_free(&f);
}

static void case_delete_readd(const void *arg)
{
	struct attr_model model;
	struct tfix f;

	tfix_empty(&f);
	thp_slot_add(f.vm);
	f.vcpu = agent_vcpu_add(f.vm);
	attr_model_init(&model);
	random_runs(f.vm, &model, MS_THP_GPA, MS_THP_PAGES);
	trans_expect_map(f.vcpu, &model, MS_THP_GPA, MS_THP_PAGES, "first slot");
	vm_memslot_delete(f.vm, TRANS_SLOT);
	/* Change part of the range while no slot covers it. */
	for (int i = 0; i < 8; i++) {
		uint64_t first = trans_rand_below(MS_THP_PAGES), n = 1 + trans_rand_below(600);
		uint64_t attrs = trans_rand_below(2) ? PRIVATE : 0;

		vm_set_memory_attributes(f.vm, MS_THP_GPA + first * PAGE, n * PAGE, attrs);
		attr_model_set(&model, MS_THP_GPA + first * PAGE, n * PAGE, attrs);
	}
	thp_slot_add(f.vm);
	trans_expect_map(f.vcpu, &model, MS_THP_GPA, MS_THP_PAGES, "slot deleted and re-added");
	attr_model_free(&model);
	tfix_free(&f);
}

static void case_move(const void *arg)
{
	struct attr_model model;
	struct tfix f;

	tfix_plain(&f, MS_GPA_A, MS_PAGES * PAGE);
	attr_model_init(&model);
	random_runs(f.vm, &model, MS_GPA_A, MS_PAGES);
	random_runs(f.vm, &model, MS_GPA_B, MS_PAGES);
	trans_expect_map(f.vcpu, &model, MS_GPA_A, MS_PAGES, "before the move");
	vm_memslot_move(f.vm, TRANS_SLOT, MS_GPA_B);
	trans_expect_map(f.vcpu, &model, MS_GPA_B, MS_PAGES, "moved onto other attributes");
	/* The old addresses keep their own attributes while the slot is away. */
	vm_mem_set_private(f.vm, MS_GPA_A, 3 * PAGE);
	attr_model_set(&model, MS_GPA_A, 3 * PAGE, PRIVATE);
	vm_mem_set_shared(f.vm, MS_GPA_A + 200 * PAGE, 40 * PAGE);
	attr_model_set(&model, MS_GPA_A + 200 * PAGE, 40 * PAGE, 0);
	vm_memslot_move(f.vm, TRANS_SLOT, MS_GPA_A);
	trans_expect_map(f.vcpu, &model, MS_GPA_A, MS_PAGES, "moved back");
	attr_model_free(&model);
	tfix_free(&f);
}

/*
 * One guest_memfd of 3 * MS_PAGES behind two slots: A at file offset MS_PAGES, B at 0. Each
 * slot's private pages must read their own part of the file, and re-binding A at another offset
 * must show that part instead.
 */
static void case_gmem_offset(const void *arg)
{
	const uint64_t size = MS_PAGES * PAGE, seed = ktap_seed();
	const uint64_t half = MS_PAGES / 2;
	struct tfix f;
	int fd;

	tfix_empty(&f);
	require_gmem(KVM_X86_SW_PROTECTED_VM);
	fd = vm_create_guest_memfd(f.vm, 3 * size, 0);
	vm_memslot_add_gmem(f.vm, MS_SLOT_A, MS_GPA_A, size, BACKING_ANON, fd, size);
	vm_memslot_add_gmem(f.vm, MS_SLOT_B, MS_GPA_B, size, BACKING_ANON, fd, 0);
	f.vcpu = agent_vcpu_add(f.vm);
	vm_mem_set_private(f.vm, MS_GPA_A, size);
	vm_mem_set_private(f.vm, MS_GPA_B, size);
	agent_write_pattern(f.vcpu, MS_GPA_A, MS_PAGES, seed, WHO_GUEST_PRIVATE);
	agent_write_pattern(f.vcpu, MS_GPA_B, MS_PAGES, seed + 1, WHO_GUEST_PRIVATE);
	trans_expect_data(f.vcpu, MS_GPA_A, MS_PAGES, seed, WHO_GUEST_PRIVATE,
			  "slot A at offset 1x");
	trans_expect_data(f.vcpu, MS_GPA_B, MS_PAGES, seed + 1, WHO_GUEST_PRIVATE,
			  "slot B at offset 0");

	/* Shared pages of A read userspace, the private half still the file. */
	host_write_pattern(f.vm, MS_GPA_A, MS_PAGES, seed, WHO_HOST);
	vm_mem_set_shared(f.vm, MS_GPA_A + half * PAGE, half * PAGE);
	trans_expect_data(f.vcpu, MS_GPA_A, half, seed, WHO_GUEST_PRIVATE, "private half of A");
	trans_expect_data(f.vcpu, MS_GPA_A + half * PAGE, half, seed, WHO_HOST, "shared half of A");
	vm_mem_set_private(f.vm, MS_GPA_A + half * PAGE, half * PAGE);

	/* Re-bind A at offset 2x (never written), then at 1x again. */
	vm_memslot_delete(f.vm, MS_SLOT_A);
	vm_memslot_add_gmem(f.vm, MS_SLOT_A, MS_GPA_A, size, BACKING_ANON, fd, 2 * size);
	trans_expect_data(f.vcpu, MS_GPA_A, MS_PAGES, 0, 0, "slot A re-bound at offset 2x");
	vm_memslot_delete(f.vm, MS_SLOT_A);
	vm_memslot_add_gmem(f.vm, MS_SLOT_A, MS_GPA_A, size, BACKING_ANON, fd, size);
	trans_expect_data(f.vcpu, MS_GPA_A, MS_PAGES, seed, WHO_GUEST_PRIVATE,
			  "slot A back at offset 1x");
	trans_expect_data(f.vcpu, MS_GPA_B, MS_PAGES, seed + 1, WHO_GUEST_PRIVATE,
			  "slot B untouched");
	tfix_free(&f);
	close(fd);
}

void trans_register_memslot(void)
{
	ktap_add("transitions.memslot.before_slot", case_before_slot, NULL);
	ktap_add("transitions.memslot.delete_readd", case_delete_readd, NULL);
	ktap_add("transitions.memslot.move", case_move, NULL);
	ktap_add("transitions.memslot.gmem_offset", case_gmem_offset, NULL);
}
