// SPDX-License-Identifier: GPL-2.0
/*
 * The guest runtime, end to end on whatever /dev/kvm this host has (no memory attributes
 * needed): long-mode entry, ucall in both directions, PRINTF, guest asserts and exceptions
 * reported with their details, several vCPUs, the ELF image and deliberate global syncing.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "guest.h"
#include "ktap.h"
#include "vcpu.h"

static const char rodata_text[] = "kmat rodata";
static uint64_t data_word = 0x1122334455667788ULL;
static uint64_t bss_word;
static uint64_t synced_word;

enum { SUB_ARGS = 1, SUB_IMAGE, SUB_SYNCED, SUB_ID };

GUEST_CODE static void guest_args(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
				  uint64_t f)
{
	GUEST_SYNC(SUB_ARGS, a + b + c, d ^ e ^ f);
	GUEST_PRINTF("hello %s %d 0x%lx", "from", -42, 0xabcULL);
	GUEST_DONE();
}

GUEST_CODE static void guest_image(void)
{
	GUEST_SYNC(SUB_IMAGE, memcmp(rodata_text, "kmat rodata", 12) == 0, data_word, bss_word);
	GUEST_SYNC(SUB_SYNCED, synced_word);
}

GUEST_CODE static void guest_touch_then_sync(uint64_t gpa, uint64_t npages)
{
	guest_touch(gpa, npages, ACCESS_WRITE);
	GUEST_SYNC(SUB_ARGS);
}

GUEST_CODE static void guest_assert_fails(uint64_t x)
{
	GUEST_ASSERT(x == 7, "x is %lu", x);
	GUEST_DONE();
}

GUEST_CODE static void guest_null_deref(void)
{
	(void)*(volatile uint64_t *)0;
	GUEST_DONE();
}

GUEST_CODE static void guest_ud(void)
{
	asm volatile("ud2");
	GUEST_DONE();
}

GUEST_CODE static void guest_id(uint64_t id)
{
	for (int i = 0; i < 3; i++)
		GUEST_SYNC(SUB_ID, id, i, guest_percpu()->id);
}

static void check_long_mode(void)
{
	if (!kmat_caps()->kvm)
		ktap_skip(KTAP_SKIP_NO_KVM, NULL);
}

static void case_args(const void *arg)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	check_long_mode();
	vm = vm_create(KVM_X86_DEFAULT_VM);
	vcpu = vm_vcpu_add(vm, guest_args);
	vcpu_args_set(vcpu, 6, 1ULL, 2ULL, 3ULL, 0xf0ULL, 0x0fULL, 0x100ULL);
	vcpu_expect_sync(vcpu, SUB_ARGS, &uc);
	KMAT_ASSERT_EQ(uc.args[1], 6);
	KMAT_ASSERT_EQ(uc.args[2], 0x1ff);
	/* PRINTF is echoed by vcpu_run_ucall(); the raw loop sees it here. */
	KMAT_ASSERT_EQ(vcpu_run(vcpu), KVM_EXIT_IO);
	KMAT_ASSERT_EQ(vcpu_get_ucall(vcpu, &uc), UCALL_PRINTF);
	KMAT_ASSERT(!strcmp(uc.buf, "hello from -42 0xabc"), "printf gave '%s'", uc.buf);
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static void case_image(const void *arg)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	check_long_mode();
	/* Host-side changes reach the guest only through sync_global_to_guest(). */
	data_word = 0xdead;
	bss_word = 0xbeef;
	synced_word = 0x5151;
	vm = vm_create(KVM_X86_DEFAULT_VM);
	sync_global_to_guest(vm, synced_word);
	vcpu = vm_vcpu_add(vm, guest_image);
	vcpu_expect_sync(vcpu, SUB_IMAGE, &uc);
	KMAT_ASSERT_EQ(uc.args[1], 1);
	KMAT_ASSERT_EQ(uc.args[2], 0x1122334455667788ULL);
	KMAT_ASSERT_EQ(uc.args[3], 0);
	vcpu_expect_sync(vcpu, SUB_SYNCED, &uc);
	KMAT_ASSERT_EQ(uc.args[1], 0x5151);
	/* Returning from the guest function reports DONE. */
	vcpu_expect_done(vcpu);
	vm_free(vm);
}

static void case_abort(const void *arg)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	check_long_mode();
	vm = vm_create(KVM_X86_DEFAULT_VM);
	vcpu = vm_vcpu_add(vm, guest_assert_fails);
	vcpu_args_set(vcpu, 1, 5ULL);
	KMAT_ASSERT_EQ(vcpu_run(vcpu), KVM_EXIT_IO);
	KMAT_ASSERT_EQ(vcpu_get_ucall(vcpu, &uc), UCALL_ABORT);
	KMAT_ASSERT(strstr(uc.buf, "guest_test.c:") && strstr(uc.buf, "x == 7: x is 5"),
		    "abort text '%s'", uc.buf);
	vm_free(vm);
}

static void expect_exception(void *fn, uint64_t vector, bool check_cr2)
{
	struct kvm_vm *vm = vm_create(KVM_X86_DEFAULT_VM);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, fn);
	struct ucall uc;

	KMAT_ASSERT_EQ(vcpu_run(vcpu), KVM_EXIT_IO);
	KMAT_ASSERT_EQ(vcpu_get_ucall(vcpu, &uc), UCALL_EXCEPTION);
	KMAT_ASSERT_EQ(uc.args[0], vector);
	KMAT_ASSERT(uc.args[2] >= (uintptr_t)fn && uc.args[2] < (uintptr_t)fn + 64,
		    "exception rip 0x%llx not in %p", (unsigned long long)uc.args[2], fn);
	if (check_cr2)
		KMAT_ASSERT_EQ(uc.args[3], 0);
	vm_free(vm);
}

static void case_exception_pf(const void *arg)
{
	check_long_mode();
	expect_exception(guest_null_deref, 14, true);
}

static void case_exception_ud(const void *arg)
{
	check_long_mode();
	expect_exception(guest_ud, 6, false);
}

static void case_vcpus(const void *arg)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *v[4];
	struct ucall uc;

	check_long_mode();
	vm = vm_create(KVM_X86_DEFAULT_VM);
	for (int i = 0; i < 4; i++) {
		v[i] = vm_vcpu_add(vm, guest_id);
		vcpu_args_set(v[i], 1, (uint64_t)i + 100);
	}
	/* Interleave: each vCPU keeps its own stack and progress. */
	for (int round = 0; round < 3; round++)
		for (int i = 3; i >= 0; i--) {
			vcpu_expect_sync(v[i], SUB_ID, &uc);
			KMAT_ASSERT_EQ(uc.args[1], i + 100);
			KMAT_ASSERT_EQ(uc.args[2], round);
			KMAT_ASSERT_EQ(uc.args[3], v[i]->id); /* its own per-vCPU block */
		}
	for (int i = 0; i < 4; i++)
		vcpu_expect_done(v[i]);
	vm_free(vm);
}

/* The guest reports its progress through an access pattern without exiting. */
static void case_progress(const void *arg)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct ucall uc;
	uint64_t done, total;

	check_long_mode();
	vm = vm_create(KVM_X86_DEFAULT_VM);
	vm_memslot_add(vm, 1, 1ULL << 30, 5000 * KMAT_PAGE_SIZE, BACKING_ANON);
	vcpu = vm_vcpu_add(vm, guest_touch_then_sync);
	vcpu_progress(vcpu, &done, &total);
	KMAT_ASSERT(done == 0 && total == 0, "fresh progress %llu/%llu", (unsigned long long)done,
		    (unsigned long long)total);
	vcpu_args_set(vcpu, 2, 1ULL << 30, 5000ULL);
	vcpu_expect_sync(vcpu, SUB_ARGS, &uc);
	vcpu_progress(vcpu, &done, &total);
	KMAT_ASSERT(done == 5000 && total == 5000, "progress %llu/%llu",
		    (unsigned long long)done, (unsigned long long)total);
	vm_free(vm);
}

static void case_printf_format(const void *arg)
{
	char buf[64];
	int n = guest_snprintf(buf, sizeof(buf), "[%5d|%s|%08x|%lu|%c|%%|%s|%q]", 42, "ab",
			       0xbeefU, 18446744073709551615ULL, 'z', (char *)NULL);

	KMAT_ASSERT(!strcmp(buf, "[   42|ab|0000beef|18446744073709551615|z|%|(null)|%q]"),
		    "got '%s'", buf);
	KMAT_ASSERT_EQ(n, strlen(buf));
	/* Truncation keeps the terminator and reports the full length. */
	n = guest_snprintf(buf, 4, "abcdef");
	KMAT_ASSERT(!strcmp(buf, "abc") && n == 6, "truncated to '%s' (%d)", buf, n);
}

int main(int argc, char **argv)
{
	ktap_add("guest.ucall.args_printf", case_args, NULL);
	ktap_add("guest.image.globals", case_image, NULL);
	ktap_add("guest.assert.reported", case_abort, NULL);
	ktap_add("guest.exception.page_fault", case_exception_pf, NULL);
	ktap_add("guest.exception.invalid_opcode", case_exception_ud, NULL);
	ktap_add("guest.vcpus.interleaved", case_vcpus, NULL);
	ktap_add("guest.printf.format", case_printf_format, NULL);
	ktap_add("guest.progress.touch", case_progress, NULL);
	ktap_parse_args(argc, argv, NULL);
	ktap_header();
	kmat_caps_banner();
	return ktap_run();
}
