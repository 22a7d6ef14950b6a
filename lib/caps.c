// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "backing.h"
#include "caps.h"
#include "ktap.h"
#include "numa_util.h"
#include "x86/processor.h"

static int vm_cap(int vm_fd, long cap)
{
	int r = ioctl(vm_fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

static bool sysfs_yes(const char *path)
{
	char c = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	if (fread(&c, 1, 1, f) != 1)
		c = 0;
	fclose(f);
	return c == 'Y' || c == 'y' || c == '1';
}

static void probe_vm_type(struct kmat_caps *c, unsigned long t)
{
	struct kmat_vm_type_caps *v = &c->vm[t];
	int fd;

	v->offered = t == KVM_X86_DEFAULT_VM ? (!c->vm_types || (c->vm_types & 1))
					     : !!(c->vm_types & (1u << t));
	if (!v->offered)
		return;
	fd = __kvm_create_vm(t);
	if (fd < 0) {
		v->create_errno = errno;
		return;
	}
	v->created = true;
	v->attrs = vm_cap(fd, KVM_CAP_MEMORY_ATTRIBUTES);
	v->gmem = vm_cap(fd, KVM_CAP_GUEST_MEMFD);
	v->gmem_flags = vm_cap(fd, KVM_CAP_GUEST_MEMFD_FLAGS);
	v->prefault = vm_cap(fd, KVM_CAP_PRE_FAULT_MEMORY);
	close(fd);
}

static void probe(struct kmat_caps *c)
{
	struct utsname u;

	memset(c, 0, sizeof(*c));
	if (!uname(&u))
		snprintf(c->release, sizeof(c->release), "%s", u.release);
	c->amd = host_cpu_is_amd();
	snprintf(c->thp, sizeof(c->thp), "%s", thp_mode());
	c->hugetlb_2m_free = hugetlb_free_pages(SZ_2M);
	c->hugetlb_1g_free = hugetlb_free_pages(SZ_1G);
	c->numa_nodes = kmat_numa_nodes();
	c->kvm = __kvm_fd() >= 0;
	if (!c->kvm) {
		c->kvm_errno = errno;
		return;
	}
	c->api_version = ioctl(kvm_fd(), KVM_GET_API_VERSION, 0);
	c->vm_types = kvm_check_cap(KVM_CAP_VM_TYPES);
	c->sys_attrs = kvm_check_cap(KVM_CAP_MEMORY_ATTRIBUTES);
	c->user_memory2 = kvm_check_cap(KVM_CAP_USER_MEMORY2);
	c->memory_fault_info = kvm_check_cap(KVM_CAP_MEMORY_FAULT_INFO);
	c->binary_stats = kvm_check_cap(KVM_CAP_BINARY_STATS_FD);
	c->gmem = kvm_check_cap(KVM_CAP_GUEST_MEMFD);
	c->gmem_flags = kvm_check_cap(KVM_CAP_GUEST_MEMFD_FLAGS);
	c->prefault = kvm_check_cap(KVM_CAP_PRE_FAULT_MEMORY);
	c->exit_hypercall = kvm_check_cap(KVM_CAP_EXIT_HYPERCALL);
	c->sync_regs = kvm_check_cap(KVM_CAP_SYNC_REGS);
	c->tdp = sysfs_yes("/sys/module/kvm_amd/parameters/npt") ||
		 sysfs_yes("/sys/module/kvm_intel/parameters/ept");
	for (unsigned long t = 0; t < KMAT_NR_VM_TYPES; t++)
		probe_vm_type(c, t);
}

const struct kmat_caps *kmat_caps(void)
{
	static struct kmat_caps caps;
	static bool done;

	if (!done) {
		probe(&caps);
		done = true;
	}
	return &caps;
}

void kmat_caps_banner(void)
{
	const struct kmat_caps *c = kmat_caps();
	char types[128] = "", attrs[256] = "", gmem[256] = "";
	size_t tn = 0, an = 0, gn = 0;

	ktap_diag("caps: kernel %s, cpu %s, /dev/kvm %s", c->release, c->amd ? "AMD" : "Intel",
		  c->kvm ? "ok" : strerror(c->kvm_errno));
	if (!c->kvm)
		return;
	for (unsigned long t = 0; t < KMAT_NR_VM_TYPES; t++) {
		const struct kmat_vm_type_caps *v = &c->vm[t];

		if (!v->offered)
			continue;
		tn += snprintf(types + tn, sizeof(types) - tn, " %s", kvm_vm_type_name(t));
		if (!v->created) {
			an += snprintf(attrs + an, sizeof(attrs) - an, "; %s create failed (%s)",
				       kvm_vm_type_name(t), kmat_errno_name(v->create_errno));
			continue;
		}
		an += snprintf(attrs + an, sizeof(attrs) - an, "; %s 0x%llx", kvm_vm_type_name(t),
			       (unsigned long long)v->attrs);
		gn += snprintf(gmem + gn, sizeof(gmem) - gn, "; %s %s flags 0x%llx",
			       kvm_vm_type_name(t), v->gmem ? "yes" : "no",
			       (unsigned long long)v->gmem_flags);
	}
	ktap_diag("caps: KVM API %d, vm types 0x%x:%s", c->api_version, c->vm_types, types);
	ktap_diag("caps: memory attributes: system 0x%llx%s", (unsigned long long)c->sys_attrs,
		  attrs);
	ktap_diag("caps: guest_memfd: system %s flags 0x%llx%s", c->gmem ? "yes" : "no",
		  (unsigned long long)c->gmem_flags, gmem);
	ktap_diag("caps: user_memory2 %d, memory_fault_info %d, exit_hypercall 0x%llx, "
		  "pre_fault %d, binary_stats %d, sync_regs 0x%x, tdp %s",
		  c->user_memory2, c->memory_fault_info, (unsigned long long)c->exit_hypercall,
		  c->prefault, c->binary_stats, c->sync_regs, c->tdp ? "yes" : "no");
	ktap_diag("caps: hugepages: thp %s, 2M free %ld, 1G free %ld; numa nodes %d", c->thp,
		  c->hugetlb_2m_free, c->hugetlb_1g_free, c->numa_nodes);
}

void require_vm_type(unsigned long type)
{
	const struct kmat_caps *c = kmat_caps();

	if (!c->kvm)
		ktap_skip(KTAP_SKIP_NO_KVM, NULL);
	if (!c->vm[type].offered || !c->vm[type].created)
		ktap_skip(KTAP_SKIP_NO_VM_TYPE, "%s", kvm_vm_type_name(type));
}

void require_attr_ioctl(void)
{
	/* With CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES, system scope reports PRIVATE. */
	if (!kmat_caps()->sys_attrs)
		ktap_skip(KTAP_SKIP_NO_ATTR_IOCTL, NULL);
}

void require_private(unsigned long type)
{
	require_vm_type(type);
	require_attr_ioctl();
	if (!(kmat_caps()->vm[type].attrs & KVM_MEMORY_ATTRIBUTE_PRIVATE))
		ktap_skip(KTAP_SKIP_NO_PRIVATE, "%s", kvm_vm_type_name(type));
}

void require_gmem(unsigned long type)
{
	require_vm_type(type);
	if (!kmat_caps()->vm[type].gmem)
		ktap_skip(KTAP_SKIP_NO_GMEM, "%s", kvm_vm_type_name(type));
}

void require_exit_hypercall(void)
{
	if (!(kmat_caps()->exit_hypercall & (1ULL << KVM_HC_MAP_GPA_RANGE)))
		ktap_skip(KTAP_SKIP_NO_EXIT_HYPERCALL, NULL);
}

void require_prefault(unsigned long type)
{
	require_vm_type(type);
	if (!kmat_caps()->vm[type].prefault)
		ktap_skip(KTAP_SKIP_NO_PREFAULT, "%s", kvm_vm_type_name(type));
}

void require_tdp(void)
{
	if (!kmat_caps()->tdp)
		ktap_skip(KTAP_SKIP_NO_TDP, NULL);
}

void require_numa_nodes(int n)
{
	int have = kmat_caps()->numa_nodes;

	if (!have)
		ktap_skip(KTAP_SKIP_NO_NUMA, NULL);
	if (have < n)
		ktap_skip(KTAP_SKIP_SINGLE_NODE, "%d of %d", have, n);
}
