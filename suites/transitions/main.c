// SPDX-License-Identifier: GPL-2.0
/*
 * suites/transitions: per-page attribute state after every kind of conversion. KVM has no
 * "get" ioctl for memory attributes, so the state is read back through an oracle (guest probes
 * that take KVM_EXIT_MEMORY_FAULT on PRIVATE pages of a plain memslot) and compared with the
 * reference model in lib/attrs; with guest_memfd slots, the guest checks which backing each
 * page reads. Needs a SW-protected VM (KVM_X86_SW_PROTECTED_VM): skips elsewhere.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "gmem.h"
#include "ktap.h"
#include "transitions.h"

uint64_t trans_opt_steps = 200;
double trans_opt_duration;
bool trans_opt_steps_set;

static uint64_t rng;

uint64_t trans_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

uint64_t trans_rand_below(uint64_t n)
{
	return n ? trans_rand() % n : 0;
}

void trans_rand_seed(uint64_t seed)
{
	rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

/* Skips name the most basic thing missing: the ioctl, then the VM type, then PRIVATE. */
static void require_sw_private(void)
{
	require_attr_ioctl();
	require_private(KVM_X86_SW_PROTECTED_VM);
}

void tfix_empty(struct tfix *f)
{
	require_sw_private();
	trans_rand_seed(ktap_seed());
	f->vm = vm_create(KVM_X86_SW_PROTECTED_VM);
	f->vcpu = NULL;
}

void tfix_plain(struct tfix *f, uint64_t gpa, uint64_t size)
{
	tfix_empty(f);
	vm_memslot_add(f->vm, TRANS_SLOT, gpa, size, BACKING_ANON);
	f->vcpu = agent_vcpu_add(f->vm);
}

void tfix_gmem(struct tfix *f, uint64_t gpa, uint64_t size)
{
	tfix_empty(f);
	require_gmem(KVM_X86_SW_PROTECTED_VM);
	vm_memslot_add_gmem(f->vm, TRANS_SLOT, gpa, size, BACKING_ANON, -1, 0);
	f->vcpu = agent_vcpu_add(f->vm);
}

enum backing_type trans_thp_backing(void)
{
	if (!strcmp(thp_mode(), "never") || !strcmp(thp_mode(), "absent")) {
		ktap_diag("THP %s: 4K backing instead (hugepage tracking goes unchecked)",
			  thp_mode());
		return BACKING_ANON;
	}
	return BACKING_THP;
}

void tfix_enable_map_gpa_exit(struct tfix *f)
{
	require_exit_hypercall();
	vm_enable_cap(f->vm, KVM_CAP_EXIT_HYPERCALL, 1ULL << KVM_HC_MAP_GPA_RANGE);
}

void tfix_free(struct tfix *f)
{
	vm_free(f->vm);
}

void host_write_pattern(struct kvm_vm *vm, uint64_t gpa, uint64_t npages, uint64_t seed,
			uint64_t who)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t page = gpa + i * PAGE;
		uint8_t *p = gpa_to_hva(vm, page);

		for (int w = 0; w < KMAT_PATTERN_WORDS; w++)
			*(volatile uint64_t *)(p + kmat_pattern_offsets[w]) = kmat_pattern(page, seed, who);
	}
}

uint64_t host_check_pattern(struct kvm_vm *vm, uint64_t gpa, uint64_t npages, uint64_t seed,
			    uint64_t who, uint64_t *got)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t page = gpa + i * PAGE;
		uint8_t *p = gpa_to_hva(vm, page);

		for (int w = 0; w < KMAT_PATTERN_WORDS; w++) {
			uint64_t v = *(volatile uint64_t *)(p + kmat_pattern_offsets[w]);

			if (v != kmat_pattern(page, seed, who)) {
				*got = v;
				return i;
			}
		}
	}
	return npages;
}

void trans_expect_data(struct kvm_vcpu *vcpu, uint64_t gpa, uint64_t npages, uint64_t seed,
		       uint64_t who, const char *what)
{
	uint64_t got = 0, bad;

	if (who)
		bad = agent_check_pattern(vcpu, gpa, npages, seed, who, &got);
	else
		bad = agent_check_zero(vcpu, gpa, npages, &got);
	if (bad != npages)
		ktap_fail("%s: page 0x%llx reads 0x%llx, not %s", what,
			  (unsigned long long)(gpa + bad * PAGE), (unsigned long long)got,
			  !who ? "zeros" : who == WHO_HOST ? "its shared data" : "its private data");
}

void trans_expect_map(struct kvm_vcpu *vcpu, const struct attr_model *m, uint64_t gpa,
		      uint64_t npages, const char *when)
{
	uint64_t *seen = calloc((npages + 63) / 64, 8), diff;

	KMAT_ASSERT(seen, "calloc");
	agent_probe(vcpu, gpa, npages, ACCESS_READ, seen);
	diff = attr_model_diff_private(m, gpa, npages, seen);
	if (diff != npages)
		ktap_fail("%s: page 0x%llx should be %s but the guest found it %s", when,
			  (unsigned long long)(gpa + diff * PAGE),
			  attr_model_get(m, gpa + diff * PAGE) & PRIVATE ? "private" : "shared",
			  seen[diff / 64] & (1ULL << (diff % 64)) ? "private" : "shared");
	free(seen);
}

static void set_steps(const char *v)
{
	char *end;

	trans_opt_steps = strtoull(v, &end, 0);
	trans_opt_steps_set = true;
	if (*end || !trans_opt_steps) {
		fprintf(stderr, "--steps: expected a positive number, got '%s'\n", v);
		exit(2);
	}
}

static void set_duration(const char *v)
{
	char *end;

	trans_opt_duration = strtod(v, &end);
	if (*end || trans_opt_duration <= 0) {
		fprintf(stderr, "--duration: expected seconds > 0, got '%s'\n", v);
		exit(2);
	}
}

static const struct ktap_opt opts[] = {
	{ "steps", required_argument,
	  "model case: operations per run (default 200; with --duration, a cap)", set_steps },
	{ "duration", required_argument,
	  "model case: run for S seconds (raise --timeout to match)", set_duration },
	{ NULL, 0, NULL, NULL },
};

int main(int argc, char **argv)
{
	trans_register_oracle();
	trans_register_model();
	trans_register_switch();
	trans_register_implicit();
	trans_register_hypercall();
	trans_register_punch();
	trans_register_exit();
	trans_register_memslot();
	ktap_parse_args(argc, argv, opts);
	ktap_header();
	kmat_caps_banner();
	return ktap_run();
}
