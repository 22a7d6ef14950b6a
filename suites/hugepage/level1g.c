// SPDX-License-Identifier: GPL-2.0
/*
 * 1G regions on 1G hugetlb memory. KVM tracks mixed attributes per level: a 1G region is
 * mixed if any 2M sub-region is mixed or differs from the others (hugepage_has_attrs() in
 * arch/x86/kvm/mmu/mmu.c reads the level below). Guards: a uniform 1G region maps 1G; a
 * private 4K page off any 2M boundary (after a partial revert only the 2M level's mixed state
 * reveals it) or a wholly private 2M sub-region forbids the 1G mapping while the other
 * sub-regions still map 2M; reverting lets a new fault map 1G again; converting while mapped
 * 1G zaps it.
 * Sub-regions are faulted one page each, by KVM_PRE_FAULT_MEMORY where offered.
 */
#include "hugepage.h"
#include "ktap.h"

#define SUB 100                             /* the sub-region that gets the odd page(s) */
#define SUB_GPA (HP_GPA + SUB * SZ_2M)
#define ODD HP_PAGE(SUB_GPA, 7)
#define SUB2_GPA (HP_GPA + 300 * SZ_2M)
#define ODD2 HP_PAGE(SUB2_GPA, 9)

static const char *const split_msg =
	"a 1G mapping covers a region whose 2M sub-regions have mixed attributes";
static const char *const regress_msg =
	"the 1G region stays split after its attributes became uniform again: a performance "
	"regression (mixed state never cleared)";

/*
 * Private pages in sub-regions SUB and SUB2, neither on a 2M boundary. Reverting SUB2's must
 * leave the 1G region split: only SUB's 2M mixed state says so, as the new attributes (shared)
 * match the first page of every sub-region. Reverting SUB's too must let a new fault map 1G.
 */
static void case_mixed_revert(const void *p)
{
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, HP_HUGETLB_1G, SZ_1G);
	hp_set(&f, ODD, KMAT_PAGE_SIZE, HP_PRIVATE);
	hp_set(&f, ODD2, KMAT_PAGE_SIZE, HP_PRIVATE);
	hp_levels(&f, &before);
	hp_fault_each_2m(&f, HP_GPA, SZ_1G);
	hp_expect(&f, &before, 2, 510, 0, "one page faulted in each 2M sub-region", split_msg);
	hp_probe(&f, SUB_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, 512, 510, 0, "guest read the first mixed sub-region",
		  HP_WHY_SPLIT);

	hp_set(&f, ODD2, KMAT_PAGE_SIZE, 0);
	hp_touch(&f, ODD2, 1);
	hp_expect(&f, &before, 511, 511, 0,
		  "second odd page reverted, then written by the guest",
		  "a 1G mapping covers a 2M sub-region that is still mixed");
	hp_probe(&f, ODD, 1);

	hp_set(&f, ODD, KMAT_PAGE_SIZE, 0);
	hp_touch(&f, ODD, 1);
	hp_expect(&f, &before, 0, 0, 1, "first odd page reverted, then written by the guest",
		  regress_msg);
	hp_fix_free(&f);
}

/* Sub-region SUB wholly private: uniform at 2M, different from its siblings at 1G. */
static void case_private_sub(const void *p)
{
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, HP_HUGETLB_1G, SZ_1G);
	hp_set(&f, SUB_GPA, SZ_2M, HP_PRIVATE);
	hp_levels(&f, &before);
	hp_fault_each_2m(&f, HP_GPA, SZ_1G);
	hp_expect(&f, &before, 0, 511, 0, "one page faulted in each shared 2M sub-region",
		  split_msg);
	hp_probe(&f, SUB_GPA, 8);
	hp_probe(&f, HP_PAGE(SUB_GPA, HP_PAGES_2M - 8), 8);
	hp_set(&f, SUB_GPA, SZ_2M, 0);
	hp_touch(&f, SUB_GPA, 1);
	hp_expect(&f, &before, 0, 0, 1, "sub-region reverted, then written by the guest",
		  regress_msg);
	hp_fix_free(&f);
}

/* Uniform first (1G), then one page converted while mapped 1G. */
static void case_uniform_convert(const void *p)
{
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, HP_HUGETLB_1G, SZ_1G);
	hp_levels(&f, &before);
	hp_touch(&f, HP_GPA, 1);
	hp_fault_each_2m(&f, HP_GPA, SZ_1G);
	hp_expect(&f, &before, 0, 0, 1, "uniform 1G region touched by the guest, all 2M faulted",
		  "KVM did not map a uniform, aligned 1G hugetlb region with a 1G page");
	hp_set(&f, ODD, KMAT_PAGE_SIZE, HP_PRIVATE);
	hp_expect(&f, &before, 0, 0, 0, "right after converting one page, before any access",
		  "the 1G mapping survived a conversion of memory it covers");
	hp_probe(&f, ODD, 1);
	hp_fault_each_2m(&f, HP_GPA, SZ_1G);
	hp_expect(&f, &before, 1, 511, 0, "one page faulted in each 2M sub-region", split_msg);
	hp_fix_free(&f);
}

void hp_register_1g(void)
{
	/* One 1G page is zeroed per case (seconds under TCG): each case does several steps. */
	ktap_add("hugepage.hugetlb1g.uniform_then_convert_page", case_uniform_convert, NULL);
	ktap_add("hugepage.hugetlb1g.mixed_2m_subregion_then_revert", case_mixed_revert, NULL);
	ktap_add("hugepage.hugetlb1g.private_2m_subregion_then_revert", case_private_sub, NULL);
}
