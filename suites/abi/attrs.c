// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_MEMORY_ATTRIBUTES argument checks: flags (must be 0), attribute bits (must be in the
 * VM-scope mask), the range (non-empty, page aligned, no wrap past 2^64), the argument pointer,
 * and the fd the ioctl is issued on. Every rejection is followed by a call that must succeed.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "abi.h"
#include "attrs.h"
#include "caps.h"
#include "gmem.h"
#include "ktap.h"
#include "vcpu.h"

struct kvm_vm *abi_attr_vm(unsigned long type)
{
	require_vm_type(type);
	require_attr_ioctl();
	return vm_create_bare(type);
}

uint64_t abi_valid_attrs(unsigned long type)
{
	return kmat_caps()->vm[type].attrs & KVM_MEMORY_ATTRIBUTE_PRIVATE;
}

void abi_check_usable(struct kvm_vm *vm)
{
	uint64_t attrs = abi_valid_attrs(vm->type);

	KMAT_ASSERT(__kvm_set_memory_attributes(vm->fd, ABI_GPA, KMAT_PAGE_SIZE, attrs, 0) == 0,
		    "ioctl unusable after a rejection (attrs 0x%llx)", (unsigned long long)attrs);
	KMAT_ASSERT(__kvm_set_memory_attributes(vm->fd, ABI_GPA, KMAT_PAGE_SIZE, 0, 0) == 0,
		    "ioctl unusable after a rejection (attrs 0)");
}

static void expect_einval(struct kvm_vm *vm, uint64_t gpa, uint64_t size, uint64_t attrs,
			  uint64_t flags)
{
	KMAT_ASSERT_ERRNO_MSG(__kvm_set_memory_attributes(vm->fd, gpa, size, attrs, flags), EINVAL,
			      "gpa 0x%llx size 0x%llx attrs 0x%llx flags 0x%llx",
			      (unsigned long long)gpa, (unsigned long long)size,
			      (unsigned long long)attrs, (unsigned long long)flags);
	abi_check_usable(vm);
}

/* flags: reserved, every bit must be refused, even alongside valid attributes. */
static void case_flags(const void *p)
{
	const struct abi_arg *a = p;
	struct kvm_vm *vm = abi_attr_vm(a->type);

	expect_einval(vm, ABI_GPA, KMAT_PAGE_SIZE, abi_valid_attrs(a->type), a->value);
	vm_free(vm);
}

/* Each attribute bit: accepted exactly when the VM-scope capability lists it. */
static void case_attr_bit(const void *p)
{
	const struct abi_arg *a = p;
	struct kvm_vm *vm = abi_attr_vm(a->type);
	uint64_t bit = a->value;

	if (kmat_caps()->vm[a->type].attrs & bit) {
		vm_set_memory_attributes(vm, ABI_GPA, KMAT_PAGE_SIZE, bit);
		vm_set_memory_attributes(vm, ABI_GPA, KMAT_PAGE_SIZE, 0);
	} else {
		expect_einval(vm, ABI_GPA, KMAT_PAGE_SIZE, bit, 0);
	}
	vm_free(vm);
}

/* Unsupported bits mixed in: any one of them must sink the whole call. */
static void case_attr_mix(const void *p)
{
	const struct abi_arg *a = p;
	struct kvm_vm *vm = abi_attr_vm(a->type);
	uint64_t unsupported = a->value & ~kmat_caps()->vm[a->type].attrs;

	KMAT_ASSERT(unsupported, "mix 0x%llx has no unsupported bit", (unsigned long long)a->value);
	expect_einval(vm, ABI_GPA, KMAT_PAGE_SIZE, a->value, 0);
	vm_free(vm);
}

struct range_row {
	const char *name;
	uint64_t gpa, size;
	int err; /* 0: must succeed */
};

#define TOP (0ULL - KMAT_PAGE_SIZE) /* the last page of the 64-bit space */
static const struct range_row range_rows[] = {
	{ "size_zero", ABI_GPA, 0, EINVAL },
	{ "addr_unaligned_1", ABI_GPA + 1, KMAT_PAGE_SIZE, EINVAL },
	{ "addr_unaligned_2048", ABI_GPA + 2048, KMAT_PAGE_SIZE, EINVAL },
	{ "addr_unaligned_4095", ABI_GPA + 4095, KMAT_PAGE_SIZE, EINVAL },
	{ "size_unaligned_1", ABI_GPA, 1, EINVAL },
	{ "size_unaligned_2048", ABI_GPA, 2048, EINVAL },
	{ "size_unaligned_4095", ABI_GPA, 4095, EINVAL },
	{ "size_unaligned_page_plus_1", ABI_GPA, KMAT_PAGE_SIZE + 1, EINVAL },
	{ "both_unaligned", ABI_GPA + 2048, 2048, EINVAL },
	/* address + size wraps past 2^64 */
	{ "overflow_two_pages", TOP, 2 * KMAT_PAGE_SIZE, EINVAL },
	{ "overflow_top_page", TOP, KMAT_PAGE_SIZE, EINVAL },
	{ "overflow_max_size", KMAT_PAGE_SIZE, TOP, EINVAL },
	{ "overflow_half_space", 1ULL << 63, 1ULL << 63, EINVAL },
	/* legal: the highest page that does not wrap, and ranges no memslot covers */
	{ "highest_page", TOP - KMAT_PAGE_SIZE, KMAT_PAGE_SIZE, 0 },
	{ "no_memslot_page", 1ULL << 40, KMAT_PAGE_SIZE, 0 },
	{ "no_memslot_2m", 1ULL << 40, SZ_2M, 0 },
	{ "no_memslot_gpa_zero", 0, KMAT_PAGE_SIZE, 0 },
	{ "beyond_maxphyaddr", 1ULL << 52, KMAT_PAGE_SIZE, 0 },
};

static void case_range(const void *p)
{
	const struct abi_arg *a = p;
	const struct range_row *r = a->row;
	struct kvm_vm *vm = abi_attr_vm(a->type);
	uint64_t attrs = abi_valid_attrs(a->type);

	if (r->err) {
		expect_einval(vm, r->gpa, r->size, attrs, 0);
	} else {
		vm_set_memory_attributes(vm, r->gpa, r->size, attrs);
		vm_set_memory_attributes(vm, r->gpa, r->size, 0);
		abi_check_usable(vm);
	}
	vm_free(vm);
}

enum ptr_kind { PTR_NULL, PTR_UNMAPPED, PTR_STRADDLE };

/* The kernel copies the argument in first: a bad pointer is EFAULT, whatever else. */
static void case_ptr(const void *p)
{
	const struct abi_arg *a = p;
	struct kvm_vm *vm = abi_attr_vm(a->type);
	uint8_t *pages = mmap(NULL, 2 * KMAT_PAGE_SIZE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_memory_attributes good = { .address = ABI_GPA, .size = KMAT_PAGE_SIZE };
	void *arg = NULL;

	KMAT_ASSERT(pages != MAP_FAILED, "mmap");
	switch (a->value) {
	case PTR_NULL:
		arg = NULL;
		break;
	case PTR_UNMAPPED:
		munmap(pages, 2 * KMAT_PAGE_SIZE);
		arg = pages;
		break;
	case PTR_STRADDLE:
		/* A valid struct whose last field lies on an unmapped page. */
		munmap(pages + KMAT_PAGE_SIZE, KMAT_PAGE_SIZE);
		arg = pages + KMAT_PAGE_SIZE - sizeof(good) + 8;
		memcpy(arg, &good, sizeof(good) - 8);
		break;
	}
	KMAT_ASSERT_ERRNO(__kvm_set_memory_attributes_ptr(vm->fd, arg), EFAULT);
	abi_check_usable(vm);
	vm_free(vm);
}

/* Only the VM fd knows the ioctl: /dev/kvm and vCPU fds refuse it (kernel: -EINVAL). */
static void case_fd_system(const void *p)
{
	require_vm_type(KVM_X86_DEFAULT_VM);
	KMAT_ASSERT_ERRNO(__kvm_set_memory_attributes(kvm_fd(), ABI_GPA, KMAT_PAGE_SIZE, 0, 0),
			  EINVAL);
}

static void case_fd_vcpu(const void *p)
{
	struct kvm_vm *vm;
	int vcpu;

	require_vm_type(KVM_X86_DEFAULT_VM);
	vm = vm_create_bare(KVM_X86_DEFAULT_VM);
	vcpu = vm_ioctl(vm, KVM_CREATE_VCPU, 0L);
	KMAT_ASSERT_ERRNO(__kvm_set_memory_attributes(vcpu, ABI_GPA, KMAT_PAGE_SIZE, 0, 0),
			  EINVAL);
	close(vcpu);
	vm_free(vm);
}

/* guest_memfd has no ioctls at all: the VFS answers ENOTTY. */
static void case_fd_gmem(const void *p)
{
	struct kvm_vm *vm;
	int fd;

	require_gmem(KVM_X86_DEFAULT_VM);
	vm = vm_create_bare(KVM_X86_DEFAULT_VM);
	fd = vm_create_guest_memfd(vm, SZ_2M, 0);
	KMAT_ASSERT_ERRNO(__kvm_set_memory_attributes(fd, 0, KMAT_PAGE_SIZE, 0, 0), ENOTTY);
	close(fd);
	vm_free(vm);
}

/*
 * Without support the ioctl must be refused, in the way the capability predicts: no system
 * mask means the ioctl does not exist (ENOTTY, even for attributes 0); a VM type whose mask
 * lacks PRIVATE refuses PRIVATE with EINVAL but accepts 0.
 */
static void case_nosupport(const void *p)
{
	const struct abi_arg *a = p;
	const struct kmat_caps *c = kmat_caps();
	struct kvm_vm *vm;
	int rc;

	require_vm_type(a->type);
	vm = vm_create_bare(a->type);
	ktap_diag("system mask 0x%llx, %s mask 0x%llx", (unsigned long long)c->sys_attrs,
		  kvm_vm_type_name(a->type), (unsigned long long)c->vm[a->type].attrs);
	rc = __kvm_set_memory_attributes(vm->fd, ABI_GPA, KMAT_PAGE_SIZE,
					 KVM_MEMORY_ATTRIBUTE_PRIVATE, 0);
	if (!c->sys_attrs) {
		KMAT_ASSERT_ERRNO(rc, ENOTTY);
		KMAT_ASSERT_ERRNO(__kvm_set_memory_attributes(vm->fd, ABI_GPA, KMAT_PAGE_SIZE, 0, 0),
				  ENOTTY);
	} else if (!(c->vm[a->type].attrs & KVM_MEMORY_ATTRIBUTE_PRIVATE)) {
		KMAT_ASSERT_ERRNO(rc, EINVAL);
		abi_check_usable(vm);
	} else {
		KMAT_ASSERT(rc == 0, "PRIVATE is in the VM mask but was refused");
		abi_check_usable(vm);
	}
	vm_free(vm);
}

void abi_register_attrs(void)
{
	for (int t = 0; t < abi_nr_vm_types; t++) {
		unsigned long type = abi_vm_types[t];
		const char *vt = kvm_vm_type_name(type);

		for (int bit = 0; bit < 64; bit++)
			ktap_addf(case_flags, abi_arg(type, 1ULL << bit, NULL), "abi.flags.bit%d.%s",
				  bit, vt);
		ktap_addf(case_flags, abi_arg(type, ~0ULL, NULL), "abi.flags.all.%s", vt);
		ktap_addf(case_flags, abi_arg(type, 0x8000000000000001ULL, NULL),
			  "abi.flags.mix.%s", vt);
		for (int bit = 0; bit < 64; bit++)
			ktap_addf(case_attr_bit, abi_arg(type, 1ULL << bit, NULL),
				  "abi.attrs.bit%d.%s", bit, vt);
		ktap_addf(case_attr_mix, abi_arg(type, ~0ULL, NULL), "abi.attrs.all.%s", vt);
		ktap_addf(case_attr_mix, abi_arg(type, KVM_MEMORY_ATTRIBUTE_PRIVATE | (1ULL << 4), NULL),
			  "abi.attrs.private_plus_bit4.%s", vt);
		ktap_addf(case_attr_mix, abi_arg(type, KVM_MEMORY_ATTRIBUTE_PRIVATE | (1ULL << 63), NULL),
			  "abi.attrs.private_plus_bit63.%s", vt);
		for (size_t i = 0; i < ARRAY_SIZE(range_rows); i++)
			ktap_addf(case_range, abi_arg(type, 0, &range_rows[i]), "abi.range.%s.%s",
				  range_rows[i].name, vt);
		ktap_addf(case_ptr, abi_arg(type, PTR_NULL, NULL), "abi.ptr.null.%s", vt);
		ktap_addf(case_ptr, abi_arg(type, PTR_UNMAPPED, NULL), "abi.ptr.unmapped.%s", vt);
		ktap_addf(case_ptr, abi_arg(type, PTR_STRADDLE, NULL), "abi.ptr.straddle.%s", vt);
	}
	ktap_add("abi.fd.system", case_fd_system, NULL);
	ktap_add("abi.fd.vcpu", case_fd_vcpu, NULL);
	ktap_add("abi.fd.guest_memfd", case_fd_gmem, NULL);
	for (unsigned long t = 0; t < KMAT_NR_VM_TYPES; t++)
		ktap_addf(case_nosupport, abi_arg(t, 0, NULL), "abi.nosupport.private.%s",
			  kvm_vm_type_name(t));
}
