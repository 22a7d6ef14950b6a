// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_EXIT_MEMORY_FAULT fields (include/linux/kvm_host.h kvm_prepare_memory_fault_exit(), called
 * from arch/x86/kvm/mmu/mmu.c): for read, write and exec accesses at an offset inside a PRIVATE
 * page with no private backing, the exit names the page-aligned gpa, size 4096 and flags
 * exactly PRIVATE (RWX bits are not reported). The agent checks every exit; the case checks
 * that exactly the private pages exited, every time (a fault leaves nothing mapped). Shared
 * accesses and private accesses a guest_memfd can back never exit: in a SW-protected VM every
 * memory-fault exit is a private one. Also the no-memslot path (kvm_handle_noslot_fault()).
 */
#include <string.h>

#include "caps.h"
#include "ktap.h"
#include "transitions.h"

#define EX_PAGES 64
#define EX_PLAIN_GPA (TRANS_GPA + SZ_2M - 8 * PAGE)
#define EX_GMEM_GPA (TRANS_GPA + 4 * SZ_2M)
#define EX_NOSLOT_GPA (TRANS_GPA + 8 * SZ_2M)
#define EX_NOSLOT_PAGES 8
#define RET_INSN 0xc3

/* In-page offsets: never 0, so a gpa that is not rounded down shows. */
static const uint64_t access_offset[] = {
	[ACCESS_READ] = 0xff8, [ACCESS_WRITE] = 0x7f8, [ACCESS_EXEC] = 0x801,
};
static const char *const access_name[] = { "read", "write", "exec" };

static void mark(struct kvm_vm *vm, struct attr_model *m, uint64_t gpa, uint64_t rnd)
{
	for (uint64_t i = 0; i < EX_PAGES; i++) {
		bool priv = i == 0 || i == 1 || i == 7 || i == 8 || i == 9 || i == EX_PAGES - 1 ||
			    (rnd >> i & 1);

		if (!priv)
			continue;
		vm_mem_set_private(vm, gpa + i * PAGE, PAGE);
		attr_model_set(m, gpa + i * PAGE, PAGE, PRIVATE);
	}
}

static void expect_probe(struct tfix *f, const struct attr_model *m, uint64_t gpa,
			 enum guest_access how, bool gmem, const char *pass)
{
	uint64_t seen[EX_PAGES / 64], i;

	agent_probe_at(f->vcpu, gpa, EX_PAGES, how, access_offset[how], seen);
	for (i = 0; i < EX_PAGES; i++) {
		bool priv = attr_model_get(m, gpa + i * PAGE) & PRIVATE;
		bool exited = seen[i / 64] >> (i % 64) & 1;

		if (exited != (priv && !gmem))
			ktap_fail("%s %s at 0x%llx (%s page, %s memslot): %s", pass, access_name[how],
				  (unsigned long long)(gpa + i * PAGE + access_offset[how]),
				  priv ? "private" : "shared", gmem ? "guest_memfd" : "plain",
				  exited ? "exited" : "did not exit");
	}
}

static void case_exit(const void *arg)
{
	enum guest_access how = (enum guest_access)(uintptr_t)arg;
	struct attr_model model;
	uint64_t rnd;
	struct tfix f;

	tfix_plain(&f, TRANS_GPA, 4 * SZ_2M);
	rnd = trans_rand();
	attr_model_init(&model);
	for (uint64_t i = 0; i < EX_PAGES; i++)
		*(uint8_t *)gpa_to_hva(f.vm, EX_PLAIN_GPA + i * PAGE + access_offset[how]) =
			RET_INSN;
	mark(f.vm, &model, EX_PLAIN_GPA, rnd);
	expect_probe(&f, &model, EX_PLAIN_GPA, how, false, "first");
	expect_probe(&f, &model, EX_PLAIN_GPA, how, false, "second");

	/* A guest_memfd backs private pages: no exits. Exec needs code in it; skip that. */
	if (how != ACCESS_EXEC && kmat_caps()->vm[KVM_X86_SW_PROTECTED_VM].gmem) {
		vm_memslot_add_gmem(f.vm, TRANS_SLOT + 1, EX_GMEM_GPA, 4 * SZ_2M, BACKING_ANON, -1,
				    0);
		mark(f.vm, &model, EX_GMEM_GPA, rnd);
		expect_probe(&f, &model, EX_GMEM_GPA, how, true, "guest_memfd");
	}
	attr_model_free(&model);
	tfix_free(&f);
}

/* No memslot at all: a private access still exits as a memory fault, with the same fields. */
static void case_exit_noslot(const void *arg)
{
	uint64_t seen[1];
	struct tfix f;

	tfix_plain(&f, TRANS_GPA, 4 * SZ_2M);
	vm_map_identity(f.vm, EX_NOSLOT_GPA, EX_NOSLOT_PAGES * PAGE);
	vm_mem_set_private(f.vm, EX_NOSLOT_GPA, EX_NOSLOT_PAGES * PAGE);
	for (int how = ACCESS_READ; how <= ACCESS_EXEC; how++) {
		agent_probe_at(f.vcpu, EX_NOSLOT_GPA, EX_NOSLOT_PAGES, how, access_offset[how],
			       seen);
		KMAT_ASSERT(seen[0] == (1ULL << EX_NOSLOT_PAGES) - 1,
			    "%s probes without a memslot: exit map 0x%llx", access_name[how],
			    (unsigned long long)seen[0]);
	}
	tfix_free(&f);
}

void trans_register_exit(void)
{
	for (int how = ACCESS_READ; how <= ACCESS_EXEC; how++)
		ktap_addf(case_exit, (void *)(uintptr_t)how, "transitions.exit.%s",
			  access_name[how]);
	ktap_add("transitions.exit.noslot", case_exit_noslot, NULL);
}
