// SPDX-License-Identifier: GPL-2.0
/* The hugepage fixture: VM, test memslots on huge host memory, guest accesses, level deltas. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "caps.h"
#include "gmem.h"
#include "hugepage.h"
#include "ktap.h"
#include "prefault.h"

bool hp_no_prefault; /* --no-prefault: always fault through the guest */

const char *hp_backing_name(enum hp_backing b)
{
	static const char *const names[HP_NR_BACKINGS] = { "thp", "hugetlb2m", "hugetlb1g", "gmem" };

	return b < HP_NR_BACKINGS ? names[b] : "unknown";
}

static enum backing_type host_backing(enum hp_backing b)
{
	switch (b) {
	case HP_HUGETLB_2M: return BACKING_HUGETLB_2M;
	case HP_HUGETLB_1G: return BACKING_HUGETLB_1G;
	default: return BACKING_THP;
	}
}

static _Noreturn void skip_backing(enum backing_type t, const char *why)
{
	switch (t) {
	case BACKING_HUGETLB_2M: ktap_skip(KTAP_SKIP_NO_HUGETLB_2M, "%s", why);
	case BACKING_HUGETLB_1G: ktap_skip(KTAP_SKIP_NO_HUGETLB_1G, "%s", why);
	default: ktap_skip(KTAP_SKIP_NO_THP, "%s", why);
	}
}

/* AnonHugePages of the VMAs inside [addr, addr + len): how much of it the kernel made THP. */
static uint64_t thp_bytes(const void *addr, uint64_t len)
{
	uint64_t lo = (uintptr_t)addr, hi = lo + len, total = 0;
	unsigned long start, end, kb;
	bool inside = false;
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "r");

	KMAT_ASSERT(f, "open /proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			inside = start >= lo && end <= hi;
		else if (inside && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			total += kb << 10;
	}
	fclose(f);
	return total;
}

void hp_fix_init(struct hp_fix *f, enum hp_backing b)
{
	const struct kmat_caps *c = kmat_caps();

	memset(f, 0, sizeof(*f));
	require_private(KVM_X86_SW_PROTECTED_VM);
	/* Shadow paging follows the guest's page sizes; only TDP maps by host and attributes. */
	require_tdp();
	if (!c->binary_stats)
		ktap_skip(KTAP_SKIP_NO_STATS, NULL);
	if (b == HP_GMEM)
		require_gmem(KVM_X86_SW_PROTECTED_VM);
	if (host_backing(b) == BACKING_THP &&
	    (!strcmp(c->thp, "never") || !strcmp(c->thp, "absent")))
		ktap_skip(KTAP_SKIP_NO_THP, "mode %s", c->thp);
	if (b == HP_HUGETLB_2M && c->hugetlb_2m_free < 0)
		ktap_skip(KTAP_SKIP_NO_HUGETLB_2M, "kernel offers no 2M pool");
	if (b == HP_HUGETLB_1G && c->hugetlb_1g_free < 0)
		ktap_skip(KTAP_SKIP_NO_HUGETLB_1G, "kernel offers no 1G pool");
	f->backing = b;
	f->prefault = c->vm[KVM_X86_SW_PROTECTED_VM].prefault && !hp_no_prefault;
	attr_model_init(&f->model);
	f->vm = vm_create(KVM_X86_SW_PROTECTED_VM);
}

void hp_fix_slot(struct hp_fix *f, uint64_t gpa, uint64_t size, uint64_t hva_skew)
{
	enum backing_type t = host_backing(f->backing);
	uint64_t page = backing_page_size(t), len = ALIGN_UP(hva_skew + size, page), have;
	struct memslot s = { .gpa = gpa, .size = size, .gmem_fd = -1 };
	const char *why = "";
	char detail[96];

	for (s.id = HP_SLOT; f->vm->slots[s.id].used; s.id++)
		;
	if (__backing_alloc(&s.backing, t, len, &why))
		skip_backing(t, why);
	/* Populate from the host so the host page tables are huge before KVM looks at them. */
	for (uint64_t off = 0; off < len; off += page)
		*(volatile uint64_t *)((char *)s.backing.addr + off) = 0;
	if (t == BACKING_THP && (have = thp_bytes(s.backing.addr, len)) < len) {
		snprintf(detail, sizeof(detail), "kernel gave %llu of %llu kB as THP",
			 (unsigned long long)have >> 10, (unsigned long long)len >> 10);
		backing_free(&s.backing);
		skip_backing(t, detail);
	}
	s.hva = (char *)s.backing.addr + hva_skew;
	if (f->backing == HP_GMEM) {
		s.flags = KVM_MEM_GUEST_MEMFD;
		s.gmem_fd = vm_create_guest_memfd(f->vm, size, 0);
		s.gmem_owned = true;
	}
	vm_memslot_register(f->vm, &s);
}

void hp_fix_ready(struct hp_fix *f)
{
	const struct memslot *sys = vm_memslot(f->vm, KMAT_SYSTEM_SLOT);
	struct agent_cmd warm = {
		.op = AGENT_TOUCH, .gpa = KMAT_PAGE_SIZE,
		.npages = sys->size / KMAT_PAGE_SIZE - 1, .arg0 = ACCESS_READ,
	};

	if (!f->vcpu)
		f->vcpu = agent_vcpu_add(f->vm);
	/* Every page of the guest image, stacks and page tables, so none faults mid-count. */
	agent_call(f->vcpu, &warm, NULL, NULL);
}

void hp_fix_setup(struct hp_fix *f, enum hp_backing b, uint64_t size)
{
	hp_fix_init(f, b);
	hp_fix_slot(f, HP_GPA, size, 0);
	hp_fix_ready(f);
}

void hp_add(ktap_fn fn, enum hp_backing b, uint64_t odd, int variant, const char *fmt, ...)
{
	struct hp_arg *a = malloc(sizeof(*a));
	char tail[128];
	va_list ap;

	KMAT_ASSERT(a, "malloc");
	*a = (struct hp_arg){ .b = b, .odd = odd, .variant = variant };
	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	ktap_addf(fn, a, "hugepage.%s.%s", hp_backing_name(b), tail);
}

void hp_fix_free(struct hp_fix *f)
{
	attr_model_free(&f->model);
	vm_free(f->vm);
}

void hp_set(struct hp_fix *f, uint64_t gpa, uint64_t size, uint64_t attrs)
{
	vm_set_memory_attributes(f->vm, gpa, size, attrs);
	attr_model_set(&f->model, gpa, size, attrs);
}

void hp_touch(struct hp_fix *f, uint64_t gpa, uint64_t npages)
{
	struct agent_cmd c = { .op = AGENT_TOUCH, .gpa = gpa, .npages = npages,
			       .arg0 = ACCESS_WRITE };

	agent_call(f->vcpu, &c, NULL, NULL);
}

void hp_fault_each_2m(struct hp_fix *f, uint64_t gpa, uint64_t size)
{
	ktap_diag("faulting one shared page per 2M of [0x%llx, +0x%llx) via %s",
		  (unsigned long long)gpa, (unsigned long long)size,
		  f->prefault ? "KVM_PRE_FAULT_MEMORY" : "guest writes");
	for (uint64_t r = gpa; r < gpa + size; r += SZ_2M) {
		uint64_t p = r;

		/* The first shared page: a private one would only exit. */
		while (p < r + SZ_2M && attr_model_get(&f->model, p))
			p += KMAT_PAGE_SIZE;
		if (p == r + SZ_2M)
			continue;
		if (f->prefault)
			vcpu_pre_fault(f->vcpu, p, KMAT_PAGE_SIZE);
		else
			hp_touch(f, p, 1);
	}
}

void hp_probe(struct hp_fix *f, uint64_t gpa, uint64_t npages)
{
	uint64_t *seen = calloc((npages + 63) / 64, sizeof(uint64_t)), diff;

	KMAT_ASSERT(seen, "calloc");
	/* Twice: the second pass catches a mapping made after a private page's first exit. */
	for (int pass = 1; pass <= 2; pass++) {
		agent_probe(f->vcpu, gpa, npages, ACCESS_READ, seen);
		diff = attr_model_diff_private(&f->model, gpa, npages, seen);
		if (diff < npages) {
			bool priv = attr_model_get(&f->model, HP_PAGE(gpa, diff));
			struct page_levels now;

			hp_levels(f, &now);
			ktap_diag("levels now: pages_4k %llu, pages_2m %llu, pages_1g %llu",
				  (unsigned long long)now.pages_4k,
				  (unsigned long long)now.pages_2m,
				  (unsigned long long)now.pages_1g);
			ktap_fail("pass %d: page 0x%llx is %s, but the guest's access %s", pass,
				  (unsigned long long)HP_PAGE(gpa, diff),
				  priv ? "private" : "shared",
				  priv ? "completed without an exit: a shared mapping covers it"
				       : "exited as private");
		}
	}
	free(seen);
}

void hp_levels(struct hp_fix *f, struct page_levels *pl)
{
	vm_page_levels(f->vm, pl);
}

static bool level_ok(const char *name, uint64_t before, uint64_t after, int64_t want)
{
	int64_t d = (int64_t)(after - before);

	ktap_diag("  %s %llu -> %llu (%+lld, want %+lld)%s", name, (unsigned long long)before,
		  (unsigned long long)after, (long long)d, (long long)want,
		  d == want ? "" : "  <-- wrong");
	return d == want;
}

void hp_expect(struct hp_fix *f, const struct page_levels *before, int64_t d4k, int64_t d2m,
	       int64_t d1g, const char *what, const char *if_wrong)
{
	struct page_levels now;
	bool ok;

	hp_levels(f, &now);
	ktap_diag("%s:", what);
	ok = level_ok("pages_4k", before->pages_4k, now.pages_4k, d4k);
	ok &= level_ok("pages_2m", before->pages_2m, now.pages_2m, d2m);
	ok &= level_ok("pages_1g", before->pages_1g, now.pages_1g, d1g);
	if (!ok)
		ktap_fail("%s: %s", what, if_wrong);
}
