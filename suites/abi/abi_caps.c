// SPDX-License-Identifier: GPL-2.0
/*
 * Capability consistency: what /dev/kvm and each VM fd report must agree with each other and
 * with what KVM_CREATE_VM accepts. A VM mask outside the system mask, or an advertised VM type
 * that cannot be created, misleads every VMM that probes before it acts.
 */
#include <unistd.h>

#include "abi.h"
#include "caps.h"
#include "ktap.h"

static void case_vm_subset(const void *p)
{
	const struct abi_arg *a = p;
	const struct kmat_caps *c = kmat_caps();
	uint64_t vm_mask, extra;

	require_vm_type(a->type);
	vm_mask = c->vm[a->type].attrs;
	extra = vm_mask & ~c->sys_attrs;
	ktap_diag("system 0x%llx, %s 0x%llx", (unsigned long long)c->sys_attrs,
		  kvm_vm_type_name(a->type), (unsigned long long)vm_mask);
	KMAT_ASSERT(!extra, "VM-scope attributes 0x%llx are not in the system mask",
		    (unsigned long long)extra);
}

static void case_gmem_subset(const void *p)
{
	const struct abi_arg *a = p;
	const struct kmat_caps *c = kmat_caps();
	uint64_t extra;

	require_gmem(a->type);
	extra = c->vm[a->type].gmem_flags & ~c->gmem_flags;
	ktap_diag("system 0x%llx, %s 0x%llx", (unsigned long long)c->gmem_flags,
		  kvm_vm_type_name(a->type), (unsigned long long)c->vm[a->type].gmem_flags);
	KMAT_ASSERT(!extra, "VM-scope guest_memfd flags 0x%llx are not in the system mask",
		    (unsigned long long)extra);
}

/* Listed types must be creatable; the others must give EINVAL. */
static void case_vm_type_create(const void *p)
{
	const struct abi_arg *a = p;
	const struct kmat_caps *c = kmat_caps();
	bool listed = a->type == KVM_X86_DEFAULT_VM ? (!c->vm_types || (c->vm_types & 1))
						    : a->type < 64 && (c->vm_types & (1ULL << a->type));
	int fd;

	if (!c->kvm)
		ktap_skip(KTAP_SKIP_NO_KVM, NULL);
	ktap_diag("KVM_CAP_VM_TYPES 0x%x, type %lu %s", c->vm_types, a->type,
		  listed ? "listed" : "unlisted");
	fd = __kvm_create_vm(a->type);
	if (listed) {
		KMAT_ASSERT(fd >= 0, "listed VM type %lu cannot be created", a->type);
		close(fd);
	} else {
		KMAT_ASSERT_ERRNO(fd, EINVAL);
	}
}

/* Attribute bits the kernel knows beyond PRIVATE would need new cases here. */
static void case_system_attrs_known(const void *p)
{
	uint64_t unknown = kmat_caps()->sys_attrs & ~KVM_MEMORY_ATTRIBUTE_PRIVATE;

	if (!kmat_caps()->kvm)
		ktap_skip(KTAP_SKIP_NO_KVM, NULL);
	KMAT_ASSERT(!unknown, "system mask has attribute bits kmat does not cover: 0x%llx",
		    (unsigned long long)unknown);
}

void abi_register_caps(void)
{
	static const unsigned long bad_types[] = { 6, 7, 8, 16, 31, 32, 63, 64, ~0UL };

	for (unsigned long t = 0; t < KMAT_NR_VM_TYPES; t++) {
		const char *vt = kvm_vm_type_name(t);

		ktap_addf(case_vm_subset, abi_arg(t, 0, NULL), "abi.caps.attrs_subset.%s", vt);
		ktap_addf(case_gmem_subset, abi_arg(t, 0, NULL), "abi.caps.gmem_flags_subset.%s",
			  vt);
		ktap_addf(case_vm_type_create, abi_arg(t, 0, NULL), "abi.caps.vm_type.%s", vt);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_types); i++) {
		if (bad_types[i] == ~0UL)
			ktap_add("abi.caps.vm_type.unlisted_max", case_vm_type_create,
				 abi_arg(bad_types[i], 0, NULL));
		else
			ktap_addf(case_vm_type_create, abi_arg(bad_types[i], 0, NULL),
				  "abi.caps.vm_type.unlisted_%lu", bad_types[i]);
	}
	ktap_add("abi.caps.system_attrs_known", case_system_attrs_known, NULL);
}
