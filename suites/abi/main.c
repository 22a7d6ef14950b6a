// SPDX-License-Identifier: GPL-2.0
/*
 * suites/abi: conformance of the memory-attribute ioctl ABI and guest_memfd creation.
 * Guards the argument checks of kvm_vm_ioctl_set_mem_attributes() and kvm_gmem_create()
 * (virt/kvm/kvm_main.c, virt/kvm/guest_memfd.c), and that every capability agrees with what
 * the ioctls then accept. Expected results come from the VM-scope capability, never from a
 * guess about the host.
 */
#include <stdlib.h>

#include "abi.h"
#include "caps.h"
#include "ktap.h"

const unsigned long abi_vm_types[] = { KVM_X86_DEFAULT_VM, KVM_X86_SW_PROTECTED_VM };
const int abi_nr_vm_types = ARRAY_SIZE(abi_vm_types);

const struct abi_arg *abi_arg(unsigned long type, uint64_t value, const void *row)
{
	struct abi_arg *a = malloc(sizeof(*a));

	if (!a)
		abort();
	a->type = type;
	a->value = value;
	a->row = row;
	return a;
}

int main(int argc, char **argv)
{
	abi_register_attrs();
	abi_register_gmem();
	abi_register_caps();
	ktap_parse_args(argc, argv, NULL);
	ktap_header();
	kmat_caps_banner();
	return ktap_run();
}
