// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"
#include "ktap.h"
#include "vcpu.h"
#include "x86/processor.h"

extern char kmat_guest_returned[];

struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, void *guest_fn)
{
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	int id = vm->nr_vcpus;
	long run_size;

	KMAT_ASSERT(vm->has_guest, "vm_vcpu_add needs a VM from vm_create()");
	KMAT_ASSERT(id < KMAT_MAX_VCPUS, "at most %d vCPUs", KMAT_MAX_VCPUS);
	vcpu = calloc(1, sizeof(*vcpu));
	KMAT_ASSERT(vcpu, "calloc");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = vm_ioctl(vm, KVM_CREATE_VCPU, (long)id);
	run_size = ioctl(kvm_fd(), KVM_GET_VCPU_MMAP_SIZE, 0);
	KMAT_ASSERT(run_size >= (long)sizeof(struct kvm_run), "KVM_GET_VCPU_MMAP_SIZE");
	vcpu->run_size = run_size;
	vcpu->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	KMAT_ASSERT(vcpu->run != MAP_FAILED, "mmap kvm_run");
	vm->vcpus[vm->nr_vcpus++] = vcpu;

	x86_vcpu_setup(vm, vcpu->fd, (uintptr_t)&kmat_percpu[id]);
	*(struct kmat_percpu *)gpa_to_hva(vm, (uintptr_t)&kmat_percpu[id]) =
		(struct kmat_percpu){ .self = &kmat_percpu[id], .id = id };
	/* Entry ABI: RSP % 16 == 8 with the return address at [RSP]. */
	vcpu->stack_top = vm->stacks + (id + 1) * KMAT_STACK_SIZE;
	*(uint64_t *)gpa_to_hva(vm, vcpu->stack_top - 8) = (uintptr_t)kmat_guest_returned;
	memset(&regs, 0, sizeof(regs));
	regs.rip = (uintptr_t)guest_fn;
	regs.rsp = vcpu->stack_top - 8;
	regs.rflags = 0x2;
	vcpu_regs_set(vcpu, &regs);
	return vcpu;
}

void vcpu_free(struct kvm_vcpu *vcpu)
{
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

void vcpu_args_set(struct kvm_vcpu *vcpu, int n, ...)
{
	struct kvm_regs regs;
	va_list ap;

	KMAT_ASSERT(n >= 0 && n <= 6, "at most 6 guest arguments");
	vcpu_regs_get(vcpu, &regs);
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		uint64_t v = va_arg(ap, uint64_t);

		switch (i) {
		case 0: regs.rdi = v; break;
		case 1: regs.rsi = v; break;
		case 2: regs.rdx = v; break;
		case 3: regs.rcx = v; break;
		case 4: regs.r8 = v; break;
		case 5: regs.r9 = v; break;
		}
	}
	va_end(ap);
	vcpu_regs_set(vcpu, &regs);
}

void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	vcpu_ioctl(vcpu, KVM_GET_REGS, regs);
}

void vcpu_regs_set(struct kvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	vcpu_ioctl(vcpu, KVM_SET_REGS, regs);
}

int __vcpu_run(struct kvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, NULL);
}

uint32_t vcpu_run(struct kvm_vcpu *vcpu)
{
	int r;

	do
		r = __vcpu_run(vcpu);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == EFAULT && vcpu->run->exit_reason == KVM_EXIT_MEMORY_FAULT)
		return KVM_EXIT_MEMORY_FAULT;
	KMAT_ASSERT(r == 0, "KVM_RUN on vCPU %d (exit_reason %u %s)", vcpu->id,
		    vcpu->run->exit_reason, kvm_exit_reason_name(vcpu->run->exit_reason));
	return vcpu->run->exit_reason;
}

uint64_t vcpu_get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;

	if (run->exit_reason != KVM_EXIT_IO || run->io.port != UCALL_PORT)
		return UCALL_NONE;
	vcpu_regs_get(vcpu, &regs);
	memcpy(uc, gpa_to_hva(vcpu->vm, regs.rdi), sizeof(*uc));
	uc->buf[UCALL_BUF_SIZE - 1] = '\0';
	return uc->cmd;
}

const struct kmat_memory_fault_exit *vcpu_memory_fault(struct kvm_vcpu *vcpu)
{
	return kmat_run_memory_fault(vcpu->run);
}

void vcpu_unexpected_exit(struct kvm_vcpu *vcpu, const char *file, int line)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	ktap_diag("%s:%d: unexpected exit on vCPU %d: %u (%s) at rip 0x%llx", file, line,
		  vcpu->id, run->exit_reason, kvm_exit_reason_name(run->exit_reason),
		  (unsigned long long)regs.rip);
	vcpu_diag_progress(vcpu);
	switch (run->exit_reason) {
	case KVM_EXIT_MEMORY_FAULT: {
		const struct kmat_memory_fault_exit *mf = vcpu_memory_fault(vcpu);

		ktap_diag("  memory fault: gpa 0x%llx size 0x%llx flags 0x%llx",
			  (unsigned long long)mf->gpa, (unsigned long long)mf->size,
			  (unsigned long long)mf->flags);
		break;
	}
	case KVM_EXIT_IO:
		ktap_diag("  io: port 0x%x dir %u size %u", run->io.port, run->io.direction,
			  run->io.size);
		break;
	case KVM_EXIT_MMIO:
		ktap_diag("  mmio: gpa 0x%llx len %u write %u", (unsigned long long)run->mmio.phys_addr,
			  run->mmio.len, run->mmio.is_write);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		ktap_diag("  internal error: suberror %u", run->internal.suberror);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		ktap_diag("  fail entry: reason 0x%llx",
			  (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	}
	ktap_fail("unexpected vCPU exit");
}

void vcpu_progress(struct kvm_vcpu *vcpu, uint64_t *done, uint64_t *total)
{
	const struct kmat_percpu *p = gpa_to_hva(vcpu->vm, (uintptr_t)&kmat_percpu[vcpu->id]);

	*done = p->done;
	*total = p->total;
}

void vcpu_diag_progress(struct kvm_vcpu *vcpu)
{
	uint64_t done, total;

	vcpu_progress(vcpu, &done, &total);
	if (total)
		ktap_diag("  guest progress: page %llu of %llu", (unsigned long long)done,
			  (unsigned long long)total);
}

uint64_t vcpu_run_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	for (;;) {
		vcpu_run(vcpu);
		switch (vcpu_get_ucall(vcpu, uc)) {
		case UCALL_PRINTF:
			ktap_diag("guest vCPU %d: %s", vcpu->id, uc->buf);
			continue;
		case UCALL_SYNC:
		case UCALL_DONE:
			return uc->cmd;
		case UCALL_ABORT:
			ktap_diag("guest assertion failed on vCPU %d: %s", vcpu->id, uc->buf);
			vcpu_diag_progress(vcpu);
			ktap_fail("guest assertion");
		case UCALL_EXCEPTION:
			ktap_diag("guest exception on vCPU %d: vector %llu error 0x%llx rip 0x%llx "
				  "cr2 0x%llx rsp 0x%llx", vcpu->id,
				  (unsigned long long)uc->args[0], (unsigned long long)uc->args[1],
				  (unsigned long long)uc->args[2], (unsigned long long)uc->args[3],
				  (unsigned long long)uc->args[4]);
			ktap_fail("guest exception");
		default:
			vcpu_unexpected_exit(vcpu, __FILE__, __LINE__);
		}
	}
}

void vcpu_expect_sync(struct kvm_vcpu *vcpu, uint64_t sub, struct ucall *uc)
{
	uint64_t cmd = vcpu_run_ucall(vcpu, uc);

	KMAT_ASSERT(cmd == UCALL_SYNC && uc->args[0] == sub,
		    "expected SYNC %llu from vCPU %d, got cmd %llu sub %llu",
		    (unsigned long long)sub, vcpu->id, (unsigned long long)cmd,
		    (unsigned long long)uc->args[0]);
}

void vcpu_expect_done(struct kvm_vcpu *vcpu)
{
	struct ucall uc;
	uint64_t cmd = vcpu_run_ucall(vcpu, &uc);

	KMAT_ASSERT(cmd == UCALL_DONE, "expected DONE from vCPU %d, got cmd %llu sub %llu",
		    vcpu->id, (unsigned long long)cmd, (unsigned long long)uc.args[0]);
}

bool vcpu_regs_skip_probe(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	if (regs->rip == (uintptr_t)kmat_probe_read_insn) {
		regs->rip = (uintptr_t)kmat_probe_read_out;
	} else if (regs->rip == (uintptr_t)kmat_probe_write_insn) {
		regs->rip = (uintptr_t)kmat_probe_write_out;
	} else {
		/* An exec probe faults on the fetch of its target: unwind the CALL. */
		uint64_t ret = *(uint64_t *)gpa_to_hva(vcpu->vm, regs->rsp);

		if (ret != (uintptr_t)kmat_probe_exec_ret)
			return false;
		regs->rip = ret;
		regs->rsp += 8;
	}
	regs->rax = KMAT_PROBE_FAULTED;
	return true;
}

int vcpu_skip_probe(struct kvm_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	if (!vcpu_regs_skip_probe(vcpu, &regs))
		return 0;
	vcpu_regs_set(vcpu, &regs);
	return 1;
}
