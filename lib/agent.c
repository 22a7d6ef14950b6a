// SPDX-License-Identifier: GPL-2.0
/* Host side of the guest agent. */
#include <string.h>

#include "agent.h"
#include "caps.h"
#include "ktap.h"

struct kvm_vcpu *agent_vcpu_add(struct kvm_vm *vm)
{
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, guest_agent);
	struct ucall uc;

	vcpu_args_set(vcpu, 1, (uint64_t)vcpu->id);
	vcpu_expect_sync(vcpu, AGENT_SYNC_READY, &uc);
	return vcpu;
}

static struct agent_cmd *guest_cmd(struct kvm_vcpu *vcpu)
{
	return gpa_to_hva(vcpu->vm, (uintptr_t)&kmat_agent_cmd[vcpu->id]);
}

/*
 * The faulting probe's target page, from the registers (RDI = probe address). With @sync the
 * registers travel in kvm_run (KVM_CAP_SYNC_REGS): no ioctls per exit, which halves the cost of
 * a probe exit in the nested QEMU lane.
 */
static bool probe_exit_ok(struct kvm_vcpu *vcpu, const struct kmat_memory_fault_exit *mf,
			  uint64_t *bitmap, const struct agent_cmd *cmd, bool sync)
{
	struct kvm_regs regs, *r = sync ? &vcpu->run->s.regs.regs : &regs;
	uint64_t page, idx;

	if (!sync)
		vcpu_regs_get(vcpu, &regs);
	page = ALIGN_DOWN(r->rdi, KMAT_PAGE_SIZE);
	if (!vcpu_regs_skip_probe(vcpu, r))
		return false;
	if (sync)
		vcpu->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	else
		vcpu_regs_set(vcpu, &regs);
	KMAT_ASSERT(mf->gpa == page && mf->size == KMAT_PAGE_SIZE &&
			    mf->flags == KVM_MEMORY_EXIT_FLAG_PRIVATE,
		    "probe of 0x%llx exited with gpa 0x%llx size 0x%llx flags 0x%llx",
		    (unsigned long long)page, (unsigned long long)mf->gpa,
		    (unsigned long long)mf->size, (unsigned long long)mf->flags);
	idx = (page - cmd->gpa) / KMAT_PAGE_SIZE;
	KMAT_ASSERT(page >= cmd->gpa && idx < cmd->npages, "probe outside its range: 0x%llx",
		    (unsigned long long)page);
	if (bitmap)
		bitmap[idx / 64] |= 1ULL << (idx % 64);
	return true;
}

static void agent_run(struct kvm_vcpu *vcpu, struct agent_cmd *cmd, const struct agent_hooks *h,
		      struct agent_stats *st, uint64_t *probe_bitmap)
{
	struct kvm_run *run = vcpu->run;
	uint64_t valid_regs = run->kvm_valid_regs;
	bool sync = cmd->op == AGENT_PROBE && (kmat_caps()->sync_regs & KVM_SYNC_X86_REGS);
	struct ucall uc;

	memcpy(guest_cmd(vcpu), cmd, sizeof(*cmd));
	if (sync)
		run->kvm_valid_regs |= KVM_SYNC_X86_REGS;
	for (;;) {
		uint32_t exit = vcpu_run(vcpu);

		if (st)
			st->exits++;
		if (exit == KVM_EXIT_MEMORY_FAULT) {
			const struct kmat_memory_fault_exit *mf = vcpu_memory_fault(vcpu);

			if (st)
				st->faults++;
			if (cmd->op == AGENT_PROBE &&
			    probe_exit_ok(vcpu, mf, probe_bitmap, cmd, sync))
				continue;
			if (h && h->memory_fault && h->memory_fault(vcpu, mf, h->ctx))
				continue;
			vcpu_unexpected_exit(vcpu, __FILE__, __LINE__);
		}
		if (exit == KVM_EXIT_HYPERCALL) {
			if (st)
				st->hypercalls++;
			if (h && h->hypercall && h->hypercall(vcpu, h->ctx))
				continue;
			vcpu_unexpected_exit(vcpu, __FILE__, __LINE__);
		}
		switch (vcpu_get_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			KMAT_ASSERT(uc.args[0] == AGENT_SYNC_READY, "agent sent SYNC %llu",
				    (unsigned long long)uc.args[0]);
			memcpy(cmd->result, guest_cmd(vcpu)->result, sizeof(cmd->result));
			run->kvm_valid_regs = valid_regs;
			return;
		case UCALL_DONE:
			KMAT_ASSERT(cmd->op == AGENT_EXIT, "agent finished early");
			run->kvm_valid_regs = valid_regs;
			return;
		case UCALL_PRINTF:
			ktap_diag("guest vCPU %d: %s", vcpu->id, uc.buf);
			continue;
		case UCALL_ABORT:
			ktap_diag("guest assertion failed on vCPU %d: %s", vcpu->id, uc.buf);
			ktap_fail("guest assertion");
		case UCALL_EXCEPTION:
			ktap_diag("guest exception on vCPU %d: vector %llu error 0x%llx rip 0x%llx "
				  "cr2 0x%llx", vcpu->id, (unsigned long long)uc.args[0],
				  (unsigned long long)uc.args[1], (unsigned long long)uc.args[2],
				  (unsigned long long)uc.args[3]);
			ktap_fail("guest exception");
		default:
			vcpu_unexpected_exit(vcpu, __FILE__, __LINE__);
		}
	}
}

void agent_call(struct kvm_vcpu *vcpu, struct agent_cmd *cmd, const struct agent_hooks *hooks,
		struct agent_stats *st)
{
	agent_run(vcpu, cmd, hooks, st, NULL);
}

void agent_probe(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, enum guest_access how,
		 uint64_t *bitmap)
{
	agent_probe_at(vcpu, gpa, npages, how, 0, bitmap);
}

void agent_probe_at(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, enum guest_access how,
		    uint64_t offset, uint64_t *bitmap)
{
	struct agent_cmd cmd = {
		.op = AGENT_PROBE, .gpa = gpa, .npages = npages, .arg0 = how, .offset = offset,
	};
	uint64_t words = (npages + 63) / 64, host_count = 0;

	memset(bitmap, 0, words * 8);
	agent_run(vcpu, &cmd, NULL, NULL, bitmap);
	for (uint64_t w = 0; w < words; w++)
		host_count += __builtin_popcountll(bitmap[w]);
	KMAT_ASSERT(cmd.result[0] == host_count,
		    "guest saw %llu faulted probes, the host %llu exits",
		    (unsigned long long)cmd.result[0], (unsigned long long)host_count);
	if (npages <= AGENT_BITMAP_PAGES)
		KMAT_ASSERT(!memcmp(gpa_to_hva(vcpu->vm, (uintptr_t)kmat_agent_bitmap[vcpu->id]),
				    bitmap, words * 8),
			    "guest and host disagree on which probes faulted");
}

void agent_write_pattern(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, uint64_t seed,
			 uint64_t who)
{
	struct agent_cmd cmd = {
		.op = AGENT_WRITE_PATTERN, .gpa = gpa, .npages = npages, .arg0 = seed, .arg1 = who,
	};

	agent_call(vcpu, &cmd, NULL, NULL);
}

uint64_t agent_check_pattern(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages,
			     uint64_t seed, uint64_t who, uint64_t *got)
{
	struct agent_cmd cmd = {
		.op = AGENT_CHECK_PATTERN, .gpa = gpa, .npages = npages, .arg0 = seed, .arg1 = who,
	};

	agent_call(vcpu, &cmd, NULL, NULL);
	if (got)
		*got = cmd.result[1];
	return cmd.result[0];
}

uint64_t agent_check_zero(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, uint64_t *got)
{
	struct agent_cmd cmd = { .op = AGENT_CHECK_ZERO, .gpa = gpa, .npages = npages };

	agent_call(vcpu, &cmd, NULL, NULL);
	if (got)
		*got = cmd.result[1];
	return cmd.result[0];
}

void agent_exit(struct kvm_vcpu *vcpu)
{
	struct agent_cmd cmd = { .op = AGENT_EXIT };

	agent_call(vcpu, &cmd, NULL, NULL);
}
