// SPDX-License-Identifier: GPL-2.0
/*
 * Conversion while a 2M region is mapped huge: kvm_arch_pre_set_memory_attributes()
 * (arch/x86/kvm/mmu/mmu.c) must zap the 2M mapping before the attributes change, so the
 * guest's very next access to a page that became private exits to the host instead of
 * reaching shared memory through the old huge mapping, and the rest re-faults at 4K.
 */
#include <stdlib.h>

#include "hugepage.h"
#include "ktap.h"

struct conv_arg {
	enum hp_backing b;
	bool whole; /* convert the whole region rather than one page */
};

static void case_convert(const void *p)
{
	const struct conv_arg *a = p;
	uint64_t from = a->whole ? HP_GPA : HP_PAGE(HP_GPA, 257);
	uint64_t size = a->whole ? SZ_2M : KMAT_PAGE_SIZE;
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, a->b, SZ_2M);
	hp_levels(&f, &before);
	hp_touch(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, 0, 1, 0, "uniform region written by the guest",
		  "KVM did not map a uniform, aligned, huge-backed region with a 2M page");
	hp_set(&f, from, size, HP_PRIVATE);
	hp_expect(&f, &before, 0, 0, 0, "right after the conversion, before any access",
		  "the 2M mapping survived a conversion of memory it covers");
	hp_probe(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, a->whole ? 0 : HP_PAGES_2M - 1, 0, 0, "guest read the region",
		  "a 2M mapping covers a region whose pages have mixed attributes");
	hp_set(&f, from, size, 0);
	hp_probe(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, 0, 1, 0, "converted back and read again",
		  "the region stays split after its attributes became uniform again: a "
		  "performance regression (mixed state never cleared)");
	hp_fix_free(&f);
}

void hp_register_convert(void)
{
	static const enum hp_backing backings[] = { HP_THP, HP_HUGETLB_2M };

	for (size_t i = 0; i < ARRAY_SIZE(backings); i++)
		for (int whole = 0; whole <= 1; whole++) {
			struct conv_arg *a = malloc(sizeof(*a));

			KMAT_ASSERT(a, "malloc");
			*a = (struct conv_arg){ .b = backings[i], .whole = whole };
			ktap_addf(case_convert, a, "hugepage.%s.convert_%s_while_2m",
				  hp_backing_name(backings[i]), whole ? "region" : "page");
		}
}
