// SPDX-License-Identifier: GPL-2.0
/*
 * 2M regions on huge host memory in a plain memslot: KVM may map one with a 2M page only while
 * every page in it has the same attributes (KVM_LPAGE_MIXED_FLAG in lpage_info, maintained by
 * kvm_arch_post_set_memory_attributes() and kvm_mmu_init_memslot_memory_attributes() in
 * arch/x86/kvm/mmu/mmu.c, since "KVM: x86: Disallow hugepages when memory attributes are
 * mixed", Linux 6.8). Guards:
 *   - a uniform region maps 2M (tracking must not forbid what it should allow);
 *   - one odd page (first, middle or last; private in a shared region or the reverse) forbids
 *     the 2M mapping, and the private pages still exit to the host;
 *   - attributes set before the memslot exists are tracked when it is created;
 *   - reverting, by any shape of range, lets a new fault map 2M again (else: a performance
 *     regression), and reverting one of two odd pages does not.
 */
#include <stdlib.h>

#include "hugepage.h"
#include "ktap.h"

static const struct { const char *name; uint64_t idx; } positions[] = {
	{ "first", 0 }, { "middle", 257 }, { "last", HP_PAGES_2M - 1 },
};

static void case_uniform(const void *p)
{
	const struct hp_arg *a = p;
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, a->b, SZ_2M);
	hp_levels(&f, &before);
	hp_touch(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, 0, 1, 0, "guest wrote every page of a uniform shared 2M region",
		  HP_WHY_NOT_2M);
	hp_fix_free(&f);
}

/* One private page in a shared region. */
static void case_mixed_private(const void *p)
{
	const struct hp_arg *a = p;
	uint64_t odd = HP_PAGE(HP_GPA, a->odd);
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, a->b, SZ_2M);
	hp_set(&f, odd, KMAT_PAGE_SIZE, HP_PRIVATE);
	hp_levels(&f, &before);
	hp_probe(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, HP_PAGES_2M - 1, 0, 0,
		  "guest read a 2M region with one private page", HP_WHY_SPLIT);
	hp_fix_free(&f);
}

/* One shared page in a private region: the only mappable page must map 4K. */
static void case_mixed_shared(const void *p)
{
	const struct hp_arg *a = p;
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, a->b, SZ_2M);
	hp_set(&f, HP_GPA, SZ_2M, HP_PRIVATE);
	hp_set(&f, HP_PAGE(HP_GPA, a->odd), KMAT_PAGE_SIZE, 0);
	hp_levels(&f, &before);
	hp_probe(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, 1, 0, 0, "guest read a private 2M region with one shared page",
		  HP_WHY_SPLIT);
	hp_fix_free(&f);
}

/* The attributes exist before the memslot: creating it must compute the mixed state. */
static void case_before_slot(const void *p)
{
	const struct hp_arg *a = p;
	struct page_levels before;
	struct hp_fix f;

	hp_fix_init(&f, a->b);
	hp_set(&f, HP_PAGE(HP_GPA, a->odd), KMAT_PAGE_SIZE, HP_PRIVATE);
	hp_fix_slot(&f, HP_GPA, SZ_2M, 0);
	hp_fix_ready(&f);
	hp_levels(&f, &before);
	hp_probe(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, HP_PAGES_2M - 1, 0, 0,
		  "guest read a 2M region whose private page predates the memslot", HP_WHY_SPLIT);
	hp_fix_free(&f);
}

enum revert_shape { REVERT_PAGE, REVERT_REGION, REVERT_HEAD, REVERT_TAIL, NR_REVERTS };
static const char *const revert_names[NR_REVERTS] = { "page", "region", "range_head",
						       "range_tail" };

/*
 * The middle of three regions gets a private page, is mapped split, then is made shared
 * again by a range that is: the page; the whole region; a range starting at the page and
 * covering the next region (the region is the range's straddling head); a range from the
 * previous region up to the page (the straddling tail). Each takes its own path in
 * kvm_arch_post_set_memory_attributes().
 */
static void case_revert(const void *p)
{
	const struct hp_arg *a = p;
	uint64_t r = HP_GPA + SZ_2M, odd = HP_PAGE(r, a->odd), from, to;
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, a->b, 3 * SZ_2M);
	hp_set(&f, odd, KMAT_PAGE_SIZE, HP_PRIVATE);
	hp_levels(&f, &before);
	hp_probe(&f, r, HP_PAGES_2M);
	hp_expect(&f, &before, HP_PAGES_2M - 1, 0, 0, "mixed region read by the guest",
		  HP_WHY_SPLIT);
	switch (a->variant) {
	case REVERT_PAGE: from = odd; to = odd + KMAT_PAGE_SIZE; break;
	case REVERT_REGION: from = r; to = r + SZ_2M; break;
	case REVERT_HEAD: from = odd; to = r + 2 * SZ_2M; break;
	default: from = r - SZ_2M; to = odd + KMAT_PAGE_SIZE; break;
	}
	ktap_diag("revert [0x%llx, 0x%llx) to shared", (unsigned long long)from,
		  (unsigned long long)to);
	hp_set(&f, from, to - from, 0);
	/* The reverted page was never mapped: the guest's access to it is a new fault. */
	hp_probe(&f, r, HP_PAGES_2M);
	hp_expect(&f, &before, 0, 1, 0, "reverted region read again by the guest", HP_WHY_STAYS_SPLIT);
	hp_fix_free(&f);
}

/* Two odd pages, first and last: reverting either one alone must leave the region split. */
static void case_partial_revert(const void *p)
{
	const struct hp_arg *a = p;
	uint64_t first = HP_GPA, last = HP_PAGE(HP_GPA, HP_PAGES_2M - 1);
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, a->b, SZ_2M);
	hp_set(&f, first, KMAT_PAGE_SIZE, HP_PRIVATE);
	hp_set(&f, last, KMAT_PAGE_SIZE, HP_PRIVATE);
	hp_levels(&f, &before);
	hp_probe(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, HP_PAGES_2M - 2, 0, 0, "first and last pages private", HP_WHY_SPLIT);

	hp_set(&f, first, KMAT_PAGE_SIZE, 0);
	hp_probe(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, HP_PAGES_2M - 1, 0, 0, "first page reverted, last still private",
		  "reverting one odd page unsplit a region that still has another");

	hp_set(&f, first, KMAT_PAGE_SIZE, HP_PRIVATE); /* zaps the first page's 4K mapping */
	hp_set(&f, last, KMAT_PAGE_SIZE, 0);
	hp_probe(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, HP_PAGES_2M - 1, 0, 0, "last page reverted, first still private",
		  "reverting one odd page unsplit a region that still has another");

	hp_set(&f, first, KMAT_PAGE_SIZE, 0);
	hp_probe(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, 0, 1, 0, "both reverted", HP_WHY_STAYS_SPLIT);
	hp_fix_free(&f);
}

void hp_register_basic(void)
{
	static const enum hp_backing backings[] = { HP_THP, HP_HUGETLB_2M };

	for (size_t i = 0; i < ARRAY_SIZE(backings); i++) {
		enum hp_backing b = backings[i];

		hp_add(case_uniform, b, 0, 0, "uniform_shared");
		for (size_t p = 0; p < ARRAY_SIZE(positions); p++)
			hp_add(case_mixed_private, b, positions[p].idx, 0, "mixed_private_%s",
			       positions[p].name);
		for (size_t p = 0; p < ARRAY_SIZE(positions); p++)
			hp_add(case_mixed_shared, b, positions[p].idx, 0, "mixed_shared_%s",
			       positions[p].name);
		hp_add(case_before_slot, b, HP_PAGES_2M - 1, 0, "mixed_before_slot");
		for (int v = 0; v < NR_REVERTS; v++)
			hp_add(case_revert, b, 257, v, "revert_%s", revert_names[v]);
		hp_add(case_partial_revert, b, 0, 0, "partial_revert");
	}
}
