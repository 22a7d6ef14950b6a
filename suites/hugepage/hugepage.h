/* SPDX-License-Identifier: GPL-2.0 */
/*
 * suites/hugepage: which page sizes KVM uses for guest memory whose per-page attributes are
 * uniform or mixed. Levels are read from the VM's binary stats (pages_4k/2m/1g) around each
 * guest access; the guest's own probes check that a page's attribute still decides its fate.
 */
#ifndef KMAT_HUGEPAGE_H
#define KMAT_HUGEPAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "attrs.h"
#include "ktap.h"
#include "stats.h"
#include "vcpu.h"

/* Test memory at 4 GiB: 1G aligned, clear of the guest image. */
#define HP_GPA (4ULL << 30)
#define HP_SLOT 1
#define HP_1M (1ULL << 20)
#define HP_PAGES_2M 512ULL
#define HP_PAGES_1G (512ULL * 512)
#define HP_PAGE(base, i) ((base) + (uint64_t)(i) * KMAT_PAGE_SIZE)
#define HP_PRIVATE KVM_MEMORY_ATTRIBUTE_PRIVATE

enum hp_backing {
	HP_THP,        /* anonymous, MADV_HUGEPAGE, populated and checked in smaps */
	HP_HUGETLB_2M,
	HP_HUGETLB_1G,
	HP_GMEM,       /* guest_memfd slot; its shared half is THP */
	HP_NR_BACKINGS
};

const char *hp_backing_name(enum hp_backing b);

/* What a failed level assertion means, shared by the cases that make the same claim. */
#define HP_WHY_SPLIT "a 2M mapping covers a region whose pages have mixed attributes"
#define HP_WHY_NOT_2M "KVM did not map a uniform, aligned, huge-backed region with a 2M page"
#define HP_WHY_GMEM_NOT_2M \
	"KVM did not map a uniform shared region of a guest_memfd slot with a 2M page"
#define HP_WHY_NOT_ZAPPED "the 2M mapping survived a conversion of memory it covers"
#define HP_WHY_STAYS_SPLIT \
	"the region stays split after its attributes became uniform again: a performance " \
	"regression (mixed state never cleared)"

/* A registered case's argument: the backing, an odd page's index, a case-specific variant. */
struct hp_arg {
	enum hp_backing b;
	uint64_t odd;
	int variant;
};
/* Register @fn with a new struct hp_arg; the name is "hugepage.<backing>." + @fmt. */
void hp_add(ktap_fn fn, enum hp_backing b, uint64_t odd, int variant, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* --no-prefault: fault through the guest even where KVM_PRE_FAULT_MEMORY works. */
extern bool hp_no_prefault;

/* A SW-protected VM with one agent vCPU and its test memslots. */
struct hp_fix {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	enum hp_backing backing;
	struct attr_model model; /* what KVM_SET_MEMORY_ATTRIBUTES was told */
	bool prefault;          /* KVM_PRE_FAULT_MEMORY works for this VM */
};

/*
 * Skips unless the kernel can run the case (PRIVATE attribute, TDP, binary stats, the
 * backing); then creates the VM. hp_fix_slot() adds a test memslot of @size at @gpa whose host
 * memory starts @hva_skew bytes past a boundary of the backing's page size (0: aligned),
 * populated so the host maps it huge. hp_fix_ready() maps the guest's own pages so that later
 * stat deltas count test memory only.
 */
void hp_fix_init(struct hp_fix *f, enum hp_backing b);
void hp_fix_slot(struct hp_fix *f, uint64_t gpa, uint64_t size, uint64_t hva_skew);
void hp_fix_ready(struct hp_fix *f);
/* All three in one: an aligned slot of @size at HP_GPA. */
void hp_fix_setup(struct hp_fix *f, enum hp_backing b, uint64_t size);
void hp_fix_free(struct hp_fix *f);

/* KVM_SET_MEMORY_ATTRIBUTES, mirrored in the model. */
void hp_set(struct hp_fix *f, uint64_t gpa, uint64_t size, uint64_t attrs);

/* Guest writes one word per page; any exit fails the case (the pages must be mappable). */
void hp_touch(struct hp_fix *f, uint64_t gpa, uint64_t npages);
/* Fault one page per 2M in [gpa, +size): KVM_PRE_FAULT_MEMORY where offered, else the guest. */
void hp_fault_each_2m(struct hp_fix *f, uint64_t gpa, uint64_t size);
/*
 * Plain memslots: the guest reads every page of [gpa, +npages) once; exactly the pages the
 * model calls PRIVATE must exit to the host (the oracle in lib/agent). A shared access that
 * reaches a private page means a mapping covers memory it must not.
 */
void hp_probe(struct hp_fix *f, uint64_t gpa, uint64_t npages);

/* Level accounting: read now, later assert exact deltas and print both readings. */
void hp_levels(struct hp_fix *f, struct page_levels *pl);
void hp_expect(struct hp_fix *f, const struct page_levels *before, int64_t d4k, int64_t d2m,
	       int64_t d1g, const char *what, const char *if_wrong);

/* Case registration, one per file. */
void hp_register_basic(void);
void hp_register_edges(void);
void hp_register_convert(void);
void hp_register_1g(void);
void hp_register_gmem(void);

#endif
