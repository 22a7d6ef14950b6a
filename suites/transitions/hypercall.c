// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-initiated conversion: KVM_HC_MAP_GPA_RANGE with KVM_CAP_EXIT_HYPERCALL
 * (arch/x86/kvm/x86.c, ____kvm_emulate_hypercall()). The KVM_EXIT_HYPERCALL must carry exactly
 * the gpa, npages and attributes the guest passed (KVM forwards them, it does not convert),
 * flag long mode, and preset ret to 0; whatever the host puts in ret is what the guest gets.
 * Malformed requests never reach userspace: the guest gets -KVM_EINVAL, and -KVM_ENOSYS when
 * the exit is not enabled.
 */
#include <linux/kvm_para.h>
#include <string.h>

#include "caps.h"
#include "ktap.h"
#include "transitions.h"

#define HC_SLOT_SIZE (4ULL << 20)
#define EXIT_HYPERCALL_LONG_MODE 1ULL /* KVM_EXIT_HYPERCALL_LONG_MODE; 6.1 headers lack it */

/* 6.1 headers call the flags word "longmode" + "pad". */
static uint64_t hypercall_flags(const struct kvm_run *run)
{
	uint64_t flags;

	memcpy(&flags, &run->hypercall.longmode, sizeof(flags));
	return flags;
}

static bool on_map_gpa_exit(struct kvm_vcpu *vcpu, void *ctx)
{
	struct map_gpa_req *req = ctx;
	struct kvm_run *run = vcpu->run;

	req->exits++;
	KMAT_ASSERT(run->hypercall.nr == KVM_HC_MAP_GPA_RANGE &&
			    run->hypercall.args[0] == req->gpa &&
			    run->hypercall.args[1] == req->npages &&
			    run->hypercall.args[2] == req->attrs,
		    "guest asked MAP_GPA_RANGE(0x%llx, %llu, 0x%llx); exit says nr %llu "
		    "(0x%llx, %llu, 0x%llx)", (unsigned long long)req->gpa,
		    (unsigned long long)req->npages, (unsigned long long)req->attrs,
		    (unsigned long long)run->hypercall.nr,
		    (unsigned long long)run->hypercall.args[0],
		    (unsigned long long)run->hypercall.args[1],
		    (unsigned long long)run->hypercall.args[2]);
	KMAT_ASSERT(hypercall_flags(run) == EXIT_HYPERCALL_LONG_MODE,
		    "64-bit guest: hypercall flags 0x%llx",
		    (unsigned long long)hypercall_flags(run));
	KMAT_ASSERT(run->hypercall.ret == 0, "KVM must preset ret to 0, found 0x%llx",
		    (unsigned long long)run->hypercall.ret);
	KMAT_ASSERT(req->exits == 1, "one request, %u exits", req->exits);
	if (req->convert) {
		uint64_t attrs = req->attrs & KVM_MAP_GPA_RANGE_ENCRYPTED ? PRIVATE : 0;

		vm_set_memory_attributes(vcpu->vm, req->gpa, req->npages * PAGE, attrs);
		if (req->model)
			attr_model_set(req->model, req->gpa, req->npages * PAGE, attrs);
	}
	run->hypercall.ret = req->ret;
	return true;
}

uint64_t trans_map_gpa(struct kvm_vcpu *vcpu, struct map_gpa_req *req)
{
	struct agent_cmd cmd = {
		.op = AGENT_MAP_GPA, .gpa = req->gpa, .npages = req->npages, .arg0 = req->attrs,
	};
	struct agent_hooks hooks = { .hypercall = on_map_gpa_exit, .ctx = req };

	req->exits = 0;
	agent_call(vcpu, &cmd, &hooks, NULL);
	return cmd.result[0];
}

static const struct {
	uint64_t first, npages, attrs;
} npages_table[] = {
	{ 0, 1, KVM_MAP_GPA_RANGE_ENCRYPTED },
	{ 1, 3, KVM_MAP_GPA_RANGE_ENCRYPTED },
	{ 2, 1, KVM_MAP_GPA_RANGE_DECRYPTED },
	{ 509, 6, KVM_MAP_GPA_RANGE_ENCRYPTED },   /* across the 2M boundary */
	{ 0, 512, KVM_MAP_GPA_RANGE_ENCRYPTED | KVM_MAP_GPA_RANGE_PAGE_SZ_2M },
	{ 100, 300, KVM_MAP_GPA_RANGE_DECRYPTED | KVM_MAP_GPA_RANGE_PAGE_SZ_2M },
	{ 511, 2, KVM_MAP_GPA_RANGE_DECRYPTED },
	{ 300, 513, KVM_MAP_GPA_RANGE_ENCRYPTED },
	{ 1, 1022, KVM_MAP_GPA_RANGE_DECRYPTED },
	{ 1000, 24, KVM_MAP_GPA_RANGE_ENCRYPTED | KVM_MAP_GPA_RANGE_PAGE_SZ_1G },
};

/* Exact exit fields for many sizes; the conversion the host applies must show in the oracle. */
static void case_npages_exact(const void *arg)
{
	uint64_t pages = HC_SLOT_SIZE / PAGE;
	struct attr_model model;
	struct tfix f;

	tfix_plain(&f, TRANS_GPA, HC_SLOT_SIZE);
	tfix_enable_map_gpa_exit(&f);
	attr_model_init(&model);
	for (size_t i = 0; i < ARRAY_SIZE(npages_table); i++) {
		struct map_gpa_req req = {
			.gpa = TRANS_GPA + npages_table[i].first * PAGE,
			.npages = npages_table[i].npages, .attrs = npages_table[i].attrs,
			.convert = true, .model = &model,
		};
		uint64_t got = trans_map_gpa(f.vcpu, &req);

		KMAT_ASSERT(req.exits == 1 && got == 0,
			    "request %zu: %u exits, guest got 0x%llx", i, req.exits,
			    (unsigned long long)got);
		trans_expect_map(f.vcpu, &model, TRANS_GPA, pages, "after a MAP_GPA_RANGE exit");
	}
	attr_model_free(&model);
	tfix_free(&f);
}

/* The host's ret reaches the guest unchanged, and a refused request converts nothing. */
static void case_ret(const void *arg)
{
	static const uint64_t rets[] = { 0, 1, -(uint64_t)KVM_EINVAL, 0xdeadbeefcafef00dULL };
	uint64_t pages = 64;
	struct attr_model model;
	struct tfix f;

	tfix_plain(&f, TRANS_GPA, pages * PAGE);
	tfix_enable_map_gpa_exit(&f);
	attr_model_init(&model);
	for (size_t i = 0; i < ARRAY_SIZE(rets); i++) {
		struct map_gpa_req req = {
			.gpa = TRANS_GPA + i * 4 * PAGE, .npages = 2,
			.attrs = KVM_MAP_GPA_RANGE_ENCRYPTED, .ret = rets[i], .convert = !rets[i],
			.model = &model,
		};
		uint64_t got = trans_map_gpa(f.vcpu, &req);

		KMAT_ASSERT(got == rets[i], "host returned 0x%llx, guest got 0x%llx",
			    (unsigned long long)rets[i], (unsigned long long)got);
	}
	trans_expect_map(f.vcpu, &model, TRANS_GPA, pages, "after refused requests");
	attr_model_free(&model);
	tfix_free(&f);
}

static bool no_exit_expected(struct kvm_vcpu *vcpu, void *ctx)
{
	ktap_fail("malformed MAP_GPA_RANGE(0x%llx, %llu, 0x%llx) reached userspace",
		  (unsigned long long)vcpu->run->hypercall.args[0],
		  (unsigned long long)vcpu->run->hypercall.args[1],
		  (unsigned long long)vcpu->run->hypercall.args[2]);
}

static uint64_t map_gpa_no_exit(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages)
{
	struct agent_cmd cmd = {
		.op = AGENT_MAP_GPA, .gpa = gpa, .npages = npages,
		.arg0 = KVM_MAP_GPA_RANGE_ENCRYPTED,
	};
	struct agent_hooks hooks = { .hypercall = no_exit_expected };

	agent_call(vcpu, &cmd, &hooks, NULL);
	return cmd.result[0];
}

static void case_rejected(const void *arg)
{
	static const struct {
		uint64_t gpa, npages;
	} bad[] = {
		{ TRANS_GPA + 8, 1 },            /* unaligned */
		{ TRANS_GPA, 0 },                /* no pages */
		{ -PAGE, -1ULL },                /* gfn + npages wraps */
		{ TRANS_GPA, -(TRANS_GPA / PAGE) }, /* wraps to exactly 0 */
	};
	uint64_t pages = 16, got;
	struct attr_model model;
	struct tfix f;

	tfix_plain(&f, TRANS_GPA, pages * PAGE);
	attr_model_init(&model);
	/* Exit not enabled: KVM answers the guest itself. */
	got = map_gpa_no_exit(f.vcpu, TRANS_GPA, 1);
	KMAT_ASSERT(got == -(uint64_t)KVM_ENOSYS, "without the exit the guest got 0x%llx",
		    (unsigned long long)got);
	tfix_enable_map_gpa_exit(&f);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		got = map_gpa_no_exit(f.vcpu, bad[i].gpa, bad[i].npages);
		KMAT_ASSERT(got == -(uint64_t)KVM_EINVAL,
			    "MAP_GPA_RANGE(0x%llx, 0x%llx): guest got 0x%llx",
			    (unsigned long long)bad[i].gpa, (unsigned long long)bad[i].npages,
			    (unsigned long long)got);
	}
	trans_expect_map(f.vcpu, &model, TRANS_GPA, pages, "after rejected requests");
	attr_model_free(&model);
	tfix_free(&f);
}

void trans_register_hypercall(void)
{
	ktap_add("transitions.hypercall.npages_exact", case_npages_exact, NULL);
	ktap_add("transitions.hypercall.ret", case_ret, NULL);
	ktap_add("transitions.hypercall.rejected", case_rejected, NULL);
}
