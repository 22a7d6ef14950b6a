// SPDX-License-Identifier: GPL-2.0
/*
 * Implicit conversion: the guest accesses a page marked PRIVATE that has no private backing
 * (a plain memslot); KVM_RUN fails with KVM_EXIT_MEMORY_FAULT naming that page
 * (arch/x86/kvm/mmu/mmu.c, kvm_mmu_faultin_pfn_gmem()). Until userspace converts it, resuming
 * must fault again with the same fields; after userspace converts exactly that page to shared
 * and resumes, the access must complete against the userspace mapping. In a SW-protected VM the
 * attribute alone decides the kind of a fault (the guest cannot ask for a private access), so
 * this is the one direction an implicit conversion can take.
 */
#include <string.h>

#include "ktap.h"
#include "transitions.h"

#define IM_PAGES 64
#define IM_GPA (TRANS_GPA + SZ_2M - 24 * PAGE) /* spans a 2M boundary */

struct implicit {
	struct attr_model model;
	uint64_t last_gpa;   /* previous fault, to see each page fault once, in order */
	unsigned faults;
	bool refused_once;   /* the first fault is resumed without converting */
	bool expect_repeat;  /* ...so the next fault must name the same page */
};

static bool on_fault(struct kvm_vcpu *vcpu, const struct kmat_memory_fault_exit *mf, void *ctx)
{
	struct implicit *im = ctx;

	KMAT_ASSERT(mf->gpa >= IM_GPA && mf->gpa < IM_GPA + IM_PAGES * PAGE &&
			    !(mf->gpa % PAGE) && mf->size == PAGE &&
			    mf->flags == KVM_MEMORY_EXIT_FLAG_PRIVATE,
		    "memory fault gpa 0x%llx size 0x%llx flags 0x%llx",
		    (unsigned long long)mf->gpa, (unsigned long long)mf->size,
		    (unsigned long long)mf->flags);
	KMAT_ASSERT(attr_model_get(&im->model, mf->gpa) & PRIVATE,
		    "fault on 0x%llx, which is shared", (unsigned long long)mf->gpa);
	im->faults++;
	if (!im->refused_once) {
		im->refused_once = im->expect_repeat = true;
		im->last_gpa = mf->gpa;
		return true; /* still private: the same access must fault again */
	}
	if (im->expect_repeat)
		KMAT_ASSERT(mf->gpa == im->last_gpa, "resumed without a conversion, the fault on "
			    "0x%llx became one on 0x%llx", (unsigned long long)im->last_gpa,
			    (unsigned long long)mf->gpa);
	else
		KMAT_ASSERT(mf->gpa > im->last_gpa, "fault on 0x%llx after 0x%llx was converted",
			    (unsigned long long)mf->gpa, (unsigned long long)im->last_gpa);
	im->expect_repeat = false;
	im->last_gpa = mf->gpa;
	vm_mem_set_shared(vcpu->vm, mf->gpa, mf->size);
	attr_model_set(&im->model, mf->gpa, mf->size, 0);
	return true;
}

static bool im_private(uint64_t i, uint64_t rnd)
{
	return (i >= 4 && i < 12) || i == 23 || i == 24 || i == IM_PAGES - 1 ||
	       (i > 32 && i % 3 == 0) || (rnd >> (i % 64) & 1 && i % 5 == 0);
}

static void case_implicit(const void *arg)
{
	enum guest_access how = (enum guest_access)(uintptr_t)arg;
	struct implicit im = { 0 };
	struct agent_hooks hooks = { .memory_fault = on_fault, .ctx = &im };
	struct agent_cmd cmd = { .gpa = IM_GPA, .npages = IM_PAGES };
	uint64_t rnd, nr_private, seed, got = 0, bad;
	struct tfix f;

	tfix_plain(&f, TRANS_GPA, 4 * SZ_2M);
	seed = ktap_seed();
	rnd = trans_rand();
	attr_model_init(&im.model);
	host_write_pattern(f.vm, IM_GPA, IM_PAGES, seed, WHO_HOST);
	/* Even pages are mapped before they become private. */
	for (uint64_t i = 0; i < IM_PAGES; i += 2)
		KMAT_ASSERT(agent_check_pattern(f.vcpu, IM_GPA + i * PAGE, 1, seed, WHO_HOST,
						NULL) == 1, "shared page 0x%llx misread",
			    (unsigned long long)(IM_GPA + i * PAGE));
	if (how == ACCESS_EXEC)
		for (uint64_t i = 0; i < IM_PAGES; i++)
			*(uint8_t *)gpa_to_hva(f.vm, IM_GPA + i * PAGE) = 0xc3; /* RET */
	for (uint64_t i = 0; i < IM_PAGES; i++)
		if (im_private(i, rnd)) {
			vm_mem_set_private(f.vm, IM_GPA + i * PAGE, PAGE);
			attr_model_set(&im.model, IM_GPA + i * PAGE, PAGE, PRIVATE);
		}
	nr_private = attr_model_count(&im.model, IM_GPA, IM_PAGES * PAGE, PRIVATE);

	switch (how) {
	case ACCESS_READ:
		cmd.op = AGENT_CHECK_PATTERN;
		cmd.arg0 = seed;
		cmd.arg1 = WHO_HOST;
		break;
	case ACCESS_WRITE:
		cmd.op = AGENT_WRITE_PATTERN;
		cmd.arg0 = seed + 1;
		cmd.arg1 = WHO_GUEST_SHARED;
		break;
	case ACCESS_EXEC:
		cmd.op = AGENT_TOUCH;
		cmd.arg0 = ACCESS_EXEC;
		break;
	}
	agent_call(f.vcpu, &cmd, &hooks, NULL);
	KMAT_ASSERT(im.faults == nr_private + 1, "%u memory faults for %llu private pages "
		    "(one refused)", im.faults, (unsigned long long)nr_private);
	if (how == ACCESS_READ)
		KMAT_ASSERT(cmd.result[0] == IM_PAGES,
			    "page 0x%llx read 0x%llx after its conversion, not the host's data",
			    (unsigned long long)(IM_GPA + cmd.result[0] * PAGE),
			    (unsigned long long)cmd.result[1]);
	if (how == ACCESS_WRITE) {
		bad = host_check_pattern(f.vm, IM_GPA, IM_PAGES, seed + 1, WHO_GUEST_SHARED, &got);
		KMAT_ASSERT(bad == IM_PAGES, "guest write to 0x%llx did not reach userspace (0x%llx)",
			    (unsigned long long)(IM_GPA + bad * PAGE), (unsigned long long)got);
	}
	/* Everything was converted one page at a time: the oracle must agree. */
	trans_expect_map(f.vcpu, &im.model, IM_GPA, IM_PAGES, "after implicit conversions");
	attr_model_free(&im.model);
	tfix_free(&f);
}

void trans_register_implicit(void)
{
	ktap_add("transitions.implicit.read", case_implicit, (void *)(uintptr_t)ACCESS_READ);
	ktap_add("transitions.implicit.write", case_implicit, (void *)(uintptr_t)ACCESS_WRITE);
	ktap_add("transitions.implicit.exec", case_implicit, (void *)(uintptr_t)ACCESS_EXEC);
}
