// SPDX-License-Identifier: GPL-2.0
/*
 * guest_memfd memslots: shared pages come from the slot's host memory (THP here), private
 * pages from guest_memfd, so a private access maps instead of exiting and the functional
 * check is what the guest reads. Guards: a uniform shared region maps 2M in a gmem slot too;
 * private memory maps no larger than guest_memfd's folios (order 0 in Linux 7.2,
 * kvm_gmem_get_pfn(): a larger mapping would expose neighbouring host pages); one private
 * page forbids the 2M mapping and its reads come from guest_memfd at once; reverting lets a
 * new fault map 2M again and the guest sees the shared data at once.
 */
#include "agent.h"
#include "caps.h"
#include "hugepage.h"
#include "ktap.h"

#define ODD HP_PAGE(HP_GPA, 257)
#define WHO_SHARED 1  /* pattern writer ids: the guest while the page was shared... */
#define WHO_PRIVATE 3 /* ...and while it was private */

static void expect_pattern(struct hp_fix *f, uint64_t gpa, uint64_t n, uint64_t who,
			   const char *what)
{
	uint64_t got = 0, bad = agent_check_pattern(f->vcpu, gpa, n, ktap_seed(), who, &got);

	if (bad < n)
		ktap_fail("%s: the guest read 0x%llx at 0x%llx, expected writer %llu's pattern",
			  what, (unsigned long long)got, (unsigned long long)HP_PAGE(gpa, bad),
			  (unsigned long long)who);
}

static void expect_zero(struct hp_fix *f, uint64_t gpa, uint64_t n, const char *what)
{
	uint64_t got = 0, bad = agent_check_zero(f->vcpu, gpa, n, &got);

	if (bad < n)
		ktap_fail("%s: the guest read 0x%llx at 0x%llx, expected fresh guest_memfd zeros",
			  what, (unsigned long long)got, (unsigned long long)HP_PAGE(gpa, bad));
}

/* Word 0 of @gpa's page in the slot's shared (host) memory. */
static uint64_t shared_word(struct hp_fix *f, uint64_t gpa)
{
	return *(volatile uint64_t *)gpa_to_hva(f->vm, gpa);
}

static void case_uniform_shared(const void *p)
{
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, HP_GMEM, SZ_2M);
	hp_levels(&f, &before);
	hp_touch(&f, HP_GPA, HP_PAGES_2M);
	hp_expect(&f, &before, 0, 1, 0, "guest wrote a uniform shared region of a gmem slot",
		  HP_WHY_GMEM_NOT_2M);
	hp_fix_free(&f);
}

static void case_uniform_private(const void *p)
{
	uint64_t known = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
	uint64_t flags = kmat_caps()->vm[KVM_X86_SW_PROTECTED_VM].gmem_flags;
	struct page_levels before;
	struct hp_fix f;

	hp_fix_init(&f, HP_GMEM);
	/* A flag we do not know may bring large folios; then 4K is no longer the answer. */
	if (flags & ~known)
		ktap_skip(KTAP_SKIP_NO_GMEM_FLAG, "unknown guest_memfd flags 0x%llx",
			  (unsigned long long)flags);
	hp_fix_slot(&f, HP_GPA, SZ_2M, 0);
	hp_fix_ready(&f);
	ktap_diag("guest_memfd flags 0x%llx offer no large folios: private memory maps 4K",
		  (unsigned long long)flags);
	hp_set(&f, HP_GPA, SZ_2M, HP_PRIVATE);
	hp_levels(&f, &before);
	agent_write_pattern(f.vcpu, HP_GPA, HP_PAGES_2M, ktap_seed(), WHO_PRIVATE);
	hp_expect(&f, &before, HP_PAGES_2M, 0, 0, "guest wrote a uniform private region",
		  "private memory was mapped larger than guest_memfd's folios");
	expect_pattern(&f, HP_GPA, HP_PAGES_2M, WHO_PRIVATE, "private region read back");
	KMAT_ASSERT(shared_word(&f, ODD) == 0, "a private write reached shared memory");
	hp_fix_free(&f);
}

/*
 * The guest fills the region while shared (mapped 2M), one page turns private: the guest must
 * read zeros there (guest_memfd) and its data elsewhere, and its private write must not reach
 * shared memory. With @revert the page turns shared again and the guest must read its old
 * shared data, through a new 2M mapping.
 */
static void mixed_page(bool revert, bool read_first)
{
	struct page_levels before;
	struct hp_fix f;

	hp_fix_setup(&f, HP_GMEM, SZ_2M);
	hp_levels(&f, &before);
	agent_write_pattern(f.vcpu, HP_GPA, HP_PAGES_2M, ktap_seed(), WHO_SHARED);
	hp_expect(&f, &before, 0, 1, 0, "guest filled a uniform shared region",
		  HP_WHY_GMEM_NOT_2M);
	hp_set(&f, ODD, KMAT_PAGE_SIZE, HP_PRIVATE);
	hp_expect(&f, &before, 0, 0, 0, "right after converting one page, before any access",
		  HP_WHY_NOT_ZAPPED);
	if (read_first)
		expect_zero(&f, ODD, 1, "first access after the conversion");
	expect_pattern(&f, HP_GPA, 257, WHO_SHARED, "shared pages below the private one");
	expect_pattern(&f, ODD + KMAT_PAGE_SIZE, HP_PAGES_2M - 258, WHO_SHARED,
		       "shared pages above the private one");
	expect_zero(&f, ODD, 1, "private page");
	agent_write_pattern(f.vcpu, ODD, 1, ktap_seed(), WHO_PRIVATE);
	hp_expect(&f, &before, HP_PAGES_2M, 0, 0, "guest read every page, wrote the private one",
		  HP_WHY_SPLIT);
	KMAT_ASSERT(shared_word(&f, ODD) == kmat_pattern(ODD, ktap_seed(), WHO_SHARED),
		    "the guest's private write reached shared memory");
	if (revert) {
		hp_set(&f, ODD, KMAT_PAGE_SIZE, 0);
		expect_pattern(&f, ODD, 1, WHO_SHARED, "first access after reverting");
		hp_expect(&f, &before, 0, 1, 0, "page reverted, then read by the guest",
			  HP_WHY_STAYS_SPLIT);
	}
	hp_fix_free(&f);
}

static void case_mixed(const void *p)
{
	mixed_page(false, false);
}

static void case_convert(const void *p)
{
	mixed_page(false, true);
}

static void case_revert(const void *p)
{
	mixed_page(true, false);
}

void hp_register_gmem(void)
{
	ktap_add("hugepage.gmem.uniform_shared", case_uniform_shared, NULL);
	ktap_add("hugepage.gmem.uniform_private", case_uniform_private, NULL);
	ktap_add("hugepage.gmem.mixed_private", case_mixed, NULL);
	ktap_add("hugepage.gmem.convert_page_while_2m", case_convert, NULL);
	ktap_add("hugepage.gmem.revert", case_revert, NULL);
}
