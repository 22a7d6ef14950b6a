// SPDX-License-Identifier: GPL-2.0
/*
 * Conversion while a 2M region is mapped huge: kvm_arch_pre_set_memory_attributes()
 * (arch/x86/kvm/mmu/mmu.c) must zap the 2M mapping before the attributes change, so the
 * guest's very next access to a page that became private exits to the host instead of
 * reaching shared memory through the old huge mapping, and the rest re-faults at 4K.
 */
#include "hugepage.h"
#include "ktap.h"

static void case_convert(const void *p)
{
	const struct hp_arg *a = p;
	bool whole = a->variant; /* convert the whole region rather than one page */
	uint64_t from = whole ? HP_GPA : HP_PAGE(HP_GPA, 257);
	uint64_t size = whole ? SZ_2M : KMAT_PAGE_SIZE;
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, a->b, SZ_2M);
	hp_levels(&f, &before);
	hp_touch(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, 0, 1, 0, "uniform region written by the guest",
		  HP_WHY_NOT_2M);
	hp_set(&f, from, size, HP_PRIVATE);
	hp_expect(&f, &before, 0, 0, 0, "right after the conversion, before any access",
		  HP_WHY_NOT_ZAPPED);
	hp_probe(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, whole ? 0 : HP_PAGES_2M - 1, 0, 0, "guest read the region",
		  HP_WHY_SPLIT);
	hp_set(&f, from, size, 0);
	hp_probe(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, 0, 1, 0, "converted back and read again", HP_WHY_STAYS_SPLIT);
	hp_fix_free(&f);
}

void hp_register_convert(void)
{
	static const enum hp_backing backings[] = { HP_THP, HP_HUGETLB_2M };

	for (size_t i = 0; i < ARRAY_SIZE(backings); i++)
		for (int whole = 0; whole <= 1; whole++)
			hp_add(case_convert, backings[i], 0, whole, "convert_%s_while_2m",
			       whole ? "region" : "page");
}
