// SPDX-License-Identifier: GPL-2.0
/*
 * Ranges and memslots that do not line up with 2M regions. Guards, in
 * kvm_arch_post_set_memory_attributes() (arch/x86/kvm/mmu/mmu.c):
 *   - the straddling head and tail regions of a range are re-examined (else a region keeps a
 *     stale "uniform" or "mixed" state);
 *   - a tail region that ends exactly at the memslot's end still counts as inside it (the
 *     "<=" bound), as does the last page of a slot;
 * and in kvm_alloc_memslot_metadata() (arch/x86/kvm/x86.c) plus the tracking above:
 *   - the edge regions of a memslot not aligned to 2M, and every region of a slot whose host
 *     address is not 2M-congruent with its gpa, are never mapped huge, whatever their
 *     attributes: a 2M page there would reach memory outside the slot.
 */
#include <stdlib.h>

#include "hugepage.h"
#include "ktap.h"

/*
 * Regions R0 R1 R2; private [R0 + 1M, R1 + 1M): R0 is the range's straddling head, R1 its
 * straddling tail, R2 is untouched. Variant 1 makes R1 the slot's last region, so the tail
 * ends exactly at the end of the memslot.
 */
static void case_head_tail(const void *p)
{
	const struct hp_arg *a = p;
	uint64_t r0 = HP_GPA, r1 = r0 + SZ_2M, half = HP_PAGES_2M / 2;
	uint64_t slot_size = a->variant ? 2 * SZ_2M : 3 * SZ_2M;
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, a->b, slot_size);
	hp_set(&f, r0 + HP_1M, SZ_2M, HP_PRIVATE);
	hp_levels(&f, &before);
	hp_probe(&f, r0, 2 * HP_PAGES_2M);
	hp_expect(&f, &before, 2 * half, 0, 0, "head and tail regions read by the guest",
		  HP_WHY_SPLIT);
	if (!a->variant) {
		hp_touch(&f, r1 + SZ_2M, HP_PAGES_2M);
		hp_expect(&f, &before, 2 * half, 1, 0, "the region after the range",
			  "a region outside the range lost its 2M mapping");
	}
	hp_set(&f, r0 + HP_1M, SZ_2M, 0);
	hp_probe(&f, r0, 2 * HP_PAGES_2M);
	hp_expect(&f, &before, 0, a->variant ? 2 : 3, 0, "head and tail reverted and read again",
		  HP_WHY_STAYS_SPLIT);
	hp_fix_free(&f);
}

/* A single private page that is the memslot's last page. */
static void case_last_page(const void *p)
{
	const struct hp_arg *a = p;
	uint64_t r1 = HP_GPA + SZ_2M, last = HP_PAGE(r1, HP_PAGES_2M - 1);
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, a->b, 2 * SZ_2M);
	hp_set(&f, last, KMAT_PAGE_SIZE, HP_PRIVATE);
	hp_levels(&f, &before);
	hp_probe(&f, r1, HP_PAGES_2M);
	hp_expect(&f, &before, HP_PAGES_2M - 1, 0, 0, "last region of the slot read by the guest",
		  HP_WHY_SPLIT);
	hp_set(&f, last, KMAT_PAGE_SIZE, 0);
	hp_probe(&f, r1, HP_PAGES_2M);
	hp_expect(&f, &before, 0, 1, 0, "last page reverted, region read again", HP_WHY_STAYS_SPLIT);
	hp_fix_free(&f);
}

/*
 * A slot at HP_GPA + 1M of 4M: its first and last 1M are halves of 2M regions (E0, E1) that
 * it does not contain; the middle region F is whole. The host memory behind E0/E1 is huge
 * (the hva is skewed by 1M too), so only KVM's bookkeeping keeps them 4K. The attributes of
 * the whole 6M, inside and outside the slot, are toggled between the two readings.
 */
static void case_misaligned_slot(const void *p)
{
	const struct hp_arg *a = p;
	uint64_t start = HP_GPA + HP_1M, npages = 4 * HP_1M / KMAT_PAGE_SIZE;
	struct page_levels before;
	struct hp_fix f;

	hp_fix_init(&f, a->b);
	hp_fix_slot(&f, start, 4 * HP_1M, HP_1M);
	hp_fix_ready(&f);
	hp_levels(&f, &before);
	hp_touch(&f, start, npages);
	hp_expect(&f, &before, HP_PAGES_2M, 1, 0, "guest wrote a slot misaligned by 1M",
		  "an edge region of a misaligned memslot was mapped huge, or the whole one "
		  "was not");
	hp_set(&f, HP_GPA, 3 * SZ_2M, HP_PRIVATE);
	hp_set(&f, HP_GPA, 3 * SZ_2M, 0);
	hp_expect(&f, &before, 0, 0, 0, "attributes of 6M around the slot toggled",
		  "conversion did not zap the slot's mappings");
	hp_touch(&f, start, npages);
	hp_expect(&f, &before, HP_PAGES_2M, 1, 0, "guest wrote the slot again",
		  "after uniform conversions, an edge region of a misaligned memslot was mapped "
		  "huge, or the whole one was not");
	hp_fix_free(&f);
}

/* gpa 2M aligned, host address 4K past a 2M boundary: no 2M page can line up anywhere. */
static void case_misaligned_hva(const void *p)
{
	const struct hp_arg *a = p;
	struct page_levels before;
	struct hp_fix f;

	hp_fix_init(&f, a->b);
	hp_fix_slot(&f, HP_GPA, SZ_2M, KMAT_PAGE_SIZE);
	hp_fix_ready(&f);
	hp_levels(&f, &before);
	hp_touch(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, HP_PAGES_2M, 0, 0,
		  "guest wrote a slot whose host address is 4K off a 2M boundary",
		  "a 2M mapping of a slot whose gpa and hva are not 2M-congruent");
	hp_fix_free(&f);
}

void hp_register_edges(void)
{
	static const enum hp_backing backings[] = { HP_THP, HP_HUGETLB_2M };

	for (size_t i = 0; i < ARRAY_SIZE(backings); i++) {
		hp_add(case_head_tail, backings[i], 0, 0, "head_tail");
		hp_add(case_head_tail, backings[i], 0, 1, "tail_at_slot_end");
		hp_add(case_last_page, backings[i], 0, 0, "last_page_of_slot");
		hp_add(case_misaligned_slot, backings[i], 0, 0, "misaligned_slot");
		hp_add(case_misaligned_hva, backings[i], 0, 0, "misaligned_hva");
	}
}
