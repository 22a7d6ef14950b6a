// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CREATE_GUEST_MEMFD argument checks (kvm_gmem_create()): flags must be in the VM-scope
 * KVM_CAP_GUEST_MEMFD_FLAGS mask, and the size positive and page aligned.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "abi.h"
#include "caps.h"
#include "gmem.h"
#include "ktap.h"

static struct kvm_vm *gmem_vm(unsigned long type)
{
	require_gmem(type);
	return vm_create_bare(type);
}

static void case_flag_bit(const void *p)
{
	const struct abi_arg *a = p;
	struct kvm_vm *vm = gmem_vm(a->type);
	uint64_t offered = kmat_caps()->vm[a->type].gmem_flags;
	int fd;

	if (a->value & ~offered) {
		KMAT_ASSERT_ERRNO_MSG(__vm_create_guest_memfd(vm, SZ_2M, a->value), EINVAL,
				      "flags 0x%llx, %s offers 0x%llx", (unsigned long long)a->value,
				      kvm_vm_type_name(a->type), (unsigned long long)offered);
	} else {
		fd = __vm_create_guest_memfd(vm, SZ_2M, a->value);
		KMAT_ASSERT(fd >= 0, "offered flag 0x%llx refused", (unsigned long long)a->value);
		close(fd);
	}
	vm_free(vm);
}

static void case_flags_unlisted(const void *p)
{
	const struct abi_arg *a = p;
	struct kvm_vm *vm = gmem_vm(a->type);
	uint64_t flags = ~kmat_caps()->vm[a->type].gmem_flags;

	KMAT_ASSERT_ERRNO(__vm_create_guest_memfd(vm, SZ_2M, flags), EINVAL);
	vm_free(vm);
}

struct size_row {
	const char *name;
	uint64_t size;
	int err;
};

static const struct size_row size_rows[] = {
	{ "zero", 0, EINVAL },
	{ "unaligned_1", 1, EINVAL },
	{ "unaligned_2048", 2048, EINVAL },
	{ "unaligned_4095", 4095, EINVAL },
	{ "page_plus_1", KMAT_PAGE_SIZE + 1, EINVAL },
	{ "negative", 1ULL << 63, EINVAL },      /* loff_t < 0 */
	{ "max", 0ULL - KMAT_PAGE_SIZE, EINVAL }, /* page aligned, but negative */
	{ "one_page", KMAT_PAGE_SIZE, 0 },
	{ "two_megabytes", SZ_2M, 0 },
	{ "odd_pages", 3 * KMAT_PAGE_SIZE, 0 },
};

static void case_size(const void *p)
{
	const struct abi_arg *a = p;
	const struct size_row *r = a->row;
	struct kvm_vm *vm = gmem_vm(a->type);
	struct stat st;
	int fd;

	if (r->err) {
		KMAT_ASSERT_ERRNO_MSG(__vm_create_guest_memfd(vm, r->size, 0), r->err,
				      "size 0x%llx", (unsigned long long)r->size);
	} else {
		fd = __vm_create_guest_memfd(vm, r->size, 0);
		KMAT_ASSERT(fd >= 0, "size 0x%llx refused", (unsigned long long)r->size);
		KMAT_ASSERT(fstat(fd, &st) == 0, "fstat guest_memfd");
		KMAT_ASSERT_EQ(st.st_size, r->size);
		close(fd);
	}
	vm_free(vm);
}

void abi_register_gmem(void)
{
	for (int t = 0; t < abi_nr_vm_types; t++) {
		unsigned long type = abi_vm_types[t];
		const char *vt = kvm_vm_type_name(type);

		for (int bit = 0; bit < 64; bit++)
			ktap_addf(case_flag_bit, abi_arg(type, 1ULL << bit, NULL),
				  "abi.gmem.flags.bit%d.%s", bit, vt);
		ktap_addf(case_flags_unlisted, abi_arg(type, 0, NULL), "abi.gmem.flags.unlisted.%s",
			  vt);
		for (size_t i = 0; i < ARRAY_SIZE(size_rows); i++)
			ktap_addf(case_size, abi_arg(type, 0, &size_rows[i]), "abi.gmem.size.%s.%s",
				  size_rows[i].name, vt);
	}
}
